filedesc://x.arc 0.0.0.0 20140216050221 text/plain 75
1 0 LiveWeb Capture
URL IP-address Archive-date Content-type Archive-length

http://example.com/a b 1.2.3.4 20140216050221 text/html 4
body

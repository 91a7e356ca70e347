filedesc://y.arc 0.0.0.0 20140216050221 text/plain -1
2 0 Alexa
URL IP-address Archive-date Content-type Result-code Checksum Location Offset Filename Archive-length

http://example.com/ 1.2.3.4 20140216050221 text/html 200 - - 0 y.arc 19
HTTP/1.0 200 OK



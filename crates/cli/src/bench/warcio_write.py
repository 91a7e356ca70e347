"""annals bench: write the records of SPEC with warcio, timing only the writing loop.

SPEC is a sequence of entries, each a header line
    <type>\t<target-uri>\t<warc-date>\t<record-id>\t<concurrent-to or empty>\t<block length>\n
followed by the block (the HTTP message) itself. Prints one JSON object on stdout.
"""

import io
import json
import os
import sys
import time

from warcio.warcwriter import WARCWriter


def main():
    spec, out = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    items = []
    with open(spec, "rb") as f:
        while True:
            line = f.readline()
            if not line:
                break
            kind, uri, date, rid, conc, n = line.rstrip(b"\n").decode("utf-8").split("\t")
            block = f.read(int(n))
            headers = {"WARC-Record-ID": rid, "WARC-Date": date}
            if conc:
                headers["WARC-Concurrent-To"] = conc
            items.append((kind, uri, headers, block))
    load = time.perf_counter() - t0

    t1 = time.perf_counter()
    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for kind, uri, headers, block in items:
            record = writer.create_warc_record(
                uri,
                kind,
                payload=io.BytesIO(block),
                length=len(block),
                warc_headers_dict=headers,
            )
            writer.write_record(record)
    seconds = time.perf_counter() - t1
    print(
        json.dumps(
            {
                "records": len(items),
                "seconds": seconds,
                "load_seconds": load,
                "bytes": os.path.getsize(out),
            }
        )
    )


if __name__ == "__main__":
    main()

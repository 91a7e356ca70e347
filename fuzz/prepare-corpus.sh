#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (git-ignored) with the committed hand-made seeds from fuzz/seeds/
# and with seeds derived from the real archives in $ANNALS_WARC_DATA (default
# /work/shared/data/warc). Those archives are never committed; re-run this to rebuild the corpus.
# Safe to run repeatedly: files are named by content hash, so nothing is duplicated.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
data="${ANNALS_WARC_DATA:-/work/shared/data/warc}"
corpus="$here/corpus"
mkdir -p "$corpus/warc_reader" "$corpus/warc_reader_gzip" "$corpus/surt"


for t in warc_reader warc_reader_gzip surt; do
    cp -f "$here/seeds/$t/"* "$corpus/$t/"
done

if [ ! -d "$data" ]; then
    echo "prepare-corpus: $data not found; using the committed seeds only" >&2
    exit 0
fi

tmpd="$(mktemp -d)"
trap 'rm -rf "$tmpd"' EXIT
n=0
while IFS= read -r -d '' f; do
    name="$(basename "$f")"
    case "$name" in
        *.gz | *.gz.bad)
            # the gzip target in raw mode (mode byte 0 = input used as is)
            { printf '\000'; cat "$f"; } >"$corpus/warc_reader_gzip/real-$n-$name"
            # the plain target gets the decompressed text (as far as it decompresses)
            gzip -dc <"$f" >"$tmpd/plain" 2>/dev/null || true
            if [ -s "$tmpd/plain" ]; then
                cp "$tmpd/plain" "$corpus/warc_reader/real-$n-${name%.gz*}"
            fi
            ;;
        *)
            cp "$f" "$corpus/warc_reader/real-$n-$name"
            # mode byte 3 = the harness gzips each record into its own member
            { printf '\003'; cat "$f"; } >"$corpus/warc_reader_gzip/real-$n-$name"
            ;;
    esac
    n=$((n + 1))
done < <(find "$data" -type f \( -name '*.warc' -o -name '*.arc' -o -name '*.warc.gz' \
    -o -name '*.arc.gz' -o -name '*.gz.bad' \) -print0)

# surt/date target: the URLs and dates the real archives hold, one per file
i=0
find "$data" -type f \( -name '*.warc' -o -name '*.arc' \) -print0 | xargs -0 cat |
    grep -aoE '^(WARC-Target-URI|WARC-Date): [^[:cntrl:]]+' | cut -d' ' -f2- | sort -u | head -300 |
    while IFS= read -r line; do
        printf '%s' "$line" >"$corpus/surt/real-$i"
        i=$((i + 1))
    done
echo "prepare-corpus: $(ls "$corpus/warc_reader" | wc -l) warc_reader, $(ls "$corpus/warc_reader_gzip" | wc -l) warc_reader_gzip, $(ls "$corpus/surt" | wc -l) surt inputs"

#!/usr/bin/env bash
# Bounded fuzzing for CI: runs every fuzz target for a fixed time, one after the other.
#
#   fuzz/run-bounded.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; TARGETs default to all of them. Installs cargo-fuzz when it
# is missing. Uses RUSTC_BOOTSTRAP=1 so a stable toolchain can build with -Zsanitizer=address.
# Exits non-zero as soon as a target crashes, times out, leaks or exceeds the memory limit; the
# reproducer is left in fuzz/artifacts/<target>/ (CI should upload that directory).
# Environment: ANNALS_WARC_DATA (real archives used as seeds, see prepare-corpus.sh),
# FUZZ_RSS_LIMIT_MB (default 2048), FUZZ_SEED (default 1: CI repeats the same mutation
# sequence; pass another seed to explore). Targets run one at a time.
set -euo pipefail

secs="${1:-60}"
shift || true
case "$secs" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run-bounded: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

./prepare-corpus.sh

status=0
for t in "${targets[@]}"; do
    echo "=== $t: ${secs}s ==="
    mkdir -p "corpus/$t" "artifacts/$t"
    if ! cargo fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$secs" \
        -seed="${FUZZ_SEED:-1}" \
        -rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}" \
        -timeout=10 \
        -max_len=65536 \
        -print_final_stats=1; then
        echo "run-bounded: $t FAILED; reproducer(s):" >&2
        ls -1 "artifacts/$t" >&2 || true
        echo "reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run $t fuzz/artifacts/$t/<file>" >&2
        status=1
        break
    fi
done
exit "$status"

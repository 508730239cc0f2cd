#!/usr/bin/env bash
# Runs every target in turn for SECONDS each (default 180) on one core, with inputs of up to
# 1 MiB (so that inputs costing quadratic time are in reach), and prints one line per target:
# how long it ran (more than SECONDS when reading the seed corpus takes longer, less when it
# stopped early), how many inputs it executed, and whether it ended in a crash, a timeout (an
# input taking over 10 s) or running out of memory. The input is kept in
# artifacts/<target>/; copy it to regressions/<target>/ to have `cargo test` replay it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
[ -d corpus ] || ./seed.sh
cargo +nightly fuzz build -O
mkdir -p logs
for target in $(cargo +nightly fuzz list); do
    log="logs/$target.log"
    status=ok
    started=$SECONDS
    cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" -timeout=10 \
        -max_len=1048576 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=crash
    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        status=timeout
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
        status=out-of-memory
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "$target: $((SECONDS - started))s, $runs inputs, $status"
done

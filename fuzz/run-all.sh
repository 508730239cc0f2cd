#!/usr/bin/env bash
# Runs every target for SECONDS each (default 180), LANES targets at a time (default 1, one
# core each), with inputs of up to 1 MiB (so that inputs costing quadratic time are in reach),
# and prints one line per target: how long it ran (more than SECONDS when reading the seed
# corpus takes longer, less when it stopped early), how many inputs it executed, and whether
# it ended in a crash, a timeout (an input taking over 10 s) or running out of memory. The
# input is kept in artifacts/<target>/; copy it to regressions/<target>/ to have `cargo test`
# replay it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
lanes=${2:-1}
[ -d corpus ] || ./seed.sh
cargo +nightly fuzz build -O --no-cfg-fuzzing
mkdir -p logs
run_one() {
    local target=$1 seconds=$2
    local log="logs/$target.log" status=ok started=$SECONDS
    cargo +nightly fuzz run -O --no-cfg-fuzzing "$target" -- -max_total_time="$seconds" \
        -timeout=10 -max_len=1048576 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 ||
        status=crash
    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        status=timeout
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
        status=out-of-memory
    fi
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "$target: $((SECONDS - started))s, $runs inputs, $status"
}
export -f run_one
cargo +nightly fuzz list | xargs -P "$lanes" -I{} bash -c "run_one {} $seconds"

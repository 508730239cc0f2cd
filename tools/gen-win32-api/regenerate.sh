#!/usr/bin/env bash
# Regenerates rules/data/win32-api.tsv, win32-structs.tsv and win32-constants.tsv from windows-sys
# 0.61.2, pinned exactly so that the same sources always give the same tables.
# Needs only cargo and access to crates.io (or windows-sys 0.61.2 in cargo's cache).
#
# regenerate.sh --check regenerates into a scratch directory and fails when the result differs
# from the committed tables; when windows-sys cannot be fetched it says so and passes, so an
# offline build is not failed for want of a network.
set -euo pipefail

windows_sys_version="0.61.2"

check=false
case "${1:-}" in
    "") ;;
    --check) check=true ;;
    *)
        echo "usage: regenerate.sh [--check]" >&2
        exit 2
        ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$repo_root/rules/data"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# A throw-away project whose only purpose is to make cargo download windows-sys;
# `cargo fetch` unpacks the whole crate whatever features are enabled.
mkdir -p "$scratch/src"
: > "$scratch/src/lib.rs"
cat > "$scratch/Cargo.toml" <<EOF
[package]
name = "fetch-windows-sys"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
windows-sys = "=$windows_sys_version"

[workspace]
EOF

# The cache is tried first: a crate once downloaded needs no network.
if ! cargo fetch --quiet --offline --manifest-path "$scratch/Cargo.toml" 2>/dev/null &&
    ! cargo fetch --manifest-path "$scratch/Cargo.toml"; then
    if $check; then
        echo "regenerate.sh: skipped: windows-sys $windows_sys_version could not be fetched (no network?)" >&2
        exit 0
    fi
    echo "regenerate.sh: windows-sys $windows_sys_version could not be fetched" >&2
    exit 1
fi

# cargo metadata prints one line of JSON; its windows-sys package's manifest_path is the
# only one ending in /windows-sys-<version>/Cargo.toml.
manifest="$(
    cargo metadata --offline --format-version 1 --manifest-path "$scratch/Cargo.toml" |
        grep -o "\"manifest_path\":\"[^\"]*/windows-sys-$windows_sys_version/Cargo.toml\"" |
        head -n 1 |
        sed -e 's/^"manifest_path":"//' -e 's/"$//'
)"
if [[ -z "$manifest" ]]; then
    echo "regenerate.sh: windows-sys not found in cargo metadata" >&2
    exit 1
fi
windows_sys_dir="$(dirname "$manifest")"
echo "regenerate.sh: reading $windows_sys_dir" >&2

cd "$repo_root"
mkdir -p "$data"
# Write to temporary files first so that a failed run leaves the old tables in place. The debug
# build writes the same tables as a release build, and reuses the dependencies a test run built.
cargo run --quiet -p gen-win32-api -- "$windows_sys_dir" \
    "$scratch/win32-api.tsv" "$scratch/win32-structs.tsv" "$scratch/win32-constants.tsv"
if $check; then
    stale=false
    for table in win32-api.tsv win32-structs.tsv win32-constants.tsv; do
        if ! cmp -s "$data/$table" "$scratch/$table"; then
            echo "regenerate.sh: rules/data/$table differs from what windows-sys $windows_sys_version gives:" >&2
            diff -u "$data/$table" "$scratch/$table" | head -n 40 >&2 || true
            stale=true
        fi
    done
    if $stale; then
        echo "regenerate.sh: run tools/gen-win32-api/regenerate.sh and commit the tables" >&2
        exit 1
    fi
    echo "regenerate.sh: the tables match windows-sys $windows_sys_version" >&2
    exit 0
fi
for table in win32-api.tsv win32-structs.tsv win32-constants.tsv; do
    mv "$scratch/$table" "$data/$table"
    echo "regenerate.sh: wrote $data/$table ($(wc -l < "$data/$table") lines)" >&2
done

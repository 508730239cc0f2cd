#!/usr/bin/env bash
# Regenerates rules/data/win32-api.tsv and rules/data/win32-structs.tsv from the latest
# windows-sys 0.61.x release.
# Needs only cargo and access to crates.io.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$repo_root/rules/data"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# A throw-away project whose only purpose is to make cargo download windows-sys;
# `cargo fetch` unpacks the whole crate whatever features are enabled.
mkdir -p "$scratch/src"
: > "$scratch/src/lib.rs"
cat > "$scratch/Cargo.toml" <<'EOF'
[package]
name = "fetch-windows-sys"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
windows-sys = "0.61"

[workspace]
EOF

cargo fetch --manifest-path "$scratch/Cargo.toml"

# cargo metadata prints one line of JSON; its windows-sys package's manifest_path is the
# only one ending in /windows-sys-<version>/Cargo.toml.
manifest="$(
    cargo metadata --format-version 1 --manifest-path "$scratch/Cargo.toml" |
        grep -o '"manifest_path":"[^"]*/windows-sys-[0-9][^"/]*/Cargo.toml"' |
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
# Write to temporary files first so that a failed run leaves the old tables in place.
cargo run --release -p gen-win32-api -- "$windows_sys_dir" \
    "$scratch/win32-api.tsv" "$scratch/win32-structs.tsv"
for table in win32-api.tsv win32-structs.tsv; do
    mv "$scratch/$table" "$data/$table"
    echo "regenerate.sh: wrote $data/$table ($(wc -l < "$data/$table") lines)" >&2
done

#!/usr/bin/env bash
# Seeds each target's corpus (corpus/ is not committed) from the fixtures, the rule catalog's
# examples, a sample configuration and baselines written by ptrwidth itself (built from this
# checkout unless PTRWIDTH names a binary).
set -euo pipefail
cd "$(dirname "$0")"
# Named by content, as libFuzzer names what it adds.
keep() {
    local target=$1 file=$2
    mkdir -p "corpus/$target"
    cp "$file" "corpus/$target/$(sha1sum < "$file" | cut -c1-40)"
}
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    local file
    find ../fixtures -type f \( "$@" \) | while read -r file; do keep "$target" "$file"; done
}
seed rust -name '*.rs'
seed c -name '*.c' -o -name '*.h'
seed cpp -name '*.cpp' -o -name '*.hpp' -o -name '*.h'
seed idl -name '*.idl'
seed reg -name '*.reg'
seed rgs -name '*.rgs'
seed wix -name '*.wxs' -o -name '*.wxi'
seed binary -name '*.dll' -o -name '*.exe' -o -name '*.lib' -o -name '*.sys'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The rule catalog's bad and good examples, as files of their language.
mkdir -p "$work/catalog"
python3 - "$work/catalog" <<'EOF'
import pathlib, sys, tomllib
out = pathlib.Path(sys.argv[1])
for rule in sorted(pathlib.Path("../rules").glob("*.toml")):
    for language, examples in tomllib.loads(rule.read_text()).get("examples", {}).items():
        extension = {"rust": "rs"}.get(language, language)
        for which in ("bad", "good"):
            if which in examples:
                (out / f"{rule.stem}-{which}.{extension}").write_text(examples[which])
EOF
for file in "$work"/catalog/*.rs; do keep rust "$file"; done
for file in "$work"/catalog/*.c; do keep c "$file"; done

# Tree targets (`ptrwidth::fuzzing::tree`): NUL-separated files, each led by a byte that is
# the index of its extension in `EXTENSIONS` plus 10 (a 0 would read as a separator);
# binaries are left out, their NUL bytes would split them.
extensions=(rs c h cpp idl dll lib reg rgs wxs)
kind_of() {
    case $1 in
        *.rs) echo 0 ;; *.c) echo 1 ;; *.h) echo 2 ;; *.cpp | *.hpp) echo 3 ;; *.idl) echo 4 ;;
        *.reg) echo 7 ;; *.rgs) echo 8 ;; *.wxs | *.wxi) echo 9 ;; *) echo '' ;;
    esac
}
if [ -n "${PTRWIDTH:-}" ]; then
    ptrwidth=$PTRWIDTH
else
    cargo build --quiet --manifest-path ../Cargo.toml --bin ptrwidth
    ptrwidth=$(cd .. && pwd)/target/debug/ptrwidth
fi
# One tree input from up to six files, for the tree targets; and for `baseline`, a baseline
# ptrwidth wrote for that tree, a NUL and the tree, laid out as the harness lays it out (the
# baseline beside `tree/`).
tree_of() {
    local file kind i=0
    rm -rf "$work/tree" "$work/b"
    mkdir -p "$work/b/tree"
    for file in "$@"; do
        kind=$(kind_of "$file")
        [ -n "$kind" ] && [ $i -lt 6 ] || continue
        [ $i = 0 ] || printf '\000' >> "$work/tree"
        printf "\\$(printf '%03o' $((kind + 10)))" >> "$work/tree"
        tr -d '\000' < "$file" >> "$work/tree"
        tr -d '\000' < "$file" > "$work/b/tree/f$i.${extensions[$kind]}"
        i=$((i + 1))
    done
    [ -s "$work/tree" ] || return 0
    for target in pipeline fix report; do keep "$target" "$work/tree"; done
    (cd "$work/b" && "$ptrwidth" --target x86_64-pc-windows-msvc --target i686-pc-windows-msvc \
        --write-baseline given.json tree >/dev/null 2>&1) || true
    [ -s "$work/b/given.json" ] || return 0
    { cat "$work/b/given.json"; printf '\000'; cat "$work/tree"; } > "$work/baseline"
    keep baseline "$work/baseline"
}
# Each text file alone, and each fixture directory's text files together.
while read -r file; do tree_of "$file"; done < <(find ../fixtures "$work/catalog" -type f | sort)
while read -r dir; do
    mapfile -t files < <(find "$dir" -type f | sort)
    tree_of "${files[@]}"
done < <(find ../fixtures -mindepth 1 -type d | sort)

# cache: a kind byte (an index into the harness's kinds) and a file of that kind.
cache_kind() {
    case $1 in
        *.rs) echo 0 ;; *.c | *.h) echo 1 ;; *.cpp | *.hpp) echo 2 ;; *.idl) echo 3 ;;
        *.reg) echo 4 ;; *.rgs) echo 5 ;; *.wxs | *.wxi) echo 6 ;; *.dll | *.lib | *.exe) echo 7 ;;
        *) echo '' ;;
    esac
}
while read -r file; do
    kind=$(cache_kind "$file")
    [ -n "$kind" ] || continue
    { printf "\\$(printf '%03o' "$kind")"; cat "$file"; } > "$work/cache"
    keep cache "$work/cache"
done < <(find ../fixtures -type f | sort)

# config: the documented sample, and this project's own manifests.
cat > "$work/ptrwidth.toml" <<'EOF'
targets = ["x86_64-pc-windows-msvc", "i686-pc-windows-msvc"]
exclude = ["vendor/**", "*.generated.rs", "./build/"]
max-file-size = 16777216
[rules]
handle-truncation = "deny"
window-long-ptr = "warn"
unused-allow = "allow"
[handles]
MYHANDLE = "address"
MYSHARED = "shared"
[integers]
MY_COOKIE = "u32"
[functions]
app_store_handle = { params = ["HWND", "u32"], ret = "BOOL" }
EOF
keep config "$work/ptrwidth.toml"
{ printf '[package]\nname = "app"\n[package.metadata.ptrwidth]\n'; cat "$work/ptrwidth.toml"; } \
    > "$work/Cargo.toml"
keep config "$work/Cargo.toml"
find .. -name Cargo.toml -not -path '*/target/*' | while read -r file; do keep config "$file"; done

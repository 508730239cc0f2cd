#!/usr/bin/env bash
# Seeds each target's corpus with the fixtures of its kind (corpus/ is not committed).
set -euo pipefail
cd "$(dirname "$0")"
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    local file
    find ../fixtures -type f \( "$@" \) | while read -r file; do
        # Named by content, as libFuzzer names what it adds.
        cp "$file" "corpus/$target/$(sha1sum < "$file" | cut -c1-40)"
    done
}
seed rust -name '*.rs'
seed c -name '*.c' -o -name '*.h'
seed cpp -name '*.cpp' -o -name '*.hpp' -o -name '*.h'
seed idl -name '*.idl'
seed reg -name '*.reg'
seed rgs -name '*.rgs'
seed wix -name '*.wxs' -o -name '*.wxi'
seed binary -name '*.dll' -o -name '*.exe' -o -name '*.lib' -o -name '*.sys'
mkdir -p corpus/pipeline
# One file per seed: a kind byte (0 = .rs, 1 = .c) and the fixture.
i=0
for file in $(find ../fixtures -type f \( -name '*.rs' -o -name '*.c' \) | sort | head -40); do
    case $file in *.rs) kind='\x00' ;; *) kind='\x01' ;; esac
    { printf "$kind"; tr -d '\000' < "$file"; } > "corpus/pipeline/seed$i"
    i=$((i + 1))
done

#!/usr/bin/env bash
# Rebuilds the DLLs, import libraries and static libraries under fixtures/ and examples/ (a few
# KB each) and the corrupt binaries next to them. The outputs are committed, so the tests need no cross
# compiler; run this only to change them.
#
# Needs the mingw-w64 cross compilers (Debian: gcc-mingw-w64-i686 gcc-mingw-w64-x86-64).
# The builds are deterministic (no timestamps), so an unchanged source gives identical files.
# Debian has no ARM64 mingw compiler: the ARM64 DLL is the x64 one with the ARM64 machine
# (0xAA64) written into its COFF header, which is all ptrwidth reads.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for tool in i686-w64-mingw32-gcc x86_64-w64-mingw32-gcc i686-w64-mingw32-ar x86_64-w64-mingw32-ar; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install gcc-mingw-w64-i686 gcc-mingw-w64-x86-64" >&2
        exit 1
    }
done

# build ARCH TRIPLE_PREFIX ENTRY: scanner.dll, scanner.lib (import library), core.lib (static).
build() {
    local arch=$1 cc=$2-gcc ar=$2-ar entry=$3
    mkdir -p "$out/$arch"
    (
        cd "$out/$arch"
        "$cc" -Os -s -shared -nostdlib -nostartfiles -Wl,--entry,"$entry" \
            -Wl,--no-insert-timestamp -Wl,--out-implib,scanner.lib \
            -o scanner.dll "$here/scanner.c"
        "$cc" -Os -c -o core.o "$here/core.c"
        "$ar" rcD core.lib core.o
    )
}
build x86 i686-w64-mingw32 _DllMainCRTStartup@12
build x64 x86_64-w64-mingw32 DllMainCRTStartup

# patch FILE OFFSET BYTES: overwrites bytes in place (BYTES as printf escapes).
patch() {
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
le32() {
    printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
        $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
e_lfanew() {
    od -An -tu4 -j60 -N4 "$1" | tr -d ' '
}
# The COFF header's machine field follows the 4-byte PE signature at e_lfanew.
set_arm64_machine() {
    patch "$1" $(($(e_lfanew "$1") + 4)) '\x64\xaa'
}

mkdir -p "$out/arm64"
cp "$out/x64/scanner.dll" "$out/arm64/scanner.dll"
set_arm64_machine "$out/arm64/scanner.dll"

# Hybrids: the x64 DLL with a load configuration whose CHPE metadata pointer is set (hybrid.c)
# is what an ARM64EC image looks like from its headers, and with the ARM64 machine an ARM64X
# image. GNU ld 2.40 does not point the load-configuration directory (entry 10 of the PE32+
# optional header's data directories, at offset 112) at `_load_config_used`, so it is written here.
mkdir -p "$out/hybrid"
(
    cd "$out/hybrid"
    x86_64-w64-mingw32-gcc -Os -s -shared -nostdlib -nostartfiles -Wl,--entry,DllMainCRTStartup \
        -Wl,--no-insert-timestamp -Wl,-Map,arm64ec.map -o arm64ec.dll "$here/scanner.c" "$here/hybrid.c"
    va=$(awk '$2 == "_load_config_used" {print $1}' arm64ec.map)
    base=$(awk '$2 == "__image_base__" {print $1}' arm64ec.map)
    patch arm64ec.dll $(($(e_lfanew arm64ec.dll) + 24 + 112 + 10 * 8)) "$(le32 $((va - base)))$(le32 256)"
    cp arm64ec.dll arm64x.dll
    set_arm64_machine arm64x.dll
)

mkdir -p "$out/corrupt"
head -c 96 "$out/x86/scanner.dll" >"$out/corrupt/truncated.dll"
cp "$out/x86/scanner.dll" "$out/corrupt/bad_e_lfanew.dll"
patch "$out/corrupt/bad_e_lfanew.dll" 60 '\x00\xff\xff\x7f'
: >"$out/corrupt/empty.dll"
printf 'This folder used to hold the scanner DLL; download it from the vendor portal.\n' \
    >"$out/corrupt/readme.dll"
head -c 100 "$out/x86/scanner.lib" >"$out/corrupt/truncated.lib"

# place SOURCE DESTINATION...: copies one built file to fixture paths.
place() {
    local source=$out/$1
    shift
    for destination in "$@"; do
        mkdir -p "$(dirname "$repo/fixtures/$destination")"
        cp "$source" "$repo/fixtures/$destination"
    done
}

load=cross-bitness-load
link=cross-bitness-link
place x86/scanner.dll \
    $load/bad_vendored_32bit_dll/vendor/scanner.dll \
    $load/bad_c_vendored_32bit_dll/vendor/scanner.dll \
    $load/good_c_per_target_layout/bin/x86/scanner.dll \
    $load/bad_c_i686_loads_x64_plugin/plugins/win32/ocr.dll \
    $load/bad_arm64_dll/vendor/x86/ocr.dll \
    $load/good_per_target_layout/bin/x86/scanner.dll \
    $load/bad_i686_loads_x64_plugin/plugins/win32/ocr.dll \
    $link/bad_x64_links_x86_libs/bin/scanner.dll \
    $link/bad_folder_mixups/vendor/x64/scanner.dll \
    $link/good_folders_match/vendor/x86/scanner.dll
place x64/scanner.dll \
    $load/good_per_target_layout/bin/x64/scanner.dll \
    $load/good_c_per_target_layout/bin/x64/scanner.dll \
    $load/bad_c_i686_loads_x64_plugin/plugins/win64/ocr.dll \
    $load/bad_i686_loads_x64_plugin/plugins/win64/ocr.dll \
    $link/bad_folder_mixups/vendor/lib/scanner.dll \
    $link/good_folders_match/vendor/x64/scanner.dll
place arm64/scanner.dll \
    $load/bad_arm64_dll/vendor/arm64/scanner.dll \
    $load/bad_arm64_dll/vendor/arm64/ocr.dll \
    $link/good_folders_match/vendor/arm64/scanner.dll
place hybrid/arm64ec.dll $load/bad_arm64_dll/vendor/arm64ec/scanner.dll
place hybrid/arm64x.dll \
    $load/bad_arm64_dll/vendor/arm64x/scanner.dll \
    $link/good_folders_match/vendor/x64/hybrid.dll \
    $link/good_folders_match/vendor/arm64/hybrid.dll
place x86/scanner.lib \
    $link/bad_x64_links_x86_libs/lib/x86/scanner.lib \
    $link/bad_c_x64_pragma_x86_libs/lib/x86/scanner.lib \
    $link/good_c_pragma_per_target/lib/x86/scanner.lib \
    $link/bad_folder_mixups/vendor/lib/scanner.lib \
    $link/good_build_rs_per_target/lib/x86/scanner.lib \
    $link/good_folders_match/vendor/x86/scanner.lib
place x64/scanner.lib \
    $link/good_build_rs_per_target/lib/x64/scanner.lib \
    $link/good_c_pragma_per_target/lib/x64/scanner.lib \
    $link/good_folders_match/vendor/x64/scanner.lib
place x86/core.lib \
    $link/good_build_rs_per_target/lib/x86/core.lib \
    $link/good_c_pragma_per_target/lib/x86/core.lib
place x64/core.lib \
    $link/bad_i686_links_x64_libs/lib/x64/core.lib \
    $link/bad_c_i686_pragma_x64_libs/lib/x64/core.lib \
    $link/good_build_rs_per_target/lib/x64/core.lib \
    $link/good_c_pragma_per_target/lib/x64/core.lib
place x64/scanner.lib \
    $link/bad_i686_links_x64_libs/lib/x64/scanner.lib \
    $link/bad_c_i686_pragma_x64_libs/lib/x64/scanner.lib
inproc=inproc-bitness-mismatch
place x86/scanner.dll \
    $inproc/bad_reg_imports_x86_dll/bin/inkwell.dll \
    $inproc/bad_wix_components/bin/x86/quill.dll \
    $inproc/bad_client_inproc_only/bin/x86/inkwell.dll \
    $inproc/bad_code_registers_x86_dll/vendor/inkwell.dll \
    $inproc/good_surrogate/bin/x86/inkwell.dll \
    $inproc/good_both_views/bin/x86/inkwell.dll \
    $inproc/bad_c_client/bin/x86/inkwell.dll \
    $inproc/bad_c_registers_x86_dll/vendor/inkwell.dll \
    $inproc/good_c_surrogate/bin/x86/inkwell.dll
place x64/scanner.dll \
    $inproc/bad_wix_components/bin/x64/nib.dll \
    $inproc/good_both_views/bin/x64/inkwell64.dll \
    $inproc/good_matching/bin/x64/nib.dll \
    $inproc/good_c_matching/bin/x64/nib.dll
for file in truncated.dll bad_e_lfanew.dll empty.dll readme.dll truncated.lib; do
    place "corrupt/$file" "$load/good_corrupt_binaries/vendor/$file"
done
# The example crate of the README's walk-through.
mkdir -p "$repo/examples/scan-bridge/vendor"
cp "$out/x86/scanner.dll" "$repo/examples/scan-bridge/vendor/scanner.dll"
echo "fixture binaries written under $repo/fixtures and $repo/examples"

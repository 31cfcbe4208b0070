#!/usr/bin/env bash
# Builds the Windows installer on Linux: a release cross-build of kafedra.exe
# (mingw-w64) and NSIS's makensis.
#
#   packaging/windows/build.sh            → target/windows/kafedra-<version>-setup.exe
#
# Needs: rustup target x86_64-pc-windows-gnu, gcc-mingw-w64-x86-64, nsis.
# KAFEDRA_SKIP_CARGO=1 packages the kafedra.exe already built (KAFEDRA_EXE: another one).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=x86_64-pc-windows-gnu

need() {
    command -v "$1" >/dev/null || {
        echo "build.sh: $1 is missing ($2)" >&2
        exit 1
    }
}
need makensis "apt-get install nsis"
need x86_64-w64-mingw32-gcc "apt-get install gcc-mingw-w64-x86-64"
need x86_64-w64-mingw32-strip "apt-get install binutils-mingw-w64-x86-64"

# The workspace version (Cargo.toml's [workspace.package]).
version=$(cargo metadata --no-deps --format-version 1 --locked |
    sed -n 's/.*"name":"kafedra","version":"\([^"]*\)".*/\1/p')
[ -n "$version" ] || {
    echo "build.sh: no version of the kafedra package in cargo metadata" >&2
    exit 1
}
# Windows' numeric file version: four numbers, no pre-release suffix.
numeric=${version%%[-+]*}
vi_version="$numeric.0"

if [ "${KAFEDRA_SKIP_CARGO:-0}" != 1 ]; then
    echo "build.sh: cargo build --release --target $target"
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        cargo build --release --locked --target "$target"
fi
exe=${KAFEDRA_EXE:-$root/target/$target/release/kafedra.exe}
[ -f "$exe" ] || {
    echo "build.sh: $exe was not built" >&2
    exit 1
}

out_dir="$root/target/windows"
mkdir -p "$out_dir"
# Without the symbols (the release profile keeps them): about a quarter smaller.
shipped="$out_dir/kafedra.exe"
x86_64-w64-mingw32-strip -o "$shipped" "$exe"

icon_args=()
icon="$root/packaging/icons/kafedra.ico"
if [ -f "$icon" ]; then
    icon_args=("-DICON=$icon")
else
    echo "build.sh: warning: $icon is missing, the installer gets NSIS's own icon" >&2
fi

out="$out_dir/kafedra-$version-setup.exe"
rm -f "$out"
echo "build.sh: makensis (version $version)"
makensis -V2 -INPUTCHARSET UTF8 \
    "-DVERSION=$version" "-DVIVERSION=$vi_version" \
    "-DEXE=$shipped" "-DOUTFILE=$out" "${icon_args[@]}" \
    "$root/packaging/windows/kafedra.nsi"

size=$(stat -c %s "$out")
echo "build.sh: $out"
echo "build.sh: $size bytes ($(numfmt --to=iec-i --suffix=B "$size")), kafedra.exe $(numfmt --to=iec-i --suffix=B "$(stat -c %s "$shipped")") stripped"

#!/usr/bin/env bash
# Checks the Debian package the way a library's machine gets it: validates the
# desktop entry and the AppStream metadata, installs the .deb with apt-get,
# checks what landed in /usr and runs the desk flow with the installed program.
#
#   packaging/linux/check-deb.sh [PATH/TO/kafedra_*.deb]
#
# Without an argument it takes target/debian/kafedra_*.deb (build-deb.sh makes
# it). Installs system-wide: run it on a CI machine or in a container, as root
# or with sudo. Recommends (cups-client) are not installed: the check does not
# print. Exits non-zero, saying what failed, at the first failed step.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

say() { echo "check-deb: $*"; }
fail() {
    echo "check-deb: FAILED: $*" >&2
    exit 1
}
need() {
    command -v "$1" >/dev/null || fail "$1 is missing (apt-get install $2)"
}

need desktop-file-validate desktop-file-utils
need appstreamcli appstream
need pdftotext poppler-utils
need iconv libc-bin

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
else
    need sudo sudo
    as_root=(sudo)
fi

deb=${1:-}
if [ -z "$deb" ]; then
    deb=$(ls -t target/debian/kafedra_*.deb 2>/dev/null | head -n 1 || true)
    [ -n "$deb" ] || fail "no target/debian/kafedra_*.deb: run packaging/linux/build-deb.sh first"
fi
[ -f "$deb" ] || fail "$deb does not exist"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

desktop=packaging/linux/ru.kafedra.Kafedra.desktop
metainfo=packaging/linux/ru.kafedra.Kafedra.metainfo.xml

say "desktop-file-validate $desktop"
desktop-file-validate "$desktop" || fail "the desktop entry is not valid"

say "appstreamcli validate --no-net $metainfo"
appstreamcli validate --no-net "$metainfo" || fail "the AppStream metadata is not valid"

say "installing $deb"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "$deb" ||
    fail "apt-get could not install $deb"

bin=/usr/bin/kafedra
[ -x "$bin" ] || fail "$bin is not installed"
version=$("$bin" --version) || fail "$bin --version failed"
expected=$(dpkg-deb -f "$deb" Version)
case "$version" in
"kafedra ${expected%-*}") say "$bin --version: $version" ;;
*) fail "$bin --version printed «$version», the package is $expected" ;;
esac

for f in \
    /usr/share/applications/ru.kafedra.Kafedra.desktop \
    /usr/share/metainfo/ru.kafedra.Kafedra.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/ru.kafedra.Kafedra.svg \
    /usr/share/icons/hicolor/16x16/apps/ru.kafedra.Kafedra.png \
    /usr/share/icons/hicolor/256x256/apps/ru.kafedra.Kafedra.png \
    /usr/share/man/man1/kafedra.1.gz \
    /usr/share/man/man1/kafedra-pool.1.gz \
    /usr/share/bash-completion/completions/kafedra \
    /usr/share/zsh/vendor-completions/_kafedra \
    /usr/share/fish/vendor_completions.d/kafedra.fish \
    /usr/share/doc/kafedra/copyright; do
    [ -s "$f" ] || fail "$f is missing or empty"
done
say "desktop entry, metadata, icons, man pages and completions are installed"

desktop-file-validate /usr/share/applications/ru.kafedra.Kafedra.desktop ||
    fail "the installed desktop entry is not valid"

if command -v man >/dev/null && man -w kafedra >/dev/null 2>&1; then
    say "man -w kafedra: $(man -w kafedra)"
else
    say "man is not usable here; /usr/share/man/man1/kafedra.1.gz is installed"
fi
page=$(zcat /usr/share/man/man1/kafedra.1.gz)
[[ $page == *".TH kafedra 1"* ]] || fail "kafedra.1.gz is not a man page"

# The bash completion offers the subcommands.
offered=$(bash -c 'source /usr/share/bash-completion/completions/kafedra
    COMP_WORDS=(kafedra p); COMP_CWORD=1; _kafedra kafedra p kafedra
    echo "${COMPREPLY[*]}"')
case " $offered " in
*" pool "*) say "bash completion for «kafedra p»: $offered" ;;
*) fail "bash completion for «kafedra p» offered «$offered»" ;;
esac

say "the desk flow with the installed program"
PATH=/usr/bin:$PATH "$root/packaging/check-desk-flow.sh" /tmp/kafedra-deb-check kafedra

# The window opens from the installed program with the libraries the package
# declares (winit loads X11 and XKB at run time), under a virtual display.
if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
    display=:97
    Xvfb "$display" -screen 0 1280x900x24 >/dev/null 2>&1 &
    xvfb=$!
    rm -rf /tmp/kafedra-deb-window
    DISPLAY=$display /usr/bin/kafedra --demo --data-dir /tmp/kafedra-deb-window \
        >/tmp/kafedra-deb-window.log 2>&1 &
    app=$!
    found=""
    for _ in $(seq 1 120); do
        if DISPLAY=$display xdotool search --name '^Kafedra' >/dev/null 2>&1; then
            found=yes
            break
        fi
        kill -0 "$app" 2>/dev/null || break
        sleep 0.5
    done
    if [ -n "$found" ]; then
        sleep 2
        mkdir -p "$root/target/packaging"
        DISPLAY=$display import -window root "$root/target/packaging/deb-window.png" 2>/dev/null || true
        say "the installed program's window opened (target/packaging/deb-window.png)"
    fi
    kill "$app" 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
    [ -n "$found" ] || {
        cat /tmp/kafedra-deb-window.log >&2
        fail "the installed program's window did not open"
    }
else
    say "no Xvfb/xdotool: the window is not checked"
fi

say "OK: $(basename "$deb") installs and works"

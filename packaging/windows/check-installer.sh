#!/usr/bin/env bash
# Checks the Windows installer under Wine, in a fresh throw-away Wine prefix:
#
#   packaging/windows/check-installer.sh [SETUP.exe] [SCREENSHOT.png]
#
#  1. silent per-user install (/S): kafedra.exe in %LOCALAPPDATA%\Programs\Kafedra,
#     the Start-menu shortcut, the uninstall key in HKCU with DisplayVersion;
#  2. the desk flow from the installed program's command line
#     (packaging/check-desk-flow.sh), then `slip --print`, which must fail with
#     the Russian «no printer» message (Wine has no printer here);
#  3. the window (`--demo`) under Xvfb, found with xdotool, photographed with
#     ImageMagick's import (default packaging/screenshots/windows-wine.png);
#  4. silent uninstall: the program is gone, the reader database stays; then
#     an interactive uninstall answered with Enter (the default «Нет») keeps
#     it too; a last install and `Uninstall.exe /S /DELETEDATA` removes it.
#
# What Wine cannot show: real printing (no spooler printers, no PDF
# application), SmartScreen and the UAC prompt (there is none: per-user).
#
# Needs: wine 8 (wine64), Xvfb, xdotool, ImageMagick, poppler-utils, iconv,
# x86_64-w64-mingw32-gcc. Wine 8 lacks ProcessPrng (bcryptprimitives.dll),
# which Rust's standard library calls: a stand-in built from wine-shim/ goes
# into the test prefix only; the installer does not carry it.
#
# Environment: WINE (default /usr/lib/wine/wine64), KAFEDRA_XVFB_DISPLAY
# (default :91), KAFEDRA_KEEP=1 keeps the temporary prefix.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)

say() { echo "check-installer: $*"; }
fail() {
    echo "check-installer: FAILED: $*" >&2
    exit 1
}

setup=${1:-}
if [ -z "$setup" ]; then
    setup=$(ls -t "$root"/target/windows/kafedra-*-setup.exe 2>/dev/null | head -n 1 || true)
    [ -n "$setup" ] || fail "no installer in target/windows (run packaging/windows/build.sh)"
fi
[ -f "$setup" ] || fail "no installer $setup"
setup=$(cd "$(dirname "$setup")" && pwd)/$(basename "$setup")
shot=${2:-$root/packaging/screenshots/windows-wine.png}
mkdir -p "$(dirname "$shot")"
shot=$(cd "$(dirname "$shot")" && pwd)/$(basename "$shot")

wine=${WINE:-/usr/lib/wine/wine64}
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || true)
for tool in "$wine" "$wineserver" Xvfb xdotool import pdftotext iconv x86_64-w64-mingw32-gcc; do
    command -v "$tool" >/dev/null || fail "$tool is missing"
done

# Cyrillic arguments reach the Windows program through the Unix locale.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export WINEDEBUG=-all
# No Mono or Gecko download prompts in the fresh prefix.
export WINEDLLOVERRIDES="mscoree,mshtml="

tmp=$(mktemp -d /tmp/kafedra-wine.XXXXXX)
export WINEPREFIX=$tmp/prefix
work=/tmp/kafedra-wine-check
display=${KAFEDRA_XVFB_DISPLAY:-:91}
xvfb_pid=
gui_pid=

cleanup() {
    set +e
    [ -n "$gui_pid" ] && kill "$gui_pid" 2>/dev/null
    [ -d "$WINEPREFIX" ] && "$wineserver" -k 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    if [ "${KAFEDRA_KEEP:-0}" = 1 ]; then
        echo "check-installer: the Wine prefix is kept in $WINEPREFIX"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# --- the X server (Wine wants one even for the silent installer) ---------
if [ -e "/tmp/.X${display#:}-lock" ]; then
    fail "display $display is taken (set KAFEDRA_XVFB_DISPLAY to a free one)"
fi
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 50); do
    xdotool getmouselocation >/dev/null 2>&1 && break
    sleep 0.1
done
xdotool getmouselocation >/dev/null 2>&1 || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"

# --- the prefix and the ProcessPrng stand-in ----------------------------
say "a fresh Wine prefix in $WINEPREFIX"
t=$(date +%s)
"$wine" wineboot --init >"$tmp/wineboot.log" 2>&1 || fail "wineboot: $(tail -5 "$tmp/wineboot.log")"
"$wineserver" -w
user=$(id -un)
home_win="C:\\users\\$user"
home_unix=$WINEPREFIX/drive_c/users/$user
[ -d "$home_unix" ] || fail "no Wine user folder $home_unix"
say "  ready in $(($(date +%s) - t)) s"

shim_src=$root/packaging/windows/wine-shim
x86_64-w64-mingw32-gcc -shared -O2 -Wall -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$shim_src/bcryptprimitives.c" "$shim_src/bcryptprimitives.def" -ladvapi32 ||
    fail "the ProcessPrng stand-in did not build"
say "  ProcessPrng stand-in in system32 (test prefix only)"

# --- 1. silent install ----------------------------------------------------
install() {
    "$wine" "$setup" /S >"$tmp/setup.log" 2>&1 || fail "the installer exited with $? $(cat "$tmp/setup.log")"
    "$wineserver" -w
}
say "installing $(basename "$setup") silently (/S)"
t=$(date +%s)
install
instdir_win="$home_win\\AppData\\Local\\Programs\\Kafedra"
instdir=$home_unix/AppData/Local/Programs/Kafedra
exe_win="$instdir_win\\kafedra.exe"
[ -f "$instdir/kafedra.exe" ] || fail "no $instdir/kafedra.exe after the install"
[ -f "$instdir/Uninstall.exe" ] || fail "no Uninstall.exe after the install"
say "  $exe_win ($(stat -c %s "$instdir/kafedra.exe") bytes) in $(($(date +%s) - t)) s"
lnk="$home_unix/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Кафедра.lnk"
[ -f "$lnk" ] || fail "no Start-menu shortcut $lnk"
say "  Start-menu shortcut: Кафедра.lnk"

key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Kafedra'
reg_value() {
    "$wine" reg query "$key" /v "$1" 2>/dev/null | tr -d '\r' |
        sed -n "s/^ *$1 *REG_[A-Z_]* *//p"
}
version=$(reg_value DisplayVersion)
[ -n "$version" ] || fail "no DisplayVersion under $key"
expected=$(basename "$setup" | sed -n 's/^kafedra-\(.*\)-setup\.exe$/\1/p')
[ -z "$expected" ] || [ "$version" = "$expected" ] ||
    fail "DisplayVersion is $version, the installer's name says $expected"
for value in DisplayName Publisher DisplayIcon InstallLocation UninstallString EstimatedSize NoModify NoRepair; do
    [ -n "$(reg_value "$value")" ] || fail "no $value under $key"
done
say "  uninstall key: DisplayVersion $version, EstimatedSize $(reg_value EstimatedSize)"

# --- 2. the desk flow from the command line ------------------------------
say "the desk flow with the installed program"
t=$(date +%s)
"$root/packaging/check-desk-flow.sh" "$work" "$wine" "$exe_win" ||
    fail "the desk flow (packaging/check-desk-flow.sh) failed"
say "  in $(($(date +%s) - t)) s"

say "slip --print must say there is no printer"
kafedra() { "$wine" "$exe_win" "$@" 2>"$work/stderr" | tr -d '\r'; }
out=$(kafedra --data-dir "$work/data" reader add --surname Лебедев --name Иван \
    --birth-date 1990-02-03 --email lebedev@mail.ru --channel desk --consent) || fail "reader add: $(cat "$work/stderr")"
card=${out##* }
kafedra --data-dir "$work/data" bind "$card" >/dev/null || fail "bind: $(cat "$work/stderr")"
if kafedra --data-dir "$work/data" slip "$card" --print >"$work/print.out"; then
    fail "slip --print succeeded under Wine: $(cat "$work/print.out")"
fi
message=$(tr -d '\r' <"$work/stderr")
case "$message" in
*"Принтер не выбран"*) say "  refused as expected: $(echo "$message" | head -n 1)" ;;
*) fail "slip --print said «$message», not «Принтер не выбран…»" ;;
esac

# The default folders (%APPDATA%\Kafedra\Kafedra): a pool imported without
# --data-dir, for the uninstaller to keep.
kafedra pool import "$work/pool.csv" >/dev/null || fail "pool import into %APPDATA%: $(cat "$work/stderr")"
data_dir=$home_unix/AppData/Roaming/Kafedra/Kafedra
[ -d "$data_dir/data" ] || fail "no database folder $data_dir/data (ProjectDirs on Windows)"
say "  the default database folder: %APPDATA%\\Kafedra\\Kafedra\\data"
# The log files, where Windows has no state folder: %LOCALAPPDATA%\Kafedra\Kafedra\data\logs.
local_dir=$home_unix/AppData/Local/Kafedra/Kafedra
had_logs=0
[ -d "$local_dir" ] && had_logs=1

# --- 3. the window ----------------------------------------------------------
say "starting the window (--demo) on $display"
t=$(date +%s)
"$wine" "$exe_win" --demo --data-dir "$work/gui" >"$tmp/gui.log" 2>&1 &
gui_pid=$!
window=
for _ in $(seq 240); do
    window=$(xdotool search --onlyvisible --name Kafedra 2>/dev/null | head -n 1 || true)
    [ -n "$window" ] && break
    kill -0 "$gui_pid" 2>/dev/null || fail "the program exited: $(tail -5 "$tmp/gui.log")"
    sleep 0.25
done
[ -n "$window" ] || fail "no Kafedra window after 60 s: $(tail -5 "$tmp/gui.log")"
say "  window «$(xdotool getwindowname "$window")» after $(($(date +%s) - t)) s"
# The first frames: the demo fills its lists right after the window appears.
sleep 3
import -window root "$shot" || fail "import could not take the screenshot"
say "  screenshot: $shot"
kill "$gui_pid" 2>/dev/null || true
wait "$gui_pid" 2>/dev/null || true
gui_pid=
"$wineserver" -k 2>/dev/null || true
"$wineserver" -w 2>/dev/null || true

# --- 4. silent uninstall ----------------------------------------------------
# An NSIS uninstaller copies itself to %TEMP% and returns at once; `_?=`
# runs it in place and waits (Uninstall.exe itself then stays).
uninstall() {
    "$wine" "$instdir_win\\Uninstall.exe" /S "$@" "_?=$instdir_win" >"$tmp/uninstall.log" 2>&1 ||
        fail "the uninstaller exited with $? $(cat "$tmp/uninstall.log")"
    "$wineserver" -w
}
say "uninstalling silently (/S)"
uninstall
[ ! -e "$instdir/kafedra.exe" ] || fail "kafedra.exe is still there after the uninstall"
[ ! -e "$lnk" ] || fail "the Start-menu shortcut is still there"
"$wine" reg query "$key" >/dev/null 2>&1 && fail "the uninstall key is still there"
[ -d "$data_dir/data" ] && [ -n "$(ls -A "$data_dir/data")" ] ||
    fail "the uninstaller removed the reader database $data_dir/data"
[ "$had_logs" = 0 ] || [ -d "$local_dir" ] || fail "the uninstaller removed the logs $local_dir"
say "  program, shortcut and key gone; the database stays ($(ls "$data_dir/data" | tr '\n' ' '))$([ "$had_logs" = 1 ] && echo ", the logs too")"
rm -f "$instdir/Uninstall.exe"
rmdir "$instdir" 2>/dev/null || true

# The question about the database, answered with Enter: «Нет» is the default.
say "installing again, uninstalling interactively with Enter at every step"
install
windows() { [ "$(xdotool search --onlyvisible --name 'Кафедра' 2>/dev/null | wc -l)" -eq "$1" ]; }
wait_until() {
    local limit=$1
    shift
    for _ in $(seq $((limit * 4))); do
        "$@" && return 0
        sleep 0.25
    done
    return 1
}
"$wine" "$instdir_win\\Uninstall.exe" "_?=$instdir_win" >"$tmp/uninstall.log" 2>&1 &
gui_pid=$!
wait_until 30 windows 1 || fail "no uninstaller window"
sleep 1
xdotool key Return # «Удалить» on the confirmation page
wait_until 30 windows 2 || fail "the uninstaller did not ask about the database"
sleep 0.5
import -window root "$tmp/question.png"
xdotool key Return # the default button
wait_until 30 windows 1 || fail "the question did not close"
[ ! -e "$instdir/kafedra.exe" ] || fail "kafedra.exe is still there after the interactive uninstall"
sleep 1
[ -d "$data_dir/data" ] && [ -n "$(ls -A "$data_dir/data")" ] ||
    fail "Enter on the question removed the reader database"
say "  Enter kept the database"
xdotool key Return # «Закрыть»
wait_until 10 eval '! kill -0 "$gui_pid" 2>/dev/null' || kill "$gui_pid" 2>/dev/null || true
wait "$gui_pid" 2>/dev/null || true
gui_pid=
"$wineserver" -k 2>/dev/null || true
"$wineserver" -w 2>/dev/null || true
rm -f "$instdir/Uninstall.exe"

say "installing again, uninstalling with /S /DELETEDATA"
install
[ -f "$instdir/kafedra.exe" ] || fail "no kafedra.exe after the second install"
uninstall /DELETEDATA
[ ! -e "$instdir/kafedra.exe" ] || fail "kafedra.exe is still there after the second uninstall"
[ ! -e "$data_dir" ] || fail "/DELETEDATA left $data_dir"
[ ! -e "$local_dir" ] || fail "/DELETEDATA left $local_dir"
say "  the database is gone with /DELETEDATA"

say "all checks passed in $(($(date +%s) - started)) s"
say "not testable under Wine: real printing (no printer, no PDF application), SmartScreen"

#!/usr/bin/env bash
# The desk flow from an installed program's command line: import a Windows-1251
# pool, register a reader, bind a login, save the slip and read it back.
#
#   packaging/check-desk-flow.sh WORK_DIR COMMAND...
#
# COMMAND is how to start the installed program: `kafedra`, or
# `wine64 "C:\users\…\kafedra.exe"`. WORK_DIR gets the data folder, the pool
# file and the slip. Exits non-zero, saying what failed, if any step does.
set -euo pipefail

work=$1
shift
mkdir -p "$work"
data="$work/data"
rm -rf "$data"

run() {
    # Windows programs end their lines with CR LF.
    "$@" 2>"$work/stderr" | tr -d '\r'
}
fail() {
    echo "check-desk-flow: $*" >&2
    cat "$work/stderr" >&2 || true
    exit 1
}

version=$(run "$@" --version) || fail "--version failed"
echo "$version" | grep -q '^kafedra ' || fail "--version printed «$version»"
echo "  $version"

# A pool file as the provider sends it: Windows-1251, CR LF, Russian header.
printf 'Логин;Пароль\r\nLR-7001;Pw-7001-сЁ\r\nLR-7002;Pw-7002\r\n' | iconv -f UTF-8 -t CP1251 >"$work/pool.csv"
out=$(run "$@" --data-dir "$data" pool import "$work/pool.csv") || fail "pool import failed"
echo "$out" | grep -q 'Загружено 2 логина' || fail "pool import printed «$out»"
echo "  $out"

out=$(run "$@" --data-dir "$data" reader add --surname Орлова --name Вера \
    --birth-date 1979-06-01 --email orlova@mail.ru --channel desk --consent) ||
    fail "reader add failed"
card=${out##* }
echo "$out" | grep -q 'Орлова Вера' || fail "reader add printed «$out»"
echo "  $out"

out=$(run "$@" --data-dir "$data" bind "$card") || fail "bind failed"
echo "$out" | grep -q 'выдан логин LR-7001' || fail "bind printed «$out»"
echo "  $out"

rm -f "$work/slip.pdf"
run "$@" --data-dir "$data" slip "$card" --layout a5 --out "$work/slip.pdf" >/dev/null ||
    fail "slip failed"
[ -s "$work/slip.pdf" ] || fail "no slip PDF"
text=$(pdftotext "$work/slip.pdf" - | tr -s ' \n' ' ')
for needle in Орлова Вера "$card" LR-7001 Pw-7001-сЁ; do
    case "$text" in
    *"$needle"*) ;;
    *) fail "«$needle» is not on the slip: $text" ;;
    esac
done
echo "  slip: $(pdfinfo "$work/slip.pdf" | grep -E '^Pages' | tr -s ' ')," \
    "reader, card, login and password read back"
echo "check-desk-flow: the desk flow works"

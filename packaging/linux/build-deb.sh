#!/usr/bin/env bash
# Builds the Debian package: the release binary, the generated man pages and
# shell completions (target/packaging), then `cargo deb --no-build` with the
# `[package.metadata.deb]` section of Cargo.toml.
#
#   packaging/linux/build-deb.sh
#
# Prints the path of the .deb (target/debian/kafedra_<version>-1_<arch>.deb)
# as its last line. Needs dpkg-dev (dpkg-shlibdeps for `depends = "$auto"`);
# installs cargo-deb when `cargo deb` is missing.
set -euo pipefail

# The cargo-deb release the package is known to build with.
CARGO_DEB_VERSION=3.8.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

say() { echo "build-deb: $*" >&2; }
fail() {
    say "error: $*"
    exit 1
}

command -v dpkg-shlibdeps >/dev/null ||
    fail "dpkg-shlibdeps is missing (apt-get install dpkg-dev)"

say "building the release binary"
cargo build --release --locked

say "generating the man pages and shell completions into target/packaging"
rm -rf target/packaging
# A throwaway data folder: the command's log line goes there, not to the
# builder's home.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
KAFEDRA_DATA_DIR="$scratch" target/release/kafedra generate-packaging-files --out target/packaging >&2
gzip -9nf target/packaging/man/*.1
for f in man/kafedra.1.gz completions/kafedra.bash completions/_kafedra completions/kafedra.fish; do
    [ -s "target/packaging/$f" ] || fail "target/packaging/$f was not generated"
done

if ! cargo deb --version >/dev/null 2>&1; then
    say "cargo deb is missing: installing cargo-deb $CARGO_DEB_VERSION"
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked
fi

say "packing with $(cargo deb --version)"
rm -f target/debian/kafedra_*.deb
cargo deb --no-build --locked >&2

deb=$(ls target/debian/kafedra_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] && [ -f "$deb" ] || fail "cargo deb made no target/debian/kafedra_*.deb"
say "done: $deb ($(du -h "$deb" | cut -f1))"
echo "$root/$deb"

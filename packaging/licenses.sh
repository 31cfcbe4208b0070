#!/usr/bin/env bash
# Regenerates resources/licenses/THIRD-PARTY.txt — every crate the program is
# built from (Linux and Windows), its licence and the licence's full text —
# with cargo-about (`cargo install cargo-about --locked --features cli`).
# Run it after changing dependencies; a test fails while the file misses a
# crate of Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo about generate --locked --offline \
    -c resources/licenses/about.toml \
    resources/licenses/about.hbs \
    -o resources/licenses/THIRD-PARTY.txt
echo "resources/licenses/THIRD-PARTY.txt: $(grep -c '^Crate: ' resources/licenses/THIRD-PARTY.txt) crates"

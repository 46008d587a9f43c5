#!/usr/bin/env bash
# Builds release binaries of `elt` and `elt-server` and links them into a directory on PATH.
#   scripts/install.sh                 # into ~/.local/bin
#   PREFIX=/usr/local scripts/install.sh   # into /usr/local/bin
# A cold release build takes about 15 minutes on 2 cores; later ones take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR="${PREFIX:-$HOME/.local}/bin"
for product in elt elt-server; do
  echo "building $product (release)…" >&2
  swift build -c release --product "$product"
done
BUILT="$(swift build -c release --show-bin-path)"
mkdir -p "$BIN_DIR"
for product in elt elt-server; do
  ln -sf "$BUILT/$product" "$BIN_DIR/$product"
done
echo "installed: $BIN_DIR/elt, $BIN_DIR/elt-server (links into $BUILT)" >&2
case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) echo "note: $BIN_DIR is not on your PATH; add it: export PATH=\"$BIN_DIR:\$PATH\"" >&2 ;;
esac

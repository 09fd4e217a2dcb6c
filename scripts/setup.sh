#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing, without downloading any prebuilt binary
# from outside the package registries (crates.io, npm, Debian). Sourced by ./run and ./test.
# Each step is skipped when the right version is already there, so a second run takes seconds.
set -euo pipefail

TRUNK_VERSION=0.21.14
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen version the lockfile pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

setup_build() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
    say "Installing Trunk $TRUNK_VERSION (takes ~8 minutes once)"
    cargo install trunk --locked --version "$TRUNK_VERSION"
  fi
  local wbg
  wbg=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    say "Installing wasm-bindgen-cli $wbg (takes ~3 minutes once)"
    # Not --locked: its lockfile pins a crate version the registry mirror refuses (see TOOLCHAIN.md).
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  if [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/node_modules/@playwright/test" ]; then
    say "Installing npm packages (binaryen's wasm-opt, Playwright)"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
  (cd "$ROOT" && cargo fetch --locked >/dev/null)
}

setup_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "Installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  fi
}

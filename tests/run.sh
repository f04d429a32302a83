#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (moto in a venv, Chromium), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads standard input. Cargo runs `rustc -` to probe the target and that child inherits our stdin, so a
# CI runner whose stdin is its own log file once fed rustc a line of Chromium's stderr: read from /dev/null instead.
exec < /dev/null

echo "== installing the emulated AWS (moto in mocks/.venv)"
bash mocks/setup.sh

if [ -f tests/browser/setup.sh ]; then
  echo "== installing the headless browser for the HTML report test"
  bash tests/browser/setup.sh
  export LP_REQUIRE_BROWSER=1
fi

if [ -f mocks/emulator/test_emulator.py ]; then
  echo "== emulator self-tests"
  mocks/.venv/bin/python mocks/emulator/test_emulator.py
fi

echo "== cargo test (workspace)"
export INSTA_UPDATE=no
cargo test --workspace --locked --no-fail-fast

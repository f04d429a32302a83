#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (moto in a venv, Chromium), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads standard input: read it from /dev/null. And cargo caches its `rustc -` target probe in the
# target directory, failures included: a CI run once failed in a second on a cached probe whose input was a stray line
# of Chromium's stderr. Probing afresh costs a fraction of a second, so never trust that cache here.
exec < /dev/null
export CARGO_CACHE_RUSTC_INFO=0

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

if [ -f mocks/test_bench.py ]; then
  echo "== benchmark self-tests (report diff, long-tail account)"
  mocks/.venv/bin/python mocks/test_bench.py
fi

echo "== cargo test (workspace)"
export INSTA_UPDATE=no
cargo test --workspace --locked --no-fail-fast

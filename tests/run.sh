#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (moto in a venv, Chromium), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads standard input. Cargo caches its `rustc -` target probe in the target directory, failures
# included; probing afresh costs a fraction of a second, so never trust that cache here.
# /dev/null must be the device: cargo gives rustc's target probe /dev/null as its input, and once a run as root had
# renamed a file over it (`--output /dev/null`, fixed since: devices are written into), so rustc compiled the text
# that later commands had "discarded" there. Repair it when we can, or say so in one line.
if [ ! -c /dev/null ]; then
  if [ "$(id -u)" -eq 0 ] && rm -f /dev/null && mknod -m 666 /dev/null c 1 3; then
    echo "tests/run.sh: /dev/null was a regular file; recreated it as the null device" >&2
  else
    echo "tests/run.sh: /dev/null is not the null device (a regular file?); recreate it: mknod -m 666 /dev/null c 1 3" >&2
    exit 2
  fi
fi
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

echo "== demo expectations and SEEDING.md's function table match the seeder's declarations"
mocks/.venv/bin/python mocks/seed_demo.py --check-expectations mocks/demo-expectations.json
mocks/.venv/bin/python mocks/seed_demo.py --check-table mocks/SEEDING.md

echo "== cargo test (workspace)"
export INSTA_UPDATE=no
cargo test --workspace --locked --no-fail-fast

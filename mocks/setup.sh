#!/usr/bin/env bash
# Create mocks/.venv and install mocks/requirements.txt into it.
# Idempotent and fast: a stamp holding the hash of the requirements (and the Python version) makes a
# second run a no-op. Quiet unless something fails; exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.lp-requirements.sha256"
py="${PYTHON:-python3}"

command -v "$py" >/dev/null 2>&1 || { echo "setup.sh: $py not found" >&2; exit 1; }
want="$( { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
up_to_date() { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }
up_to_date && exit 0

# Serialise concurrent setups (tests start in parallel) on a lock outside the work tree.
lock="${TMPDIR:-/tmp}/lp-mocks-setup-$(printf '%s' "$here" | sha256sum | cut -c1-16).lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock"
  flock 9
  up_to_date && exit 0
fi

log="$(mktemp "${TMPDIR:-/tmp}/lp-mocks-setup.XXXXXX")"
trap 'rm -f "$log"' EXIT
if [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  if ! "$py" -m venv "$venv" >"$log" 2>&1; then
    cat "$log" >&2; rm -rf "$venv"; echo "setup.sh: could not create $venv" >&2; exit 1
  fi
fi
rm -f "$stamp"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req" >"$log" 2>&1; then
  cat "$log" >&2; echo "setup.sh: pip install -r $req failed" >&2; exit 1
fi
printf '%s\n' "$want" >"$stamp"

#!/usr/bin/env bash
# Record mocks/demo-account.json: seed a fresh emulated account with the demo, scan it with the real collectors
# through the real AWS SDK, and save the inventory (atomically) for the offline demo and its tests.
#
#   bash mocks/record_demo.sh [OUTPUT]        (default: mocks/demo-account.json; needs cargo and python3)
#
# The emulator binds 127.0.0.1 on a free port and exits with this script. Extra scan flags (e.g. --scan-code once
# the build has it) come from LP_RECORD_FLAGS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/mocks/demo-account.json}
work=$(mktemp -d)
emulator=""
cleanup() {
  [ -n "$emulator" ] && kill "$emulator" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash "$root/mocks/setup.sh" >&2
python=$root/mocks/.venv/bin/python
"$python" "$root/mocks/emulator/server.py" --port 0 --port-file "$work/port" --idle-timeout 600 \
  --parent-pid $$ >"$work/emulator.log" 2>&1 &
emulator=$!
for _ in $(seq 1 600); do
  [ -s "$work/port" ] && break
  kill -0 "$emulator" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.2
done
[ -s "$work/port" ] || { echo "error: the emulator did not start" >&2; exit 1; }
endpoint="http://127.0.0.1:$(cat "$work/port")"

"$python" "$root/mocks/seed_demo.py" --endpoint "$endpoint" --manifest "$work/manifest.json" --strict >&2
cargo build --quiet --manifest-path "$root/Cargo.toml"
# shellcheck disable=SC2086 # LP_RECORD_FLAGS is a list of flags
env -i PATH="$PATH" HOME="$work" AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  "${CARGO_TARGET_DIR:-$root/target}/debug/lambda-posture" scan --regions us-east-1,eu-west-1 \
  --save-inventory "$out" --format json --output "$work/report.json" ${LP_RECORD_FLAGS:-} || status=$?
case "${status:-0}" in
  0|1) echo "recorded $out" >&2 ;;
  *) echo "error: the scan exited ${status}: see above" >&2; exit 1 ;;
esac

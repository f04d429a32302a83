"""Benchmark: scan a seeded N-function account in the quota-faithful emulator and compare with the quota floor.

    mocks/.venv/bin/python mocks/bench.py --functions 1000 --regions 1
    mocks/.venv/bin/python mocks/bench.py --functions 10000 --regions 2 --time-scale 4
    [--fault-mix "5xx=0.02,reset=0.01"] [--latency-ms 40] [--seed 0] [--binary PATH] [--build]
    [--json FILE] [--keep DIR] [-- extra scanner arguments, e.g. --max-rate 0.5]

Starts `mocks/emulator/server.py --quotas on` (AWS's Lambda rates multiplied by --time-scale), builds the
account with `seed_scale.py` (outside the quotas), clears the statistics, then runs
`lambda-posture scan --save-inventory ... --format json --quiet` against it and prints:

- wall time of the scan, peak RSS and CPU seconds of the scanner process (wait4 rusage), and the part of each
  spent collecting: the wall time until the inventory was saved (the moment collection ends, before the checks
  run) and the peak RSS at that moment;
- calls, throttles and injected faults per operation, from the emulator's `/_lp/stats`;
- the quota floor: for every (region, quota bucket), the calls that bucket accepted (calls the scanner
  made minus the ones the bucket refused) divided by the bucket's rate; the largest is the floor.
  The wall time over the floor says how close to the quotas the scan ran;
- whether the inventory is complete: every planted function with every planted version, alias, policy
  statement, URL, async config, provisioned/reserved concurrency, mapping, tag, variable and last
  invocation date, every used role, and no gaps.

Not part of the test suite: a 1,000-function run at AWS rates takes about four minutes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "emulator"))
sys.path.insert(0, HERE)

from faults import bucket_for  # noqa: E402 - the emulator's own bucket table: one source of truth

REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1"]
DEFAULT_FAULTS = "5xx=0.02,reset=0.01"
LOOKBACK_DAYS = 90


# --- processes -----------------------------------------------------------------------------------------------------
def start_emulator(work: str, args) -> tuple[subprocess.Popen, str]:
    port_file = os.path.join(work, "port")
    cmd = [sys.executable, os.path.join(HERE, "emulator", "server.py"), "--port", "0", "--port-file", port_file,
           "--parent-pid", str(os.getpid()), "--idle-timeout", "600", "--seed", str(args.seed),
           "--quotas", "on", "--time-scale", str(args.time_scale), "--fault-mix", args.fault_mix]
    if args.latency_ms is not None:
        cmd += ["--latency-ms", str(args.latency_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "emulator.log"), "w"))
    deadline = time.monotonic() + 60
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("bench.py: the emulator did not start; see " + os.path.join(work, "emulator.log"))
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{open(port_file).read().strip()}"


def admin(endpoint: str, method: str, path: str) -> dict:
    req = urllib.request.Request(endpoint + path, method=method)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")


def binary_path(args) -> str:
    if args.binary:
        return args.binary
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if args.build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "lambda-posture"], cwd=ROOT, check=True)
    path = os.path.join(target, "release", "lambda-posture")
    if not os.path.exists(path):
        raise SystemExit(f"bench.py: {path} not found: build it (--build) or pass --binary")
    return path


def run_scan(binary: str, endpoint: str, regions: list[str], work: str, args) -> dict:
    inventory = os.path.join(work, "inventory.json")
    cmd = [binary, "scan", "--regions", ",".join(regions), "--save-inventory", inventory, "--format", "json",
           "--output", os.path.join(work, "report.json"), "--quiet", "--lookback-days", str(LOOKBACK_DAYS)]
    if args.time_scale != 1.0:
        cmd += ["--quota-scale", str(args.time_scale)]
    cmd += args.scanner_args
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION=regions[0], AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    env.pop("AWS_PROFILE", None)
    stderr = open(os.path.join(work, "scan.stderr"), "w")
    t0, t0_epoch = time.monotonic(), time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    collection_rss = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if collection_rss is None and os.path.exists(inventory):
            collection_rss = peak_rss_mb(proc.pid)
        time.sleep(0.1)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # The inventory is saved (atomically) the moment collection ends, before the checks run: its modification
    # time splits the wall time into collection and evaluation + report.
    collection = os.path.getmtime(inventory) - t0_epoch if os.path.exists(inventory) else None
    return {"command": cmd, "exit_code": proc.returncode, "wall_s": wall, "collection_s": collection,
            "collection_peak_rss_mb": collection_rss,
            "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_user_s": usage.ru_utime, "cpu_system_s": usage.ru_stime,
            "inventory": inventory}


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set so far of a running process (VmHWM), in MB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# --- the quota floor -------------------------------------------------------------------------------------------------
def floor(stats: dict, time_scale: float) -> tuple[float, list[dict]]:
    """Per (region, bucket): calls accepted by the bucket / its rate; the floor is the largest."""
    buckets: dict[tuple, dict] = {}
    for op in stats["operations"]:
        b = bucket_for(SimpleNamespace(service=op["service"], operation=op["operation"]))
        if b is None:
            continue
        name, rate = b
        region = "global" if op["service"] == "iam" else op["region"]
        row = buckets.setdefault((region, name), {"region": region, "bucket": name, "rate": rate * time_scale,
                                                  "accepted": 0, "throttled": 0})
        row["accepted"] += op["calls"] - op["throttled"]
        row["throttled"] += op["throttled"]
    rows = sorted(buckets.values(), key=lambda r: -r["accepted"] / r["rate"])
    for r in rows:
        r["seconds"] = r["accepted"] / r["rate"]
    return (rows[0]["seconds"] if rows else 0.0), rows


# --- completeness ------------------------------------------------------------------------------------------------------
def completeness(manifest: dict, inventory: dict) -> list[str]:
    """Every difference between what was planted and what the scanner reported (empty: complete)."""
    problems: list[str] = []
    account = inventory["accounts"][0]
    for gap in account.get("gaps", []):
        problems.append(f"gap: {gap['service']} {gap['operation']} {gap.get('region')} {gap.get('resource')}: "
                        f"{gap['error']}")
    found = {(f["region"], f["name"]): f for f in account["functions"]}
    if len(found) != len(manifest["functions"]):
        problems.append(f"{len(found)} functions in the inventory, {len(manifest['functions'])} planted")
    used_roles = set()
    for m in manifest["functions"]:
        f = found.get((m["region"], m["name"]))
        where = f"{m['region']}/{m['name']}"
        if f is None:
            problems.append(f"{where}: missing")
            continue
        used_roles.add(m["role"])
        statements = sum(len(p["document"].get("Statement", [])) for p in f["resource_policies"])
        qualifiers = sorted({p.get("qualifier") or "" for p in f["resource_policies"]})
        last = (f.get("metrics") or {}).get("last_invocation")
        since = (dt.date.fromisoformat(manifest["today"]) - dt.timedelta(days=LOOKBACK_DAYS - 1)).isoformat()
        want_last = m["last_invoked"] if m["last_invoked"] and m["last_invoked"] >= since else None
        checks = [
            ("role", f["role_arn"], m["role"]), ("runtime", f.get("runtime"), m["runtime"]),
            ("tags", len(f["tags"]), m["tags"]), ("environment", len(f["environment"]), m["env"]),
            ("versions", len(f["versions"]), m["versions"]),
            ("aliases", sorted(a["name"] for a in f["aliases"]), sorted(m["aliases"])),
            ("policy statements", statements, m["policy_statements"]),
            ("policy qualifiers", qualifiers, m["policy_qualifiers"]),
            ("urls", len(f["urls"]), m["urls"]), ("async configs", len(f["async_invoke_configs"]), m["async_configs"]),
            ("provisioned", len(f["provisioned_concurrency"]), m["provisioned"]),
            ("reserved", f.get("reserved_concurrency"), m["reserved"]),
            ("mappings", len(f["event_source_mappings"]), m["mappings"]),
            ("metrics", f.get("metrics") is not None, True), ("last invocation", last, want_last),
        ]
        problems += [f"{where}: {what}: got {got!r}, planted {want!r}" for what, got, want in checks if got != want]
    missing_roles = used_roles - set(account.get("roles", {}))
    problems += [f"role {r}: missing" for r in sorted(missing_roles)]
    return problems


# --- report --------------------------------------------------------------------------------------------------------------
def print_report(result: dict) -> None:
    s, stats = result["scan"], result["stats"]
    print(f"\n{result['functions']} functions, {len(result['regions'])} region(s) ({', '.join(result['regions'])}), "
          f"time scale {result['time_scale']}, faults '{result['fault_mix']}', seed {result['seed']}")
    print(f"seeding: {result['seed_s']:.1f} s (outside the quotas)\n")
    print(f"{'service':<11}{'operation':<36}{'region':<12}{'calls':>8}{'throttled':>10}{'faults':>8}{'errors':>8}")
    for op in stats["operations"]:
        faults = sum(op["faults"].values())
        print(f"{op['service']:<11}{op['operation'] or '?':<36}{op['region'] or '-':<12}{op['calls']:>8}"
              f"{op['throttled']:>10}{faults:>8}{op['errors']:>8}")
    tot = stats["totals"]
    print(f"{'total':<59}{tot['calls']:>8}{tot['throttled']:>10}{tot['faults']:>8}")
    print(f"\n{'bucket':<34}{'region':<12}{'rate/s':>8}{'accepted':>10}{'seconds':>10}")
    for b in result["buckets"][:8]:
        print(f"{b['bucket']:<34}{b['region']:<12}{b['rate']:>8.1f}{b['accepted']:>10}{b['seconds']:>10.1f}")
    print()
    print(f"wall time        {s['wall_s']:9.1f} s   (scanner exit code {s['exit_code']})")
    print(f"quota floor      {result['floor_s']:9.1f} s   ({result['buckets'][0]['bucket']} in "
          f"{result['buckets'][0]['region']})" if result["buckets"] else "quota floor: no calls")
    print(f"wall / floor     {result['ratio']:9.3f}")
    if s.get("collection_s") is not None and result["floor_s"]:
        print(f"  collection     {s['collection_s']:9.1f} s   ({s['collection_s'] / result['floor_s']:.3f} x the floor; "
              f"then {s['wall_s'] - s['collection_s']:.1f} s of checks and report)")
    print(f"retries          {result['retries']:9d}     (throttled + injected faults, each retried)")
    print(f"peak RSS         {s['peak_rss_mb']:9.1f} MB")
    if s.get("collection_peak_rss_mb") is not None:
        print(f"  collection     {s['collection_peak_rss_mb']:9.1f} MB   (peak when the inventory was saved)")
    print(f"CPU              {s['cpu_user_s'] + s['cpu_system_s']:9.1f} s   (user {s['cpu_user_s']:.1f}, "
          f"system {s['cpu_system_s']:.1f})")
    problems = result["problems"]
    print(f"complete         {'yes' if not problems else 'NO: ' + str(len(problems)) + ' differences'}")
    for p in problems[:15]:
        print(f"  {p}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--functions", type=int, default=1000)
    ap.add_argument("--regions", type=int, default=1, help=f"how many of {','.join(REGIONS)}")
    ap.add_argument("--time-scale", type=float, default=1.0, help="quota rates x F (emulator and scanner)")
    ap.add_argument("--latency-ms", type=float, default=None, help="mean added latency (emulator default: 40)")
    ap.add_argument("--fault-mix", default=DEFAULT_FAULTS, help=f"emulator fault mix (default {DEFAULT_FAULTS!r})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--binary", help="lambda-posture binary (default: $CARGO_TARGET_DIR or ./target, release)")
    ap.add_argument("--build", action="store_true", help="cargo build --release first")
    ap.add_argument("--json", help="also write every number to FILE")
    ap.add_argument("--keep", help="keep the inventory, report, logs and manifest in DIR")
    ap.add_argument("scanner_args", nargs="*", help="after --: extra arguments for `lambda-posture scan`")
    args = ap.parse_args(argv)
    regions = REGIONS[:max(1, min(args.regions, len(REGIONS)))]
    binary = binary_path(args)
    work = args.keep or tempfile.mkdtemp(prefix="lp-bench-")
    os.makedirs(work, exist_ok=True)
    emulator, endpoint = start_emulator(work, args)
    try:
        import seed_scale

        t0 = time.monotonic()
        manifest_path = os.path.join(work, "manifest.json")
        today = dt.datetime.now(dt.timezone.utc).date()
        seed_scale.main(["--endpoint", endpoint, "--functions", str(args.functions), "--regions", ",".join(regions),
                         "--seed", str(args.seed), "--today", today.isoformat(), "--manifest", manifest_path])
        seed_s = time.monotonic() - t0
        admin(endpoint, "DELETE", "/_lp/stats")
        scan = run_scan(binary, endpoint, regions, work, args)
        stats = admin(endpoint, "GET", "/_lp/stats")
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=30)
    floor_s, buckets = floor(stats, args.time_scale)
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    if scan["exit_code"] in (0, 1, 3) and os.path.exists(scan["inventory"]):
        with open(scan["inventory"]) as fh:
            problems = completeness(manifest, json.load(fh))
    else:
        problems = [f"the scan failed (exit code {scan['exit_code']}): see {work}/scan.stderr"]
    result = {"functions": args.functions, "regions": regions, "time_scale": args.time_scale,
              "fault_mix": args.fault_mix, "seed": args.seed, "seed_s": seed_s, "scan": scan, "stats": stats,
              "floor_s": floor_s, "buckets": buckets, "ratio": scan["wall_s"] / floor_s if floor_s else float("inf"),
              "retries": stats["totals"]["throttled"] + stats["totals"]["faults"], "problems": problems}
    print_report(result)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2, default=str)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

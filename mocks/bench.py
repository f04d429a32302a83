"""Benchmark: scan a seeded N-function account in the quota-faithful emulator and compare with the quota floor.

    mocks/.venv/bin/python mocks/bench.py --functions 1000 --regions 1
    mocks/.venv/bin/python mocks/bench.py --functions 10000 --regions 2 --time-scale 4
    mocks/.venv/bin/python mocks/bench.py --functions 1000 --regions 1 --compare-thorough
    mocks/.venv/bin/python mocks/bench.py --accounts 50 --functions 200 [--max-accounts N] [--time-scale F]
    [--long-tail] [--thorough] [--thorough-flag ARGS]
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
- the call plan: per quota bucket (region, rate), the calls of each operation, the seconds they need at the
  bucket's rate, and that as a share of the floor;
- whether the inventory is complete: every planted function with every planted version, alias, policy
  statement, URL, async config, provisioned/reserved concurrency, mapping, tag, variable, last invocation
  date and live version (with the runtime it was built on), every used role, and no gaps. What the scanner
  records as not read on purpose (a call its plan skipped, a version whose policy it did not examine) is not
  expected, and counted apart.

`--long-tail` seeds `seed_scale.py --long-tail` (a tenth of the functions with 50 to 300 published versions).
`--thorough` scans with `--thorough-flag` (default `--thorough`: every call, nothing skipped).

`--compare-thorough` scans the same seeded account twice, by default and with `--thorough-flag`, prints both
call plans side by side and diffs the two JSON reports by stable finding id (and the two `unused --format json`
answers on the saved inventories): every finding that appears, disappears or changes status or severity is
listed, and the run fails unless each one is in ALLOWED_DIFFERENCES (empty: the plan may lose nothing).
`--thorough-flag ''` compares a binary with itself (the check of the comparison itself).

`--accounts A` seeds an organisation (`seed_scale.py --accounts A`: the management account and A - 1 members, each
with --functions functions), scans it once with `scan --org --output-dir` and prints the wall time against the
slowest account's own floor (the emulator counts every account's calls per bucket: `/_lp/stats?by=account`), the
scanner's peak RSS and its RSS each time another tenth of the accounts (and 100, 250, 500, 1000) were done, the
emulator's CPU (one Python process: at about one core it is the emulator, not the scanner, that bounds the wall
time), and whether every account is complete against its manifest.

Not part of the test suite: a 1,000-function run at AWS rates takes a few minutes
(`mocks/test_bench.py` tests the report diff and the long-tail account's shape, fast).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
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
def emulator_flags(args) -> list[str]:
    """The benchmark's emulator: AWS's quotas (times --time-scale), latency and the fault mix."""
    flags = ["--seed", str(args.seed), "--quotas", "on", "--time-scale", str(args.time_scale),
             "--fault-mix", args.fault_mix]
    return flags + (["--latency-ms", str(args.latency_ms)] if args.latency_ms is not None else [])


def start_emulator(work: str, flags: list[str]) -> tuple[subprocess.Popen, str]:
    """The emulator with these flags, listening on a free port; stops when this process or 10 idle minutes end."""
    port_file = os.path.join(work, "port")
    cmd = [sys.executable, os.path.join(HERE, "emulator", "server.py"), "--port", "0", "--port-file", port_file,
           "--parent-pid", str(os.getpid()), "--idle-timeout", "600", *flags]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "emulator.log"), "w"),
                            stdin=subprocess.DEVNULL)
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


def run_scan(binary: str, endpoint: str, regions: list[str], work: str, args, extra: list[str]) -> dict:
    os.makedirs(work, exist_ok=True)
    inventory = os.path.join(work, "inventory.json")
    cmd = [binary, "scan", "--regions", ",".join(regions), "--save-inventory", inventory, "--format", "json",
           "--output", os.path.join(work, "report.json"), "--quiet", "--lookback-days", str(LOOKBACK_DAYS)]
    if args.time_scale != 1.0:
        cmd += ["--quota-scale", str(args.time_scale)]
    cmd += extra + args.scanner_args
    env = scanner_env(endpoint, regions)
    stderr = open(os.path.join(work, "scan.stderr"), "w")
    present = set(os.listdir(work))
    t0, t0_epoch = time.monotonic(), time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)
    collection_rss = None

    def sample():
        # Collection ends when the scanner starts writing the inventory: its temporary file (renamed into place
        # with the report's at the very end) is the first new file in the folder.
        nonlocal collection_rss
        if collection_rss is None and set(os.listdir(work)) - present:
            collection_rss = peak_rss_mb(proc.pid)

    proc.returncode, usage = wait_sampling(proc, sample, 0.1)
    wall = time.monotonic() - t0
    # The inventory is written the moment collection ends, before the checks run: its modification time splits the
    # wall time into collection and evaluation + report.
    collection = os.path.getmtime(inventory) - t0_epoch if os.path.exists(inventory) else None
    return {"command": cmd, "exit_code": proc.returncode, "wall_s": wall, "collection_s": collection,
            "collection_peak_rss_mb": collection_rss,
            "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_user_s": usage.ru_utime, "cpu_system_s": usage.ru_stime,
            "inventory": inventory, "report": os.path.join(work, "report.json")}


def wait_sampling(proc: subprocess.Popen, sample, every: float) -> tuple[int, object]:
    """Wait for `proc`, calling `sample()` every `every` seconds meanwhile; its exit code and rusage (wait4)."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(status), usage
        sample()
        time.sleep(every)


def scanner_env(endpoint: str, regions: list[str]) -> dict:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION=regions[0], AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    env.pop("AWS_PROFILE", None)
    return env


def unused_json(binary: str, inventory: str) -> dict | None:
    """`lambda-posture unused --format json` on a saved inventory (offline), or None when it fails."""
    proc = subprocess.run([binary, "unused", "--inventory", inventory, "--format", "json"], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    return json.loads(proc.stdout) if proc.returncode in (0, 3) and proc.stdout.strip() else None


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    """The peak resident set so far of a running process (VmHWM; VmRSS: the current one), in MB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the quota floor and the call plan ----------------------------------------------------------------------------------
def floor(stats: dict, time_scale: float) -> tuple[float, list[dict]]:
    """Per (region, bucket): calls accepted by the bucket / its rate, and the calls of each operation in it; the
    floor is the largest. Operations no quota limits are one row per region, bucket None, rate None."""
    buckets: dict[tuple, dict] = {}
    for op in stats["operations"]:
        b = bucket_for(SimpleNamespace(service=op["service"], operation=op["operation"]))
        name, rate = b if b is not None else (None, None)
        region = "global" if op["service"] == "iam" else (op["region"] or "-")
        row = buckets.setdefault((region, name), {"region": region, "bucket": name,
                                                  "rate": rate * time_scale if rate else None,
                                                  "calls": 0, "accepted": 0, "throttled": 0, "operations": {}})
        row["calls"] += op["calls"]
        row["accepted"] += op["calls"] - op["throttled"]
        row["throttled"] += op["throttled"]
        label = f"{op['service']}:{op['operation'] or '?'}" if name is None else (op["operation"] or "?")
        row["operations"][label] = row["operations"].get(label, 0) + op["calls"]
    for r in buckets.values():
        r["seconds"] = r["accepted"] / r["rate"] if r["rate"] else 0.0
    rows = sorted(buckets.values(), key=lambda r: (r["bucket"] is None, -r["seconds"], -r["calls"]))
    return (rows[0]["seconds"] if rows else 0.0), rows


def plan_table(run: dict) -> list[str]:
    """The call plan of one scan: per quota bucket, its calls per operation and the seconds they need."""
    floor_s = run["floor_s"]
    lines = [f"{'bucket':<40}{'region':<11}{'rate/s':>8}{'calls':>8}{'seconds':>9}{'x floor':>9}  operations (calls)"]
    for b in run["buckets"]:
        ops = ", ".join(f"{op} {n}" for op, n in sorted(b["operations"].items(), key=lambda kv: (-kv[1], kv[0])))
        rate = f"{b['rate']:.1f}" if b["rate"] else "-"
        share = f"{b['seconds'] / floor_s:.3f}" if b["rate"] and floor_s else "-"
        lines.append(f"{b['bucket'] or '(no quota)':<40}{b['region']:<11}{rate:>8}{b['calls']:>8}"
                     f"{b['seconds']:>9.1f}{share:>9}  {ops}")
    top = run["buckets"][0] if run["buckets"] and run["buckets"][0]["rate"] else None
    if top:
        lines.append(f"floor {floor_s:.1f} s ({top['bucket']} in {top['region']}); wall {run['scan']['wall_s']:.1f} s = "
                     f"{run['ratio']:.3f} x the floor")
    return lines


def compare_table(default: dict, thorough: dict) -> list[str]:
    """Both call plans side by side, per (bucket, region)."""
    def index(run):
        return {(b["bucket"] or "(no quota)", b["region"]): b for b in run["buckets"]}
    a, b = index(default), index(thorough)
    keys = sorted(a.keys() | b.keys(), key=lambda k: -max(a.get(k, {}).get("seconds", 0), b.get(k, {}).get("seconds", 0)))
    lines = [f"{'bucket':<40}{'region':<11}{'default calls':>14}{'seconds':>9}{'thorough calls':>16}{'seconds':>9}"]
    for k in keys:
        x, y = a.get(k, {}), b.get(k, {})
        lines.append(f"{k[0]:<40}{k[1]:<11}{x.get('calls', 0):>14}{x.get('seconds', 0.0):>9.1f}"
                     f"{y.get('calls', 0):>16}{y.get('seconds', 0.0):>9.1f}")
    lines.append(f"{'floor (s)':<51}{default['floor_s']:>23.1f}{thorough['floor_s']:>25.1f}")
    lines.append(f"{'wall (s)':<51}{default['scan']['wall_s']:>23.1f}{thorough['scan']['wall_s']:>25.1f}")
    lines.append(f"{'wall / floor':<51}{default['ratio']:>23.3f}{thorough['ratio']:>25.3f}")
    lines.append(f"{'peak RSS (MB)':<51}{default['scan']['peak_rss_mb']:>23.1f}{thorough['scan']['peak_rss_mb']:>25.1f}")
    return lines


# --- completeness ------------------------------------------------------------------------------------------------------
# What the scanner reads per function, by the manifest field that counts it. The inventory records each call its plan
# did not make (`Function.skipped`, checks/src/plan.rs): "not-needed" claims the field holds the answer (collected,
# empty), so it is compared with what was planted like any collected field; "not-examined" says the data is unknown
# (`--thorough` reads it), so what was planted there is not expected, only counted.
FIELD_OPERATION = {"aliases": "ListAliases", "urls": "ListFunctionUrlConfigs",
                   "async configs": "ListFunctionEventInvokeConfigs",
                   "provisioned": "ListProvisionedConcurrencyConfigs"}
NOT_NEEDED, NOT_EXAMINED = "not-needed", "not-examined"


def not_read(function: dict) -> dict[str, dict[str, set[str]]]:
    """Kind -> operation -> the qualifiers ("" for the function itself) the scanner recorded as not read."""
    out: dict[str, dict[str, set[str]]] = {NOT_NEEDED: defaultdict(set), NOT_EXAMINED: defaultdict(set)}
    for s in function.get("skipped", []):
        out[s.get("kind", NOT_NEEDED)][s["operation"]].update(s.get("qualifiers") or [""])
    return out


def completeness(manifest: dict, inventory: dict) -> tuple[list[str], dict[str, int]]:
    """Every difference between what was planted and what the scanner reported (empty: complete), and the counts of
    what the scanner recorded as not read (calls not needed; data not examined, and what was planted there)."""
    problems: list[str] = []
    unread: dict[str, int] = defaultdict(int)
    account = inventory["accounts"][0]
    for gap in account.get("gaps", []):
        problems.append(f"gap: {gap['service']} {gap['operation']} {gap.get('region')} {gap.get('resource')}: "
                        f"{gap['error']}")
    found = {(f["region"], f["name"]): f for f in account["functions"]}
    if len(found) != len(manifest["functions"]):
        problems.append(f"{len(found)} functions in the inventory, {len(manifest['functions'])} planted")
    since = (dt.date.fromisoformat(manifest["today"]) - dt.timedelta(days=LOOKBACK_DAYS - 1)).isoformat()
    used_roles = set()
    for m in manifest["functions"]:
        f = found.get((m["region"], m["name"]))
        where = f"{m['region']}/{m['name']}"
        if f is None:
            problems.append(f"{where}: missing")
            continue
        used_roles.add(m["role"])
        problems += [f"{where}: {p}" for p in function_differences(m, f, not_read(f), since, unread)]
    missing_roles = used_roles - set(account.get("roles", {}))
    problems += [f"role {r}: missing" for r in sorted(missing_roles)]
    return problems, dict(unread)


def function_differences(m: dict, f: dict, skipped: dict, since: str, unread: dict) -> list[str]:
    """What one function's inventory lacks or has more of than was planted; counts what it did not read on purpose."""
    last = (f.get("metrics") or {}).get("last_invocation")
    want_last = m["last_invoked"] if m["last_invoked"] and m["last_invoked"] >= since else None
    checks = [
        ("role", f["role_arn"], m["role"]), ("runtime", f.get("runtime"), m["runtime"]),
        ("tags", len(f["tags"]), m["tags"]), ("environment", len(f["environment"]), m["env"]),
        ("versions", len(f["versions"]), m["versions"]),
        ("aliases", sorted(a["name"] for a in f["aliases"]), sorted(m["aliases"])),
        ("urls", len(f["urls"]), m["urls"]), ("async configs", len(f["async_invoke_configs"]), m["async_configs"]),
        ("provisioned", len(f["provisioned_concurrency"]), m["provisioned"]),
        ("reserved", f.get("reserved_concurrency"), m["reserved"]),
        ("mappings", len(f["event_source_mappings"]), m["mappings"]),
        ("metrics", f.get("metrics") is not None, True), ("last invocation", last, want_last),
    ]
    out = []
    for what, got, want in checks:
        operation = FIELD_OPERATION.get(what)
        if "" in skipped[NOT_NEEDED].get(operation, ()):
            unread[f"not needed: {operation} (functions)"] += 1
        if "" in skipped[NOT_EXAMINED].get(operation, ()):
            unread[f"not examined: {operation} (functions)"] += 1
            if want:
                unread[f"  {what} planted there"] += want if isinstance(want, int) else len(want)
        elif got != want:
            out.append(f"{what}: got {got!r}, planted {want!r}")
    # Resource policies, per qualifier: a qualifier whose policy was not examined is not expected.
    statements: dict[str, int] = defaultdict(int)
    for p in f["resource_policies"]:
        statements[p.get("qualifier") or ""] += len(p["document"].get("Statement", []))
    planted = m["statements_by_qualifier"]
    not_examined = skipped[NOT_EXAMINED].get("GetPolicy", set())
    unread_key = "not examined: GetPolicy (published versions)"
    for q in sorted(set(statements) | set(planted) | not_examined):
        if q in not_examined:
            unread[unread_key] += 1
            if planted.get(q):
                unread["  with statements planted (versions)"] += 1
        elif statements.get(q, 0) != planted.get(q, 0):
            out.append(f"policy statements of {q or 'the function'}: got {statements.get(q, 0)}, "
                       f"planted {planted.get(q, 0)}")
    if skipped[NOT_NEEDED].get("GetPolicy"):
        unread["not needed: GetPolicy (qualifiers)"] += len(skipped[NOT_NEEDED]["GetPolicy"])
    # Live versions: every version an alias or mapping points at, and every version with statements of its own
    # that was read; each with the runtime it was built on.
    live = {v["version"]: v.get("runtime") for v in f.get("live_versions", [])}
    want_live = dict(m["live_versions"])
    want_live |= {v: rt for v, rt in m["policy_versions"].items() if v not in not_examined}
    for v, rt in sorted(want_live.items(), key=lambda kv: int(kv[0])):
        if v not in live:
            out.append(f"live version {v}: missing")
        elif live[v] != rt:
            out.append(f"live version {v}: runtime {live[v]!r}, built on {rt!r}")
        if v in not_examined:
            out.append(f"live version {v}: its resource policy was not examined")
    extra = sorted(set(live) - set(m["live_versions"]) - set(m["policy_versions"]), key=int)
    if extra:
        out.append(f"live versions {extra}: nothing points at them")
    return out


def summary_problems(report: dict, inventory: dict) -> list[str]:
    """The report's summary must count every version whose policy the inventory says was not examined."""
    problems = []
    for acc, summary in zip(inventory["accounts"], report.get("accounts", [])):
        versions = [q for f in acc["functions"] for q in not_read(f)[NOT_EXAMINED].get("GetPolicy", ())]
        functions = sum(bool(not_read(f)[NOT_EXAMINED].get("GetPolicy")) for f in acc["functions"])
        said = summary.get("not_examined") or {}
        if (said.get("version_policies", 0), said.get("functions", 0)) != (len(versions), functions):
            problems.append(f"report summary of {acc['account_id']}: not_examined {said or None}, the inventory "
                            f"has {len(versions)} versions of {functions} functions not examined")
    return problems


# --- the two reports -------------------------------------------------------------------------------------------------
# Differences between the default scan and `--thorough` that are expected, each with the reason (docs/performance.md
# says why). A difference matches an entry when every key the entry names is equal. Empty: the default plan may not
# add, lose or regrade any finding.
ALLOWED_DIFFERENCES: list[dict] = []


def diff_reports(before: dict, after: dict) -> list[dict]:
    """Findings of two JSON reports compared by stable id: each one that appears, disappears, or changes status or
    severity is one difference (kind, id, check, resource, discriminator, before, after)."""
    a = {f["id"]: f for f in before["findings"]}
    b = {f["id"]: f for f in after["findings"]}
    out = []
    for fid in sorted(a.keys() | b.keys()):
        x, y = a.get(fid), b.get(fid)
        ref = x or y
        base = {"id": fid, "check_id": ref["check_id"], "resource": ref.get("resource_arn"),
                "function": ref.get("function_arn") or ref.get("resource_arn"),
                "discriminator": ref.get("discriminator")}
        if x is None:
            out.append(base | {"kind": "appeared", "before": None, "after": f"{y['status']} {y['severity']}"})
        elif y is None:
            out.append(base | {"kind": "disappeared", "before": f"{x['status']} {x['severity']}", "after": None})
        else:
            out += [base | {"kind": field, "before": x[field], "after": y[field]}
                    for field in ("status", "severity") if x[field] != y[field]]
    return out


def text_changes(before: dict, after: dict) -> list[str]:
    """Ids of findings in both reports whose message or evidence differ (shown, never a failure)."""
    a = {f["id"]: f for f in before["findings"]}
    return sorted(f["id"] for f in after["findings"] if f["id"] in a
                  and (a[f["id"]].get("message"), a[f["id"]].get("evidence")) != (f.get("message"), f.get("evidence")))


def disallowed(differences: list[dict], allowed: list[dict]) -> list[dict]:
    """The differences no allow-list entry covers."""
    def covered(d):
        return any(all(d.get(k) == v for k, v in entry.items() if k != "why") for entry in allowed)
    return [d for d in differences if not covered(d)]


def on_unexamined_version(difference: dict, unexamined: dict[str, set[str]]) -> bool:
    """Whether a difference is about a published version whose policy the default scan reported as not examined:
    its finding's discriminator names the version (`public:17`, `version:17/VAR`, `17/statement-id`)."""
    versions = unexamined.get(difference["function"] or "", set())
    return bool(versions & set(re.split(r"[:/|]", difference["discriminator"] or "")))


def resolves_unknown(difference: dict, unexamined: dict[str, set[str]]) -> bool:
    """Whether a difference only resolves an Unknown of the default scan on a function whose versions it reported as
    not examined (Unknown -> fail, or an Unknown that passes and leaves the report): the default said it could not
    tell; nothing was passed silently."""
    was_unknown = (difference["kind"] == "status" and difference["before"] == "unknown") or \
        (difference["kind"] == "disappeared" and (difference["before"] or "").startswith("unknown "))
    return was_unknown and bool(unexamined.get(difference["function"] or ""))


def unused_differences(before: dict | None, after: dict | None,
                       unexamined: dict[str, set[str]] | None = None) -> list[str]:
    """The ARNs of the functions on which two `unused --format json` answers differ (any field), not counting the
    triggers on versions in `unexamined` (function ARN -> versions the first scan reported as not examined)."""
    if before is None or after is None:
        return ["`unused` failed on one of the inventories"]
    unexamined = unexamined or {}

    def index(report):
        out = {}
        for f in (f for key in ("unused", "unknown") for f in report.get(key, [])):
            skip = unexamined.get(f["arn"], set())
            out[f["arn"]] = f | {"triggers": [t for t in f.get("triggers", []) if t.get("qualifier") not in skip]}
        return out
    a, b = index(before), index(after)
    return [k for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


# --- report --------------------------------------------------------------------------------------------------------------
def print_run(label: str, run: dict) -> None:
    s, stats = run["scan"], run["stats"]
    print(f"\n== {label}: {' '.join(shlex.quote(c) for c in s['command'][1:2] + run['flags']) or 'scan'}")
    print(f"{'service':<14}{'operation':<36}{'region':<12}{'calls':>8}{'throttled':>10}{'faults':>8}{'errors':>8}")
    for op in stats["operations"]:
        faults = sum(op["faults"].values())
        print(f"{op['service']:<14}{op['operation'] or '?':<36}{op['region'] or '-':<12}{op['calls']:>8}"
              f"{op['throttled']:>10}{faults:>8}{op['errors']:>8}")
    tot = stats["totals"]
    print(f"{'total':<62}{tot['calls']:>8}{tot['throttled']:>10}{tot['faults']:>8}")
    print("\ncall plan")
    for line in plan_table(run):
        print(f"  {line}")
    print()
    print(f"wall time        {s['wall_s']:9.1f} s   (scanner exit code {s['exit_code']})")
    print(f"wall / floor     {run['ratio']:9.3f}")
    if s.get("collection_s") is not None and run["floor_s"]:
        print(f"  collection     {s['collection_s']:9.1f} s   ({s['collection_s'] / run['floor_s']:.3f} x the floor; "
              f"then {s['wall_s'] - s['collection_s']:.1f} s of checks and report)")
    print(f"retries          {run['retries']:9d}     (throttled + injected faults, each retried)")
    print(f"peak RSS         {s['peak_rss_mb']:9.1f} MB")
    if s.get("collection_peak_rss_mb") is not None:
        print(f"  collection     {s['collection_peak_rss_mb']:9.1f} MB   (peak when the inventory was saved)")
    print(f"CPU              {s['cpu_user_s'] + s['cpu_system_s']:9.1f} s   (user {s['cpu_user_s']:.1f}, "
          f"system {s['cpu_system_s']:.1f})")
    problems = run["problems"]
    print(f"complete         {'yes' if not problems else 'NO: ' + str(len(problems)) + ' differences'}"
          f"{', no gap' if not any(p.startswith('gap:') for p in problems) else ''}")
    for p in problems[:15]:
        print(f"  {p}")
    if run["not_read"]:
        print("not read by the plan (recorded in the inventory):")
        for what, n in run["not_read"].items():
            print(f"  {what:<52}{n:>8}")
    for said in run["report_not_examined"]:
        print(f"report summary   not examined: {said}")


def print_comparison(result: dict) -> None:
    cmp = result["comparison"]
    print("\n== default and thorough, side by side")
    for line in compare_table(result["runs"]["default"], result["runs"]["thorough"]):
        print(f"  {line}")
    print(f"\nreports compared by finding id: {cmp['findings'][0]} and {cmp['findings'][1]} findings, "
          f"{len(cmp['differences'])} differences: {len(cmp['allowed'])} allowed by the list, "
          f"{len(cmp['on_unexamined_versions'])} on versions the default reported as not examined, "
          f"{len(cmp['resolved_unknowns'])} resolving an Unknown of the default on such a function, "
          f"{len(cmp['not_allowed'])} not allowed; {len(cmp['text_changes'])} with another message or evidence")
    for title, group in (("on a version not examined by default", cmp["on_unexamined_versions"]),
                         ("default Unknown, versions not examined", cmp["resolved_unknowns"])):
        by_check: dict[tuple, int] = defaultdict(int)
        for d in group:
            by_check[(d["check_id"], d["kind"], d["before"], d["after"])] += 1
        for (check, kind, before, after), n in sorted(by_check.items(), key=str):
            print(f"  {title}: {n:>5} x {kind} {check} ({before} -> {after})")
    for d in (cmp["not_allowed"] + cmp["allowed"])[:40]:
        mark = "allowed" if d in cmp["allowed"] else "NOT ALLOWED"
        print(f"  {mark:<12}{d['kind']:<12}{d['check_id']:<34}{d['before']!s:<18} -> {d['after']!s:<18}"
              f"{d['resource']} {d['discriminator'] or ''}")
    for fid in cmp["text_changes"][:10]:
        print(f"  text only   {fid}")
    print(f"unused: {'identical' if not cmp['unused'] else str(len(cmp['unused'])) + ' functions differ'}"
          f"{'' if not cmp['unused'] else ', ' + str(len(cmp['unused_not_allowed'])) + ' apart from the triggers on versions not examined'}")
    for arn in cmp["unused_not_allowed"][:10]:
        print(f"  {arn}")
    verdict = "no finding lost" if cmp["ok"] else (f"FAIL: {len(cmp['not_allowed'])} differences not allowed, "
                                                   f"{len(cmp['unused_not_allowed'])} in unused")
    print(f"verdict: {verdict}")


def measure(label: str, binary: str, endpoint: str, regions: list[str], work: str, args, flags: list[str],
            manifest: dict) -> dict:
    """One scan of the seeded account with its own statistics: the plan, the floor, completeness."""
    admin(endpoint, "DELETE", "/_lp/stats")
    scan = run_scan(binary, endpoint, regions, os.path.join(work, label), args, flags)
    stats = admin(endpoint, "GET", "/_lp/stats")
    floor_s, buckets = floor(stats, args.time_scale)
    if scan["exit_code"] in (0, 1, 3) and os.path.exists(scan["inventory"]) and os.path.exists(scan["report"]):
        with open(scan["inventory"]) as fh:
            inventory = json.load(fh)
        with open(scan["report"]) as fh:
            report = json.load(fh)
        problems, unread = completeness(manifest, inventory)
        problems += summary_problems(report, inventory)
        summary = [a.get("not_examined") for a in report["accounts"] if a.get("not_examined")]
        del inventory, report
    else:
        problems, unread = [f"the scan failed (exit code {scan['exit_code']}): see {work}/{label}/scan.stderr"], {}
        summary = []
    return {"flags": flags, "scan": scan, "stats": stats, "floor_s": floor_s, "buckets": buckets,
            "ratio": scan["wall_s"] / floor_s if floor_s else float("inf"),
            "retries": stats["totals"]["throttled"] + stats["totals"]["faults"], "problems": problems,
            "not_read": unread, "report_not_examined": summary}


def compare(binary: str, default: dict, thorough: dict) -> dict:
    """The default scan's report and unused answer against the thorough one's. A difference is allowed when
    ALLOWED_DIFFERENCES covers it, or when it is about a version the default reported as not examined (counted in
    its summary: the price of the default, measured, not a silent loss)."""
    reports = []
    for run in (default, thorough):
        with open(run["scan"]["report"]) as fh:
            reports.append(json.load(fh))
    with open(default["scan"]["inventory"]) as fh:
        functions = json.load(fh)["accounts"][0]["functions"]
    unexamined = {f["arn"]: not_read(f)[NOT_EXAMINED].get("GetPolicy", set()) for f in functions}
    differences = diff_reports(*reports)
    listed = disallowed(differences, ALLOWED_DIFFERENCES)
    on_versions = [d for d in listed if on_unexamined_version(d, unexamined)]
    unknowns = [d for d in listed if d not in on_versions and resolves_unknown(d, unexamined)]
    not_allowed = [d for d in listed if d not in on_versions and d not in unknowns]
    answers = [unused_json(binary, r["scan"]["inventory"]) for r in (default, thorough)]
    unused = unused_differences(*answers)
    unused_not_allowed = unused_differences(*answers, unexamined)
    return {"findings": [len(r["findings"]) for r in reports], "differences": differences,
            "allowed": [d for d in differences if d not in listed], "on_unexamined_versions": on_versions,
            "resolved_unknowns": unknowns, "not_allowed": not_allowed, "text_changes": text_changes(*reports), "unused": unused,
            "unused_not_allowed": unused_not_allowed, "ok": not not_allowed and not unused_not_allowed}


# --- an organisation (--accounts) --------------------------------------------------------------------------------------
RSS_MILESTONES = (100, 250, 500, 1000)


def run_org_scan(binary: str, endpoint: str, regions: list[str], work: str, args, emulator_pid: int,
                 accounts: list[str]) -> dict:
    """`scan --org --output-dir` of the seeded organisation; besides the totals, the scanner's RSS (current and peak)
    and the emulator's CPU each time another tenth of the accounts (and 100, 250, 500, 1000) were done."""
    out = os.path.join(work, "org")
    report = os.path.join(work, "org-report.json")
    cmd = [binary, "scan", "--org", "--output-dir", out, "--regions", ",".join(regions), "--format", "json",
           "--output", report, "--quiet", "--lookback-days", str(LOOKBACK_DAYS)]
    if args.time_scale != 1.0:
        cmd += ["--quota-scale", str(args.time_scale)]
    if args.max_accounts:
        cmd += ["--max-accounts", str(args.max_accounts)]
    cmd += args.scanner_args
    marks = sorted({m for m in RSS_MILESTONES if m <= len(accounts)} |
                   {max(1, round(len(accounts) * k / 10)) for k in range(1, 11)})
    pending, timeline = set(accounts), []
    emulator_cpu0, t0 = cpu_seconds(emulator_pid), time.monotonic()
    proc = subprocess.Popen(cmd, env=scanner_env(endpoint, regions), stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "scan.stderr"), "w"), stdin=subprocess.DEVNULL)

    def sample():
        pending.difference_update([a for a in pending if os.path.exists(os.path.join(out, "accounts", a,
                                                                                     "inventory.json"))])
        done = len(accounts) - len(pending)
        while marks and done >= marks[0]:
            timeline.append({"accounts_done": marks.pop(0), "at_s": time.monotonic() - t0,
                             "rss_mb": peak_rss_mb(proc.pid, "VmRSS"), "peak_rss_mb": peak_rss_mb(proc.pid),
                             "emulator_cpu_s": cpu_seconds(emulator_pid) - emulator_cpu0})

    code, usage = wait_sampling(proc, sample, 0.5)
    wall = time.monotonic() - t0
    return {"command": cmd, "exit_code": code, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_user_s": usage.ru_utime, "cpu_system_s": usage.ru_stime,
            "emulator_cpu_s": cpu_seconds(emulator_pid) - emulator_cpu0, "timeline": timeline, "output_dir": out,
            "report": report}


def account_floors(stats: dict, time_scale: float) -> dict[str, dict]:
    """Each account's own quota floor (its slowest region and bucket), from the emulator's per-account statistics."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for r in stats.get("by_account", []):
        rows[r["account"]].append(r)
    out = {}
    for account, ops in rows.items():
        seconds, buckets = floor({"operations": ops}, time_scale)
        top = buckets[0] if buckets and buckets[0]["rate"] else None
        out[account] = {"floor_s": seconds, "calls": sum(r["calls"] for r in ops),
                        "throttled": sum(r["throttled"] for r in ops),
                        "bucket": f"{top['bucket']} in {top['region']}" if top else None}
    return out


def org_completeness(manifest: dict, output_dir: str) -> list[str]:
    """Every account done (inventory.json, no error.txt) and its inventory complete against what was planted."""
    problems = []
    for planted in manifest["accounts"]:
        folder = os.path.join(output_dir, "accounts", planted["account"])
        inventory = os.path.join(folder, "inventory.json")
        if not os.path.exists(inventory):
            reason = open(os.path.join(folder, "error.txt")).read().strip() \
                if os.path.exists(os.path.join(folder, "error.txt")) else "no inventory.json, no error.txt"
            problems.append(f"{planted['account']}: incomplete: {reason}")
            continue
        with open(inventory) as fh:
            found, _ = completeness(planted, json.load(fh))
        problems += [f"{planted['account']}: {p}" for p in found]
    return problems


def measure_org(binary: str, endpoint: str, emulator_pid: int, regions: list[str], work: str, args,
                manifest: dict) -> dict:
    """One organisation scan: wall time against the slowest account's floor, memory along the way, completeness."""
    admin(endpoint, "DELETE", "/_lp/stats")
    accounts = [a["account"] for a in manifest["accounts"]]
    scan = run_org_scan(binary, endpoint, regions, work, args, emulator_pid, accounts)
    stats = admin(endpoint, "GET", "/_lp/stats?by=account")
    floors = account_floors(stats, args.time_scale)
    slowest = max(floors, key=lambda a: floors[a]["floor_s"]) if floors else None
    floor_s = floors[slowest]["floor_s"] if slowest else 0.0
    problems = org_completeness(manifest, scan["output_dir"])
    if scan["exit_code"] not in (0, 1):
        problems.insert(0, f"the scan exited {scan['exit_code']}: see {work}/scan.stderr")
    return {"scan": scan, "totals": stats["totals"], "floors": floors, "slowest": slowest, "floor_s": floor_s,
            "ratio": scan["wall_s"] / floor_s if floor_s else float("inf"), "problems": problems}


def print_org(run: dict, n_accounts: int) -> None:
    s, tot = run["scan"], run["totals"]
    print(f"\n== organisation scan: {' '.join(shlex.quote(c) for c in s['command'][1:])}")
    print(f"calls {tot['calls']}, throttled {tot['throttled']}, injected faults {tot['faults']}")
    if run["slowest"]:
        slow = run["floors"][run["slowest"]]
        members = sorted(f["floor_s"] for a, f in run["floors"].items())
        print(f"slowest account floor {run['floor_s']:.1f} s ({run['slowest']}: {slow['bucket']}, {slow['calls']} "
              f"calls); account floors: median {members[len(members) // 2]:.1f} s, fastest {members[0]:.1f} s")
    print(f"wall time        {s['wall_s']:9.1f} s   (scanner exit code {s['exit_code']})")
    print(f"wall / floor     {run['ratio']:9.3f}   (the slowest account's floor)")
    print(f"peak RSS         {s['peak_rss_mb']:9.1f} MB")
    print(f"CPU              {s['cpu_user_s'] + s['cpu_system_s']:9.1f} s   (scanner); emulator "
          f"{s['emulator_cpu_s']:.1f} s = {s['emulator_cpu_s'] / s['wall_s']:.2f} cores over the wall time")
    print(f"{'accounts done':>14}{'at (s)':>10}{'RSS (MB)':>10}{'peak (MB)':>11}{'emulator CPU (cores)':>22}")
    for t in s["timeline"]:
        cores = t["emulator_cpu_s"] / t["at_s"] if t["at_s"] else 0.0
        print(f"{t['accounts_done']:>14}{t['at_s']:>10.1f}{t['rss_mb'] or 0:>10.1f}{t['peak_rss_mb'] or 0:>11.1f}"
              f"{cores:>22.2f}")
    problems = run["problems"]
    print(f"complete         {'yes: every one of the ' + str(n_accounts) + ' accounts' if not problems else 'NO: ' + str(len(problems)) + ' problems'}")
    for p in problems[:15]:
        print(f"  {p}")


def seed(args, regions: list[str], work: str, endpoint: str) -> tuple[dict, float]:
    """Plant the account (or with --accounts the organisation) with seed_scale.py; its manifest and the seconds it
    took."""
    import seed_scale

    t0 = time.monotonic()
    manifest_path = os.path.join(work, "manifest.json")
    today = dt.datetime.now(dt.timezone.utc).date()
    seed_scale.main(["--endpoint", endpoint, "--functions", str(args.functions), "--regions", ",".join(regions),
                     "--seed", str(args.seed), "--today", today.isoformat(), "--manifest", manifest_path]
                    + (["--long-tail"] if args.long_tail else [])
                    + (["--accounts", str(args.accounts)] if args.accounts else []))
    with open(manifest_path) as fh:
        return json.load(fh), time.monotonic() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--functions", type=int, default=1000, help="functions (in each account with --accounts)")
    ap.add_argument("--accounts", type=int, help="an organisation of this many accounts (seed_scale.py --accounts), "
                    "scanned with scan --org --output-dir")
    ap.add_argument("--max-accounts", type=int, help="the scanner's --max-accounts (with --accounts)")
    ap.add_argument("--regions", type=int, default=1, help=f"how many of {','.join(REGIONS)}")
    ap.add_argument("--time-scale", type=float, default=1.0, help="quota rates x F (emulator and scanner)")
    ap.add_argument("--latency-ms", type=float, default=None, help="mean added latency (emulator default: 40)")
    ap.add_argument("--fault-mix", default=DEFAULT_FAULTS, help=f"emulator fault mix (default {DEFAULT_FAULTS!r})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--long-tail", action="store_true", help="seed_scale.py --long-tail: many published versions")
    ap.add_argument("--thorough", action="store_true", help="scan with --thorough-flag (one scan)")
    ap.add_argument("--compare-thorough", action="store_true",
                    help="scan by default and with --thorough-flag, diff the reports; fail on a difference not allowed")
    ap.add_argument("--thorough-flag", default="--thorough",
                    help="scanner arguments of the thorough scan (default --thorough; '' compares a binary with itself)")
    ap.add_argument("--binary", help="lambda-posture binary (default: $CARGO_TARGET_DIR or ./target, release)")
    ap.add_argument("--build", action="store_true", help="cargo build --release first")
    ap.add_argument("--json", help="also write every number to FILE")
    ap.add_argument("--keep", help="keep the inventory, report, logs and manifest in DIR")
    ap.add_argument("scanner_args", nargs="*", help="after --: extra arguments for `lambda-posture scan`")
    args = ap.parse_args(argv)
    regions = REGIONS[:max(1, min(args.regions, len(REGIONS)))]
    binary = binary_path(args)
    thorough_flags = shlex.split(args.thorough_flag)
    if args.accounts:
        return bench_org(args, regions, binary)
    if args.compare_thorough:
        labels = {"default": [], "thorough": thorough_flags}
    else:
        labels = {"thorough" if args.thorough else "default": thorough_flags if args.thorough else []}
    work = args.keep or tempfile.mkdtemp(prefix="lp-bench-")
    os.makedirs(work, exist_ok=True)
    emulator, endpoint = start_emulator(work, emulator_flags(args))
    try:
        manifest, seed_s = seed(args, regions, work, endpoint)
        runs = {label: measure(label, binary, endpoint, regions, work, args, flags, manifest)
                for label, flags in labels.items()}
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=30)
    result = {"functions": args.functions, "regions": regions, "time_scale": args.time_scale,
              "fault_mix": args.fault_mix, "seed": args.seed, "long_tail": args.long_tail, "seed_s": seed_s,
              "versions": sum(m["versions"] for m in manifest["functions"]), "runs": runs}
    print(f"\n{result['functions']} functions{' (long tail)' if args.long_tail else ''}, "
          f"{result['versions']} published versions, {len(regions)} region(s) ({', '.join(regions)}), "
          f"time scale {args.time_scale}, faults '{args.fault_mix}', seed {args.seed}; "
          f"seeding {seed_s:.1f} s (outside the quotas); binary {binary}")
    for label, run in runs.items():
        print_run(label, run)
    ok = all(not run["problems"] for run in runs.values())
    if args.compare_thorough:
        result["comparison"] = compare(binary, runs["default"], runs["thorough"])
        print_comparison(result)
        ok = ok and result["comparison"]["ok"]
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2, default=str)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def bench_org(args, regions: list[str], binary: str) -> int:
    """--accounts: seed an organisation, scan it once with --org, print and check the result."""
    work = args.keep or tempfile.mkdtemp(prefix="lp-bench-org-")
    os.makedirs(work, exist_ok=True)
    emulator, endpoint = start_emulator(work, emulator_flags(args))
    try:
        manifest, seed_s = seed(args, regions, work, endpoint)
        emulator_rss = peak_rss_mb(emulator.pid, "VmRSS")
        run = measure_org(binary, endpoint, emulator.pid, regions, work, args, manifest)
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=30)
    print(f"\n{args.accounts} accounts x {args.functions} functions, {len(regions)} region(s) ({', '.join(regions)}), "
          f"time scale {args.time_scale}, faults '{args.fault_mix}', seed {args.seed}; seeding {seed_s:.1f} s "
          f"(outside the quotas; the emulator then held {emulator_rss or 0:.0f} MB); binary {binary}")
    print_org(run, args.accounts)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"accounts": args.accounts, "functions": args.functions, "regions": regions,
                       "time_scale": args.time_scale, "fault_mix": args.fault_mix, "seed": args.seed,
                       "seed_s": seed_s, "run": run}, fh, indent=2, default=str)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not run["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())

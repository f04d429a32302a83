"""Self-tests of the benchmark's logic (mocks/bench.py) and of the long-tail account (mocks/seed_scale.py --long-tail).

Run:  mocks/.venv/bin/python mocks/test_bench.py [-k substring]      (tests/run.sh runs it; about ten seconds)
Deterministic and fast: the report diff, the allow-list, the call-plan table and the completeness rule on
hand-made reports and inventories; the long-tail plan's shape; and one small long-tail account seeded into a real
emulator and read back with boto3, so the manifest the benchmark trusts says what the emulator holds.
Prints one line per test (unittest's runner); exits non-zero on failure.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
import seed_scale  # noqa: E402

TODAY = dt.date(2026, 12, 3)
# sha256 of the default account's plan (200 functions, two regions, seed 0, TODAY), computed with seed_scale.py as it
# was before --long-tail existed: the account of every earlier benchmark number.
DEFAULT_PLAN_SHA256 = "95a9dc097a56708d997a290e32d00caa4d1c44bce41d8683c43bb86e8afbf20b"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


# --- the report diff -------------------------------------------------------------------------------------------------
def finding(fid: str, status: str = "fail", severity: str = "high", check: str = "lambda-public-invoke",
            message: str = "m") -> dict:
    return {"id": fid, "check_id": check, "status": status, "severity": severity, "resource_arn": ARN + "f",
            "discriminator": "d", "message": message, "evidence": {}}


def test_diff_identical_reports_have_no_difference():
    report = {"findings": [finding("LP-1"), finding("LP-2", "unknown", "info")]}
    assert bench.diff_reports(report, copy.deepcopy(report)) == []
    assert bench.text_changes(report, copy.deepcopy(report)) == []


def test_diff_lists_every_kind_of_difference_by_id():
    before = {"findings": [finding("LP-gone"), finding("LP-status"), finding("LP-sev"), finding("LP-text"),
                           finding("LP-same")]}
    after = {"findings": [finding("LP-same"), finding("LP-status", status="unknown"),
                          finding("LP-sev", severity="critical"), finding("LP-text", message="other words"),
                          finding("LP-new", check="lambda-url-public")]}
    got = {(d["id"], d["kind"]): (d["before"], d["after"]) for d in bench.diff_reports(before, after)}
    assert got == {("LP-gone", "disappeared"): ("fail high", None),
                   ("LP-new", "appeared"): (None, "fail high"),
                   ("LP-status", "status"): ("fail", "unknown"),
                   ("LP-sev", "severity"): ("high", "critical")}, got
    # Order of the findings in a report does not matter; text changes are shown apart, never a difference.
    after["findings"].reverse()
    assert len(bench.diff_reports(before, after)) == 4
    assert bench.text_changes(before, after) == ["LP-text"]


def test_allow_list_covers_only_what_it_names():
    before = {"findings": [finding("LP-a"), finding("LP-b", check="async-no-failure-destination")]}
    after = {"findings": [finding("LP-a", status="unknown"), finding("LP-b", check="async-no-failure-destination",
                                                                     status="unknown")]}
    diffs = bench.diff_reports(before, after)
    allowed = [{"check_id": "async-no-failure-destination", "kind": "status", "why": "documented reason"}]
    left = bench.disallowed(diffs, allowed)
    assert [d["id"] for d in left] == ["LP-a"], left
    assert bench.disallowed(diffs, []) == diffs
    # An entry naming another kind does not cover a status change.
    assert len(bench.disallowed(diffs, [{"check_id": "async-no-failure-destination", "kind": "appeared"}])) == 2


def test_shipped_allow_list_entries_each_give_a_reason():
    for entry in bench.ALLOWED_DIFFERENCES:
        assert entry.get("why") and entry.get("check_id") and entry.get("kind"), entry


def test_an_unknown_of_the_default_resolved_on_a_function_with_unexamined_versions_is_no_loss():
    unexamined = {ARN + "f": {"17"}}
    before = {"findings": [finding("LP-a", "unknown", "low"), finding("LP-b", "unknown", "low"), finding("LP-c")]}
    after = {"findings": [finding("LP-a", "fail", "low"), finding("LP-c", "pass")]}
    for d in bench.diff_reports(before, after):
        d["function"] = ARN + "f"
        # Unknown -> fail and an Unknown that passed are resolved; a fail that disappears is a change of verdict.
        assert bench.resolves_unknown(d, unexamined) == (d["id"] in ("LP-a", "LP-b")), d
        assert not bench.resolves_unknown(d, {}), d


def test_unused_answers_compared_per_function():
    a = {"unused": [{"arn": ARN + "f", "idle_days": 100}], "unknown": [{"arn": ARN + "g"}]}
    assert bench.unused_differences(a, copy.deepcopy(a)) == []
    b = copy.deepcopy(a)
    b["unused"][0]["idle_days"] = 99
    b["unknown"] = []
    assert bench.unused_differences(a, b) == [ARN + "f", ARN + "g"]
    assert bench.unused_differences(a, None) != []
    # A trigger on a version the first scan did not examine is that scan's documented blind spot, nothing else.
    c = copy.deepcopy(a)
    c["unused"][0]["triggers"] = [{"kind": "resource-policy", "source": "*", "qualifier": "17"}]
    assert bench.unused_differences(a, c) == [ARN + "f"]
    assert bench.unused_differences(a, c, {ARN + "f": {"17"}}) == []
    assert bench.unused_differences(a, c, {ARN + "f": {"16"}}) == [ARN + "f"]


def test_a_difference_on_a_version_not_examined_is_recognised_by_its_discriminator():
    unexamined = {ARN + "f": {"17", "18"}}
    for discriminator in ("public:17", "version:18/STRIPE_KEY", "17/partner-invoke", "cross-account:18"):
        d = {"function": ARN + "f", "discriminator": discriminator}
        assert bench.on_unexamined_version(d, unexamined), discriminator
    for discriminator in ("public:function", "public:170", "live/partner-invoke", None, "version:19"):
        d = {"function": ARN + "f", "discriminator": discriminator}
        assert not bench.on_unexamined_version(d, unexamined), discriminator
    assert not bench.on_unexamined_version({"function": ARN + "g", "discriminator": "public:17"}, unexamined)


# --- the call plan ---------------------------------------------------------------------------------------------------
def op(service: str, operation: str, calls: int, region: str = "us-east-1", throttled: int = 0) -> dict:
    return {"service": service, "operation": operation, "region": region, "calls": calls, "throttled": throttled,
            "faults": {}, "errors": 0}


def test_floor_is_the_slowest_bucket_and_the_plan_groups_operations():
    stats = {"operations": [op("lambda", "GetPolicy", 1500), op("lambda", "ListAliases", 300),
                            op("lambda", "ListFunctions", 30), op("lambda", "GetFunction", 1000, throttled=10),
                            op("iam", "GetAccountAuthorizationDetails", 4, region="us-east-1"),
                            op("ec2", "DescribeSubnets", 3)],
             "totals": {"calls": 2837, "throttled": 10, "faults": 0}}
    floor_s, rows = bench.floor(stats, 2.0)
    assert rows[0]["bucket"] == "lambda:GetPolicy" and abs(floor_s - 1500 / 30) < 1e-9, rows[0]
    cp = next(r for r in rows if r["bucket"] == "lambda:control-plane")
    assert cp["operations"] == {"ListAliases": 300, "ListFunctions": 30} and cp["calls"] == 330
    gf = next(r for r in rows if r["bucket"] == "lambda:GetFunction")
    assert gf["accepted"] == 990 and gf["throttled"] == 10
    assert next(r for r in rows if r["bucket"].startswith("iam:"))["region"] == "global"
    assert rows[-1]["bucket"] is None and rows[-1]["operations"] == {"ec2:DescribeSubnets": 3}
    run = {"floor_s": floor_s, "buckets": rows, "ratio": 1.05, "scan": {"wall_s": floor_s * 1.05}}
    table = bench.plan_table(run)
    assert table[1].startswith("lambda:GetPolicy") and "1.000" in table[1], table
    assert "(no quota)" in table[-2] and table[-1].startswith("floor 50.0 s (lambda:GetPolicy in us-east-1)")


# --- completeness ----------------------------------------------------------------------------------------------------
def planted(**kw) -> dict:
    m = {"region": "us-east-1", "name": "f", "role": "arn:aws:iam::123456789012:role/r", "runtime": "python3.12",
         "tags": 0, "env": 0, "versions": 3, "aliases": ["live"], "statements_by_qualifier": {"": 1, "2": 1},
         "urls": 0, "async_configs": 1, "provisioned": 0, "reserved": None, "mappings": 0,
         "live_versions": {"3": "python3.12"}, "policy_versions": {"2": "python3.8"}, "last_invoked": None}
    return m | kw


def inventoried(**kw) -> dict:
    statement = {"Statement": [{"Effect": "Allow"}]}
    f = {"region": "us-east-1", "name": "f", "role_arn": "arn:aws:iam::123456789012:role/r", "runtime": "python3.12",
         "tags": {}, "environment": [], "versions": ["1", "2", "3"], "aliases": [{"name": "live"}], "urls": [],
         "async_invoke_configs": [{}], "provisioned_concurrency": [], "reserved_concurrency": None,
         "event_source_mappings": [], "metrics": {"last_invocation": None},
         "resource_policies": [{"qualifier": None, "document": statement}, {"qualifier": "2", "document": statement}],
         "live_versions": [{"version": "2", "runtime": "python3.8"}, {"version": "3", "runtime": "python3.12"}]}
    return f | kw


def check(m: dict, f: dict) -> tuple[list[str], dict]:
    manifest = {"today": TODAY.isoformat(), "functions": [m]}
    inventory = {"accounts": [{"functions": [f], "roles": {m["role"]: {}}, "gaps": []}]}
    return bench.completeness(manifest, inventory)


def test_completeness_accepts_an_exact_inventory_and_names_each_difference():
    assert check(planted(), inventoried()) == ([], {})
    problems, _ = check(planted(), inventoried(resource_policies=[], live_versions=[]))
    assert "us-east-1/f: policy statements of the function: got 0, planted 1" in problems, problems
    assert "us-east-1/f: live version 3: missing" in problems, problems
    problems, _ = check(planted(), inventoried(live_versions=[{"version": "2", "runtime": "python3.12"},
                                                              {"version": "3", "runtime": "python3.12"}]))
    assert problems == ["us-east-1/f: live version 2: runtime 'python3.12', built on 'python3.8'"], problems
    problems, _ = check(planted(), inventoried(async_invoke_configs=[]))
    assert problems == ["us-east-1/f: async configs: got 0, planted 1"], problems


def test_completeness_does_not_expect_what_the_scanner_recorded_as_not_examined():
    # The shape of `Function.skipped` (checks/src/inventory.rs): operation, qualifiers (none: the function), kind.
    skipped = [{"operation": "GetPolicy", "qualifiers": ["1", "2"], "kind": "not-examined", "reason": "r"},
               {"operation": "ListFunctionEventInvokeConfigs", "kind": "not-examined", "reason": "r"}]
    f = inventoried(resource_policies=[{"qualifier": None, "document": {"Statement": [{}]}}],
                    live_versions=[{"version": "3", "runtime": "python3.12"}], async_invoke_configs=[],
                    skipped=skipped)
    problems, unread = check(planted(), f)
    assert problems == [], problems
    assert unread == {"not examined: GetPolicy (published versions)": 2, "  with statements planted (versions)": 1,
                      "not examined: ListFunctionEventInvokeConfigs (functions)": 1,
                      "  async configs planted there": 1}, unread
    # Not examined is no licence to lose what was read: the function's own statement is still expected.
    problems, _ = check(planted(), f | {"resource_policies": []})
    assert problems == ["us-east-1/f: policy statements of the function: got 0, planted 1"], problems
    # A live version (an alias points at it) must never be left unexamined.
    problems, _ = check(planted(), f | {"skipped": [skipped[0] | {"qualifiers": ["2", "3"]}, skipped[1]]})
    assert "us-east-1/f: live version 3: its resource policy was not examined" in problems, problems


def test_completeness_holds_a_not_needed_call_to_its_claim_of_an_empty_answer():
    skip = {"operation": "ListProvisionedConcurrencyConfigs", "kind": "not-needed", "reason": "no version"}
    problems, unread = check(planted(), inventoried(skipped=[skip]))
    assert problems == [] and unread == {"not needed: ListProvisionedConcurrencyConfigs (functions)": 1}, unread
    # Something was planted where the plan said the answer was known to be empty: that is a loss.
    problems, _ = check(planted(provisioned=1), inventoried(skipped=[skip]))
    assert problems == ["us-east-1/f: provisioned: got 0, planted 1"], problems


def test_the_report_summary_must_count_every_version_not_examined():
    skip = {"operation": "GetPolicy", "qualifiers": ["1", "2"], "kind": "not-examined", "reason": "r"}
    inventory = {"accounts": [{"account_id": "123456789012", "functions": [inventoried(skipped=[skip])]}]}
    said = {"version_policies": 2, "functions": 1, "flag": "--thorough"}
    assert bench.summary_problems({"accounts": [{"not_examined": said}]}, inventory) == []
    assert len(bench.summary_problems({"accounts": [{}]}, inventory)) == 1
    assert len(bench.summary_problems({"accounts": [{"not_examined": said | {"version_policies": 1}}]},
                                      inventory)) == 1
    quiet = {"accounts": [{"account_id": "123456789012", "functions": [inventoried()]}]}
    assert bench.summary_problems({"accounts": [{}]}, quiet) == []


# --- the long-tail account -------------------------------------------------------------------------------------------
def test_default_account_is_the_one_every_earlier_benchmark_measured():
    # The plan of the default account (seed 0) is pinned: --long-tail must not change a single draw of it.
    p = seed_scale.plan(200, ["us-east-1", "eu-west-1"], 0, TODAY)
    digest = hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()
    assert digest == DEFAULT_PLAN_SHA256, digest
    tail = seed_scale.plan(200, ["us-east-1", "eu-west-1"], 0, TODAY, long_tail=True)
    assert tail["roles"] == p["roles"]
    changed = [i for i, (a, b) in enumerate(zip(p["functions"], tail["functions"])) if a != b]
    assert len(changed) == 20 and all(tail["functions"][i]["versions"] >= 50 for i in changed), changed


def test_long_tail_shape():
    p = seed_scale.plan(1000, ["us-east-1"], 0, TODAY, long_tail=True)
    assert p == seed_scale.plan(1000, ["us-east-1"], 0, TODAY, long_tail=True)  # deterministic
    tail = [f for f in p["functions"] if "qualified_mappings" in f]
    assert len(tail) == 100, len(tail)
    versions = sorted(f["versions"] for f in tail)
    assert versions[0] >= 50 and versions[-1] <= 300 and versions[-1] - versions[0] > 150, versions
    pinned = public = old_aliases = mapped_versions = older = 0
    for f in tail:
        n = f["versions"]
        aliases = {a["name"]: a["version"] for a in f["aliases"]}
        assert f["aliases"][0] == {"name": "live", "version": str(n)}
        assert all(v == "$LATEST" or 1 <= int(v) <= n for v in aliases.values()), aliases
        old_aliases += any(v != "$LATEST" and int(v) <= n // 3 for v in aliases.values())
        for perm in f["permissions"]:
            q = perm["qualifier"]
            assert q is None or q in aliases or 1 <= int(q) < n, perm
            pinned += bool(q and q.isdigit())
            public += bool(q and q.isdigit() and perm["principal"] == "*")
        for m in f["qualified_mappings"]:
            assert m["qualifier"] in aliases or 1 <= int(m["qualifier"]) < n, m
            mapped_versions += m["qualifier"].isdigit()
        if "older_runtime" in f:
            older += 1
            assert 2 <= f["older_runtime"]["until"] < n
        for u in f["urls"]:
            assert u["qualifier"] is None or u["qualifier"] in aliases
    assert pinned > 50 and public >= 1 and old_aliases > 30 and mapped_versions >= 5 and older > 10, \
        (pinned, public, old_aliases, mapped_versions, older)
    # The manifest knows every live version with the runtime it was built on.
    manifest = {m["name"]: m for m in seed_scale.manifest(p)["functions"]}
    for f in tail:
        m = manifest[f["name"]]
        assert m["versions"] == f["versions"] and m["live_versions"][str(f["versions"])] == f["runtime"]
        assert m["mappings"] == len(f["qualified_mappings"]) + (f["queue"] is not None)
        assert sum(m["statements_by_qualifier"].values()) == m["policy_statements"]
        for v, runtime in (m["live_versions"] | m["policy_versions"]).items():
            assert runtime == seed_scale.version_runtime(f, int(v))


def test_long_tail_account_seeded_into_the_emulator_matches_its_manifest():
    import boto3

    work = tempfile.mkdtemp(prefix="lp-bench-test-")
    server, endpoint = bench.start_emulator(work, [])  # no quotas, no faults: boto3 reads the account back
    try:
        manifest_path = os.path.join(work, "manifest.json")
        assert seed_scale.main(["--endpoint", endpoint, "--functions", "30", "--long-tail", "--today",
                                TODAY.isoformat(), "--manifest", manifest_path]) == 0
        manifest = json.load(open(manifest_path))
        lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing")
        tail = [m for m in manifest["functions"] if m["versions"] >= 50]
        assert len(tail) == 3, [m["versions"] for m in manifest["functions"]]
        listed = [c for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL")
                  for c in page["Functions"]]
        assert len(listed) == len(manifest["functions"]) + sum(m["versions"] for m in manifest["functions"])
        mappings = lam.list_event_source_mappings()["EventSourceMappings"]
        for m in tail:
            name = m["name"]
            assert sorted(a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]) == sorted(m["aliases"])
            for q, n in m["statements_by_qualifier"].items():
                kw = {"Qualifier": q} if q else {}
                policy = json.loads(lam.get_policy(FunctionName=name, **kw)["Policy"])
                assert len(policy["Statement"]) == n, (name, q, policy)
            for v, runtime in (m["live_versions"] | m["policy_versions"]).items():
                got = lam.get_function_configuration(FunctionName=name, Qualifier=v)["Runtime"]
                assert got == runtime, (name, v, got, runtime)
            mine = [e for e in mappings if e["FunctionArn"].split(":")[6] == name]
            assert len(mine) == m["mappings"], (name, mine)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)



def test_account_floors_are_each_accounts_own_slowest_bucket():
    """Quotas are per account: two accounts' calls in the same bucket are two floors, never one summed."""
    rows = [{"account": "111111111111", "service": "lambda", "operation": "ListAliases", "region": "us-east-1",
             "calls": 160, "throttled": 10},
            {"account": "111111111111", "service": "lambda", "operation": "GetFunction", "region": "us-east-1",
             "calls": 100, "throttled": 0},
            {"account": "222222222222", "service": "lambda", "operation": "ListAliases", "region": "us-east-1",
             "calls": 30, "throttled": 0},
            {"account": "222222222222", "service": "iam", "operation": "GetAccountAuthorizationDetails",
             "region": "us-east-1", "calls": 4, "throttled": 0}]
    floors = bench.account_floors({"by_account": rows}, 1.0)
    assert floors["111111111111"]["floor_s"] == 150 / 15  # accepted calls of the control-plane bucket at 15/s
    assert floors["111111111111"]["bucket"] == "lambda:control-plane in us-east-1"
    assert floors["222222222222"]["floor_s"] == 2.0  # 30 / 15 and 4 / 2 tie; IAM is global
    assert floors["111111111111"]["calls"] == 260 and floors["111111111111"]["throttled"] == 10
    assert bench.account_floors({"by_account": rows}, 2.0)["111111111111"]["floor_s"] == 150 / 30

def test_organisation_seeded_into_the_emulator_matches_its_manifest():
    """seed_scale.py --accounts: the management account is the single-account one of the same seed, every member
    is entered through its audit role (ExternalId required when given) and holds exactly its manifest's functions."""
    import boto3
    import botocore.exceptions

    work = tempfile.mkdtemp(prefix="lp-bench-test-")
    server, endpoint = bench.start_emulator(work, [])
    try:
        manifest_path = os.path.join(work, "manifest.json")
        assert seed_scale.main(["--endpoint", endpoint, "--accounts", "3", "--functions", "4", "--external-id",
                                "x-1", "--today", TODAY.isoformat(), "--manifest", manifest_path]) == 0
        manifest = json.load(open(manifest_path))
        single = seed_scale.manifest(seed_scale.plan(4, ["us-east-1"], 0, TODAY))
        assert manifest["accounts"][0] == single and manifest["management"] == single["account"]
        ids = [a["account"] for a in manifest["accounts"]]
        kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_secret_access_key="testing")
        org = boto3.client("organizations", aws_access_key_id="testing", **kw)
        assert [a["Id"] for a in org.list_accounts()["Accounts"]] == ids
        sts = boto3.client("sts", aws_access_key_id="testing", **kw)
        for m in manifest["accounts"][1:]:
            arn = f"arn:aws:iam::{m['account']}:role/LambdaPostureAudit"
            try:
                sts.assume_role(RoleArn=arn, RoleSessionName="lambda-posture-test")
                raise AssertionError("entered without the external id")
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "AccessDenied", e
            c = sts.assume_role(RoleArn=arn, RoleSessionName="lambda-posture-test", ExternalId="x-1")["Credentials"]
            lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                               aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                               aws_session_token=c["SessionToken"])
            names = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
            assert names == sorted(f["name"] for f in m["functions"]), (m["account"], names)
            role = lam.get_function(FunctionName=names[0])["Configuration"]["Role"]
            assert role.startswith(f"arn:aws:iam::{m['account']}:role/"), role
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

# --- runner ----------------------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """The test_* functions of this file (those whose name holds the -k substring), by the standard runner."""
    pattern = argv[argv.index("-k") + 1] if "-k" in argv else ""
    tests = [unittest.FunctionTestCase(f) for n, f in globals().items()
             if n.startswith("test_") and callable(f) and pattern in n]
    return 0 if unittest.TextTestRunner(verbosity=2).run(unittest.TestSuite(tests)).wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

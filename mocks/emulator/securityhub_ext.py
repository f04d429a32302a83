"""Security Hub BatchImportFindings as AWS enforces it, in front of moto (which stores whatever it is sent).

AWS's limits ("Guidelines for using the BatchImportFindings API", Security Hub partner guide): at most 100
findings per batch, 6 MB per request, 240 KB per finding; the caller must be the account of each finding
(`AwsAccountId`) and the ProductArn must be in the region called. A request over a limit is refused whole;
a finding breaking a rule is listed in FailedFindings and the others are imported. A finding already stored is
updated, except Workflow (BatchImportFindings cannot change it after creation), and an update older than the
stored finding (`UpdatedAt`) is ignored, as on AWS.

Transient per-finding failures, for the importer's retry: a finding whose `Id` ends in `:transient` is listed in
FailedFindings with `InternalException` the first time it reaches a region (imported when sent again); one whose `Id`
ends in `:always-transient` is listed so every time.
"""
from __future__ import annotations

import json

from common import AwsError, Ctx, Reply, json_reply

MAX_FINDINGS = 100
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_FINDING_BYTES = 240 * 1024
REQUIRED = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "UpdatedAt",
            "Severity", "Title", "Description", "Resources")
# Never changed by a later import of the same finding (customers own them: BatchUpdateFindings).
CUSTOMER_FIELDS = ("Workflow", "Note", "UserDefinedFields", "VerificationState")
TRANSIENT_CODE = "InternalException"
# (account, region, Id) of the `:transient` findings already failed once.
_failed_once: set[tuple[str, str, str]] = set()


def _backend(ctx: Ctx):
    from moto.securityhub.models import securityhub_backends

    return securityhub_backends[ctx.account][ctx.region]


def _problem(ctx: Ctx, finding) -> str | None:
    if not isinstance(finding, dict):
        return "a finding must be an object"
    missing = [k for k in REQUIRED if k not in finding]
    if missing:
        return f"missing required fields: {', '.join(missing)}"
    if len(json.dumps(finding).encode()) > MAX_FINDING_BYTES:
        return f"the finding is larger than {MAX_FINDING_BYTES // 1024} KB"
    if finding["AwsAccountId"] != ctx.account:
        return f"AwsAccountId {finding['AwsAccountId']} is not the calling account {ctx.account}"
    parts = str(finding["ProductArn"]).split(":")
    if len(parts) < 6 or parts[3] != ctx.region:
        return f"ProductArn {finding['ProductArn']} is not in the region called ({ctx.region})"
    if not finding["Resources"]:
        return "Resources must hold at least one resource"
    return None


def _transient(ctx: Ctx, finding_id: str) -> bool:
    """Whether this valid finding fails this time with a transient error (module docstring)."""
    if finding_id.endswith(":always-transient"):
        return True
    key = (ctx.account, ctx.region, finding_id)
    if finding_id.endswith(":transient") and key not in _failed_once:
        _failed_once.add(key)
        return True
    return False


def batch_import_findings(ctx: Ctx) -> Reply:
    if len(ctx.body) > MAX_REQUEST_BYTES:
        raise AwsError("RequestEntityTooLargeException",
                       f"Request must be smaller than {MAX_REQUEST_BYTES} bytes", 413)
    findings = ctx.json_body().get("Findings")
    if not isinstance(findings, list) or not findings:
        raise AwsError("InvalidInputException", "Findings: a list of 1 to 100 findings is required")
    if len(findings) > MAX_FINDINGS:
        raise AwsError("InvalidInputException",
                       f"Findings: {len(findings)} findings in one request (at most {MAX_FINDINGS})")
    backend = _backend(ctx)
    stored = {f.id: f for f in backend.findings}
    failed, imported = [], []
    for finding in findings:
        problem = _problem(ctx, finding)
        if problem:
            fid = finding.get("Id", "") if isinstance(finding, dict) else ""
            failed.append({"Id": fid, "ErrorCode": "InvalidInput", "ErrorMessage": problem})
            continue
        if _transient(ctx, str(finding["Id"])):
            failed.append({"Id": finding["Id"], "ErrorCode": TRANSIENT_CODE, "ErrorMessage": "Internal service error"})
            continue
        old = stored.get(finding["Id"])
        if old is not None:
            if str(finding["UpdatedAt"]) < str(old.data.get("UpdatedAt", "")):
                imported.append(finding["Id"])  # accepted, older than what is stored: ignored
                continue
            finding = {**finding, **{k: old.data[k] for k in CUSTOMER_FIELDS if k in old.data}}
        imported.append(finding["Id"])
        backend.batch_import_findings([finding])
    return json_reply({"FailedCount": len(failed), "SuccessCount": len(imported), "FailedFindings": failed},
                      ctx=ctx)


HANDLERS = {"BatchImportFindings": batch_import_findings}


def stored_findings(account: str, region: str) -> list[dict]:
    """Every finding stored for (account, region), for the admin API (GetFindings pages by 100)."""
    from moto.securityhub.models import securityhub_backends

    return [f.as_dict() for f in securityhub_backends[account][region].findings]

"""Quotas, latency, fault injection and call statistics: what makes the emulator behave like a busy account.

* Quota-faithful mode: per-(account, region, bucket) token buckets with AWS's published rates
  (Lambda: GetFunction 100/s, GetPolicy 15/s, every other control-plane call one shared 15/s
  bucket). Burst equals rate. Excess calls are answered at once with the throttling error.
* Latency: a log-normal delay with the configured mean (long tail).
* Fault mix: 5xx / connection reset / stall probabilities applied to every AWS call.
* Fault rules (admin API): targeted AccessDenied / Throttling / InternalError / Reset / Stall, and STS's RegionDisabled.

All randomness is deterministic: the n-th call of an (service, operation, region) gets a random
stream derived from (seed, service, operation, region, n), whatever the thread interleaving.
"""
from __future__ import annotations

import hashlib
import math
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from common import AwsError, Ctx

# Rates in requests per second. Lambda: "Lambda API requests" quotas in the Lambda developer guide.
# CloudWatch: "CloudWatch service quotas" (GetMetricData 50 TPS, GetMetricStatistics 400, ListMetrics 25,
# PutMetricData 500, DescribeAlarms 9). IAM and STS do not publish per-API rates; the values below are
# conservative approximations of observed behaviour (GetAccountAuthorizationDetails is slow and low).
LAMBDA_DATA_PLANE = {"Invoke", "InvokeAsync", "InvokeWithResponseStream"}
LAMBDA_RATES = {"GetFunction": 100.0, "GetPolicy": 15.0}
LAMBDA_SHARED_RATE = 15.0
IAM_RATES = {"GetAccountAuthorizationDetails": 2.0, "GenerateServiceLastAccessedDetails": 5.0,
             "GetServiceLastAccessedDetails": 10.0}
IAM_SHARED_RATE = 20.0
CW_RATES = {"GetMetricData": 50.0, "GetMetricStatistics": 400.0, "ListMetrics": 25.0, "PutMetricData": 500.0,
            "DescribeAlarms": 9.0}
CW_SHARED_RATE = 20.0
# STS: one bucket per account and Region, each regional endpoint its own. AWS publishes no STS request rate: "IAM and
# AWS STS independently implement a token bucket algorithm for throttling [...] The number of tokens that a bucket
# holds and the refill rate depends on the API" (AWS Security Blog, "How to monitor and query IAM resources at scale -
# Part 2"); STS is served per Region ("In Regions that are enabled by default, requests to the AWS STS global endpoint
# are automatically served in the same Region where the request originates", AWS SDKs and Tools reference guide, "AWS
# STS Regional endpoints"), and a regional endpoint is a separate endpoint an application can switch to ("Build in
# redundancy", IAM user guide, "Manage AWS STS in an AWS Region"). 100/s is our conservative approximation, the same in
# every Region. On AWS "Requests handled by the AWS STS global endpoint do not share a requests per second quota with
# Regional AWS STS endpoints" (IAM user guide, "AWS STS Regions and endpoints"); here both are signed for us-east-1 and
# share its bucket, stricter than AWS (the scanner enters accounts at regional endpoints only).
STS_RATE = 100.0
# Security Hub BatchImportFindings: 10 TPS per account per region (burst 30 on AWS; burst equals rate here).
SECURITYHUB_IMPORT_RATE = 10.0
# CloudWatch Logs DescribeLogGroups: 10 transactions per second per account and region (its default quota).
LOGS_DESCRIBE_LOG_GROUPS_RATE = 10.0
# CloudTrail Get*, Describe* and List* calls: 10 transactions per second per account and region (CloudTrail's quota).
CLOUDTRAIL_READ_RATE = 10.0
# API Gateway's control plane (fixed quotas per account): GetResources 5 requests every 2 seconds, every other call
# within 10 requests per second in total.
APIGATEWAY_RATES = {"GetResources": 2.5}
APIGATEWAY_SHARED_RATE = 10.0
# Elastic Load Balancing (v2) Describe* calls: a token bucket refilled at 10 a second (40 deep) per account and region
# (Elastic Load Balancing user guide, "Request throttling for the ELB API"; burst equals rate here).
ELB_DESCRIBE_RATE = 10.0

FAULT_KINDS = ("AccessDenied", "Throttling", "InternalError", "Reset", "Stall", "RegionDisabled")
# Kinds only one service answers: RegionDisabled is STS's RegionDisabledException (STS deactivated in that Region by
# the account whose credentials are asked for).
FAULT_KIND_SERVICE = {"RegionDisabled": "sts"}
# Services whose calls fault rules can target (operation names: see optable.detect_operation).
FAULT_SERVICES = ("lambda", "iam", "cloudwatch", "sts", "ec2", "sqs", "sns", "events", "securityhub", "organizations",
                  "logs", "cloudtrail", "apigateway", "elasticloadbalancing")


def bucket_for(ctx: Ctx) -> tuple[str, float] | None:
    """(bucket name, rate per second) for this call, or None when it is not rate limited."""
    op = ctx.operation or "?"
    if ctx.service == "lambda":
        if op in LAMBDA_DATA_PLANE:
            return None
        if op in LAMBDA_RATES:
            return f"lambda:{op}", LAMBDA_RATES[op]
        return "lambda:control-plane", LAMBDA_SHARED_RATE
    if ctx.service == "iam":
        if op in IAM_RATES:
            return f"iam:{op}", IAM_RATES[op]
        return "iam:shared", IAM_SHARED_RATE
    if ctx.service == "cloudwatch":
        if op in CW_RATES:
            return f"cloudwatch:{op}", CW_RATES[op]
        return "cloudwatch:shared", CW_SHARED_RATE
    if ctx.service == "sts":
        return "sts:shared", STS_RATE
    if ctx.service == "securityhub" and op == "BatchImportFindings":
        return "securityhub:BatchImportFindings", SECURITYHUB_IMPORT_RATE
    if ctx.service == "logs" and op == "DescribeLogGroups":
        return "logs:DescribeLogGroups", LOGS_DESCRIBE_LOG_GROUPS_RATE
    if ctx.service == "cloudtrail" and op.startswith(("Get", "Describe", "List")):
        return "cloudtrail:read", CLOUDTRAIL_READ_RATE
    if ctx.service == "elasticloadbalancing" and op.startswith("Describe"):
        return "elasticloadbalancing:describe", ELB_DESCRIBE_RATE
    if ctx.service == "apigateway":
        if op in APIGATEWAY_RATES:
            return f"apigateway:{op}", APIGATEWAY_RATES[op]
        return "apigateway:control-plane", APIGATEWAY_SHARED_RATE
    return None


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self) -> float:
        """0.0 when a token was taken, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class Rule:
    service: str
    operation: str | None
    region: str | None
    resource_contains: str | None
    error: str
    probability: float = 1.0
    count: int | None = None
    used: int = 0

    def matches(self, ctx: Ctx) -> bool:
        if self.service and self.service != ctx.service:
            return False
        if self.operation and self.operation != ctx.operation:
            return False
        if self.region and self.region != ctx.region:
            return False
        if self.count is not None and self.used >= self.count:
            return False
        if self.resource_contains and self.resource_contains not in ctx.resource_text():
            return False
        return True


@dataclass
class Decision:
    """What to do with one request before (or instead of) answering it."""
    delay: float = 0.0
    error: AwsError | None = None
    reset: bool = False
    stall: bool = False
    kind: str | None = None  # fault kind injected, for stats
    throttled: bool = False


@dataclass
class Config:
    quotas: bool = False
    time_scale: float = 1.0
    latency_ms: float = 0.0
    fault_mix: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    stall_seconds: float = 35.0


def parse_fault_mix(text: str | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (text or "").replace(" ", "").split(",")):
        k, _, v = part.partition("=")
        k = k.lower()
        if k not in ("5xx", "reset", "stall", "throttle"):
            raise ValueError(f"unknown fault kind {k!r} in --fault-mix (5xx, reset, stall, throttle)")
        out[k] = float(v)
    return out


class Controller:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.rules: list[Rule] = []
        self.buckets: dict[tuple, TokenBucket] = {}
        self.counters: dict[tuple, int] = defaultdict(int)
        self.stats: dict[tuple, dict] = {}
        self.account_calls: dict[str, int] = defaultdict(int)  # calls acting as each account (organisation scans)
        # (account, service, operation, region) -> [calls, throttled]: each account's own quota floor (the bench)
        self.by_account: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    # --- admin -------------------------------------------------------------------------------
    def set_rules(self, rules: list[dict], replace: bool = True) -> list[dict]:
        parsed = []
        for r in rules:
            err = r.get("error")
            if err not in FAULT_KINDS:
                raise ValueError(f"error must be one of {FAULT_KINDS}, got {err!r}")
            svc = r.get("service")
            if svc not in FAULT_SERVICES:
                raise ValueError(f"service must be {'|'.join(FAULT_SERVICES)}, got {svc!r}")
            if FAULT_KIND_SERVICE.get(err, svc) != svc:
                raise ValueError(f"error {err} is answered by {FAULT_KIND_SERVICE[err]} only, not {svc}")
            parsed.append(Rule(svc, r.get("operation"), r.get("region"), r.get("resource_contains"), err,
                               float(r.get("probability", 1.0)),
                               None if r.get("count") is None else int(r["count"])))
        with self.lock:
            self.rules = parsed if replace else self.rules + parsed
            return self.describe_rules()

    def clear_rules(self) -> None:
        with self.lock:
            self.rules = []

    def describe_rules(self) -> list[dict]:
        return [{"service": r.service, "operation": r.operation, "region": r.region,
                 "resource_contains": r.resource_contains, "error": r.error, "probability": r.probability,
                 "count": r.count, "used": r.used} for r in self.rules]

    def reset(self) -> None:
        with self.lock:
            self.rules = []
            self.buckets.clear()
            self.counters.clear()
            self.stats.clear()
            self.account_calls.clear()
            self.by_account.clear()

    def clear_stats(self) -> None:
        with self.lock:
            self.stats.clear()
            self.account_calls.clear()
            self.by_account.clear()

    def snapshot(self, by_account: bool = False) -> dict:
        """The statistics; `by_account` adds each account's calls and throttles per operation and region."""
        with self.lock:
            ops = []
            tot = {"calls": 0, "throttled": 0, "faults": 0}
            for (svc, op, region), s in sorted(self.stats.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
                ops.append({"service": svc, "operation": op, "region": region, **{k: (dict(v) if isinstance(v, dict) else v) for k, v in s.items()}})
                tot["calls"] += s["calls"]
                tot["throttled"] += s["throttled"]
                tot["faults"] += sum(s["faults"].values())
            return {"operations": ops, "totals": tot, "accounts": dict(sorted(self.account_calls.items())),
                    **({"by_account": [{"account": a, "service": svc, "operation": op, "region": region,
                                        "calls": c, "throttled": t}
                                       for (a, svc, op, region), (c, t) in sorted(self.by_account.items(),
                                                                                  key=lambda kv: str(kv[0]))]}
                       if by_account else {}),
                    "rules": self.describe_rules(),
                    "config": {"quotas": self.cfg.quotas, "time_scale": self.cfg.time_scale,
                               "latency_ms": self.cfg.latency_ms, "fault_mix": self.cfg.fault_mix,
                               "seed": self.cfg.seed}}

    # --- per request -------------------------------------------------------------------------
    def _rng(self, key: tuple, n: int) -> random.Random:
        h = hashlib.sha256(f"{self.cfg.seed}|{'|'.join(map(str, key))}|{n}".encode()).digest()
        return random.Random(int.from_bytes(h[:8], "big"))

    def _stat(self, key: tuple) -> dict:
        s = self.stats.get(key)
        if s is None:
            s = self.stats[key] = {"calls": 0, "throttled": 0, "faults": defaultdict(int), "errors": 0, "time_ms": 0.0}
        return s

    def record_time(self, ctx: Ctx, seconds: float) -> None:
        with self.lock:
            st = self._stat((ctx.service, ctx.operation, ctx.region))
            st["time_ms"] = round(st.get("time_ms", 0.0) + seconds * 1000.0, 3)

    def record_error(self, ctx: Ctx) -> None:
        with self.lock:
            self._stat((ctx.service, ctx.operation, ctx.region))["errors"] += 1

    def record_refused(self, ctx: Ctx) -> None:
        """A call refused before quotas and rules (expired credentials, suspended account): counted, not decided."""
        with self.lock:
            st = self._stat((ctx.service, ctx.operation, ctx.region))
            st["calls"] += 1
            st["errors"] += 1
            self.account_calls[ctx.account] += 1
            self.by_account[(ctx.account, ctx.service, ctx.operation, ctx.region)][0] += 1

    def decide(self, ctx: Ctx) -> Decision:
        key = (ctx.service, ctx.operation, ctx.region)
        d = Decision()
        with self.lock:
            self.account_calls[ctx.account] += 1
            per_account = self.by_account[(ctx.account, ctx.service, ctx.operation, ctx.region)]
            per_account[0] += 1
            n = self.counters[key]
            self.counters[key] = n + 1
            stat = self._stat(key)
            stat["calls"] += 1
            rng = self._rng(key, n)
            if self.cfg.latency_ms > 0:
                d.delay = lognormal_ms(rng, self.cfg.latency_ms) / 1000.0
            # 1. targeted rules
            for rule in self.rules:
                if rule.matches(ctx) and rng.random() < rule.probability:
                    rule.used += 1
                    d.kind = rule.error
                    break
            # 2. quota buckets (only when no rule fired)
            if d.kind is None and self.cfg.quotas:
                b = bucket_for(ctx)
                if b is not None:
                    name, rate = b
                    rate *= self.cfg.time_scale
                    bkey = (ctx.account, "global" if ctx.service == "iam" else ctx.region, name)
                    bucket = self.buckets.get(bkey)
                    if bucket is None:
                        bucket = self.buckets[bkey] = TokenBucket(rate, max(1.0, rate))
                    wait = bucket.take()
                    if wait > 0:
                        d.throttled = True
                        stat["throttled"] += 1
                        per_account[1] += 1
                        d.error = throttle_error(ctx, wait)
                        d.delay = min(d.delay, 0.005)  # throttles are answered at once
                        return d
            # 3. background fault mix
            if d.kind is None and self.cfg.fault_mix:
                r = rng.random()
                acc = 0.0
                for kind, p in (("5xx", "InternalError"), ("reset", "Reset"), ("stall", "Stall"),
                                ("throttle", "Throttling")):
                    acc += self.cfg.fault_mix.get(kind, 0.0)
                    if r < acc:
                        d.kind = p
                        break
            if d.kind:
                stat["faults"][d.kind] += 1
        if d.kind == "Reset":
            d.reset = True
        elif d.kind == "Stall":
            d.stall = True
        elif d.kind == "Throttling":
            d.error = throttle_error(ctx, 1.0)
        elif d.kind == "AccessDenied":
            d.error = access_denied_error(ctx)
        elif d.kind == "RegionDisabled":
            d.error = region_disabled_error(ctx)
        elif d.kind == "InternalError":
            d.error = internal_error(ctx)
        return d


def lognormal_ms(rng: random.Random, mean_ms: float, sigma: float = 0.9) -> float:
    mu = math.log(mean_ms) - sigma * sigma / 2.0
    return min(rng.lognormvariate(mu, sigma), mean_ms * 50)


def throttle_error(ctx: Ctx, wait: float) -> AwsError:
    if ctx.service == "lambda":
        secs = max(1, int(math.ceil(wait)))
        return AwsError("TooManyRequestsException", "Rate exceeded", 429,
                        extra={"Reason": "CallerRateLimitExceeded"},
                        headers={"Retry-After": str(secs)})
    if ctx.service == "cloudwatch":
        return AwsError("ThrottlingException", "Rate exceeded", 400, query_code="Throttling")
    if ctx.service == "ec2":
        return AwsError("RequestLimitExceeded", "Request limit exceeded.", 503)
    if ctx.service in ("logs", "cloudtrail", "elasticloadbalancing"):
        return AwsError("ThrottlingException", "Rate exceeded", 400)
    if ctx.service == "apigateway":
        return AwsError("TooManyRequestsException", "Too Many Requests", 429,
                        headers={"Retry-After": str(max(1, int(math.ceil(wait))))})
    return AwsError("Throttling", "Rate exceeded", 400)


def _caller_arn(ctx: Ctx) -> str:
    return f"arn:aws:sts::{ctx.account}:assumed-role/lambda-posture-scanner/session"


def access_denied_error(ctx: Ctx) -> AwsError:
    action = f"{'monitoring' if ctx.service == 'cloudwatch' else ctx.service}:{ctx.operation}"
    msg = (f"User: {_caller_arn(ctx)} is not authorized to perform: {action} because no identity-based "
           f"policy allows the {action} action")
    if ctx.service == "lambda":
        return AwsError("AccessDeniedException", msg, 403)
    if ctx.service == "cloudwatch":
        return AwsError("AccessDeniedException", msg, 403, query_code="AccessDenied")
    if ctx.service == "ec2":
        return AwsError("UnauthorizedOperation", f"You are not authorized to perform this operation. {msg}", 403)
    if ctx.service == "sns":
        return AwsError("AuthorizationError", msg, 403)
    if ctx.service == "apigateway":
        # Every API Gateway read is authorised by apigateway:GET.
        msg = msg.replace(f"apigateway:{ctx.operation}", "apigateway:GET")
        return AwsError("AccessDeniedException", msg, 403)
    if ctx.service in ("events", "organizations", "logs", "cloudtrail"):
        return AwsError("AccessDeniedException", msg, 400)
    if ctx.service == "sqs":
        return AwsError("AccessDenied", msg, 403, query_code="AccessDenied")
    return AwsError("AccessDenied", msg, 403)


def region_disabled_error(ctx: Ctx) -> AwsError:
    """STS's answer when the account whose role is assumed deactivated STS in the endpoint's Region (the model's
    RegionDisabledException: 403, sender fault)."""
    m = re.search(r"arn:[\w-]+:iam::(\d{12}):role/", ctx.resource_text())
    account = m.group(1) if m else ctx.account
    return AwsError("RegionDisabledException", f"STS is not activated in this region for account:{account}. Your "
                    "account administrator can activate STS in this region using the IAM Console.", 403)


def internal_error(ctx: Ctx) -> AwsError:
    if ctx.service == "lambda":
        return AwsError("ServiceException", "An internal error occurred.", 500, sender=False)
    if ctx.service == "cloudwatch":
        return AwsError("InternalServiceFault", "Internal service error.", 500, sender=False,
                        query_code="InternalServiceError")
    if ctx.service == "iam":
        return AwsError("ServiceFailure", "Service failure.", 500, sender=False)
    if ctx.service == "ec2":
        return AwsError("InternalError", "An internal error has occurred.", 500, sender=False)
    return AwsError("InternalFailure", "An internal error occurred.", 500, sender=False)

"""CloudWatch metric storage and queries (PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics).

Replaces moto's flat list of datapoints, which is scanned once per query per period (500 queries
time out) and cannot compute percentiles. Here every series (account, region, namespace, name,
dimension set) keeps datapoints aggregated per second: count, sum, min, max, unit and, while
every sample came with its raw value, the value distribution (for exact percentiles).

Deliberate deviations from AWS, for seeding: datapoints older than two weeks are accepted and
AWS/* namespaces may be written. Faithful parts: exact dimension matching, default ScanBy
TimestampDescending, MaxDatapoints (100,800) pagination with NextToken and PartialData, 500
queries per call, 455 days retention, ListMetrics only lists metrics with data in the last two weeks.
"""
from __future__ import annotations

import base64
import bisect
import json
import math
import re
import threading
import time
from datetime import datetime, timezone

from common import AwsError

RETENTION_S = 455 * 86400
LIST_METRICS_WINDOW_S = 14 * 86400
MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID_RE = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_PCT_RE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
BASIC_STATS = ("SampleCount", "Sum", "Minimum", "Maximum", "Average")


def to_epoch(v) -> float:
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v.timestamp()
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            s = v.replace("Z", "+00:00")
            d = datetime.fromisoformat(s)
            return to_epoch(d)
    raise AwsError("InvalidParameterValueException", f"Invalid timestamp {v!r}", query_code="InvalidParameterValue")


def invalid(msg: str) -> AwsError:
    return AwsError("InvalidParameterValueException", msg, 400, query_code="InvalidParameterValue")


class _Point:
    __slots__ = ("count", "sum", "min", "max", "unit", "dist")

    def __init__(self):
        self.count = 0.0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.unit = None
        self.dist: dict[float, float] | None = {}

    def add_value(self, v: float, n: float, unit):
        self.count += n
        self.sum += v * n
        self.min = min(self.min, v)
        self.max = max(self.max, v)
        self.unit = unit or self.unit
        if self.dist is not None:
            self.dist[v] = self.dist.get(v, 0.0) + n

    def add_stats(self, s: dict, unit):
        self.count += float(s["SampleCount"])
        self.sum += float(s["Sum"])
        self.min = min(self.min, float(s["Minimum"]))
        self.max = max(self.max, float(s["Maximum"]))
        self.unit = unit or self.unit
        self.dist = None  # percentiles become approximate


class Series:
    __slots__ = ("namespace", "name", "dims", "points", "keys", "dirty", "last")

    def __init__(self, namespace: str, name: str, dims: tuple):
        self.namespace, self.name, self.dims = namespace, name, dims
        self.points: dict[int, _Point] = {}
        self.keys: list[int] = []
        self.dirty = False
        self.last = -math.inf

    def point(self, ts: int) -> _Point:
        p = self.points.get(ts)
        if p is None:
            p = self.points[ts] = _Point()
            self.dirty = True
        self.last = max(self.last, ts)
        return p

    def sorted_keys(self) -> list[int]:
        if self.dirty:
            self.keys = sorted(self.points)
            self.dirty = False
        return self.keys


class _Agg:
    __slots__ = ("count", "sum", "min", "max", "dist", "unit")

    def __init__(self):
        self.count, self.sum, self.min, self.max = 0.0, 0.0, math.inf, -math.inf
        self.dist: list | None = []
        self.unit = None

    def merge(self, p: _Point):
        self.count += p.count
        self.sum += p.sum
        if p.min < self.min:
            self.min = p.min
        if p.max > self.max:
            self.max = p.max
        self.unit = self.unit or p.unit
        if self.dist is not None:
            if p.dist is None:
                self.dist = None
            else:
                self.dist.extend(p.dist.items())

    def stat(self, stat: str) -> float | None:
        if stat == "SampleCount":
            return self.count
        if stat == "Sum":
            return self.sum
        if stat == "Minimum":
            return self.min
        if stat == "Maximum":
            return self.max
        if stat == "Average":
            return self.sum / self.count if self.count else 0.0
        m = _PCT_RE.match(stat)
        if m:
            pct = float(m.group(1))
            if self.dist is None:  # only statistic sets were published: approximate
                return self.max if pct >= 90 else (self.sum / self.count if self.count else 0.0)
            items = sorted(self.dist)
            total = sum(c for _, c in items)
            if total <= 0:
                return None
            rank = max(1.0, math.ceil(pct / 100.0 * total))
            acc = 0.0
            for v, c in items:
                acc += c
                if acc >= rank:
                    return v
            return items[-1][0]
        return None


def _dims_key(dims) -> tuple:
    return tuple(sorted((d["Name"], d.get("Value")) for d in (dims or [])))


def _valid_stat(stat: str) -> bool:
    return stat in BASIC_STATS or bool(_PCT_RE.match(stat))


def _token_encode(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()


def _token_decode(tok: str):
    try:
        return json.loads(base64.urlsafe_b64decode(tok.encode()))
    except Exception:
        raise invalid("The service cannot process the NextToken.") from None


class MetricStore:
    def __init__(self):
        self.lock = threading.RLock()
        # (account, region) -> {(namespace, name, dims): Series}
        self.data: dict[tuple, dict[tuple, Series]] = {}

    def reset(self):
        with self.lock:
            self.data.clear()

    def _region(self, account: str, region: str) -> dict:
        return self.data.setdefault((account, region), {})

    # --- PutMetricData -----------------------------------------------------------------------
    def put(self, account: str, region: str, params: dict) -> dict:
        ns = params.get("Namespace")
        if not ns:
            raise AwsError("MissingRequiredParameterException", "The parameter Namespace is required.", 400,
                           query_code="MissingParameter")
        data = params.get("MetricData") or []
        if len(data) > 1000:
            raise invalid("The collection MetricData must not have a size greater than 1000.")
        now = time.time()
        with self.lock:
            reg = self._region(account, region)
            for i, m in enumerate(data, 1):
                name = m.get("MetricName")
                if not name:
                    raise AwsError("MissingRequiredParameterException",
                                   f"The parameter MetricData.member.{i}.MetricName is required.", 400,
                                   query_code="MissingParameter")
                ts = to_epoch(m["Timestamp"]) if m.get("Timestamp") is not None else now
                if ts > now + 2 * 3600:
                    raise invalid(f"The parameter MetricData.member.{i}.Timestamp must specify a time no more "
                                  "than two hours in the future.")
                key = (ns, name, _dims_key(m.get("Dimensions")))
                series = reg.get(key)
                if series is None:
                    series = reg[key] = Series(ns, name, key[2])
                p = series.point(int(ts))
                unit = m.get("Unit")
                if m.get("StatisticValues"):
                    p.add_stats(m["StatisticValues"], unit)
                elif m.get("Values"):
                    counts = m.get("Counts") or [1.0] * len(m["Values"])
                    for v, c in zip(m["Values"], counts):
                        p.add_value(float(v), float(c), unit)
                else:
                    v = float(m.get("Value", 0.0))
                    if math.isnan(v) or math.isinf(v):
                        raise invalid(f"The value {v} for parameter MetricData.member.{i}.Value is invalid.")
                    p.add_value(v, 1.0, unit)
        return {}

    # --- queries -----------------------------------------------------------------------------
    def _aggregate(self, series: Series | None, start: float, end: float, period: int, unit: str | None):
        """Ordered {bucket_start: _Agg} for datapoints in [start, end)."""
        out: dict[int, _Agg] = {}
        if series is None:
            return out
        floor = time.time() - RETENTION_S
        keys = series.sorted_keys()
        lo = bisect.bisect_left(keys, math.ceil(max(start, floor)))
        hi = bisect.bisect_left(keys, math.ceil(end))
        pts = series.points
        for k in keys[lo:hi]:
            p = pts[k]
            if unit and p.unit and p.unit != unit:
                continue
            b = k - (k % period)
            a = out.get(b)
            if a is None:
                a = out[b] = _Agg()
            a.merge(p)
        return out

    def get_metric_data(self, account: str, region: str, params: dict) -> dict:
        queries = params.get("MetricDataQueries") or []
        if not queries:
            raise AwsError("MissingRequiredParameterException", "The parameter MetricDataQueries is required.",
                           400, query_code="MissingParameter")
        if len(queries) > MAX_QUERIES:
            raise invalid(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
        start, end = to_epoch(params["StartTime"]), to_epoch(params["EndTime"])
        if start >= end:
            raise invalid("The parameter StartTime must be less than the parameter EndTime.")
        scan_desc = (params.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
        budget = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        ids = set()
        for q in queries:
            qid = q.get("Id", "")
            if not _ID_RE.match(qid):
                raise invalid(f"The value {qid} for parameter MetricDataQueries.member.Id is invalid.")
            if qid in ids:
                raise invalid(f"The value {qid} for parameter MetricDataQueries.member.Id is duplicated.")
            ids.add(qid)
            if ("MetricStat" in q) == ("Expression" in q):
                raise invalid("Exactly one element of the MetricStat or the Expression must be present.")
            if "MetricStat" in q:
                ms = q["MetricStat"]
                per = int(ms.get("Period") or 0)
                if per <= 0 or (per >= 60 and per % 60) or (per < 60 and per not in (1, 5, 10, 20, 30)):
                    raise invalid(f"The parameter MetricDataQueries.member.MetricStat.Period has an invalid value {per}.")
                if not _valid_stat(ms.get("Stat", "")):
                    raise invalid(f"The value {ms.get('Stat')} for parameter MetricDataQueries.member.MetricStat.Stat is invalid.")
        qi0, off0 = 0, 0
        if params.get("NextToken"):
            qi0, off0 = _token_decode(params["NextToken"])
        results, next_token = [], None
        with self.lock:
            reg = self.data.get((account, region), {})
            for qi in range(qi0, len(queries)):
                q = queries[qi]
                if q.get("ReturnData") is False:
                    continue
                if "Expression" in q:
                    results.append({"Id": q["Id"], "Label": q.get("Label") or q["Id"], "Timestamps": [], "Values": [],
                                    "StatusCode": "InternalError",
                                    "Messages": [{"Code": "Unsupported", "Value": "Metric math is not emulated."}]})
                    continue
                ms = q["MetricStat"]
                metric = ms["Metric"]
                series = reg.get((metric.get("Namespace"), metric.get("MetricName"), _dims_key(metric.get("Dimensions"))))
                aggs = self._aggregate(series, start, end, int(ms["Period"]), ms.get("Unit"))
                ts_vals = []
                for b in sorted(aggs, reverse=scan_desc):
                    v = aggs[b].stat(ms["Stat"])
                    if v is not None:
                        ts_vals.append((b, v))
                off = off0 if qi == qi0 else 0
                take = ts_vals[off:off + budget]
                budget -= len(take)
                complete = off + len(take) >= len(ts_vals)
                results.append({"Id": q["Id"], "Label": q.get("Label") or metric.get("MetricName"),
                                "Timestamps": [datetime.fromtimestamp(t, timezone.utc) for t, _ in take],
                                "Values": [float(v) for _, v in take],
                                "StatusCode": "Complete" if complete else "PartialData"})
                if not complete:
                    next_token = _token_encode([qi, off + len(take)])
                    break
                if budget <= 0 and qi + 1 < len(queries):
                    next_token = _token_encode([qi + 1, 0])
                    break
        out = {"MetricDataResults": results, "Messages": []}
        if next_token:
            out["NextToken"] = next_token
        return out

    def get_metric_statistics(self, account: str, region: str, params: dict) -> dict:
        start, end = to_epoch(params["StartTime"]), to_epoch(params["EndTime"])
        period = int(params.get("Period") or 60)
        stats = list(params.get("Statistics") or [])
        ext = list(params.get("ExtendedStatistics") or [])
        if not stats and not ext:
            raise invalid("Must specify either Statistics or ExtendedStatistics.")
        with self.lock:
            reg = self.data.get((account, region), {})
            series = reg.get((params.get("Namespace"), params.get("MetricName"), _dims_key(params.get("Dimensions"))))
            aggs = self._aggregate(series, start, end, period, params.get("Unit"))
            dps = []
            for b in sorted(aggs):
                a = aggs[b]
                dp = {"Timestamp": datetime.fromtimestamp(b, timezone.utc)}
                for s in stats:
                    dp[s] = float(a.stat(s))
                if ext:
                    dp["ExtendedStatistics"] = {e: float(a.stat(e) or 0.0) for e in ext if _PCT_RE.match(e)}
                dp["Unit"] = params.get("Unit") or a.unit or "None"
                dps.append(dp)
        return {"Label": params.get("MetricName"), "Datapoints": dps}

    def list_metrics(self, account: str, region: str, params: dict) -> dict:
        now = time.time()
        window = 3 * 3600 if params.get("RecentlyActive") == "PT3H" else LIST_METRICS_WINDOW_S
        want = params.get("Dimensions") or []
        with self.lock:
            reg = self.data.get((account, region), {})
            rows = []
            for (ns, name, dims), s in reg.items():
                if params.get("Namespace") and ns != params["Namespace"]:
                    continue
                if params.get("MetricName") and name != params["MetricName"]:
                    continue
                if s.last < now - window:
                    continue
                dmap = dict(dims)
                if any(d["Name"] not in dmap or (d.get("Value") is not None and dmap[d["Name"]] != d["Value"])
                       for d in want):
                    continue
                rows.append((ns, name, dims))
        rows.sort()
        off = int(_token_decode(params["NextToken"])) if params.get("NextToken") else 0
        page = rows[off:off + 500]
        out = {"Metrics": [{"Namespace": ns, "MetricName": n, "Dimensions": [{"Name": k, "Value": v} for k, v in d]}
                           for ns, n, d in page]}
        if off + 500 < len(rows):
            out["NextToken"] = _token_encode(off + 500)
        return out


STORE = MetricStore()

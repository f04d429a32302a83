"""Daily AWS/Lambda metric datapoints (Invocations, Errors, Throttles, Duration) for one function.

One datapoint per active day at 12:00 UTC, dimension FunctionName. Like Lambda, Invocations and
Errors exist only for days with invocations; Throttles only on throttled days; Duration carries
StatisticValues so Maximum is exact. Busy functions: every day for the last 120 days, then weekly
back to 420 days; "last:N": daily from N+60 to N days ago; "weekly": Mondays for 60 weeks.
"""

from __future__ import annotations

import datetime as dt
import random

from . import account as A


def active_days(fn: A.Fn, today: dt.date) -> list[int]:
    """Days ago (>= 1) with invocations, newest first."""
    p = fn.activity.pattern
    if p == "busy":
        return list(range(1, 121)) + list(range(127, 421, 7))
    if p == "weekly":
        return [d for d in range(1, 421) if (today - dt.timedelta(days=d)).weekday() == 0]
    if p.startswith("last:"):
        n = int(p.split(":")[1])
        return list(range(n, n + 61))
    return []


def series(fn: A.Fn, today: dt.date, seed: int) -> list[dict]:
    act = fn.activity
    rng = random.Random(f"{seed}:metrics:{fn.name}")
    dims = [{"Name": "FunctionName", "Value": fn.name}]
    timeout_ms = fn.timeout * 1000.0
    out = []
    days = active_days(fn, today)
    peak_day = 5 if 5 in days else (days[len(days) // 2] if days else None)
    for d in days:
        ts = dt.datetime.combine(today - dt.timedelta(days=d), dt.time(12, 0), tzinfo=dt.timezone.utc)
        inv = max(1, round(act.per_day * (0.8 + 0.4 * rng.random())))
        rate = act.error_rate * rng.random() * 2
        if act.error_spike and d == act.error_spike[0]:
            rate = act.error_spike[1]
        errors = round(inv * rate)
        avg = timeout_ms * act.avg_ratio * (0.8 + 0.4 * rng.random())
        mx = timeout_ms * act.duration_ratio * (1.0 if d == peak_day else 0.75 + 0.2 * rng.random())
        mx = max(mx, avg)
        out.append({"MetricName": "Invocations", "Dimensions": dims, "Timestamp": ts, "Value": float(inv), "Unit": "Count"})
        out.append({"MetricName": "Errors", "Dimensions": dims, "Timestamp": ts, "Value": float(errors), "Unit": "Count"})
        out.append(
            {
                "MetricName": "Duration",
                "Dimensions": dims,
                "Timestamp": ts,
                "StatisticValues": {"SampleCount": float(inv), "Sum": round(avg * inv, 1), "Minimum": round(avg * 0.3, 1), "Maximum": round(mx, 1)},
                "Unit": "Milliseconds",
            }
        )
        if d in act.throttle_days:
            out.append({"MetricName": "Throttles", "Dimensions": dims, "Timestamp": ts, "Value": float(round(inv * 0.04) + 25), "Unit": "Count"})
    return out

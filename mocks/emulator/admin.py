"""Admin API under /_lp/ (JSON in, JSON out): test and seeding controls that AWS has no API for.

POST   /_lp/role-last-used          {"role_name", "last_used_date" (ISO 8601 or null), "region", "account"?}
POST   /_lp/role-create-date        {"role_name", "create_date" (ISO 8601), "account"?}  (roles are older than seeding)
POST   /_lp/service-last-accessed   {"role_arn", "services": [{"namespace", "last_authenticated", "last_authenticated_region"?}], "account"?}
POST   /_lp/function-last-modified  {"function_name", "region", "last_modified" (ISO 8601), "account"?}
POST   /_lp/function-policy-statement {"function_name", "region", "statement": {...}, "qualifier"?, "account"?}
                                    (a raw statement AddPermission cannot express, e.g. NotPrincipal)
POST   /_lp/account-settings        {"concurrent_executions": 1000}
GET    /_lp/faults                  current rules;  POST {"rules": [...], "append"?: bool};  DELETE clears
GET    /_lp/stats                   per (service, operation, region) calls, throttled, faults, errors, and calls per
                                    account; `?by=account` adds per (account, service, operation, region);  DELETE clears
POST   /_lp/batch                   {"requests": [{"method", "path", "query"?, "headers"?, "body"? | "body_b64"?}]}
                                    -> {"responses": [{"status", "body"}]}: AWS requests answered in order, in-process,
                                    outside quotas, faults, latency and stats (bulk seeding: 10,000 functions)
POST   /_lp/suspend-account     {"account", "after_calls"?: 0}: after that many more calls acting as the account, it is
                                    suspended: AssumeRole into it is AccessDenied, its sessions' calls InvalidClientTokenId
                                    (UnrecognizedClientException for JSON services), ListAccounts says SUSPENDED
POST   /_lp/expire-credentials  {"access_key", "after_calls"?: 0}: after that many more calls signed with the key, every
                                    call signed with it answers ExpiredToken (ExpiredTokenException for JSON services)
GET    /_lp/org-faults              the suspended accounts and pending suspensions/expiries;  DELETE forgets them
POST   /_lp/reset                   forget every resource, rule and statistic (a fresh account)
GET    /_lp/code/<sha256-hex>       deployment package bytes (what GetFunction's Code.Location points at)
GET    /_lp/health                  {"ok": true, "port": N}
GET    /_lp/securityhub-findings?region=R[&account=A]  every Security Hub finding stored there (no paging)
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from common import DEFAULT_ACCOUNT, AwsError, Ctx, Reply, json_reply


def _body(ctx: Ctx) -> dict:
    if not ctx.body:
        return {}
    try:
        obj = json.loads(ctx.body)
    except ValueError as e:
        raise _bad(f"body is not JSON: {e}")
    if not isinstance(obj, dict):
        raise _bad("body must be a JSON object")
    return obj


def _bad(msg: str, status: int = 400) -> AwsError:
    return AwsError("BadRequest", msg, status)


def _err(e: AwsError) -> Reply:
    return json_reply({"error": e.code, "message": e.message}, e.status)


def handle(ctx: Ctx, app) -> Reply:
    try:
        return _route(ctx, app)
    except AwsError as e:
        return _err(e)
    except (KeyError, ValueError, TypeError) as e:
        return _err(_bad(f"{type(e).__name__}: {e}"))
    except Exception as e:  # moto NotFound etc.
        from common import moto_error_to_aws

        err = moto_error_to_aws(e)
        if err is not None:
            return _err(AwsError(err.code, err.message, 404 if "NotFound" in err.code or "NoSuch" in err.code else 400))
        raise


def _route(ctx: Ctx, app) -> Reply:
    import iam_ext
    import lambda_core
    import lambda_features
    import org_ext
    from common import STATE_LOCK

    path, method = ctx.path.rstrip("/"), ctx.method
    if path == "/_lp/health":
        return json_reply({"ok": True, "port": app.port})
    if path == "/_lp/securityhub-findings" and method == "GET":
        import securityhub_ext

        with STATE_LOCK:
            found = securityhub_ext.stored_findings(ctx.q("account") or DEFAULT_ACCOUNT, ctx.q("region") or "us-east-1")
        return json_reply({"findings": found})
    if path.startswith("/_lp/code/") and method in ("GET", "HEAD"):
        data = lambda_core.CODE_INDEX.get(path.rsplit("/", 1)[-1])
        if data is None:
            return Reply(404, [("Content-Type", "application/xml")],
                         b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
        return Reply(200, [("Content-Type", "application/zip")], data if method == "GET" else b"")
    if path == "/_lp/stats":
        if method == "DELETE":
            app.controller.clear_stats()
            return json_reply({"ok": True})
        return json_reply(app.controller.snapshot(by_account=ctx.q("by") == "account"))
    if path == "/_lp/faults":
        if method == "DELETE":
            app.controller.clear_rules()
            return json_reply({"rules": []})
        if method == "GET":
            return json_reply({"rules": app.controller.describe_rules()})
        b = _body(ctx)
        rules = b.get("rules")
        if not isinstance(rules, list):
            raise _bad("'rules' must be a list")
        return json_reply({"rules": app.controller.set_rules(rules, replace=not b.get("append"))})
    if path == "/_lp/org-faults" and method in ("GET", "DELETE"):
        if method == "DELETE":
            org_ext.clear_faults()
        return json_reply(org_ext.describe_faults())
    if method != "POST":
        raise _bad(f"{method} {path} is not an admin endpoint", 404)
    b = _body(ctx)
    if path == "/_lp/suspend-account":
        with STATE_LOCK:
            return json_reply(org_ext.suspend_account(str(b.get("account") or ""), int(b.get("after_calls", 0))))
    if path == "/_lp/expire-credentials":
        return json_reply(org_ext.expire_credentials(str(b.get("access_key") or ""), int(b.get("after_calls", 0))))
    if path == "/_lp/batch":
        return json_reply({"responses": [_batched(app, ctx, r) for r in _requests(b)]})
    account = str(b.get("account") or DEFAULT_ACCOUNT)
    with STATE_LOCK:
        if path == "/_lp/role-last-used":
            return json_reply(iam_ext.set_role_last_used(account, b["role_name"], b.get("last_used_date"),
                                                         b.get("region")))
        if path == "/_lp/role-create-date":
            return json_reply(iam_ext.set_role_create_date(account, b["role_name"], b["create_date"]))
        if path == "/_lp/service-last-accessed":
            services = b.get("services")
            if not isinstance(services, list):
                raise _bad("'services' must be a list")
            return json_reply(iam_ext.set_service_last_accessed(account, b["role_arn"], services))
        if path == "/_lp/function-last-modified":
            be = lambda_core.lambda_backend(account, b.get("region") or "us-east-1")
            name, _ = lambda_core.split_name(b["function_name"])
            group = be._lambdas._functions.get(name)
            if not group or group.get("latest") is None:
                raise _bad(f"function {name} not found", 404)
            when = datetime.fromisoformat(str(b["last_modified"]).replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            group["latest"]._lp_last_modified = when
            return json_reply({"function_name": name, "last_modified": lambda_core.aws_time(when)})
        if path == "/_lp/function-policy-statement":
            return json_reply(lambda_features.add_raw_statement(account, b.get("region") or "us-east-1",
                                                                b["function_name"], b.get("qualifier"), b["statement"]))
        if path == "/_lp/account-settings":
            lambda_features.ACCOUNT_CONCURRENCY["limit"] = int(b.get("concurrent_executions", 1000))
            return json_reply({"concurrent_executions": lambda_features.ACCOUNT_CONCURRENCY["limit"]})
        if path == "/_lp/reset":
            app.reset_state()
            return json_reply({"ok": True})
    raise _bad(f"POST {path} is not an admin endpoint", 404)


def _requests(b: dict) -> list[dict]:
    reqs = b.get("requests")
    if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
        raise _bad("'requests' must be a list of objects")
    return reqs


def _batched(app, outer: Ctx, r: dict) -> dict:
    """One request of a batch, answered like the wire would (status and body), without quotas or faults."""
    import base64
    from io import BytesIO

    body = base64.b64decode(r["body_b64"]) if r.get("body_b64") else str(r.get("body") or "").encode()
    environ = {
        "REQUEST_METHOD": str(r.get("method", "GET")).upper(),
        "PATH_INFO": str(r["path"]),
        "QUERY_STRING": str(r.get("query") or ""),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(app.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SCRIPT_NAME": "",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(body),
        "wsgi.errors": outer.environ.get("wsgi.errors"),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": outer.host,
    }
    for k, v in (r.get("headers") or {}).items():
        key = k.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = str(v)
        else:
            environ[f"HTTP_{key}"] = str(v)
    environ["CONTENT_LENGTH"] = str(len(body))
    try:
        reply = app.dispatch_unmetered(environ)
    except AwsError as e:
        return {"status": e.status, "body": json.dumps({"error": e.code, "message": e.message})}
    return {"status": reply.status, "body": reply.body.decode("utf-8", "replace")}

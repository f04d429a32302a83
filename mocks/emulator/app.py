"""The WSGI application in front of moto: admin API, faults and quotas, our handlers, then moto.

Order for every AWS request: build the context (service, region, account, operation) -> ask the
fault/quota controller (latency, throttling, injected errors, resets, stalls) -> our handlers for
the operations moto lacks or gets wrong -> moto for everything else. State access is serialised
by one lock; waiting (latency, stalls) happens outside it.
"""
from __future__ import annotations

import time
import traceback

import admin
import apigw_ext
import cw_shim
import elbv2_ext
import iam_ext
import lambda_core
import lambda_features
import cloudtrail_ext
import logs_ext
import org_ext
import securityhub_ext
from common import STATE_LOCK, AwsError, Ctx, Reply, build_ctx, error_reply, moto_error_to_aws, status_line
from faults import Controller, internal_error
from optable import detect_operation

AWS_SERVICES = ("lambda", "iam", "sts", "cloudwatch", "ec2", "sqs", "sns", "events", "securityhub", "organizations", "logs",
                "cloudtrail", "apigateway", "elasticloadbalancing")
LAMBDA_HANDLERS = {**lambda_core.HANDLERS, **lambda_features.HANDLERS}


def install_dispatch_caches() -> None:
    """Two lookups moto's server repeats on every request although their answers never change: the list of
    its service packages (a directory scan, ~6 ms a request) and the method names of a responses class
    (`inspect.getmembers`, ~1 ms). Cached, a request costs a third of the time: it matters for bulk seeding
    (10,000 functions) and for the benchmark at high request rates."""
    import functools

    import moto.backends
    import moto.core.responses
    import moto.core.utils

    if getattr(moto.backends, "_lp_cached", False):
        return
    modules = frozenset(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    moto.backends._lp_cached = True
    cached = functools.lru_cache(maxsize=None)(moto.core.utils.method_names_from_class)
    moto.core.utils.method_names_from_class = cached
    moto.core.responses.method_names_from_class = cached


class ResetConnection(ConnectionResetError):
    """Raised to make the HTTP handler drop the connection without answering."""


class Emulator:
    def __init__(self, moto_app, controller: Controller, stall_seconds: float = 35.0, verbose: bool = False):
        self.moto_app = moto_app
        self.controller = controller
        self.stall_seconds = stall_seconds
        self.verbose = verbose
        self.port = 0
        self.last_activity = time.monotonic()

    # --- state ----------------------------------------------------------------------------------
    def reset_state(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        with STATE_LOCK:
            moto_api_backend.reset()
            lambda_features.reset_all()
            lambda_core.CODE_INDEX.clear()
            iam_ext.reset_all()
            cw_shim.STORE.reset()
            org_ext.reset_all()
            apigw_ext.reset_all()
        self.controller.reset()

    # --- WSGI -----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        self.last_activity = time.monotonic()
        ctx = build_ctx(environ)
        if ctx.service == "admin":
            return self._send(start_response, admin.handle(ctx, self))
        detect_operation(ctx)
        if ctx.service in AWS_SERVICES:
            refused = org_ext.gate(ctx)
            if refused is not None:
                self.controller.record_refused(ctx)
                return self._send(start_response, error_reply(ctx, refused))
            d = self.controller.decide(ctx)
            if d.delay > 0:
                time.sleep(d.delay)
            if d.stall:
                time.sleep(self.stall_seconds)
                self._drop(environ)
            if d.reset:
                self._drop(environ)
            if d.error is not None:
                self.controller.record_error(ctx)
                return self._send(start_response, error_reply(ctx, d.error))
        t0 = time.monotonic()
        reply = self._dispatch(ctx, environ)
        if ctx.service in AWS_SERVICES:
            self.controller.record_time(ctx, time.monotonic() - t0)
            if reply.status >= 400:
                self.controller.record_error(ctx)
        self.last_activity = time.monotonic()
        return self._send(start_response, reply)

    def dispatch_unmetered(self, environ) -> Reply:
        """Answer one AWS request in-process, outside quotas, faults, latency and statistics (the batch
        admin endpoint: bulk seeding through the same handlers as the wire)."""
        ctx = build_ctx(environ)
        if ctx.service == "admin":
            raise AwsError("BadRequest", "admin requests cannot be batched", 400)
        detect_operation(ctx)
        return self._dispatch(ctx, environ)

    def _drop(self, environ):
        handler = environ.get("lp.handler")
        if handler is not None:
            handler.lp_mark_reset()
        raise ResetConnection("injected connection reset")

    def _send(self, start_response, reply: Reply):
        headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(reply.body))))
        start_response(status_line(reply.status), headers)
        return [reply.body]

    def _dispatch(self, ctx: Ctx, environ) -> Reply:
        try:
            with STATE_LOCK:
                reply = None
                if ctx.service == "lambda" and ctx.operation in LAMBDA_HANDLERS:
                    reply = LAMBDA_HANDLERS[ctx.operation](ctx)
                elif ctx.service == "iam" and ctx.operation in iam_ext.HANDLERS:
                    reply = iam_ext.HANDLERS[ctx.operation](ctx)
                elif ctx.service == "cloudwatch":
                    reply = cw_shim.handle(ctx, self.moto_app)
                elif ctx.service == "sts" and ctx.operation in org_ext.STS_HANDLERS:
                    reply = org_ext.STS_HANDLERS[ctx.operation](ctx)
                elif ctx.service == "organizations" and ctx.operation in org_ext.ORGANIZATIONS_HANDLERS:
                    reply = org_ext.ORGANIZATIONS_HANDLERS[ctx.operation](ctx)
                elif ctx.service == "securityhub" and ctx.operation in securityhub_ext.HANDLERS:
                    reply = securityhub_ext.HANDLERS[ctx.operation](ctx)
                elif ctx.service == "logs" and ctx.operation in logs_ext.HANDLERS:
                    reply = logs_ext.HANDLERS[ctx.operation](ctx)
                elif ctx.service == "cloudtrail" and ctx.operation in cloudtrail_ext.HANDLERS:
                    reply = cloudtrail_ext.HANDLERS[ctx.operation](ctx)
                elif ctx.service == "apigateway" and ctx.operation in apigw_ext.HANDLERS:
                    reply = apigw_ext.HANDLERS[ctx.operation](ctx)
                elif ctx.service == "elasticloadbalancing":
                    elbv2_ext.check(ctx)
                if reply is None:
                    reply = self._moto(environ)
                    if ctx.service == "apigateway":
                        reply = apigw_ext.after_moto(ctx, reply)
                    elif ctx.service == "elasticloadbalancing":
                        reply = elbv2_ext.paginate(ctx, reply)
                return reply
        except AwsError as e:
            return error_reply(ctx, e)
        except Exception as e:
            err = moto_error_to_aws(e)
            if err is None:
                if self.verbose:
                    traceback.print_exc()
                err = internal_error(ctx)
                err.message = f"{err.message} ({type(e).__name__}: {e})"
            return error_reply(ctx, err)

    def _moto(self, environ) -> Reply:
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = list(headers)

        it = self.moto_app(environ, start_response)
        try:
            body = b"".join(it)
        finally:
            if hasattr(it, "close"):
                it.close()
        return Reply(captured.get("status", 500), captured.get("headers", []), body)

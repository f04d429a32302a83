"""Request context, account/region resolution and AWS-shaped responses shared by every module.

Every request that reaches the emulator is turned into a `Ctx` once: which service it is for
(from the SigV4 credential scope, the CBOR path or the admin prefix), the region, the caller's
account, the operation name and the raw body. Handlers answer with `Reply` objects or raise
`AwsError`, which `error_reply` renders in the exact shape of the service's protocol.
"""
from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, unquote

DEFAULT_ACCOUNT = "123456789012"

# One lock around everything that touches moto's (not thread-safe) backends or our own stores.
# Latency, stalls and throttling decisions happen outside of it.
STATE_LOCK = threading.RLock()

_CRED_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH_RE = re.compile(r"^/service/([^/]+)/operation/([^/?]+)$")
ACCOUNT_KEY_RE = re.compile(r"^\d{12}$")

# Access keys AssumeRole issued (org_ext) -> the account they act as.
SESSION_ACCOUNTS: dict[str, str] = {}

SIGNING_TO_SERVICE = {"monitoring": "cloudwatch", "lambda": "lambda", "iam": "iam", "sts": "sts"}


@dataclass
class Ctx:
    environ: dict
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]  # lower-case names
    service: str = "unknown"  # lambda | iam | sts | cloudwatch | admin | other
    region: str = "us-east-1"
    access_key: str = ""
    account: str = DEFAULT_ACCOUNT
    operation: str | None = None
    protocol: str = ""  # rest-json | query | cbor | json
    params: dict[str, Any] = field(default_factory=dict)  # path params for REST
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def q(self, name: str, default: str | None = None) -> str | None:
        vals = self.query.get(name)
        return vals[0] if vals else default

    def json_body(self) -> dict:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AwsError("InvalidRequestContentException", f"Could not parse request body into json: {e}", 400)

    def form(self) -> dict[str, list[str]]:
        """Query-protocol parameters: the query string plus a form-encoded body."""
        out = dict(self.query)
        if self.body and "x-www-form-urlencoded" in self.headers.get("content-type", "x-www-form-urlencoded"):
            for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items():
                out.setdefault(k, []).extend(v)
        return out

    @property
    def host(self) -> str:
        return self.headers.get("host") or f"127.0.0.1:{self.environ.get('SERVER_PORT', '80')}"

    def resource_text(self) -> str:
        """What fault rules' `resource_contains` is matched against: decoded path, query and body."""
        txt = unquote(self.path) + "?" + unquote(self.environ.get("QUERY_STRING", ""))
        if self.protocol != "cbor" and self.body and len(self.body) < 65536:
            txt += " " + unquote(self.body.decode("utf-8", "replace"))
        elif self.protocol == "cbor":
            txt += " " + json.dumps(self.params, default=str)
        return txt


def rand_uuid() -> str:
    """A uuid4 from moto's seeded generator (deterministic under --seed)."""
    from moto.moto_api._internal import mock_random

    return str(mock_random.uuid4())


def rand_token(n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    from moto.moto_api._internal import mock_random

    return "".join(mock_random.choice(alphabet) for _ in range(n))


class AwsError(Exception):
    """An error answered in the calling service's own error shape."""

    def __init__(self, code: str, message: str, status: int = 400, *, sender: bool = True,
                 extra: dict | None = None, headers: dict | None = None, query_code: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
        self.extra = extra or {}
        self.headers = headers or {}
        self.query_code = query_code


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_reply(obj: Any, status: int = 200, headers: dict | None = None, ctx: Ctx | None = None) -> Reply:
    body = b"" if obj is None else json.dumps(obj, default=str).encode()
    hdrs = [("Content-Type", "application/json")]
    if ctx is not None:
        hdrs.append(("x-amzn-RequestId", ctx.request_id))
    for k, v in (headers or {}).items():
        hdrs.append((k, str(v)))
    return Reply(status, hdrs, body)


def read_body(environ: dict) -> bytes:
    length = environ.get("CONTENT_LENGTH")
    stream = environ.get("wsgi.input")
    body = b""
    if stream is not None:
        if length:
            try:
                n = int(length)
            except ValueError:
                n = 0
            body = stream.read(n) if n > 0 else b""
        elif environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""):
            body = stream.read()
    if body and "gzip" in environ.get("HTTP_CONTENT_ENCODING", "").lower():
        # Request compression (CloudWatch PutMetricData is sent gzip'd by boto3 and the Rust SDK).
        import gzip

        body = gzip.decompress(body)
        environ.pop("HTTP_CONTENT_ENCODING", None)
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def account_for_access_key(access_key: str) -> str:
    """12-digit access key ids act as that account (the LocalStack convention), keys AssumeRole issued act as the
    role's account; otherwise moto's lookup."""
    if ACCOUNT_KEY_RE.match(access_key or ""):
        return access_key
    if access_key in SESSION_ACCOUNTS:
        return SESSION_ACCOUNTS[access_key]
    try:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(access_key)
    except Exception:  # pragma: no cover - defensive
        return DEFAULT_ACCOUNT


def build_ctx(environ: dict) -> Ctx:
    path = environ.get("PATH_INFO", "") or "/"
    if isinstance(path, bytes):  # pragma: no cover
        path = path.decode("utf-8")
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    body = read_body(environ)
    ctx = Ctx(environ, environ.get("REQUEST_METHOD", "GET").upper(), path, query, body, headers)

    m = _CRED_RE.search(headers.get("authorization", ""))
    if m:
        ctx.access_key, _, ctx.region, signing = m.group(1), m.group(2), m.group(3), m.group(4)
        ctx.service = SIGNING_TO_SERVICE.get(signing, signing)
    elif ctx.q("X-Amz-Credential"):
        parts = ctx.q("X-Amz-Credential").split("/")
        if len(parts) >= 4:
            ctx.access_key, ctx.region = parts[0], parts[2]
            ctx.service = SIGNING_TO_SERVICE.get(parts[3], parts[3])

    if path.startswith("/_lp/"):
        ctx.service = "admin"
    elif _CBOR_PATH_RE.match(path):
        ctx.service = "cloudwatch"
        ctx.protocol = "cbor"

    explicit = headers.get("x-moto-account-id")
    ctx.account = explicit or account_for_access_key(ctx.access_key)
    if not explicit and (ACCOUNT_KEY_RE.match(ctx.access_key or "") or ctx.access_key in SESSION_ACCOUNTS):
        # Let moto see the same account for everything we pass through.
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = ctx.account
    return ctx


def cbor_path_operation(path: str) -> tuple[str, str] | None:
    m = _CBOR_PATH_RE.match(path)
    return (m.group(1), m.group(2)) if m else None


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def xml_escape(s: str) -> str:
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


_QUERY_NS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
             "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
             "elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"}


def error_reply(ctx: Ctx, err: AwsError) -> Reply:
    """Render `err` the way the service in `ctx` answers errors on the wire."""
    if ctx.service == "ec2":
        # EC2's own Query error envelope.
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{xml_escape(err.code)}</Code>'
                f"<Message>{xml_escape(err.message)}</Message></Error></Errors>"
                f"<RequestID>{ctx.request_id}</RequestID></Response>").encode()
        hdrs = [("Content-Type", "text/xml;charset=UTF-8")] + [(k, str(v)) for k, v in err.headers.items()]
        return Reply(err.status, hdrs, body)
    if ctx.service in ("iam", "sts", "sns") or ctx.protocol == "query":
        ns = _QUERY_NS.get(ctx.service, "http://monitoring.amazonaws.com/doc/2010-08-01/")
        body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{"Sender" if err.sender else "Receiver"}</Type>'
                f"<Code>{xml_escape(err.code)}</Code><Message>{xml_escape(err.message)}</Message></Error>"
                f"<RequestId>{ctx.request_id}</RequestId></ErrorResponse>").encode()
        hdrs = [("Content-Type", "text/xml"), ("x-amzn-RequestId", ctx.request_id)]
        hdrs += [(k, str(v)) for k, v in err.headers.items()]
        return Reply(err.status, hdrs, body)
    if ctx.service == "cloudwatch":
        from cw_shim import cloudwatch_error_reply

        return cloudwatch_error_reply(ctx, err)
    # Lambda (restJson1) and everything else JSON: x-amzn-ErrorType header + JSON body, with the
    # message member spelled as the model spells it for that error ("Message" or "message").
    body = {"Type": "User" if err.sender else "Service", _lambda_message_member(err.code): err.message}
    if err.code == "AccessDeniedException":
        body = {"Message": err.message}
    body.update(err.extra)
    if ctx.service in ("events", "organizations", "logs", "cloudtrail"):
        body["__type"] = err.code  # awsJson1_1: the code is in the body (SDKs read it there)
    hdrs = {"x-amzn-ErrorType": err.code}
    if err.query_code:
        # awsQueryCompatible JSON services (SQS) also name the Query-protocol code.
        hdrs["x-amzn-query-error"] = f"{err.query_code};{'Sender' if err.sender else 'Receiver'}"
    hdrs.update(err.headers)
    return json_reply(body, err.status, hdrs, ctx)


def _lambda_message_member(code: str) -> str:
    from optable import service_model_json

    shape = service_model_json("lambda")["shapes"].get(code, {})
    return "Message" if "Message" in shape.get("members", {}) else "message"


def moto_error_to_aws(e: Exception) -> AwsError | None:
    """Convert an exception raised inside a moto backend into an AwsError (None if it is not one)."""
    from moto.core.exceptions import ServiceException
    from werkzeug.exceptions import HTTPException

    if isinstance(e, AwsError):
        return e
    if isinstance(e, ServiceException):
        return AwsError(str(getattr(e, "code", "ServiceException")), str(getattr(e, "message", e)), 400)
    if isinstance(e, HTTPException) and hasattr(e, "error_type"):
        code = getattr(e, "error_type", "ServiceException") or "ServiceException"
        return AwsError(code.split("#")[-1], str(getattr(e, "message", "")), int(e.code or 400))
    if isinstance(e, ValueError) and len(e.args) == 2 and isinstance(e.args[0], str) and e.args[0].endswith("Exception"):
        return AwsError(e.args[0], str(e.args[1]), 400)
    return None

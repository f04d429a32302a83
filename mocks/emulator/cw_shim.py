"""CloudWatch protocol shim: Smithy RPC v2 CBOR (what aws-sdk-cloudwatch and botocore >= 1.40 speak) and JSON 1.0.

`POST /service/GraniteServiceVersion20100801/operation/<Op>` with `smithy-protocol: rpc-v2-cbor`
and a CBOR body. Metric operations (PutMetricData, GetMetricData, GetMetricStatistics,
ListMetrics) are answered by `cw_metrics`; everything else (alarms, dashboards, tags, ...) is
translated to moto's JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`) and the answer
re-encoded. Encoding follows the botocore output shape: doubles as CBOR float64, timestamps as
tag 1 + float64 epoch seconds (aws-smithy-cbor's decoder reads only floats there), blobs as byte
strings. Errors carry `__type`, the model's message member, the `smithy-protocol` header and,
because CloudWatch is awsQueryCompatible, `x-amzn-query-error: <Code>;<Sender|Receiver>`.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from functools import lru_cache
from io import BytesIO

import cbor2

from common import AwsError, Ctx, Reply, moto_error_to_aws
from cw_metrics import STORE, to_epoch
from optable import botocore_service_model, service_model_json

SERVICE_TARGET = "GraniteServiceVersion20100801"
SHAPE_NS = "com.amazonaws.cloudwatch"
METRIC_OPS = {"PutMetricData": STORE.put, "GetMetricData": STORE.get_metric_data,
              "GetMetricStatistics": STORE.get_metric_statistics, "ListMetrics": STORE.list_metrics}


# --- model-driven value conversion ---------------------------------------------------------------
def _ts_to_epoch(v) -> float:
    return float(to_epoch(v))


def to_wire(value, shape, fmt: str):
    """Convert a plain python value to what the wire format `fmt` ('cbor' or 'json') needs for `shape`."""
    if value is None:
        return None
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, mshape in shape.members.items():
            if isinstance(value, dict) and name in value and value[name] is not None:
                out[name] = to_wire(value[name], mshape, fmt)
        return out
    if t == "list":
        return [to_wire(v, shape.member, fmt) for v in value]
    if t == "map":
        return {str(k): to_wire(v, shape.value, fmt) for k, v in value.items()}
    if t == "timestamp":
        e = _ts_to_epoch(value)
        return cbor2.CBORTag(1, float(e)) if fmt == "cbor" else e
    if t in ("double", "float"):
        return float(value)
    if t in ("integer", "long"):
        return int(value)
    if t == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if t == "blob":
        if fmt == "cbor":
            return value if isinstance(value, bytes) else base64.b64decode(value)
        return value if isinstance(value, str) else base64.b64encode(value).decode()
    return str(value)


def from_cbor(obj):
    """CBOR request values to JSON-able python (datetimes to epoch seconds, bytes to base64)."""
    if isinstance(obj, dict):
        return {k: from_cbor(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_cbor(v) for v in obj]
    if isinstance(obj, datetime):
        return obj.timestamp()
    if isinstance(obj, cbor2.CBORTag) and obj.tag == 1:
        return float(obj.value)
    if isinstance(obj, (bytes, bytearray)):
        return base64.b64encode(bytes(obj)).decode()
    return obj


@lru_cache(maxsize=None)
def _error_table() -> tuple[dict, dict]:
    """shape name -> (query code, http status, message member) and query code -> shape name."""
    shapes = service_model_json("cloudwatch")["shapes"]
    by_shape, by_code = {}, {}
    for name, s in shapes.items():
        if s.get("exception"):
            e = s.get("error", {})
            code = e.get("code", name)
            msg_member = "Message" if "Message" in s.get("members", {}) else "message"
            by_shape[name] = (code, e.get("httpStatusCode", 400), msg_member)
            by_code[code] = name
    return by_shape, by_code


def cloudwatch_error_reply(ctx: Ctx, err: AwsError) -> Reply:
    by_shape, by_code = _error_table()
    shape = err.code if err.code in by_shape else by_code.get(err.code)
    if shape:
        qcode, _, msg_member = by_shape[shape]
        type_id = f"{SHAPE_NS}#{shape}"
    elif err.code == "ThrottlingException":
        qcode, msg_member, type_id = "Throttling", "message", "com.amazon.coral.availability#ThrottlingException"
    elif err.code == "AccessDeniedException":
        qcode, msg_member, type_id = "AccessDenied", "message", "com.amazon.coral.service#AccessDeniedException"
    else:
        qcode, msg_member, type_id = err.code, "message", err.code
    qcode = err.query_code or qcode
    hdrs = [("x-amzn-RequestId", ctx.request_id),
            ("x-amzn-query-error", f"{qcode};{'Sender' if err.sender else 'Receiver'}")]
    if ctx.protocol == "query":
        from common import xml_escape

        body = (f'<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error>'
                f'<Type>{"Sender" if err.sender else "Receiver"}</Type><Code>{xml_escape(qcode)}</Code>'
                f"<Message>{xml_escape(err.message)}</Message></Error><RequestId>{ctx.request_id}</RequestId>"
                "</ErrorResponse>").encode()
        return Reply(err.status, [("Content-Type", "text/xml")] + hdrs, body)
    payload = {"__type": type_id, msg_member: err.message}
    if ctx.protocol == "json":
        return Reply(err.status, [("Content-Type", "application/x-amz-json-1.0")] + hdrs, json.dumps(payload).encode())
    hdrs += [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor")]
    return Reply(err.status, hdrs, cbor2.dumps(payload))


def _success(ctx: Ctx, op: str, result: dict) -> Reply:
    model = botocore_service_model("cloudwatch").operation_model(op)
    shape = model.output_shape
    if ctx.protocol == "cbor":
        wire = to_wire(result, shape, "cbor") if shape is not None else {}
        return Reply(200, [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor"),
                           ("x-amzn-RequestId", ctx.request_id)], cbor2.dumps(wire or {}))
    wire = to_wire(result, shape, "json") if shape is not None else {}
    return Reply(200, [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", ctx.request_id)],
                 json.dumps(wire or {}).encode())


def decode_params(ctx: Ctx) -> dict:
    if ctx.protocol == "cbor":
        if not ctx.body:
            return {}
        try:
            obj = cbor2.loads(ctx.body)
        except Exception as e:
            raise AwsError("SerializationException", f"Could not decode CBOR body: {e}", 400)
        if not isinstance(obj, dict):
            raise AwsError("SerializationException", "Request body is not a CBOR map", 400)
        return obj
    if ctx.protocol == "json":
        return json.loads(ctx.body or b"{}")
    return {}


def handle(ctx: Ctx, moto_app) -> Reply | None:
    """Answer a CloudWatch request, or None to let moto answer it unchanged (query protocol)."""
    if ctx.protocol == "query":
        return None
    op = ctx.operation
    model = botocore_service_model("cloudwatch")
    if op not in model.operation_names:
        raise AwsError("UnknownOperationException", f"Unknown operation {op}", 404)
    params = ctx.params if ctx.params else decode_params(ctx)
    if op in METRIC_OPS:
        return _success(ctx, op, METRIC_OPS[op](ctx.account, ctx.region, params))
    return _via_moto_json(ctx, op, params, moto_app)


def _via_moto_json(ctx: Ctx, op: str, params: dict, moto_app) -> Reply:
    body = json.dumps(from_cbor(params)).encode()
    env = dict(ctx.environ)
    env.update({"PATH_INFO": "/", "QUERY_STRING": "", "REQUEST_METHOD": "POST", "wsgi.input": BytesIO(body),
                "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-amz-json-1.0",
                "HTTP_X_AMZ_TARGET": f"{SERVICE_TARGET}.{op}"})
    env.pop("HTTP_SMITHY_PROTOCOL", None)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = headers

    try:
        chunks = moto_app(env, start_response)
        raw = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    except Exception as e:  # moto raised instead of answering
        err = moto_error_to_aws(e)
        if err is None:
            raise
        raise err
    status = captured.get("status", 500)
    try:
        doc = json.loads(raw or b"{}")
    except ValueError:
        doc = {}
    if status >= 400:
        code = str(doc.get("__type", "InternalServiceFault")).split("#")[-1]
        msg = doc.get("message") or doc.get("Message") or ""
        raise AwsError(code, msg, status, sender=status < 500)
    return _success(ctx, op, doc)


def encode_request(params: dict) -> bytes:
    """How a Smithy client encodes an input structure (used by tests): datetimes as tag 1 floats."""
    def conv(o):
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list):
            return [conv(v) for v in o]
        if isinstance(o, datetime):
            return cbor2.CBORTag(1, o.replace(tzinfo=o.tzinfo or timezone.utc).timestamp())
        return o

    return cbor2.dumps(conv(params))

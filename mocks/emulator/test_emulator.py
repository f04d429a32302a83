"""End-to-end tests of the emulator: boto3 and raw signed HTTP against real server processes.

Run:  mocks/.venv/bin/python mocks/emulator/test_emulator.py [-k substring]
(no pytest needed; pytest also collects the test_* functions if you have it). Prints one line per
test and a closing 'N passed, N failed' line; exits non-zero on failure.
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import datetime as dt
import http.client
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from urllib.parse import urlencode

import boto3
import botocore.exceptions
import cbor2
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
ACCOUNT = "123456789012"
FOREIGN = "999999999999"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)


# --- server processes --------------------------------------------------------------------------------------
class Server:
    def __init__(self, *extra: str):
        self.dir = tempfile.mkdtemp(prefix="lp-emu-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--port-file", self.port_file,
                                      "--idle-timeout", "120", "--parent-pid", str(os.getpid()), *extra],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "err"), "w"))
        deadline = time.time() + 30
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("server did not start: " + open(os.path.join(self.dir, "err")).read())
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.url = f"http://127.0.0.1:{self.port}"
        self._clients: dict = {}
        self._roles: dict = {}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def client(self, service, region="us-east-1", key="testing", config=NO_RETRY):
        k = (service, region, key, id(config))
        if k not in self._clients:
            self._clients[k] = boto3.client(service, endpoint_url=self.url, region_name=region, aws_access_key_id=key,
                                            aws_secret_access_key="testing", config=config)
        return self._clients[k]

    def admin(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, (json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json") else data)

    def raw(self, service, method, path, body=b"", headers=None, region="us-east-1", key="testing", timeout=10):
        """A SigV4-signed request, returned as (status, headers dict lower-case, body bytes)."""
        req = AWSRequest(method=method, url=self.url + path, data=body, headers=headers or {})
        SigV4Auth(Credentials(key, "testing"), service, region).add_auth(req)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=dict(req.headers.items()))
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data


MAIN: Server | None = None


def srv() -> Server:
    global MAIN
    if MAIN is None:
        MAIN = Server()
    return MAIN


def zip_bytes(text="def handler(e, c):\n    return 1\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", text)
    return buf.getvalue()


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                          "Action": "sts:AssumeRole"}]})


def role(name, account_key="testing"):
    s = srv()
    if (name, account_key) not in s._roles:
        iam = s.client("iam", key=account_key)
        try:
            s._roles[(name, account_key)] = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            s._roles[(name, account_key)] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    return s._roles[(name, account_key)]


def function(name, region="us-east-1", **kw):
    lam = srv().client("lambda", region=region)
    spec = dict(FunctionName=name, Runtime="python3.12", Role=role("exec-role"), Handler="index.handler",
                Code={"ZipFile": kw.pop("code", zip_bytes())})
    spec.update(kw)
    return lam.create_function(**spec)


def expect_error(fn, code, status=None):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        if status:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response["ResponseMetadata"]
        return e
    raise AssertionError(f"expected {code}, call succeeded")


# --- Lambda -------------------------------------------------------------------------------------------------------
def test_dead_letter_config_logging_and_last_modified():
    lam = srv().client("lambda")
    function("dlq-fn", DeadLetterConfig={"TargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"}, Timeout=30)
    cfg = lam.get_function_configuration(FunctionName="dlq-fn")
    assert cfg["DeadLetterConfig"] == {"TargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"}
    assert cfg["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/dlq-fn"}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", cfg["LastModified"]), cfg["LastModified"]
    assert lam.get_function(FunctionName="dlq-fn")["Configuration"]["DeadLetterConfig"]["TargetArn"].endswith(":dlq")
    v1 = lam.publish_version(FunctionName="dlq-fn")["Version"]
    lam.update_function_configuration(FunctionName="dlq-fn", DeadLetterConfig={"TargetArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t"},
                                      LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/group"})
    cfg = lam.get_function(FunctionName="dlq-fn")["Configuration"]
    assert cfg["DeadLetterConfig"]["TargetArn"].endswith(":t")
    assert cfg["LoggingConfig"]["LogGroup"] == "/custom/group"
    old = lam.get_function_configuration(FunctionName="dlq-fn", Qualifier=v1)
    assert old["DeadLetterConfig"]["TargetArn"].endswith(":dlq") and old["LoggingConfig"]["LogGroup"] == "/aws/lambda/dlq-fn"
    lam.update_function_configuration(FunctionName="dlq-fn", DeadLetterConfig={})
    assert "DeadLetterConfig" not in lam.get_function(FunctionName="dlq-fn")["Configuration"]
    st, body = srv().admin("POST", "/_lp/function-last-modified",
                           {"function_name": "dlq-fn", "region": "us-east-1", "last_modified": "2023-01-02T03:04:05Z"})
    assert st == 200, body
    assert lam.get_function(FunctionName="dlq-fn")["Configuration"]["LastModified"] == "2023-01-02T03:04:05.000+0000"


def test_get_function_tags_concurrency_and_code_location():
    lam = srv().client("lambda")
    code = zip_bytes("print('hello')\n")
    function("code-fn", code=code, Tags={"owner": "team-a"})
    lam.put_function_concurrency(FunctionName="code-fn", ReservedConcurrentExecutions=0)
    g = lam.get_function(FunctionName="code-fn")
    assert g["Tags"] == {"owner": "team-a"}
    assert g["Concurrency"] == {"ReservedConcurrentExecutions": 0}
    loc = g["Code"]["Location"]
    assert loc.startswith(srv().url + "/_lp/code/"), loc
    c = http.client.HTTPConnection("127.0.0.1", srv().port, timeout=10)
    c.request("GET", loc[len(srv().url):])
    assert c.getresponse().read() == code


def test_list_functions_pages_like_aws():
    lam = srv().client("lambda", region="eu-west-1")
    for i in range(120):
        function(f"page-{i:03d}", region="eu-west-1")
    r = lam.list_functions()
    assert len(r["Functions"]) == 50 and "NextMarker" in r
    assert "State" not in r["Functions"][0] and "LastUpdateStatus" not in r["Functions"][0]
    r2 = lam.list_functions(Marker=r["NextMarker"], MaxItems=1000)
    assert len(r2["Functions"]) == 50
    names = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]]
    assert len(names) == 120 and names == sorted(names) and len(set(names)) == 120
    small = lam.list_functions(MaxItems=7)
    assert len(small["Functions"]) == 7
    expect_error(lambda: lam.list_functions(Marker="not-a-marker!!"), "InvalidParameterValueException", 400)
    lam.publish_version(FunctionName="page-000")
    allv = [f["FunctionArn"] for p in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL") for f in p["Functions"]]
    assert "arn:aws:lambda:eu-west-1:123456789012:function:page-000:$LATEST" in allv
    assert "arn:aws:lambda:eu-west-1:123456789012:function:page-000:1" in allv
    # regions are separate accounts' worth of state
    assert all(not f["FunctionName"].startswith("page-") for f in srv().client("lambda").list_functions()["Functions"])


def test_qualified_permissions_and_statement_shapes():
    lam = srv().client("lambda")
    function("perm-fn")
    v = lam.publish_version(FunctionName="perm-fn")["Version"]
    lam.create_alias(FunctionName="perm-fn", Name="live", FunctionVersion=v)
    expect_error(lambda: lam.get_policy(FunctionName="perm-fn"), "ResourceNotFoundException", 404)
    st = json.loads(lam.add_permission(FunctionName="perm-fn", StatementId="acct", Action="lambda:InvokeFunction",
                                       Principal="111122223333")["Statement"])
    assert st["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    lam.add_permission(FunctionName="perm-fn", StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                       SourceArn="arn:aws:s3:::bucket", SourceAccount=ACCOUNT)
    lam.add_permission(FunctionName="perm-fn", StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE", Qualifier="live")
    lam.add_permission(FunctionName="perm-fn", StatementId="url-invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True, Qualifier="live")
    lam.add_permission(FunctionName="perm-fn", StatementId="ver", Action="lambda:InvokeFunction", Principal="*", Qualifier=v)
    unq = json.loads(lam.get_policy(FunctionName="perm-fn")["Policy"])
    assert [s["Sid"] for s in unq["Statement"]] == ["acct", "s3"]
    s3 = unq["Statement"][1]
    assert s3["Principal"] == {"Service": "s3.amazonaws.com"}
    assert s3["Condition"] == {"StringEquals": {"AWS:SourceAccount": ACCOUNT}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}
    assert s3["Resource"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:perm-fn"
    live = json.loads(lam.get_policy(FunctionName="perm-fn", Qualifier="live")["Policy"])
    assert [s["Sid"] for s in live["Statement"]] == ["url", "url-invoke"]
    assert live["Statement"][0]["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    # the second statement AWS writes for a public URL since October 2025
    assert live["Statement"][1]["Action"] == "lambda:InvokeFunction"
    assert live["Statement"][1]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert live["Statement"][0]["Principal"] == "*"
    assert live["Statement"][0]["Resource"].endswith(":perm-fn:live")
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=f"perm-fn:{v}")["Policy"])["Statement"]] == ["ver"]
    expect_error(lambda: lam.add_permission(FunctionName="perm-fn", StatementId="acct", Action="lambda:InvokeFunction",
                                            Principal="*"), "ResourceConflictException", 409)
    expect_error(lambda: lam.get_policy(FunctionName="perm-fn", Qualifier="nope"), "ResourceNotFoundException", 404)
    st, body = srv().admin("POST", "/_lp/function-policy-statement", {"function_name": "perm-fn", "region": "us-east-1",
                           "statement": {"Sid": "np", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                                         "Action": "lambda:InvokeFunction"}})
    assert st == 200, body
    np_st = json.loads(lam.get_policy(FunctionName="perm-fn")["Policy"])["Statement"][-1]
    assert np_st["NotPrincipal"] and np_st["Resource"].endswith(":function:perm-fn")
    lam.remove_permission(FunctionName="perm-fn", StatementId="url", Qualifier="live")
    lam.remove_permission(FunctionName="perm-fn", StatementId="url-invoke", Qualifier="live")
    expect_error(lambda: lam.get_policy(FunctionName="perm-fn", Qualifier="live"), "ResourceNotFoundException")


def test_function_urls_for_function_and_alias():
    lam = srv().client("lambda")
    function("url-fn")
    v = lam.publish_version(FunctionName="url-fn")["Version"]
    lam.create_alias(FunctionName="url-fn", Name="prod", FunctionVersion=v)
    expect_error(lambda: lam.get_function_url_config(FunctionName="url-fn"), "ResourceNotFoundException", 404)
    a = lam.create_function_url_config(FunctionName="url-fn", AuthType="AWS_IAM")
    b = lam.create_function_url_config(FunctionName="url-fn", Qualifier="prod", AuthType="NONE",
                                       Cors={"AllowOrigins": ["*"], "AllowMethods": ["GET"]})
    assert re.match(r"^https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/$", a["FunctionUrl"])
    assert a["FunctionArn"].endswith(":function:url-fn") and b["FunctionArn"].endswith(":function:url-fn:prod")
    expect_error(lambda: lam.create_function_url_config(FunctionName="url-fn", AuthType="NONE"), "ResourceConflictException", 409)
    got = lam.get_function_url_config(FunctionName="url-fn", Qualifier="prod")
    assert got["AuthType"] == "NONE" and got["Cors"]["AllowOrigins"] == ["*"]
    urls = lam.list_function_url_configs(FunctionName="url-fn")["FunctionUrlConfigs"]
    assert sorted(u["AuthType"] for u in urls) == ["AWS_IAM", "NONE"]
    lam.update_function_url_config(FunctionName="url-fn", Qualifier="prod", AuthType="AWS_IAM")
    assert lam.get_function_url_config(FunctionName="url-fn", Qualifier="prod")["AuthType"] == "AWS_IAM"
    lam.delete_function_url_config(FunctionName="url-fn")
    assert len(lam.list_function_url_configs(FunctionName="url-fn")["FunctionUrlConfigs"]) == 1


def test_provisioned_and_reserved_concurrency_account_settings():
    lam = srv().client("lambda", region="ap-south-1")
    function("pc-fn", region="ap-south-1")
    function("pc-other", region="ap-south-1")
    v = lam.publish_version(FunctionName="pc-fn")["Version"]
    lam.create_alias(FunctionName="pc-fn", Name="live", FunctionVersion=v)
    expect_error(lambda: lam.get_provisioned_concurrency_config(FunctionName="pc-fn", Qualifier="live"),
                 "ProvisionedConcurrencyConfigNotFoundException", 404)
    put = lam.put_provisioned_concurrency_config(FunctionName="pc-fn", Qualifier="live", ProvisionedConcurrentExecutions=7)
    assert put["Status"] == "IN_PROGRESS" and put["ResponseMetadata"]["HTTPStatusCode"] == 202
    got = lam.get_provisioned_concurrency_config(FunctionName="pc-fn", Qualifier="live")
    assert got["Status"] == "READY" and got["AllocatedProvisionedConcurrentExecutions"] == 7
    lst = lam.list_provisioned_concurrency_configs(FunctionName="pc-fn")["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in lst] == ["live"]
    expect_error(lambda: lam.put_provisioned_concurrency_config(FunctionName="pc-fn", ProvisionedConcurrentExecutions=1,
                                                                Qualifier="$LATEST"), "InvalidParameterValueException")
    lam.put_function_concurrency(FunctionName="pc-fn", ReservedConcurrentExecutions=100)
    lam.put_function_concurrency(FunctionName="pc-other", ReservedConcurrentExecutions=50)
    s = lam.get_account_settings()
    assert s["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert s["AccountLimit"]["UnreservedConcurrentExecutions"] == 850
    assert s["AccountUsage"]["FunctionCount"] == 2
    expect_error(lambda: lam.put_function_concurrency(FunctionName="pc-other", ReservedConcurrentExecutions=851),
                 "InvalidParameterValueException")
    lam.delete_provisioned_concurrency_config(FunctionName="pc-fn", Qualifier="live")
    assert lam.list_provisioned_concurrency_configs(FunctionName="pc-fn")["ProvisionedConcurrencyConfigs"] == []


def test_code_signing_recursion_runtime_and_event_invoke():
    lam = srv().client("lambda")
    csc = lam.create_code_signing_config(
        Description="signed", AllowedPublishers={"SigningProfileVersionArns": [f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/p/1"]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})["CodeSigningConfig"]
    arn = csc["CodeSigningConfigArn"]
    assert re.match(rf"^arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-[0-9a-f]{{17}}$", arn)
    function("signed-fn", CodeSigningConfigArn=arn)
    function("unsigned-fn")
    lam.put_function_code_signing_config(FunctionName="unsigned-fn", CodeSigningConfigArn=arn)
    fns = lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"]
    assert sorted(f.rsplit(":", 1)[1] for f in fns) == ["signed-fn", "unsigned-fn"]
    assert [c["CodeSigningConfigArn"] for c in lam.list_code_signing_configs()["CodeSigningConfigs"]] == [arn]
    assert lam.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"]["CodeSigningPolicies"] == {
        "UntrustedArtifactOnDeployment": "Enforce"}
    lam.delete_function_code_signing_config(FunctionName="unsigned-fn")
    assert lam.get_function_code_signing_config(FunctionName="unsigned-fn")["CodeSigningConfigArn"] == ""
    assert lam.get_function_code_signing_config(FunctionName="signed-fn")["CodeSigningConfigArn"] == arn

    assert lam.get_function_recursion_config(FunctionName="signed-fn")["RecursiveLoop"] == "Terminate"
    lam.put_function_recursion_config(FunctionName="signed-fn", RecursiveLoop="Allow")
    assert lam.get_function_recursion_config(FunctionName="signed-fn")["RecursiveLoop"] == "Allow"
    rm = lam.get_runtime_management_config(FunctionName="signed-fn")
    assert rm["UpdateRuntimeOn"] == "Auto" and rm["FunctionArn"].endswith(":signed-fn:$LATEST")

    dest = {"OnFailure": {"Destination": f"arn:aws:sqs:us-east-1:{ACCOUNT}:failures"}}
    lam.put_function_event_invoke_config(FunctionName="signed-fn", MaximumRetryAttempts=1, DestinationConfig=dest)
    lam.put_function_event_invoke_config(FunctionName="signed-fn", MaximumRetryAttempts=0)
    cfgs = lam.list_function_event_invoke_configs(FunctionName="signed-fn")["FunctionEventInvokeConfigs"]
    assert len(cfgs) == 1 and cfgs[0]["MaximumRetryAttempts"] == 0 and "DestinationConfig" not in cfgs[0]
    assert isinstance(cfgs[0]["LastModified"], dt.datetime)
    lam.update_function_event_invoke_config(FunctionName="signed-fn", DestinationConfig=dest)
    got = lam.get_function_event_invoke_config(FunctionName="signed-fn")
    assert got["DestinationConfig"]["OnFailure"]["Destination"].endswith(":failures") and got["MaximumRetryAttempts"] == 0


def test_event_source_mappings_store_failure_settings_and_page():
    lam = srv().client("lambda")
    kin = srv().client("kinesis")
    sqs = srv().client("sqs")
    function("esm-fn")
    kin.create_stream(StreamName="s1", ShardCount=1)
    stream_arn = kin.describe_stream(StreamName="s1")["StreamDescription"]["StreamARN"]
    dest = {"OnFailure": {"Destination": f"arn:aws:sqs:us-east-1:{ACCOUNT}:esm-dlq"}}
    lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="esm-fn", StartingPosition="LATEST",
                                    DestinationConfig=dest, BisectBatchOnFunctionError=True, MaximumRetryAttempts=3,
                                    MaximumRecordAgeInSeconds=3600)
    for i in range(4):
        q = sqs.create_queue(QueueName=f"esm-q{i}")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="esm-fn")
    esms = [e for p in lam.get_paginator("list_event_source_mappings").paginate(PaginationConfig={"PageSize": 2})
            for e in p["EventSourceMappings"]]
    assert len(esms) == 5
    first = lam.list_event_source_mappings(MaxItems=2)
    assert len(first["EventSourceMappings"]) == 2 and first.get("NextMarker")
    k = [e for e in esms if e["EventSourceArn"] == stream_arn][0]
    assert k["DestinationConfig"] == dest and k["BisectBatchOnFunctionError"] is True
    assert k["MaximumRetryAttempts"] == 3 and k["MaximumRecordAgeInSeconds"] == 3600
    assert len(lam.list_event_source_mappings(FunctionName="esm-fn")["EventSourceMappings"]) == 5


def test_layers_from_another_account():
    foreign = srv().client("lambda", key=FOREIGN)
    lv = foreign.publish_layer_version(LayerName="shared-lib", Content={"ZipFile": zip_bytes("x = 1\n")},
                                       CompatibleRuntimes=["python3.12"])
    arn = lv["LayerVersionArn"]
    assert arn == f"arn:aws:lambda:us-east-1:{FOREIGN}:layer:shared-lib:1", arn
    lam = srv().client("lambda")
    own = lam.publish_layer_version(LayerName="own-lib", Content={"ZipFile": zip_bytes("y = 2\n")})["LayerVersionArn"]
    function("layered-fn", Layers=[arn, own])
    layers = [l["Arn"] for l in lam.get_function(FunctionName="layered-fn")["Configuration"]["Layers"]]
    assert layers == [arn, own], layers
    assert [l["LayerName"] for l in lam.list_layers()["Layers"]] == ["own-lib"]
    expect_error(lambda: lam.get_layer_version_by_arn(Arn=arn), "AccessDeniedException", 403)
    foreign.add_layer_version_permission(LayerName="shared-lib", VersionNumber=1, StatementId="share",
                                         Action="lambda:GetLayerVersion", Principal=ACCOUNT)
    got = lam.get_layer_version_by_arn(Arn=arn)
    assert got["LayerVersionArn"] == arn and got["Content"]["Location"].startswith(srv().url)
    assert lam.get_layer_version_by_arn(Arn=own)["Version"] == 1
    assert lam.get_layer_version(LayerName="own-lib", VersionNumber=1)["LayerArn"].endswith(":layer:own-lib")
    expect_error(lambda: function("bad-layer-fn", Layers=[f"arn:aws:lambda:us-east-1:{FOREIGN}:layer:nope:1"]),
                 "InvalidParameterValueException")
    assert srv().client("sts", key=FOREIGN).get_caller_identity()["Account"] == FOREIGN


def test_aliases_and_versions_page():
    lam = srv().client("lambda")
    function("many-fn")
    for i in range(3):
        lam.update_function_configuration(FunctionName="many-fn", Description=f"d{i}")
        v = lam.publish_version(FunctionName="many-fn")["Version"]
        lam.create_alias(FunctionName="many-fn", Name=f"a{i}", FunctionVersion=v)
    r = lam.list_aliases(FunctionName="many-fn", MaxItems=2)
    assert len(r["Aliases"]) == 2 and r["NextMarker"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="many-fn", Marker=r["NextMarker"])["Aliases"]] == ["a2"]
    vs = [v["Version"] for p in lam.get_paginator("list_versions_by_function").paginate(
        FunctionName="many-fn", PaginationConfig={"PageSize": 2}) for v in p["Versions"]]
    assert vs == ["$LATEST", "1", "2", "3"], vs
    assert lam.get_alias(FunctionName="many-fn", Name="a1")["ResponseMetadata"]["HTTPStatusCode"] == 200


# --- IAM ---------------------------------------------------------------------------------------------------------
def _iam_raw(params: dict) -> bytes:
    body = urlencode({**params, "Version": "2010-05-08"}).encode()
    st, _, data = srv().raw("iam", "POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert st == 200, data
    return data


def test_authorization_details_encoding_last_used_and_paging():
    iam = srv().client("iam")
    role("authz-role")
    role("authz-role-2")
    iam.attach_role_policy(RoleName="authz-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_role_policy(RoleName="authz-role", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    iam.put_role_policy(RoleName="authz-role", PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}))
    iam.create_policy(PolicyName="local-pol", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    st, body = srv().admin("POST", "/_lp/role-last-used", {"role_name": "authz-role", "last_used_date": "2024-03-01T10:00:00Z",
                                                           "region": "eu-west-1"})
    assert st == 200, body
    st, body = srv().admin("POST", "/_lp/role-create-date", {"role_name": "authz-role", "create_date": "2023-01-02T08:00:00Z"})
    assert st == 200, body
    assert iam.get_role(RoleName="authz-role")["Role"]["CreateDate"].isoformat().startswith("2023-01-02T08:00:00")
    raw = _iam_raw({"Action": "GetAccountAuthorizationDetails", "Filter.member.1": "Role",
                    "Filter.member.2": "LocalManagedPolicy", "Filter.member.3": "AWSManagedPolicy"}).decode()
    assert "<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22" in raw, raw[:500]
    assert "arn%3Aaws%3As3%3A%3A%3Ab%2F%2A" in raw  # RFC 3986: '/' and '*' encoded too
    assert "<LastUsedDate>2024-03-01T10:00:00" in raw and "<Region>eu-west-1</Region>" in raw
    d = iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy", "AWSManagedPolicy"])
    names = sorted(p["PolicyName"] for p in d["Policies"])
    assert "AdministratorAccess" in names and "AWSLambdaBasicExecutionRole" in names and "local-pol" in names
    assert "PowerUserAccess" not in names  # AWS managed policies are listed only when attached
    r = [x for x in d["RoleDetailList"] if x["RoleName"] == "authz-role"][0]
    assert r["RoleLastUsed"]["Region"] == "eu-west-1"
    assert r["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert iam.get_role(RoleName="authz-role")["Role"]["RoleLastUsed"]["Region"] == "eu-west-1"
    p1 = iam.get_account_authorization_details(Filter=["Role"], MaxItems=1)
    assert p1["IsTruncated"] and p1["Marker"] and len(p1["RoleDetailList"]) == 1
    total = sum(len(p["RoleDetailList"]) for p in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["Role"], PaginationConfig={"PageSize": 1}))
    assert total == len(iam.list_roles()["Roles"])


def test_aws_managed_policies_are_real_and_lazy():
    iam = srv().client("iam")
    for name, path in (("AdministratorAccess", "/"), ("PowerUserAccess", "/"), ("IAMFullAccess", "/"),
                       ("AmazonS3ReadOnlyAccess", "/"), ("AWSLambdaSQSQueueExecutionRole", "/service-role/"),
                       ("AWSLambdaVPCAccessExecutionRole", "/service-role/"), ("AmazonDynamoDBFullAccess", "/"),
                       ("AmazonKinesisReadOnlyAccess", "/")):  # the last one is not curated: materialised on demand
        arn = f"arn:aws:iam::aws:policy{path}{name}"
        pol = iam.get_policy(PolicyArn=arn)["Policy"]
        doc = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])["PolicyVersion"]["Document"]
        assert doc["Statement"], name
    raw = _iam_raw({"Action": "GetPolicyVersion", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                    "VersionId": "v1"}).decode()
    assert "<Document>%7B%22" in raw, raw[:400]
    admin_doc = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess", VersionId="v1")
    assert admin_doc["PolicyVersion"]["Document"]["Statement"][0]["Action"] == "*"


def test_service_last_accessed():
    iam = srv().client("iam")
    arn = role("sla-role")
    iam.put_role_policy(RoleName="sla-role", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "dynamodb:PutItem", "sqs:*"], "Resource": "*"}]}))
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    r = iam.get_service_last_accessed_details(JobId=job)
    assert r["JobStatus"] == "COMPLETED"
    rows = {s["ServiceNamespace"]: s for s in r["ServicesLastAccessed"]}
    assert set(rows) == {"s3", "dynamodb", "sqs"}
    assert all("LastAuthenticated" not in s and s["TotalAuthenticatedEntities"] == 0 for s in rows.values())
    st, _ = srv().admin("POST", "/_lp/service-last-accessed", {"role_arn": arn, "services": [
        {"namespace": "s3", "last_authenticated": "2024-05-01T00:00:00Z", "last_authenticated_region": "us-east-1"},
        {"namespace": "sqs", "last_authenticated": None}]})
    assert st == 200
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    rows = {s["ServiceNamespace"]: s for s in iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]}
    assert rows["s3"]["LastAuthenticated"].year == 2024 and rows["s3"]["LastAuthenticatedEntity"] == arn
    assert "LastAuthenticated" not in rows["sqs"] and "LastAuthenticated" not in rows["dynamodb"]
    iam.attach_role_policy(RoleName="sla-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    assert len(iam.get_service_last_accessed_details(JobId=job, MaxItems=1000)["ServicesLastAccessed"]) > 100
    expect_error(lambda: iam.get_service_last_accessed_details(JobId="00000000-0000-0000-0000-000000000000"), "NoSuchEntity", 404)


# --- CloudWatch (Smithy RPC v2 CBOR) -------------------------------------------------------------------------------
def cbor_call(op: str, params: dict, region="us-east-1"):
    def conv(o):
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list):
            return [conv(v) for v in o]
        if isinstance(o, dt.datetime):
            return cbor2.CBORTag(1, float(o.timestamp()))  # what aws-smithy-cbor writes
        return o

    body = cbor2.dumps(conv(params))
    st, hdrs, data = srv().raw("monitoring", "POST", f"/service/GraniteServiceVersion20100801/operation/{op}", body, {
        "smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"}, region=region)
    return st, hdrs, data


def _walk_floats(raw: bytes):
    """Decode (cbor2 turns tag 1 into datetime; float64 stays float, ints stay int)."""
    return cbor2.loads(raw)


def test_cloudwatch_cbor_shim_metrics():
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    data = [{"MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}],
             "Timestamp": now - dt.timedelta(days=d + 20), "Value": 2.0, "Unit": "Count"} for d in range(100)]
    for i in range(0, len(data), 50):
        st, hdrs, body = cbor_call("PutMetricData", {"Namespace": "AWS/Lambda", "MetricData": data[i:i + 50]})
        assert st == 200, body
        assert hdrs["smithy-protocol"] == "rpc-v2-cbor" and hdrs["content-type"] == "application/cbor"
    st, _, _ = cbor_call("PutMetricData", {"Namespace": "AWS/Lambda", "MetricData": [
        {"MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}], "Timestamp": now - dt.timedelta(minutes=30),
         "Values": [10.0, 20.0, 900.0], "Counts": [50.0, 49.0, 1.0], "Unit": "Milliseconds"}]})
    assert st == 200
    queries = []
    for i in range(500):
        fn = "cw-fn" if i % 2 == 0 else f"missing-{i}"
        queries.append({"Id": f"q{i}", "ReturnData": True, "MetricStat": {"Period": 86400, "Stat": "Sum", "Metric": {
            "Namespace": "AWS/Lambda", "MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": fn}]}}})
    t0 = time.time()
    st, hdrs, raw = cbor_call("GetMetricData", {"MetricDataQueries": queries, "StartTime": now - dt.timedelta(days=455),
                                                "EndTime": now, "ScanBy": "TimestampDescending"})
    elapsed = time.time() - t0
    assert st == 200, raw
    assert elapsed < 5, elapsed
    doc = _walk_floats(raw)
    res = doc["MetricDataResults"]
    assert len(res) == 500 and res[0]["StatusCode"] == "Complete" and res[1]["Values"] == []
    assert len(res[0]["Values"]) == 100 and all(isinstance(v, float) for v in res[0]["Values"])
    ts = res[0]["Timestamps"]
    assert all(isinstance(t, dt.datetime) for t in ts)
    assert ts[0] > ts[-1]  # newest first
    assert raw.count(bytes([0xC1, 0xFB])) >= 100  # tag 1 followed by a float64 on the wire
    assert raw.count(bytes([0xC1])) == raw.count(bytes([0xC1, 0xFB]))
    # percentiles and hourly period
    st, _, raw = cbor_call("GetMetricData", {"MetricDataQueries": [
        {"Id": "p99", "MetricStat": {"Period": 3600, "Stat": "p99", "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration",
                                                                          "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}]}}},
        {"Id": "avg", "MetricStat": {"Period": 3600, "Stat": "Average", "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration",
                                                                              "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}]}}},
        {"Id": "cnt", "MetricStat": {"Period": 3600, "Stat": "SampleCount", "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration",
                                                                                  "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}]}}},
        {"Id": "mx", "MetricStat": {"Period": 3600, "Stat": "Maximum", "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration",
                                                                             "Dimensions": [{"Name": "FunctionName", "Value": "cw-fn"}]}}}],
        "StartTime": now - dt.timedelta(days=1), "EndTime": now + dt.timedelta(hours=1)})
    assert st == 200, raw
    vals = {r["Id"]: r["Values"] for r in cbor2.loads(raw)["MetricDataResults"]}
    assert vals == {"p99": [20.0], "avg": [(500 + 980 + 900) / 100], "cnt": [100.0], "mx": [900.0]}, vals
    # pagination with MaxDatapoints / NextToken
    seen, token, pages = 0, None, 0
    while True:
        params = {"MetricDataQueries": queries[:4], "StartTime": now - dt.timedelta(days=455), "EndTime": now, "MaxDatapoints": 30}
        if token:
            params["NextToken"] = token
        st, _, raw = cbor_call("GetMetricData", params)
        doc = cbor2.loads(raw)
        seen += sum(len(r["Values"]) for r in doc["MetricDataResults"])
        pages += 1
        token = doc.get("NextToken")
        if not token:
            break
    assert seen == 200 and pages == 7, (seen, pages)


def test_cloudwatch_cbor_errors_and_passthrough():
    st, hdrs, raw = cbor_call("GetMetricData", {"MetricDataQueries": [{"Id": "BadId", "MetricStat": {
        "Period": 60, "Stat": "Sum", "Metric": {"Namespace": "x", "MetricName": "y"}}}],
        "StartTime": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "EndTime": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)})
    assert st == 400 and hdrs["smithy-protocol"] == "rpc-v2-cbor"
    err = cbor2.loads(raw)
    assert err["__type"] == "com.amazonaws.cloudwatch#InvalidParameterValueException", err
    assert hdrs["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    st, hdrs, raw = cbor_call("PutMetricAlarm", {"AlarmName": "cbor-alarm", "MetricName": "Errors", "Namespace": "AWS/Lambda",
                                                 "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 1.0,
                                                 "ComparisonOperator": "GreaterThanThreshold"})
    assert st == 200, raw
    st, hdrs, raw = cbor_call("DescribeAlarms", {"AlarmNames": ["cbor-alarm"]})
    alarms = _walk_floats(raw)["MetricAlarms"]
    assert alarms[0]["AlarmName"] == "cbor-alarm" and isinstance(alarms[0]["Threshold"], float)
    assert isinstance(alarms[0]["AlarmConfigurationUpdatedTimestamp"], dt.datetime)
    st, hdrs, raw = cbor_call("NoSuchOperation", {})
    assert st == 404 and "__type" in cbor2.loads(raw)
    # boto3 (JSON 1.0 here) sees the same store; a large PutMetricData arrives gzip'd (request compression)
    cw = srv().client("cloudwatch")
    now = dt.datetime.now(dt.timezone.utc)
    cw.put_metric_data(Namespace="Custom/Big", MetricData=[
        {"MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": f"big-{i}"}], "Timestamp": now,
         "Value": 1.0} for i in range(400)])
    assert len(cw.list_metrics(Namespace="Custom/Big")["Metrics"]) == 400
    names = [m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]]
    assert "Duration" in names and "Invocations" not in names  # ListMetrics: only data from the last two weeks


# --- admin: faults and stats ------------------------------------------------------------------------------------
def test_fault_rules_error_shapes_and_stats():
    s = srv()
    function("fault-fn")
    role("fault-role")
    lam = s.client("lambda")
    lam.add_permission(FunctionName="fault-fn", StatementId="x", Action="lambda:InvokeFunction", Principal="*")
    s.admin("DELETE", "/_lp/stats")
    st, body = s.admin("POST", "/_lp/faults", {"rules": [
        {"service": "lambda", "operation": "GetPolicy", "resource_contains": "fault-fn", "error": "AccessDenied", "count": 1},
        {"service": "lambda", "operation": "GetFunction", "error": "Throttling", "count": 2},
        {"service": "iam", "operation": "GetRole", "error": "Throttling", "count": 1},
        {"service": "iam", "operation": "ListRoles", "error": "AccessDenied", "count": 1},
        {"service": "cloudwatch", "operation": "GetMetricData", "error": "Throttling", "count": 1},
        {"service": "sts", "operation": "GetCallerIdentity", "error": "InternalError", "count": 1}]})
    assert st == 200 and len(body["rules"]) == 6
    st, hdrs, raw = s.raw("lambda", "GET", "/2015-03-31/functions/fault-fn/policy")
    assert st == 403 and hdrs["x-amzn-errortype"] == "AccessDeniedException", (st, hdrs)
    assert "is not authorized to perform: lambda:GetPolicy" in json.loads(raw)["Message"]
    assert json.loads(lam.get_policy(FunctionName="fault-fn")["Policy"])["Statement"]  # count exhausted
    st, hdrs, raw = s.raw("lambda", "GET", "/2015-03-31/functions/fault-fn")
    assert st == 429 and hdrs["x-amzn-errortype"] == "TooManyRequestsException" and hdrs["retry-after"] == "1"
    assert json.loads(raw) == {"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}
    expect_error(lambda: lam.get_function(FunctionName="fault-fn"), "TooManyRequestsException", 429)
    lam.get_function(FunctionName="fault-fn")
    iam = s.client("iam")
    raw = expect_error(lambda: iam.get_role(RoleName="fault-role"), "Throttling", 400)
    expect_error(lambda: iam.list_roles(), "AccessDenied", 403)
    st, hdrs, raw = s.raw("iam", "POST", "/", b"Action=GetRole&RoleName=fault-role&Version=2010-05-08",
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 200
    st, hdrs, raw = cbor_call("GetMetricData", {"MetricDataQueries": [], "StartTime": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
                                                "EndTime": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)})
    assert st == 400 and hdrs["x-amzn-query-error"] == "Throttling;Sender" and hdrs["smithy-protocol"] == "rpc-v2-cbor"
    assert cbor2.loads(raw)["__type"].endswith("ThrottlingException")
    sts = s.client("sts")
    expect_error(lambda: sts.get_caller_identity(), "InternalFailure", 500)
    st, stats = s.admin("GET", "/_lp/stats")
    ops = {(o["service"], o["operation"], o["region"]): o for o in stats["operations"]}
    gf = ops[("lambda", "GetFunction", "us-east-1")]
    assert gf["calls"] == 3 and gf["faults"] == {"Throttling": 2}, gf
    assert ops[("lambda", "GetPolicy", "us-east-1")]["faults"] == {"AccessDenied": 1}
    st, body = s.admin("DELETE", "/_lp/faults")
    assert body == {"rules": []}
    st, body = s.admin("POST", "/_lp/faults", {"rules": [{"service": "nope", "error": "AccessDenied"}]})
    assert st == 400


def test_reset_and_stall_drop_the_connection():
    s = Server("--stall-seconds", "1")
    try:
        s.admin("POST", "/_lp/faults", {"rules": [{"service": "lambda", "operation": "ListFunctions", "error": "Reset", "count": 1},
                                                  {"service": "lambda", "operation": "GetAccountSettings", "error": "Stall", "count": 1}]})
        for path in ("/2015-03-31/functions", "/2016-08-19/account-settings"):
            t0 = time.time()
            try:
                s.raw("lambda", "GET", path, timeout=10)
                raise AssertionError("expected the connection to drop")
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                pass
            if "account" in path:
                assert time.time() - t0 >= 0.9
        assert s.raw("lambda", "GET", "/2015-03-31/functions")[0] == 200
        st, stats = s.admin("GET", "/_lp/stats")
        assert stats["totals"]["faults"] == 2
    finally:
        s.stop()


def test_quota_buckets_throttle_like_aws():
    # --time-scale 0.2: GetPolicy 3/s (burst 3), GetFunction 20/s (burst 20), shared control plane 3/s.
    s = Server("--quotas", "on", "--time-scale", "0.2", "--latency-ms", "0", "--seed", "7")
    try:
        lam = s.client("lambda")
        role_arn = s.client("iam").create_role(RoleName="q", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        lam.create_function(FunctionName="q-fn", Runtime="python3.12", Role=role_arn, Handler="i.h",
                            Code={"ZipFile": zip_bytes()})

        def call(path):
            return s.raw("lambda", "GET", path)[0]

        with cf.ThreadPoolExecutor(8) as ex:
            pol = list(ex.map(call, ["/2015-03-31/functions/q-fn/policy"] * 40))
        assert pol.count(429) >= 20, pol
        gf = [call("/2015-03-31/functions/q-fn") for _ in range(12)]  # its own bucket, still full
        assert gf.count(429) == 0, gf
        assert s.raw("lambda", "GET", "/2015-03-31/functions/q-fn/policy", region="eu-west-1")[0] != 429  # per region
        st, stats = s.admin("GET", "/_lp/stats")
        ops = {(o["service"], o["operation"], o["region"]): o for o in stats["operations"]}
        assert ops[("lambda", "GetPolicy", "us-east-1")]["throttled"] == pol.count(429)
        st, hdrs, raw = s.raw("lambda", "GET", "/2015-03-31/functions/q-fn/policy")
        while st != 429:
            st, hdrs, raw = s.raw("lambda", "GET", "/2015-03-31/functions/q-fn/policy")
        assert int(hdrs["retry-after"]) >= 1 and json.loads(raw)["Reason"] == "CallerRateLimitExceeded"
        assert hdrs["x-amzn-errortype"] == "TooManyRequestsException"
    finally:
        s.stop()


def test_fault_mix_and_latency_are_deterministic():
    outcomes = []
    for _ in range(2):
        s = Server("--fault-mix", "5xx=0.3", "--latency-ms", "5", "--seed", "42")
        try:
            outcomes.append([s.raw("lambda", "GET", "/2016-08-19/account-settings")[0] for _ in range(30)])
        finally:
            s.stop()
    assert outcomes[0] == outcomes[1], outcomes
    assert 500 in outcomes[0] and 200 in outcomes[0]


def test_idle_timeout_and_parent_death_stop_the_server():
    parent = subprocess.Popen(["sleep", "30"])
    d = tempfile.mkdtemp()
    orphan = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--port-file", os.path.join(d, "p"),
                               "--parent-pid", str(parent.pid)], stderr=subprocess.DEVNULL)
    idle = Server("--idle-timeout", "1")  # started while the other one boots
    while not os.path.exists(os.path.join(d, "p")):
        assert orphan.poll() is None
        time.sleep(0.05)
    parent.kill()
    parent.wait()
    idle.proc.wait(8)
    assert not os.path.exists(idle.port_file)
    orphan.wait(8)


def test_batch_answers_in_order_outside_quotas_and_stats():
    s = srv()
    lam = s.client("lambda", region="us-west-1")
    create = {"FunctionName": "batch-fn", "Runtime": "python3.12", "Role": role("exec-role"), "Handler": "index.handler",
              "Code": {"ZipFile": base64.b64encode(zip_bytes()).decode()}}
    auth = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-west-1/lambda/aws4_request, SignedHeaders=host, Signature=0"
    reqs = [{"method": "POST", "path": "/2015-03-31/functions", "headers": {"Authorization": auth,
                                                                            "Content-Type": "application/json"},
             "body": json.dumps(create)},
            {"method": "POST", "path": "/2015-03-31/functions/batch-fn/versions", "headers": {"Authorization": auth}},
            {"method": "GET", "path": "/2015-03-31/functions/nope", "headers": {"Authorization": auth}},
            {"method": "POST", "path": "/_lp/reset"}]
    s.admin("DELETE", "/_lp/stats")
    st, body = s.admin("POST", "/_lp/batch", {"requests": reqs})
    assert st == 200, body
    statuses = [r["status"] for r in body["responses"]]
    assert statuses == [201, 201, 404, 400], body
    assert json.loads(body["responses"][1]["body"])["Version"] == "1"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="batch-fn")["Versions"]] == ["$LATEST", "1"]
    ops = {(o["service"], o["operation"]) for o in s.admin("GET", "/_lp/stats")[1]["operations"]}
    assert ops == {("lambda", "ListVersionsByFunction")}, ops  # batched calls are not counted
    assert s.admin("POST", "/_lp/batch", {"requests": "no"})[0] == 400


def test_securityhub_import_enforces_the_api_limits():
    s = srv()
    hub = s.client("securityhub", region="eu-west-1")

    def finding(i, region="eu-west-1", account=ACCOUNT, **extra):
        return {"SchemaVersion": "2018-10-08", "Id": f"sh-{i}", "GeneratorId": "g", "AwsAccountId": account,
                "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
                "Types": ["Software and Configuration Checks"], "CreatedAt": "2026-01-01T00:00:00.000Z",
                "UpdatedAt": "2026-01-01T00:00:00.000Z", "Severity": {"Label": "LOW"}, "Title": "t",
                "Description": "d", "Resources": [{"Type": "Other", "Id": "r"}], **extra}

    out = hub.batch_import_findings(Findings=[finding(1, Workflow={"Status": "NEW"}), finding(2, region="us-east-1"),
                                              finding(3, account=FOREIGN), finding(4, Description="x" * 250_000)])
    assert (out["SuccessCount"], out["FailedCount"]) == (1, 3), out
    assert {f["Id"] for f in out["FailedFindings"]} == {"sh-2", "sh-3", "sh-4"}
    expect_error(lambda: hub.batch_import_findings(Findings=[finding(i) for i in range(101)]), "InvalidInputException")
    # An update keeps the customer's workflow and archives; an older one is ignored.
    later = finding(1, RecordState="ARCHIVED", UpdatedAt="2026-02-01T00:00:00.000Z", Workflow={"Status": "RESOLVED"})
    hub.batch_import_findings(Findings=[later])
    hub.batch_import_findings(Findings=[finding(1, RecordState="ACTIVE")])
    stored = s.admin("GET", "/_lp/securityhub-findings?region=eu-west-1")[1]["findings"]
    assert [(f["Id"], f["RecordState"], f["Workflow"]["Status"]) for f in stored] == [("sh-1", "ARCHIVED", "NEW")]
    # Past 6 MB the request is refused whole.
    big = [finding(i, Note={"Text": "n" * 200_000, "UpdatedBy": "u", "UpdatedAt": "2026-01-01T00:00:00Z"})
           for i in range(40)]
    expect_error(lambda: hub.batch_import_findings(Findings=big), "RequestEntityTooLargeException", 413)


def test_describe_log_groups_by_identifiers():
    s = srv()
    logs = s.client("logs", region="eu-west-1")
    kms = s.client("kms", region="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/aws/lambda/kept", kmsKeyId=kms)
    logs.put_retention_policy(logGroupName="/aws/lambda/kept", retentionInDays=7)
    logs.create_log_group(logGroupName="/aws/lambda/forever")
    logs.create_log_group(logGroupName="/aws/lambda/not-asked")
    arn = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/forever:*"
    out = logs.describe_log_groups(logGroupIdentifiers=["/aws/lambda/kept", arn, "/aws/lambda/missing"])
    got = {g["logGroupName"]: g for g in out["logGroups"]}
    assert sorted(got) == ["/aws/lambda/forever", "/aws/lambda/kept"], got
    assert (got["/aws/lambda/kept"]["retentionInDays"], got["/aws/lambda/kept"]["kmsKeyId"]) == (7, kms)
    assert "retentionInDays" not in got["/aws/lambda/forever"] and "kmsKeyId" not in got["/aws/lambda/forever"]
    assert "nextToken" not in out
    expect_error(lambda: logs.describe_log_groups(logGroupIdentifiers=[f"/g/{i}" for i in range(51)]),
                 "InvalidParameterException")
    expect_error(lambda: logs.describe_log_groups(logGroupIdentifiers=["/a"], logGroupNamePrefix="/a"),
                 "InvalidParameterException")
    # Without identifiers, moto answers (prefix listing).
    assert len(logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]) == 3
    # Faults reach CloudWatch Logs like every other service.
    s.admin("POST", "/_lp/faults", {"rules": [{"service": "logs", "operation": "DescribeLogGroups",
                                                "error": "AccessDenied"}]})
    try:
        expect_error(lambda: logs.describe_log_groups(logGroupIdentifiers=["/aws/lambda/kept"]), "AccessDeniedException")
    finally:
        s.admin("POST", "/_lp/faults", {"rules": []})


def test_cloudtrail_trails_selectors_and_event_data_stores():
    s = srv()
    s.client("s3", region="us-east-1").create_bucket(Bucket="lp-trail-test")
    home = s.client("cloudtrail", region="us-east-1")
    other = s.client("cloudtrail", region="eu-west-1")
    trail = home.create_trail(Name="lp-multi", S3BucketName="lp-trail-test", IsMultiRegionTrail=True)
    home.create_trail(Name="lp-plain", S3BucketName="lp-trail-test")
    home.start_logging(Name="lp-multi")
    lam = [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]
    home.put_event_selectors(TrailName="lp-multi", AdvancedEventSelectors=[{"Name": "lambda", "FieldSelectors": lam}])
    # The multi-Region trail is a shadow in eu-west-1; its selectors and status are read by ARN in its home region.
    shadows = {t["Name"]: t["HomeRegion"] for t in other.describe_trails(includeShadowTrails=True)["trailList"]}
    assert shadows.get("lp-multi") == "us-east-1" and "lp-plain" not in shadows, shadows
    got = home.get_event_selectors(TrailName=trail["TrailARN"])
    assert got["AdvancedEventSelectors"][0]["FieldSelectors"] == lam and "EventSelectors" not in got, got
    assert home.get_trail_status(Name=trail["TrailARN"])["IsLogging"] is True
    # A trail never given selectors answers AWS's default: management events, no data events.
    default = home.get_event_selectors(TrailName="lp-plain")["EventSelectors"]
    assert default == [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                        "ExcludeManagementEventSources": []}], default
    expect_error(lambda: home.get_event_selectors(TrailName="lp-none"), "TrailNotFoundException")
    # Event data stores: listed by ARN and name only; details from GetEventDataStore.
    made = [home.create_event_data_store(Name=f"lp-lake-{i}", AdvancedEventSelectors=[{"FieldSelectors": lam}],
                                         MultiRegionEnabled=i == 0) for i in range(3)]
    expect_error(lambda: home.create_event_data_store(Name="lp-lake-0"), "EventDataStoreAlreadyExistsException")
    first = home.list_event_data_stores(MaxResults=2)
    rest = home.list_event_data_stores(MaxResults=2, NextToken=first["NextToken"])
    listed = first["EventDataStores"] + rest["EventDataStores"]
    assert "NextToken" not in rest and sorted(s["Name"] for s in listed) == ["lp-lake-0", "lp-lake-1", "lp-lake-2"]
    assert all(set(s) == {"EventDataStoreArn", "Name"} for s in listed), listed
    assert other.list_event_data_stores()["EventDataStores"] == []
    arn = made[1]["EventDataStoreArn"]
    home.stop_event_data_store_ingestion(EventDataStore=arn)
    store = home.get_event_data_store(EventDataStore=arn.rsplit("/", 1)[1])
    assert (store["Status"], store["MultiRegionEnabled"], store["AdvancedEventSelectors"][0]["FieldSelectors"]) == \
        ("STOPPED_INGESTION", False, lam), store
    assert home.get_event_data_store(EventDataStore=made[0]["EventDataStoreArn"])["Status"] == "ENABLED"
    expect_error(lambda: home.get_event_data_store(EventDataStore="nope"), "EventDataStoreNotFoundException")
    # Faults reach CloudTrail like every other service.
    s.admin("POST", "/_lp/faults", {"rules": [{"service": "cloudtrail", "operation": "DescribeTrails",
                                                "error": "AccessDenied"}]})
    try:
        expect_error(lambda: home.describe_trails(includeShadowTrails=True), "AccessDeniedException")
    finally:
        s.admin("POST", "/_lp/faults", {"rules": []})
    home.delete_trail(Name="lp-multi")
    home.delete_trail(Name="lp-plain")


def test_api_gateway_listings_page_and_v2_authorizers():
    s = srv()
    v1 = s.client("apigateway", region="eu-west-1")
    ids = [v1.create_rest_api(name=f"api-{i}", endpointConfiguration={"types": ["REGIONAL"]})["id"] for i in range(3)]
    # v1 pages with limit / position (moto answers whole; the emulator pages like AWS).
    first = v1.get_rest_apis(limit=2)
    assert len(first["items"]) == 2 and first["position"], first
    rest = v1.get_rest_apis(limit=2, position=first["position"])
    assert len(rest["items"]) == 1 and "position" not in rest, rest
    assert sorted(a["id"] for a in first["items"] + rest["items"]) == sorted(ids)
    expect_error(lambda: v1.get_rest_apis(limit=501), "BadRequestException")
    # GetResources with embed=methods carries each method's integration.
    api = ids[0]
    root = v1.get_resources(restApiId=api)["items"][0]["id"]
    res = v1.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    v1.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True)
    uri = ("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f/invocations")
    v1.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=uri)
    methods = {r["path"]: r.get("resourceMethods", {}) for r in v1.get_resources(restApiId=api, embed=["methods"])["items"]}
    got = methods["/orders"]["GET"]
    assert (got["authorizationType"], got["apiKeyRequired"], got["methodIntegration"]["uri"]) == ("NONE", True, uri)
    # A deployment keeps the methods as they were: a later change of the draft does not reach it.
    deployed = v1.create_deployment(restApiId=api, stageName="live")["id"]
    v1.update_method(restApiId=api, resourceId=res, httpMethod="GET",
                     patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}])
    summary = v1.get_deployment(restApiId=api, deploymentId=deployed, embed=["apisummary"])["apiSummary"]
    assert summary["/orders"]["GET"] == {"authorizationType": "NONE", "apiKeyRequired": True}, summary
    stage = [st for st in v1.get_stages(restApiId=api)["item"] if st["stageName"] == "live"]
    assert stage[0]["deploymentId"] == deployed, stage
    v1.update_method(restApiId=api, resourceId=res, httpMethod="GET",
                     patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "NONE"}])
    # v2: integrations, routes, stages page with maxResults / nextToken; authorizers are listed.
    v2 = s.client("apigatewayv2", region="eu-west-1")
    hid = v2.create_api(Name="hooks", ProtocolType="HTTP")["ApiId"]
    jwt = v2.create_authorizer(ApiId=hid, AuthorizerType="JWT", Name="users", IdentitySource=["$request.header.Authorization"],
                               JwtConfiguration={"Audience": ["a"], "Issuer": "https://issuer.example"})["AuthorizerId"]
    integ = v2.create_integration(ApiId=hid, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                                  IntegrationUri=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f")["IntegrationId"]
    for key in ("GET /a", "POST /b"):
        v2.create_route(ApiId=hid, RouteKey=key, Target=f"integrations/{integ}", AuthorizationType="JWT", AuthorizerId=jwt)
    page = v2.get_routes(ApiId=hid, MaxResults="1")
    assert len(page["Items"]) == 1 and page["NextToken"], page
    last = v2.get_routes(ApiId=hid, MaxResults="1", NextToken=page["NextToken"])
    assert len(last["Items"]) == 1 and "NextToken" not in last, last
    auths = v2.get_authorizers(ApiId=hid)["Items"]
    assert [(a["AuthorizerId"], a["AuthorizerType"], a["Name"]) for a in auths] == [(jwt, "JWT", "users")], auths
    # Integration credentials (the role API Gateway invokes with) are kept and listed, v1 and v2.
    role = f"arn:aws:iam::{ACCOUNT}:role/apigw-invoke"
    cred = v2.create_integration(ApiId=hid, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0", CredentialsArn=role,
                                 IntegrationUri=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:g")["IntegrationId"]
    listed = {i["IntegrationId"]: i.get("CredentialsArn") for i in v2.get_integrations(ApiId=hid)["Items"]}
    assert listed[cred] == role and listed[integ] is None, listed
    v1.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                       uri=uri, credentials=role)
    methods = {r["path"]: r.get("resourceMethods", {}) for r in v1.get_resources(restApiId=api, embed=["methods"])["items"]}
    assert methods["/orders"]["GET"]["methodIntegration"]["credentials"] == role
    # Custom domain names and their mappings, v1 (base paths) and v2 (API mappings), paged like the other listings.
    for name in ("api.acme.example", "old.acme.example"):
        v1.create_domain_name(domainName=name, regionalCertificateArn="arn:aws:acm:eu-west-1:1:certificate/x",
                              endpointConfiguration={"types": ["REGIONAL"]})
    v1.create_deployment(restApiId=api, stageName="prod")
    v1.create_base_path_mapping(domainName="api.acme.example", restApiId=api, basePath="v1", stage="prod")
    first = v1.get_domain_names(limit=1)
    assert len(first["items"]) == 1 and first["position"], first
    rest = v1.get_domain_names(limit=1, position=first["position"])
    assert len(rest["items"]) == 1 and "position" not in rest, rest
    got = v1.get_base_path_mappings(domainName="api.acme.example")["items"]
    assert [(m["basePath"], m["restApiId"], m["stage"]) for m in got] == [("v1", api, "prod")], got
    v2.create_domain_name(DomainName="hooks.acme.example",
                          DomainNameConfigurations=[{"CertificateArn": "arn:aws:acm:eu-west-1:1:certificate/y"}])
    v2.create_stage(ApiId=hid, StageName="$default")
    v2.create_api_mapping(DomainName="hooks.acme.example", ApiId=hid, Stage="$default", ApiMappingKey="hooks")
    assert [d["DomainName"] for d in v2.get_domain_names()["Items"]] == ["hooks.acme.example"]
    got = v2.get_api_mappings(DomainName="hooks.acme.example", MaxResults="1")["Items"]
    assert [(m["ApiId"], m["Stage"], m["ApiMappingKey"]) for m in got] == [(hid, "$default", "hooks")], got
    # Faults reach API Gateway; access denied names apigateway:GET, the action of every read.
    s.admin("POST", "/_lp/faults", {"rules": [{"service": "apigateway", "operation": "GetApis", "error": "AccessDenied"}]})
    try:
        err = expect_error(lambda: v2.get_apis(), "AccessDeniedException", 403)
        assert "apigateway:GET" in str(err), err
    finally:
        s.admin("POST", "/_lp/faults", {"rules": []})


def test_load_balancer_listings_page_and_fault():
    s = srv()
    elb, ec2 = s.client("elbv2", region="eu-west-1"), s.client("ec2", region="eu-west-1")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [x["SubnetId"] for x in ec2.describe_subnets()["Subnets"][:2]]
    sg = ec2.create_security_group(GroupName="alb-web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    fn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:orders"
    tgs = [elb.create_target_group(Name=f"fn-{i}", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
           for i in range(3)]
    # Target group ARNs follow from the account, region and name (the demo's policies name them in advance).
    import hashlib
    want = hashlib.sha256(f"{ACCOUNT}/eu-west-1/fn-0".encode()).hexdigest()[:16]
    assert tgs[0] == f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/fn-0/{want}", tgs[0]
    elb.register_targets(TargetGroupArn=tgs[0], Targets=[{"Id": fn + ":live"}])
    health = elb.describe_target_health(TargetGroupArn=tgs[0])["TargetHealthDescriptions"]
    assert [h["Target"]["Id"] for h in health] == [fn + ":live"], health
    # DescribeTargetGroups pages with PageSize / Marker (moto answers whole; the emulator pages like AWS).
    first = elb.describe_target_groups(PageSize=2)
    assert len(first["TargetGroups"]) == 2 and first["NextMarker"], first
    rest = elb.describe_target_groups(PageSize=2, Marker=first["NextMarker"])
    assert len(rest["TargetGroups"]) == 1 and "NextMarker" not in rest, rest
    assert sorted(t["TargetGroupArn"] for t in first["TargetGroups"] + rest["TargetGroups"]) == sorted(tgs)
    expect_error(lambda: elb.describe_target_groups(PageSize=401), "ValidationError")
    lb = elb.create_load_balancer(Name="alb-web", Subnets=subnets, SecurityGroups=[sg], Scheme="internet-facing",
                                  Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    for port in (80, 8080):
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}])
    page = elb.describe_listeners(LoadBalancerArn=lb, PageSize=1)
    assert len(page["Listeners"]) == 1 and page["NextMarker"], page
    last = elb.describe_listeners(LoadBalancerArn=lb, PageSize=1, Marker=page["NextMarker"])
    assert len(last["Listeners"]) == 1 and "NextMarker" not in last, last
    listener = page["Listeners"][0]["ListenerArn"]
    # An authenticate action before a weighted forward is kept as written.
    elb.create_rule(ListenerArn=listener, Priority=5,
                    Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a/*"]}}],
                    Actions=[{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
                        "Issuer": "https://idp.example", "AuthorizationEndpoint": "https://idp.example/a",
                        "TokenEndpoint": "https://idp.example/t", "UserInfoEndpoint": "https://idp.example/u",
                        "ClientId": "c", "ClientSecret": "s", "OnUnauthenticatedRequest": "deny"}},
                        {"Type": "forward", "Order": 2,
                         "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tgs[0], "Weight": 5}]}}])
    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert [r["Priority"] for r in rules] == ["5", "default"], rules
    assert rules[0]["Actions"][0]["AuthenticateOidcConfig"]["OnUnauthenticatedRequest"] == "deny", rules
    # Faults reach Elastic Load Balancing, with the Query protocol's error envelope.
    s.admin("POST", "/_lp/faults", {"rules": [{"service": "elasticloadbalancing", "operation": "DescribeRules",
                                               "error": "AccessDenied"}]})
    try:
        err = expect_error(lambda: elb.describe_rules(ListenerArn=listener), "AccessDenied", 403)
        assert "elasticloadbalancing:DescribeRules" in str(err), err
    finally:
        s.admin("POST", "/_lp/faults", {"rules": []})


def test_admin_reset_forgets_everything():  # runs last: wipes the shared server
    s = srv()
    s.client("iam").create_role(RoleName="gone", AssumeRolePolicyDocument=TRUST)
    s.admin("POST", "/_lp/faults", {"rules": [{"service": "iam", "operation": "GetRole", "error": "Throttling"}]})
    assert s.admin("POST", "/_lp/reset", {})[0] == 200
    assert s.admin("GET", "/_lp/faults")[1] == {"rules": []}
    expect_error(lambda: s.client("iam").get_role(RoleName="gone"), "NoSuchEntity")
    assert s.client("lambda").list_functions()["Functions"] == []
    s._roles.clear()


# --- Organizations -----------------------------------------------------------------------------------------------------
def test_organizations_membership_and_faults():
    s = srv()
    loner = s.client("organizations", key="444455556666")
    expect_error(lambda: loner.describe_organization(), "AWSOrganizationsNotInUseException")
    owner = s.client("organizations", key="777788889999")
    created = owner.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    assert owner.describe_organization()["Organization"]["Id"] == created
    st, body = s.admin("POST", "/_lp/faults", {"rules": [
        {"service": "organizations", "operation": "DescribeOrganization", "error": "AccessDenied", "count": 1}]})
    assert st == 200, body
    expect_error(lambda: owner.describe_organization(), "AccessDeniedException", 400)
    assert owner.describe_organization()["Organization"]["Id"] == created  # count exhausted
    s.admin("DELETE", "/_lp/faults")



# --- Several accounts: AssumeRole, ListAccounts, suspended accounts, expired credentials -----------------------------
MGMT = "111100001111"


def _trust(principal, **condition):
    stmt = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = {"StringEquals": condition}
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


def _org(n_members: int) -> list[str]:
    """The organisation of MGMT (created once) with at least n_members member accounts; their ids."""
    s = srv()
    org = s.client("organizations", key=MGMT)
    try:
        org.create_organization(FeatureSet="ALL")
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "AlreadyInOrganizationException", e
    members = [a["Id"] for a in org.get_paginator("list_accounts").paginate().build_full_result()["Accounts"]
               if a["Id"] != MGMT]
    for i in range(len(members), n_members):
        status = org.create_account(AccountName=f"member-{i}", Email=f"m{i}@example.com")["CreateAccountStatus"]
        members.append(status["AccountId"])
    return members


def _session(creds: dict, service: str):
    return boto3.client(service, endpoint_url=srv().url, region_name="us-east-1", config=NO_RETRY,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def test_assume_role_honours_the_trust_policy():
    s = srv()
    member, other = _org(2)[:2]
    iam = s.client("iam", key=member)
    iam.create_role(RoleName="LambdaPostureAudit", AssumeRolePolicyDocument=_trust(f"arn:aws:iam::{MGMT}:root"))
    iam.create_role(RoleName="PartnerOnly", AssumeRolePolicyDocument=_trust("222233334444"))
    iam.create_role(RoleName="WithExternalId", AssumeRolePolicyDocument=_trust(MGMT, **{"sts:ExternalId": "xyz"}))
    iam.create_role(RoleName="ScannerRoleOnly", AssumeRolePolicyDocument=_trust(f"arn:aws:iam::{MGMT}:role/scanner"))
    s.client("iam", key=MGMT).create_role(RoleName="scanner", AssumeRolePolicyDocument=_trust(MGMT))
    s.client("lambda", key=member).create_function(FunctionName="in-member", Runtime="python3.12",
                                                   Role=f"arn:aws:iam::{member}:role/LambdaPostureAudit",
                                                   Handler="index.handler", Code={"ZipFile": zip_bytes()})
    sts = s.client("sts", key=MGMT)
    arn = f"arn:aws:iam::{member}:role/LambdaPostureAudit"
    got = sts.assume_role(RoleArn=arn, RoleSessionName=f"lambda-posture-{MGMT}")
    creds = got["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"], creds
    assert got["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{member}:assumed-role/LambdaPostureAudit/lambda-posture-{MGMT}"
    ident = _session(creds, "sts").get_caller_identity()
    assert (ident["Account"], ident["Arn"]) == (member, got["AssumedRoleUser"]["Arn"]), ident
    names = [f["FunctionName"] for f in _session(creds, "lambda").list_functions()["Functions"]]
    assert names == ["in-member"], names  # the session acts as the member account
    assert s.client("lambda", key=MGMT).list_functions()["Functions"] == []
    # refused like AWS: a missing role, an untrusting role, a wrong or missing external id, another principal
    for role_arn, kw in ((f"arn:aws:iam::{member}:role/Missing", {}), (f"arn:aws:iam::{other}:role/LambdaPostureAudit", {}),
                         (f"arn:aws:iam::{member}:role/PartnerOnly", {}),
                         (f"arn:aws:iam::{member}:role/WithExternalId", {}),
                         (f"arn:aws:iam::{member}:role/WithExternalId", {"ExternalId": "nope"}),
                         (f"arn:aws:iam::{member}:role/ScannerRoleOnly", {})):
        e = expect_error(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="lp-test", **kw), "AccessDenied", 403)
        assert f"arn:aws:sts::{MGMT}:user/moto is not authorized to perform: sts:AssumeRole on resource: {role_arn}" \
            in e.response["Error"]["Message"], e
    sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/WithExternalId", RoleSessionName="lp-test", ExternalId="xyz")
    # a trust naming a role ARN admits that role's sessions only
    scanner = sts.assume_role(RoleArn=f"arn:aws:iam::{MGMT}:role/scanner", RoleSessionName="lp-test")["Credentials"]
    _session(scanner, "sts").assume_role(RoleArn=f"arn:aws:iam::{member}:role/ScannerRoleOnly", RoleSessionName="chain")
    expect_error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="a b"), "ValidationError", 400)
    expect_error(lambda: sts.assume_role(RoleArn="arn:aws:iam::12:role/x", RoleSessionName="ok"), "ValidationError")


def test_list_accounts_pages_like_aws():
    s = srv()
    members = _org(45)
    org = s.client("organizations", key=MGMT)
    pages = list(org.get_paginator("list_accounts").paginate())
    ids = [a["Id"] for p in pages for a in p["Accounts"]]
    assert len(ids) == len(set(ids)) == len(members) + 1 and ids[0] == MGMT, ids
    assert [len(p["Accounts"]) for p in pages][:2] == [20, 20] and len(pages) == (len(ids) + 19) // 20
    assert {a["Status"] for p in pages for a in p["Accounts"]} == {"ACTIVE"}
    assert all(re.fullmatch(r"\d{12}", i) for i in ids)
    expect_error(lambda: org.list_accounts(MaxResults=21), "InvalidInputException")
    expect_error(lambda: org.list_accounts(NextToken="garbage"), "InvalidInputException")
    expect_error(lambda: s.client("organizations", key=members[0]).list_accounts(), "AccessDeniedException")
    expect_error(lambda: s.client("organizations", key="555566667777").list_accounts(),
                 "AWSOrganizationsNotInUseException")


def test_account_suspended_mid_scan():
    s = srv()
    victim = _org(3)[2]
    s.client("iam", key=victim).create_role(RoleName="LambdaPostureAudit",
                                            AssumeRolePolicyDocument=_trust(f"arn:aws:iam::{MGMT}:root"))
    arn = f"arn:aws:iam::{victim}:role/LambdaPostureAudit"
    creds = s.client("sts", key=MGMT).assume_role(RoleArn=arn, RoleSessionName="lp-test")["Credentials"]
    lam, sts = _session(creds, "lambda"), _session(creds, "sts")
    s.admin("DELETE", "/_lp/stats")
    assert s.admin("POST", "/_lp/suspend-account", {"account": victim, "after_calls": 3})[0] == 200
    for _ in range(3):
        lam.list_functions()
    expect_error(lambda: lam.list_functions(), "UnrecognizedClientException", 403)
    expect_error(lambda: sts.get_caller_identity(), "InvalidClientTokenId", 403)
    expect_error(lambda: s.client("sts", key=MGMT).assume_role(RoleArn=arn, RoleSessionName="lp-test"), "AccessDenied")
    accounts = s.client("organizations", key=MGMT).get_paginator("list_accounts").paginate().build_full_result()
    assert {a["Id"]: a["Status"] for a in accounts["Accounts"]}[victim] == "SUSPENDED"
    assert s.admin("GET", "/_lp/stats")[1]["accounts"][victim] == 5  # every call acting as it is counted
    rows = [r for r in s.admin("GET", "/_lp/stats?by=account")[1]["by_account"] if r["account"] == victim]
    assert {(r["service"], r["operation"]): r["calls"] for r in rows} == {("lambda", "ListFunctions"): 4,
                                                                          ("sts", "GetCallerIdentity"): 1}, rows
    assert victim in s.admin("GET", "/_lp/org-faults")[1]["suspended"]


def test_expired_caller_credentials():
    s = srv()
    member = _org(1)[0]
    caller = "111100002222"  # a principal of its own, so the other tests' caller keeps working
    s.client("iam", key=member).create_role(RoleName="TrustsCaller", AssumeRolePolicyDocument=_trust(caller))
    arn = f"arn:aws:iam::{member}:role/TrustsCaller"
    sts = s.client("sts", key=caller)
    entered = sts.assume_role(RoleArn=arn, RoleSessionName="lp-test")["Credentials"]
    assert s.admin("POST", "/_lp/expire-credentials", {"access_key": caller, "after_calls": 1})[0] == 200
    sts.get_caller_identity()
    e = expect_error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="lp-test"), "ExpiredToken", 403)
    assert "expired" in e.response["Error"]["Message"]
    expect_error(lambda: s.client("lambda", key=caller).list_functions(), "ExpiredTokenException", 403)
    assert _session(entered, "sts").get_caller_identity()["Account"] == member  # sessions have their own expiry
    assert s.admin("DELETE", "/_lp/org-faults")[1]["expire_after"] == 0
    sts.assume_role(RoleArn=arn, RoleSessionName="lp-test")  # forgotten: the key works again


def test_sts_quota_is_per_account_and_region_and_a_regional_endpoint_can_refuse():
    # --time-scale 0.05: STS 5/s, burst 5, in each (account, region).
    s = Server("--quotas", "on", "--time-scale", "0.05", "--latency-ms", "0", "--seed", "3")
    try:
        def identity(region, key="testing"):
            try:
                s.client("sts", region=region, key=key).get_caller_identity()
                return 200
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "Throttling", e.response
                return 400
        east = [identity("us-east-1") for _ in range(20)]
        assert east.count(400) >= 10, east
        # another region's endpoint, and another account in the same region: buckets of their own, still full
        assert [identity("us-west-2") for _ in range(4)] == [200] * 4
        assert [identity("us-east-1", key=FOREIGN) for _ in range(4)] == [200] * 4
        rows = {(r["account"], r["region"]): r for r in s.admin("GET", "/_lp/stats?by=account")[1]["by_account"]
                if r["service"] == "sts"}
        assert rows[(ACCOUNT, "us-east-1")]["throttled"] == east.count(400)
        assert rows[(ACCOUNT, "us-west-2")]["throttled"] == 0 and rows[(FOREIGN, "us-east-1")]["throttled"] == 0
        # one regional endpoint refuses AssumeRole (STS deactivated there by the member); the others answer
        member = "210987654321"
        s.client("iam", key=member).create_role(RoleName="Audit", AssumeRolePolicyDocument=_trust(ACCOUNT))
        arn = f"arn:aws:iam::{member}:role/Audit"
        time.sleep(1.0)  # refill
        st, body = s.admin("POST", "/_lp/faults", {"rules": [
            {"service": "sts", "operation": "AssumeRole", "region": "eu-west-1", "error": "RegionDisabled"}]})
        assert st == 200, body
        e = expect_error(lambda: s.client("sts", region="eu-west-1").assume_role(RoleArn=arn, RoleSessionName="lp"),
                         "RegionDisabledException", 403)
        assert f"STS is not activated in this region for account:{member}" in e.response["Error"]["Message"], e
        assert s.client("sts", region="eu-central-1").assume_role(RoleArn=arn, RoleSessionName="lp")["Credentials"]
        st, body = s.admin("POST", "/_lp/faults", {"rules": [{"service": "lambda", "error": "RegionDisabled"}]})
        assert st == 400 and "sts only" in json.dumps(body), body
    finally:
        s.stop()


# --- runner ----------------------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    pattern = argv[argv.index("-k") + 1] if "-k" in argv else ""
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f) and pattern in n]
    passed = failed = 0
    t_all = time.time()
    try:
        for name, fn in tests:
            t0 = time.time()
            try:
                fn()
                passed += 1
                print(f"ok    {name} ({time.time() - t0:.1f}s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL  {name} ({time.time() - t0:.1f}s)", flush=True)
                traceback.print_exc()
    finally:
        if MAIN is not None:
            MAIN.stop()
    print(f"emulator tests in {time.time() - t_all:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

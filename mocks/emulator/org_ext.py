"""Several accounts in one emulator: sts:AssumeRole honouring the target role's trust policy, the sessions it issues
(their keys act as the role's account), GetCallerIdentity for them, organizations:ListAccounts paged like AWS, and
the two faults an organisation scan meets: an account suspended mid-scan and expired caller credentials.

moto's AssumeRole trusts everyone (the role need not even exist) and its ListAccounts pages on a timestamp that
accounts created in the same instant share; both are answered here. Everything else of Organizations is moto's.
"""
from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import json
import re
import threading
from dataclasses import dataclass
from urllib.parse import unquote

from common import SESSION_ACCOUNTS, AwsError, Ctx, Reply, json_reply, rand_token, xml_escape

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
LIST_ACCOUNTS_MAX = 20  # ListAccounts MaxResults: 1..20 (the service model)


@dataclass
class Session:
    """Credentials AssumeRole issued: they act as the role's account."""
    account: str
    role_arn: str
    role_id: str
    session_name: str
    expires: dt.datetime

    @property
    def arn(self) -> str:
        partition, rest = self.role_arn.split(":")[1], self.role_arn.split(":role/", 1)[1]
        return f"arn:{partition}:sts::{self.account}:assumed-role/{rest.rsplit('/', 1)[-1]}/{self.session_name}"


SESSIONS: dict[str, Session] = {}
# Fault modes (admin API): account -> calls it may still make before it is suspended; access key -> calls before
# its credentials expire. Once the count reaches 0 the account is in SUSPENDED / the key in EXPIRED for good.
_LOCK = threading.Lock()
SUSPEND_AFTER: dict[str, int] = {}
SUSPENDED: set[str] = set()
EXPIRE_AFTER: dict[str, int] = {}
EXPIRED: set[str] = set()


def reset_all() -> None:
    with _LOCK:
        SESSIONS.clear()
        SESSION_ACCOUNTS.clear()
        SUSPEND_AFTER.clear()
        SUSPENDED.clear()
        EXPIRE_AFTER.clear()
        EXPIRED.clear()


def install_patches() -> None:
    """Member account ids from moto's seeded generator (moto drew them from the unseeded `random`): the same
    organisation under the same --seed gets the same ids."""
    from moto.moto_api._internal import mock_random
    from moto.organizations import utils

    utils.make_random_account_id = lambda: "".join(mock_random.choice("0123456789") for _ in range(12))


# --- fault modes -------------------------------------------------------------------------------------------------
def suspend_account(account: str, after_calls: int) -> dict:
    if not re.fullmatch(r"\d{12}", account or ""):
        raise ValueError("'account' must be a 12-digit account id")
    with _LOCK:
        if after_calls <= 0:
            SUSPENDED.add(account)
        else:
            SUSPEND_AFTER[account] = after_calls
    if after_calls <= 0:
        _mark_suspended_in_org(account)
    return {"account": account, "after_calls": max(0, after_calls)}


def expire_credentials(access_key: str, after_calls: int) -> dict:
    if not access_key:
        raise ValueError("'access_key' is required")
    with _LOCK:
        if after_calls <= 0:
            EXPIRED.add(access_key)
        else:
            EXPIRE_AFTER[access_key] = after_calls
    return {"access_key": access_key, "after_calls": max(0, after_calls)}


def clear_faults() -> None:
    """Forget pending and past suspensions and expiries (the sessions issued stay valid)."""
    with _LOCK:
        SUSPEND_AFTER.clear()
        SUSPENDED.clear()
        EXPIRE_AFTER.clear()
        EXPIRED.clear()


def describe_faults() -> dict:
    with _LOCK:
        return {"suspended": sorted(SUSPENDED), "suspend_after": dict(SUSPEND_AFTER),
                "expired_keys": len(EXPIRED), "expire_after": len(EXPIRE_AFTER), "sessions": len(SESSIONS)}


def _count_down(pending: dict[str, int], done: set[str], key: str) -> bool:
    """True when `key` is (now) in `done`; one call of the allowance is used otherwise."""
    if key in done:
        return True
    left = pending.get(key)
    if left is None:
        return False
    if left <= 0:
        del pending[key]
        done.add(key)
        return True
    pending[key] = left - 1
    return False


def gate(ctx: Ctx) -> AwsError | None:
    """The error a call gets because its credentials expired or its account is suspended (None: go on).
    Counted before quotas and fault rules: a dead session is refused before anything else looks at it."""
    session = SESSIONS.get(ctx.access_key)
    with _LOCK:
        expired = _count_down(EXPIRE_AFTER, EXPIRED, ctx.access_key)
        was_suspended = ctx.account in SUSPENDED
        suspended = _count_down(SUSPEND_AFTER, SUSPENDED, ctx.account)
    if suspended and not was_suspended:
        from common import STATE_LOCK

        with STATE_LOCK:
            _mark_suspended_in_org(ctx.account)
    if expired or (session is not None and session.expires <= _now()):
        return expired_token_error(ctx)
    if suspended:
        return invalid_token_error(ctx)
    return None


def _mark_suspended_in_org(account: str) -> None:
    """ListAccounts shows a suspended member as SUSPENDED (moto's CloseAccount state)."""
    from moto.organizations.models import organizations_backends

    owner = organizations_backends.master_accounts.get(account)
    if owner is None:
        return
    backend = organizations_backends[owner[0]][owner[1]]
    for acct in backend.accounts:
        if acct.id == account:
            acct.status = acct.state = "SUSPENDED"


def expired_token_error(ctx: Ctx) -> AwsError:
    msg = "The security token included in the request is expired"
    if ctx.service in ("iam", "sts", "sns") or ctx.protocol == "query":
        return AwsError("ExpiredToken", msg, 403)
    if ctx.service == "ec2":
        return AwsError("RequestExpired", "Request has expired.", 400)
    return AwsError("ExpiredTokenException", msg, 403, query_code="ExpiredToken")


def invalid_token_error(ctx: Ctx) -> AwsError:
    """What calls with a suspended account's credentials get: its sessions are no longer valid."""
    msg = "The security token included in the request is invalid."
    if ctx.service in ("iam", "sts", "sns") or ctx.protocol == "query":
        return AwsError("InvalidClientTokenId", msg, 403)
    if ctx.service == "ec2":
        return AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
    return AwsError("UnrecognizedClientException", msg, 403, query_code="InvalidClientTokenId")


# --- STS -----------------------------------------------------------------------------------------------------------
def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def caller_principal(ctx: Ctx) -> tuple[str, str]:
    """(principal ARN a trust policy names, the caller ARN AWS prints in its messages) of this request's caller."""
    session = SESSIONS.get(ctx.access_key)
    if session is not None:
        return session.role_arn, session.arn
    return f"arn:aws:iam::{ctx.account}:user/moto", f"arn:aws:sts::{ctx.account}:user/moto"


def _values(v) -> list:
    return v if isinstance(v, list) else [v]


def _principal_matches(entry: str, account: str, principal: str, caller_arn: str) -> bool:
    if entry == "*":
        return True
    if re.fullmatch(r"\d{12}", entry):
        return entry == account
    m = re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):root", entry)
    if m:
        return m.group(1) == account
    return entry in (principal, caller_arn)


def _condition_holds(operator: str, key_values: dict, condition: dict) -> bool:
    """One condition operator's block: every key must hold (the values of a key are alternatives)."""
    if_exists = operator.endswith("IfExists")
    op = operator[:-len("IfExists")] if if_exists else operator
    for key, wanted in condition.items():
        actual = key_values.get(key.lower())
        if actual is None:
            if if_exists or op.startswith(("StringNot", "ArnNot")):
                continue
            return False
        wanted = [str(w) for w in _values(wanted)]
        if op in ("StringEquals", "ArnEquals"):
            ok = actual in wanted
        elif op == "StringEqualsIgnoreCase":
            ok = actual.lower() in (w.lower() for w in wanted)
        elif op in ("StringLike", "ArnLike"):
            ok = any(fnmatch.fnmatchcase(actual, w) for w in wanted)
        elif op in ("StringNotEquals", "ArnNotEquals"):
            ok = actual not in wanted
        elif op in ("StringNotLike", "ArnNotLike"):
            ok = not any(fnmatch.fnmatchcase(actual, w) for w in wanted)
        else:
            return False  # an operator we do not evaluate never grants
        if not ok:
            return False
    return True


def _statement_applies(stmt: dict, account: str, principal: str, caller_arn: str, key_values: dict) -> bool:
    actions = [a.lower() for a in _values(stmt.get("Action", []))]
    if not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in actions):
        return False
    p = stmt.get("Principal")
    if p == "*":
        named = ["*"]
    elif isinstance(p, dict):
        named = [str(x) for x in _values(p.get("AWS", []))]
    else:
        return False  # NotPrincipal or no principal: never matches here
    if not any(_principal_matches(n, account, principal, caller_arn) for n in named):
        return False
    cond = stmt.get("Condition") or {}
    return all(isinstance(block, dict) and _condition_holds(op, key_values, block) for op, block in cond.items())


def trusts(document: str, account: str, principal: str, caller_arn: str, key_values: dict) -> bool:
    """Does the role's trust policy let this caller assume it? An explicit Deny wins over any Allow."""
    try:
        doc = json.loads(document)
    except ValueError:
        try:
            doc = json.loads(unquote(document))
        except ValueError:
            return False
    statements = [s for s in _values(doc.get("Statement", [])) if isinstance(s, dict)]
    applies = [s for s in statements if _statement_applies(s, account, principal, caller_arn, key_values)]
    return any(s.get("Effect") == "Allow" for s in applies) and not any(s.get("Effect") == "Deny" for s in applies)


def _org_of(account: str) -> str | None:
    from moto.organizations.models import organizations_backends

    owner = organizations_backends.master_accounts.get(account)
    master = owner[0] if owner else account
    if master not in organizations_backends:
        return None
    backend = organizations_backends[master]["aws"]
    return backend.org.id if backend.org is not None else None


def _validation(msg: str) -> AwsError:
    return AwsError("ValidationError", msg, 400)


def assume_role(ctx: Ctx) -> Reply:
    from moto.iam.models import iam_backends

    form = ctx.form()
    role_arn = (form.get("RoleArn") or [""])[0]
    session_name = (form.get("RoleSessionName") or [""])[0]
    external_id = (form.get("ExternalId") or [None])[0]
    duration = int((form.get("DurationSeconds") or ["3600"])[0])
    if not SESSION_NAME_RE.match(session_name):
        raise _validation(f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy "
                          "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length "
                          "between 2 and 64")
    if not 900 <= duration <= 43200:
        raise _validation(f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
                          "constraint: Member must have value between 900 and 43200")
    m = ROLE_ARN_RE.match(role_arn)
    if m is None:
        raise _validation(f"{role_arn} is invalid")
    target, role_name = m.group(2), m.group(3)
    principal, caller_arn = caller_principal(ctx)
    denied = AwsError("AccessDenied", f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: "
                                      f"{role_arn}", 403)
    if target in SUSPENDED or target not in iam_backends:
        raise denied
    role = next((r for r in iam_backends[target]["aws"].roles.values() if r.name == role_name), None)
    if role is None:
        raise denied
    keys = {"sts:externalid": external_id, "aws:principalaccount": ctx.account, "aws:principalarn": principal,
            "sts:rolesessionname": session_name, "aws:principalorgid": _org_of(ctx.account)}
    if not trusts(role.assume_role_policy_document, ctx.account, principal, caller_arn,
                  {k: v for k, v in keys.items() if v is not None}):
        raise denied
    key = "ASIA" + rand_token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    session = Session(target, role.arn, role.id, session_name, _now() + dt.timedelta(seconds=duration))
    with _LOCK:
        SESSIONS[key] = session
        SESSION_ACCOUNTS[key] = target
    secret, token = rand_token(40), "FwoGZXIvYXdzE" + rand_token(120)
    expires = session.expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _sts_reply("AssumeRole", f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}"
                                    f"</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{expires}"
                                    f"</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>{session.role_id}:"
                                    f"{xml_escape(session_name)}</AssumedRoleId><Arn>{xml_escape(session.arn)}</Arn>"
                                    "</AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>", ctx)


def get_caller_identity(ctx: Ctx) -> Reply | None:
    session = SESSIONS.get(ctx.access_key)
    if session is None:
        return None  # moto answers for keys it knows or that name an account
    return _sts_reply("GetCallerIdentity", f"<UserId>{session.role_id}:{xml_escape(session.session_name)}</UserId>"
                                           f"<Account>{session.account}</Account><Arn>{xml_escape(session.arn)}</Arn>",
                      ctx)


def _sts_reply(op: str, result: str, ctx: Ctx) -> Reply:
    body = (f'<{op}Response xmlns="{STS_NS}"><{op}Result>{result}</{op}Result><ResponseMetadata><RequestId>'
            f"{ctx.request_id}</RequestId></ResponseMetadata></{op}Response>")
    return Reply(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", ctx.request_id)], body.encode())


# --- Organizations -------------------------------------------------------------------------------------------------
def list_accounts(ctx: Ctx) -> Reply:
    """ListAccounts from the management account or a delegated administrator: at most 20 a page (the model's
    MaxResults range), in the order the accounts joined, with an opaque NextToken."""
    from moto.organizations.models import organizations_backends

    owner = organizations_backends.master_accounts.get(ctx.account)
    master = owner[0] if owner else ctx.account
    backend = organizations_backends[master]["aws"] if master in organizations_backends else None
    if backend is None or backend.org is None:
        raise AwsError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.", 400)
    if ctx.account != master and not any(a.account.id == ctx.account for a in backend.admins):
        raise AwsError("AccessDeniedException", "You don't have permissions to access this resource.", 400)
    body = ctx.json_body()
    limit = body.get("MaxResults", LIST_ACCOUNTS_MAX)
    if not isinstance(limit, int) or not 1 <= limit <= LIST_ACCOUNTS_MAX:
        raise AwsError("InvalidInputException", "You provided a value that does not match the required pattern.",
                       400, extra={"Reason": "INVALID_INPUT"})
    start = 0
    if body.get("NextToken"):
        try:
            start = int(json.loads(base64.b64decode(body["NextToken"]))["start"])
        except (ValueError, KeyError, TypeError):
            raise AwsError("InvalidInputException", "The NextToken is not valid.", 400,
                           extra={"Reason": "INVALID_NEXT_TOKEN"})
    page = backend.accounts[start:start + limit]
    out = {"Accounts": [a.describe() for a in page]}
    if start + limit < len(backend.accounts):
        out["NextToken"] = base64.b64encode(json.dumps({"start": start + limit}).encode()).decode()
    return json_reply(out, ctx=ctx)


STS_HANDLERS = {"AssumeRole": assume_role, "GetCallerIdentity": get_caller_identity}
ORGANIZATIONS_HANDLERS = {"ListAccounts": list_accounts}

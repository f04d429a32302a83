"""Fake credentials generated at seed time from a seeded RNG.

Nothing secret-looking is written in the repository: every prefix that secret scanners key on is
assembled from fragments here, and every body comes from `random.Random(seed)`. The values look
like the real thing to a detector (right prefix, alphabet, length, checksum-free) but grant nothing.
"""

import base64
import json
import random
import string

UPPER_DIGITS = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits
B64 = string.ascii_letters + string.digits + "+/"

# Rule kinds, as reported in the manifest (never the values).
KINDS = (
    "aws-access-key-id",
    "aws-secret-access-key",
    "private-key",
    "jwt",
    "github-token",
    "slack-token",
    "stripe-key",
    "url-password",
    "high-entropy",
)


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SecretFactory:
    """One RNG per purpose name, so adding a secret never changes the others."""

    def __init__(self, seed: int):
        self.seed = seed

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{purpose}")

    def make(self, kind: str, purpose: str) -> str:
        rng = self.rng(purpose)
        if kind == "aws-access-key-id":
            return "AK" + "IA" + _pick(rng, UPPER_DIGITS, 16)
        if kind == "aws-secret-access-key":
            return _pick(rng, B64, 40)
        if kind == "private-key":
            body = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(270))).decode()
            lines = [body[i : i + 64] for i in range(0, len(body), 64)]
            label = "RSA " + "PRIV" + "ATE KEY"
            return "\n".join(["-----BEGIN " + label + "-----", *lines, "-----END " + label + "-----"])
        if kind == "jwt":
            header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
            payload = _b64url(
                json.dumps(
                    {"sub": f"svc-{_pick(rng, string.digits, 6)}", "iss": "auth.acme.example", "iat": 1700000000 + rng.randrange(10**7)},
                    separators=(",", ":"),
                ).encode()
            )
            sig = _b64url(bytes(rng.getrandbits(8) for _ in range(32)))
            return f"{header}.{payload}.{sig}"
        if kind == "github-token":
            return "gh" + "p_" + _pick(rng, ALNUM, 36)
        if kind == "slack-token":
            return "xo" + "xb-" + _pick(rng, string.digits, 12) + "-" + _pick(rng, string.digits, 13) + "-" + _pick(rng, ALNUM, 24)
        if kind == "stripe-key":
            return "sk" + "_li" + "ve_" + _pick(rng, ALNUM, 24)
        if kind == "url-password":
            user = rng.choice(["app", "migrator", "reporting", "svc_orders"])
            pw = _pick(rng, ALNUM, 20)
            host = rng.choice(["orders-db.cluster-c9akq2xyz.us-east-1.rds.amazonaws.com", "pg-main.internal.acme.example"])
            return "post" + "gres://" + f"{user}:{pw}@{host}:5432/orders"
        if kind == "high-entropy":
            return _pick(rng, B64, 44)
        raise ValueError(f"unknown secret kind {kind}")

    def weak_password(self, purpose: str) -> str:
        """A short, low-entropy human password: a literal under a secret name, not a detectable credential."""
        rng = self.rng(purpose)
        return rng.choice(["Summer", "Winter", "Autumn", "Spring"]) + str(rng.randrange(2017, 2024)) + rng.choice("!#")

    def uuid(self, purpose: str) -> str:
        rng = self.rng(purpose)
        h = "%032x" % rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def hexdigest(self, purpose: str, n: int = 40) -> str:
        return _pick(self.rng(purpose), "0123456789abcdef", n)

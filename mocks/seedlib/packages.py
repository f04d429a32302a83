"""Small, real, byte-for-byte deterministic deployment packages (zip files built in memory).

A package is a list of files; a file may hold a planted secret (recorded as `(path, kind)` so the
manifest can say where `--scan-code` must find something) or a decoy that must not be reported.
Nested archives are named `outer.zip!inner/path` in the records.
"""

import io
import json
import zipfile

from .fakesecrets import SecretFactory

_FIXED_DATE = (2024, 1, 2, 3, 4, 6)


def zip_bytes(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_FIXED_DATE)
            info.external_attr = (0o755 if path.endswith(("bootstrap", "main")) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = files[path]
            zf.writestr(info, data if isinstance(data, bytes) else data.encode())
    return buf.getvalue()


PY_HANDLER = '''import json
import os


def handler(event, context):
    """{doc}"""
    table = os.environ.get("TABLE_NAME", "")
    return {{"statusCode": 200, "body": json.dumps({{"ok": True, "table": table}})}}
'''

NODE_HANDLER = """// {doc}
export const handler = async (event) => {{
  const records = event.Records ?? [];
  return {{ statusCode: 200, body: JSON.stringify({{ processed: records.length }}) }};
}};
"""

CJS_HANDLER = """// {doc}
const uploader = require('@acme/uploader');
exports.handler = async (event) => {{
  const url = await uploader.presign(event.key);
  return {{ statusCode: 200, body: JSON.stringify({{ url }}) }};
}};
"""

RUBY_HANDLER = """# {doc}
require 'json'

def handler(event:, context:)
  {{ statusCode: 200, body: JSON.generate(ok: true) }}
end
"""

JAVA_README = "Built with Gradle; the handler is com.acme.invoices.Handler::handleRequest ({doc}).\n"


def build_package(kind: str, doc: str, secrets: SecretFactory, purpose: str):
    """Returns (zip bytes, [(path, secret kind)], handler, [decoy paths])."""
    planted = []
    decoys = []
    files = {}
    if kind == "python-clean":
        files["app.py"] = PY_HANDLER.format(doc=doc)
        files["requirements.txt"] = "boto3==1.35.0\naws-lambda-powertools==3.2.0\n"
        files["config/example.env"] = (
            "# copy to .env for local runs; real values live in Secrets Manager\n"
            "DB_PASSWORD=changeme\nAPI_TOKEN=${API_TOKEN}\nTABLE_NAME=orders-local\n"
        )
        decoys.append("config/example.env")
        return zip_bytes(files), planted, "app.handler", decoys
    if kind == "node-clean":
        files["index.mjs"] = NODE_HANDLER.format(doc=doc)
        files["package.json"] = json.dumps({"name": purpose, "version": "1.4.2", "type": "module"}, indent=2)
        return zip_bytes(files), planted, "index.handler", decoys
    if kind == "ruby-clean":
        files["lambda_function.rb"] = RUBY_HANDLER.format(doc=doc)
        files["Gemfile"] = "source 'https://rubygems.org'\ngem 'aws-sdk-s3'\n"
        return zip_bytes(files), planted, "lambda_function.handler", decoys
    if kind == "java-clean":
        files["README.txt"] = JAVA_README.format(doc=doc)
        files["com/acme/invoices/Handler.class"] = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + doc.encode()
        return zip_bytes(files), planted, "com.acme.invoices.Handler::handleRequest", decoys
    if kind == "go-clean":
        files["main"] = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + f"go build: {doc}".encode()
        return zip_bytes(files), planted, "main", decoys
    if kind == "rust-clean":
        files["bootstrap"] = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + f"cargo lambda build: {doc}".encode()
        return zip_bytes(files), planted, "bootstrap", decoys
    if kind == "python-hardcoded-source":
        key_id = secrets.make("aws-access-key-id", purpose + ":src-key-id")
        key = secrets.make("aws-secret-access-key", purpose + ":src-key")
        files["report.py"] = (
            "import boto3\n\n"
            "# TODO(2019): move to the role, this was the quickest way to get the report out\n"
            f'ACCESS_KEY = "{key_id}"\n'
            f'SECRET_KEY = "{key}"\n\n\n'
            "def handler(event, context):\n"
            "    s3 = boto3.client('s3', aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)\n"
            "    return s3.list_objects_v2(Bucket='acme-reports-2019')['KeyCount']\n"
        )
        planted += [("report.py", "aws-access-key-id"), ("report.py", "aws-secret-access-key")]
        return zip_bytes(files), planted, "report.handler", decoys
    if kind == "node-dotenv":
        files["index.mjs"] = NODE_HANDLER.format(doc=doc)
        files["package.json"] = json.dumps({"name": purpose, "version": "3.0.1", "type": "module"}, indent=2)
        files[".env"] = (
            f"STRIPE_SECRET_KEY={secrets.make('stripe-key', purpose + ':dotenv-stripe')}\n"
            f"DATABASE_URL={secrets.make('url-password', purpose + ':dotenv-db')}\n"
            "LOG_LEVEL=info\n"
        )
        planted += [(".env", "stripe-key"), (".env", "url-password")]
        return zip_bytes(files), planted, "index.handler", decoys
    if kind == "python-config-file":
        files["app.py"] = PY_HANDLER.format(doc=doc)
        key = secrets.make("private-key", purpose + ":cfg-key")
        files["config/saml.yaml"] = (
            "idp_metadata_url: https://idp.acme.example/metadata\n"
            "entity_id: urn:acme:sso-bridge\n"
            "signing_key: |\n" + "".join(f"  {line}\n" for line in key.splitlines())
        )
        planted.append(("config/saml.yaml", "private-key"))
        return zip_bytes(files), planted, "app.handler", decoys
    if kind == "python-nested-zip":
        files["app.py"] = PY_HANDLER.format(doc=doc)
        inner = zip_bytes(
            {
                "partner_sdk/__init__.py": "from .client import Client\n",
                "partner_sdk/client.py": "class Client:\n    pass\n",
                "credentials.json": json.dumps(
                    {"github_deploy_token": secrets.make("github-token", purpose + ":nested-gh"), "registry": "https://npm.partner.example"},
                    indent=2,
                ),
            }
        )
        files["vendor/partner-sdk.zip"] = inner
        planted.append(("vendor/partner-sdk.zip!credentials.json", "github-token"))
        return zip_bytes(files), planted, "app.handler", decoys
    if kind == "node-vendored":
        files["index.js"] = CJS_HANDLER.format(doc=doc)
        files["package.json"] = json.dumps({"name": purpose, "version": "0.9.0", "dependencies": {"@acme/uploader": "file:vendor"}}, indent=2)
        files["node_modules/@acme/uploader/package.json"] = json.dumps({"name": "@acme/uploader", "version": "0.3.1", "main": "index.js"})
        files["node_modules/@acme/uploader/index.js"] = "const cfg = require('./config');\nexports.presign = async (key) => `${cfg.cdn}/${key}`;\n"
        files["node_modules/@acme/uploader/config.js"] = (
            "module.exports = {\n"
            "  cdn: 'https://cdn.acme.example',\n"
            f"  slackToken: '{secrets.make('slack-token', purpose + ':vendored-slack')}',\n"
            "};\n"
        )
        planted.append(("node_modules/@acme/uploader/config.js", "slack-token"))
        return zip_bytes(files), planted, "index.handler", decoys
    raise ValueError(f"unknown package kind {kind}")


def build_layer(kind: str, secrets: SecretFactory, purpose: str):
    """Returns (zip bytes, [(path, secret kind)])."""
    if kind == "observability":
        return zip_bytes({"python/acme_obs/__init__.py": "def metric(name, value):\n    print(name, value)\n"}), []
    if kind == "legacy-utils":
        files = {
            "python/acme_utils/__init__.py": "from .settings import *\n",
            "python/acme_utils/settings.py": (
                "# shared settings for the finance jobs (2021)\n"
                f"SLACK_ALERTS_TOKEN = '{secrets.make('slack-token', purpose + ':layer-slack')}'\n"
                "ALERT_CHANNEL = '#finance-alerts'\n"
            ),
        }
        return zip_bytes(files), [("python/acme_utils/settings.py", "slack-token")]
    if kind == "imagemagick":
        return zip_bytes({"bin/README": "ImageMagick 7 static build for Lambda (community layer).\n", "bin/magick": b"\x7fELF\x02\x01\x01\x00"}), []
    if kind == "insights":
        return zip_bytes({"extensions/cloudwatch_lambda_agent": b"\x7fELF\x02\x01\x01\x00lambda-insights"}), []
    raise ValueError(f"unknown layer kind {kind}")

"""Exit 1 when any environment variable value of the emulated account appears in a file (an inventory, a report).

    mocks/.venv/bin/python tests/support/env_values_absent.py ENDPOINT REGION[,REGION...] FILE...

Reads every function's variables with boto3 and prints only `region/function:VARIABLE` of the values found,
never a value. Values shorter than 8 characters, ARNs, and values the account names elsewhere (a table or bucket
name inside an IAM or function policy, which the inventory rightly holds) are skipped: finding them proves nothing.
"""
import json
import sys

import boto3


def main() -> int:
    endpoint, regions, files = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    texts = [open(f, encoding="utf-8").read() for f in files]
    leaked, checked = [], 0
    references = [iam_documents(endpoint)]
    functions = []
    for region in regions:
        lam = boto3.client("lambda", region_name=region, endpoint_url=endpoint,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                references.append(function_policy(lam, fn["FunctionName"]))
                functions.append((region, fn))
    references = "\n".join(references)
    for region, fn in functions:
        for name, value in (fn.get("Environment") or {}).get("Variables", {}).items():
            if len(value) < 8 or value.startswith("arn:") or value in references:
                continue
            checked += 1
            if any(value in t for t in texts):
                leaked.append(f"{region}/{fn['FunctionName']}:{name}")
    print(f"checked {checked} values")
    for item in leaked:
        print(f"value of {item} found")
    return 1 if leaked or checked == 0 else 0


def function_policy(lam, name: str) -> str:
    """The function's resource policy (a trigger's SourceArn names its bucket), or "" when it has none."""
    try:
        return lam.get_policy(FunctionName=name)["Policy"]
    except lam.exceptions.ResourceNotFoundException:
        return ""


def iam_documents(endpoint: str) -> str:
    """Every trust, inline and managed policy document of the account, as one text."""
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    details = []
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        details.append(page.get("RoleDetailList", []))
        details.append(page.get("Policies", []))
    return json.dumps(details, default=str)


if __name__ == "__main__":
    sys.exit(main())

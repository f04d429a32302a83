"""Exit 1 when any environment variable value of the emulated account appears in a file (an inventory, a report).

    mocks/.venv/bin/python tests/common/env_values_absent.py ENDPOINT REGION[,REGION...] FILE...

Reads every function's variables with boto3 and prints only `region/function:VARIABLE` of the values found,
never a value. Values shorter than 8 characters or that are ARNs/names also present as references are skipped:
they could match unrelated text (a table name, a flag).
"""
import sys

import boto3


def main() -> int:
    endpoint, regions, files = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    texts = [open(f, encoding="utf-8").read() for f in files]
    leaked, checked = [], 0
    for region in regions:
        lam = boto3.client("lambda", region_name=region, endpoint_url=endpoint,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                for name, value in (fn.get("Environment") or {}).get("Variables", {}).items():
                    if len(value) < 8 or value.startswith("arn:"):
                        continue
                    checked += 1
                    if any(value in t for t in texts):
                        leaked.append(f"{region}/{fn['FunctionName']}:{name}")
    print(f"checked {checked} values")
    for item in leaked:
        print(f"value of {item} found")
    return 1 if leaked or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

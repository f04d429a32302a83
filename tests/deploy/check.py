"""Offline validation of the deployment files in docs/deploy, run by tests/deploy_files.rs with mocks/.venv's python.

    check.py role TEMPLATE [NAME=VALUE]...  the member role's properties with the parameters resolved, as JSON
    check.py cfn-lint TEMPLATE             cfn-lint, informational rules included; any message fails
    check.py k8s MANIFEST                  every document against the Kubernetes API schema (strict: an unknown
                                           field fails) of the oldest and newest supported version, and the scan
                                           Job's completions against the N of its --shard
    check.py batch FILE                    the three requests against AWS Batch's API model (botocore: names,
                                           types, required members, enum values), and the array size against N
    check.py commands MANIFEST BATCH [DOC]...  the lambda-posture argument vectors both files run (and the
                                           documents' command lines), as JSON

Exit 0 when valid; otherwise 1 with one line per problem on stderr.
"""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

# Kubernetes versions the manifest must be valid for: backoffLimitPerIndex and podFailurePolicy's FailIndex are on by
# default from 1.29 (beta) and GA in 1.33; the newest is the one kubernetes-validate ships last.
K8S_VERSIONS = ("1.30.0", "latest")
SHARD = re.compile(r"^(?P<index>.+)/(?P<count>[0-9]+)$")


def fail(problems):
    """Exit: 1 after printing the problems, 0 when there are none."""
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


# ---- CloudFormation ------------------------------------------------------------------------------------------------


def resolve(node, params):
    """The value of a template fragment with its parameters and pseudo parameters given (the intrinsic functions
    the member role uses; any other is an error, so nothing is resolved silently wrong)."""
    if isinstance(node, list):
        return [resolve(item, params) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, arg), = node.items()
        if key == "Ref":
            return params[arg]
        if key == "Fn::Sub":
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], params))
            return re.sub(r"\$\{([^}]+)\}", lambda m: str({**params, **names}[m.group(1)]), text)
        if key == "Fn::Select":
            index, items = resolve(arg, params)
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = resolve(arg, params)
            return text.split(separator)
        if key == "Fn::If":
            condition, then, otherwise = arg
            return resolve(then if params["Conditions"][condition] else otherwise, params)
        if key == "Fn::Equals":
            left, right = resolve(arg, params)
            return left == right
        if key == "Fn::Not":
            return not resolve(arg[0], params)
        if key.startswith("Fn::") or key == "Condition":
            raise SystemExit(f"check.py: {key} is not resolved here; teach resolve() it")
    return {key: resolve(value, params) for key, value in node.items()}


def role(template_path, assignments):
    from cfnlint.decode import decode

    template, problems = decode(template_path)
    if problems:
        fail([f"{template_path}: {p}" for p in problems])
    params = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    params.update(a.split("=", 1) for a in assignments)
    missing = sorted(name for name, value in params.items() if value is None)
    if missing:
        fail([f"{template_path}: parameters without a default need NAME=VALUE: {missing}"])
    refused = [  # what CloudFormation refuses before creating anything
        f"{template_path}: {name}={params[name]!r} does not match its AllowedPattern"
        for name, spec in template["Parameters"].items()
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], params[name])
    ]
    if refused:
        fail(refused)
    params["AWS::Partition"] = "aws"
    params["Conditions"] = {}
    for name, condition in template.get("Conditions", {}).items():
        params["Conditions"][name] = resolve(condition, params)
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    if len(roles) != 1:
        fail([f"{template_path}: {len(roles)} AWS::IAM::Role resources, expected exactly one"])
    others = sorted({r["Type"] for r in template["Resources"].values()} - {"AWS::IAM::Role"})
    if others:
        fail([f"{template_path}: resources other than the role: {others}"])
    print(json.dumps(resolve(roles[0]["Properties"], params), indent=1, sort_keys=True))


def cfn_lint(template_path):
    lint = Path(sys.executable).parent / "cfn-lint"
    run = subprocess.run(
        [str(lint), "--include-checks", "I", "--non-zero-exit-code", "informational", "--", template_path],
        capture_output=True,
        text=True,
    )
    output = (run.stdout + run.stderr).strip()
    fail([f"cfn-lint {template_path}: exit {run.returncode}: {output}"] if run.returncode or output else [])


# ---- Kubernetes ----------------------------------------------------------------------------------------------------


def documents(manifest_path):
    with open(manifest_path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def k8s(manifest_path):
    import kubernetes_validate

    problems = []
    docs = documents(manifest_path)
    for version in K8S_VERSIONS:
        version = kubernetes_validate.latest_version() if version == "latest" else version
        for doc in docs:
            where = f"{manifest_path}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')} (Kubernetes {version})"
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                problems.append(f"{where}: {'.'.join(map(str, e.path))}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError as e:
                problems.append(f"{where}: no schema: {e}")
    for job in (d for d in docs if d.get("kind") == "Job" and d["spec"].get("completionMode") == "Indexed"):
        spec = job["spec"]
        for container in spec["template"]["spec"]["containers"]:
            count = shard_count(container.get("args", []))
            if count is None:
                problems.append(f"{manifest_path}: Indexed Job {job['metadata']['name']}: no --shard INDEX/N")
            elif count != spec["completions"]:
                problems.append(
                    f"{manifest_path}: Indexed Job {job['metadata']['name']}: completions {spec['completions']} "
                    f"but --shard .../{count}"
                )
            if spec.get("parallelism", 1) > spec["completions"]:
                problems.append(f"{manifest_path}: parallelism above completions")
    fail(problems)


def shard_count(argv):
    """N of the `--shard INDEX/N` in an argument vector, or None."""
    for flag, value in zip(argv, argv[1:]):
        if flag == "--shard" and (m := SHARD.match(value)):
            return int(m.group("count"))
    return None


# ---- AWS Batch -----------------------------------------------------------------------------------------------------

BATCH_REQUESTS = {
    "registerJobDefinition": "RegisterJobDefinition",
    "submitScanJob": "SubmitJob",
    "submitMergeJob": "SubmitJob",
}


def enum_problems(value, shape, path):
    """Enum values botocore's validator leaves to the service."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [
            p
            for name, member in value.items()
            if name in shape.members
            for p in enum_problems(member, shape.members[name], f"{path}.{name}")
        ]
    if shape.type_name == "list" and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in enum_problems(item, shape.member, f"{path}[{i}]")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [p for k, v in value.items() for p in enum_problems(v, shape.value, f"{path}.{k}")]
    allowed = getattr(shape, "enum", None)  # string shapes only
    if allowed and value not in allowed:
        return [f"{path}: {value!r} is not one of {allowed}"]
    return []


def batch(path):
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    model = botocore.session.get_session().get_service_model("batch")
    with open(path) as f:
        requests = json.load(f)
    problems = []
    if set(requests) != set(BATCH_REQUESTS):
        problems.append(f"{path}: top-level keys {sorted(requests)}, expected {sorted(BATCH_REQUESTS)}")
    for key, operation in BATCH_REQUESTS.items():
        if key not in requests:
            continue
        shape = model.operation_model(operation).input_shape
        try:
            validate_parameters(requests[key], shape)
        except ParamValidationError as e:
            problems.append(f"{path}: {key} ({operation}): {' '.join(str(e).split())}")
        problems += [f"{path}: {p}" for p in enum_problems(requests[key], shape, key)]
    if not problems:
        scan = requests["submitScanJob"]
        argv = batch_argv(requests["registerJobDefinition"], scan)
        count = shard_count(argv)
        size = scan.get("arrayProperties", {}).get("size")
        if count is None or count != size:
            problems.append(f"{path}: submitScanJob: array size {size} but --shard {count}")
        if "$AWS_BATCH_JOB_ARRAY_INDEX/" not in " ".join(argv):
            problems.append(f"{path}: the scan's --shard does not take its index from $AWS_BATCH_JOB_ARRAY_INDEX")
        if not requests["submitMergeJob"].get("dependsOn"):
            problems.append(f"{path}: submitMergeJob does not depend on the scan")
    fail(problems)


def batch_argv(definition, submission):
    """The arguments a job runs: the definition's command (or the submission's override) with its Ref:: parameters
    replaced by the submission's values, else the definition's defaults (what Batch does)."""
    params = {**definition.get("parameters", {}), **submission.get("parameters", {})}
    command = submission.get("containerOverrides", {}).get("command", definition["containerProperties"]["command"])
    return [params[arg[5:]] if arg.startswith("Ref::") else arg for arg in command]


# ---- the command lines ---------------------------------------------------------------------------------------------


def commands(manifest_path, batch_path, *doc_paths):
    """Every lambda-posture argument vector: the image's entrypoint is lambda-posture, so a container's args are
    one, and a `sh -c` script's `lambda-posture ...` commands are others; so is every documentation line that starts
    with `lambda-posture `."""
    vectors = []
    for doc in documents(manifest_path):
        if doc.get("kind") != "Job":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            command = container.get("command")
            if command is None:
                vectors.append(container["args"])
            elif command[:2] == ["sh", "-c"]:
                for line in re.split(r"[;&|\n]+", command[2]):
                    words = shlex.split(line)
                    if words and words[0] == "lambda-posture":
                        vectors.append(words[1:])
    with open(batch_path) as f:
        requests = json.load(f)
    definition = requests["registerJobDefinition"]
    vectors += [batch_argv(definition, requests[key]) for key in ("submitScanJob", "submitMergeJob")]
    for doc_path in doc_paths:  # the documentation's command lines: `    lambda-posture ...  # comment`
        with open(doc_path) as f:
            for line in f:
                words = shlex.split(line, comments=True) if line.lstrip().startswith("lambda-posture ") else []
                if words:
                    vectors.append(words[1:])
    print(json.dumps(vectors))


def main(argv):
    commands_by_name = {
        "role": lambda: role(argv[2], argv[3:]),
        "cfn-lint": lambda: cfn_lint(argv[2]),
        "k8s": lambda: k8s(argv[2]),
        "batch": lambda: batch(argv[2]),
        "commands": lambda: commands(*argv[2:]),
    }
    if len(argv) < 3 or argv[1] not in commands_by_name:
        raise SystemExit(__doc__)
    commands_by_name[argv[1]]()


if __name__ == "__main__":
    main(sys.argv)

//! Live: the roles an execution role may pass by exact ARN are collected (one level deep), so role-privilege-escalation
//! judges them; a named role that does not exist is left out of the inventory.

mod support;

use serde_json::Value;

use support::emulator;

const ACCOUNT: &str = "123456789012";

/// Plants `fn-role` (runs `passer`; PassRole of `deployer` and `ghost` by ARN, of `ci-*` by wildcard, plus
/// lambda:CreateFunction and lambda:InvokeFunction), `deployer` (AdministratorAccess, passes `second-level` by ARN),
/// `second-level` and `ci-builder`.
const SEED: &str = r#"
def role(name, statements):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    return arn
acct = "arn:aws:iam::123456789012:role/"
role("second-level", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
role("ci-builder", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
role("deployer", [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": acct + "second-level"}])
iam.attach_role_policy(RoleName="deployer", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
fn_role = role("fn-role", [
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [acct + "deployer", acct + "ghost", acct + "ci-*"]},
    {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}])
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(event, context):\n    return 1\n")
lam.create_function(FunctionName="passer", Runtime="python3.12", Role=fn_role, Handler="index.handler",
    Code={"ZipFile": buf.getvalue()})
"#;

#[test]
fn named_pass_role_targets_are_collected_one_level_deep() {
    let emulator = emulator::Emulator::start(&[]);
    emulator.seed_boto3(SEED);
    let scan = emulator.scan(&["--regions", emulator::REGION]);
    let account = &scan.inventory.accounts[0];
    let arn = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    let roles: Vec<&String> = account.roles.keys().collect();
    assert_eq!(
        roles,
        [&arn("deployer"), &arn("fn-role")],
        "the execution role and the role it passes by ARN; not the wildcard's, the missing one's or the second level"
    );
    let deployer = &account.roles[&arn("deployer")];
    assert_eq!(deployer.attached_policies.len(), 1);
    assert!(deployer.attached_policies[0].document.is_some());
    assert!(account.gaps.is_empty(), "{:?}", account.gaps);
    let report = support::read_json(&scan.dir.path().join("report.json"));
    let escalation: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == "role-privilege-escalation")
        .collect();
    assert_eq!(escalation.len(), 1, "{escalation:?}");
    assert!(
        escalation[0].to_string().contains("role deployer"),
        "the path runs as the passed admin role: {}",
        escalation[0]
    );
}

//! The known privilege-escalation paths of AWS IAM, from Rhino Security Labs' "AWS IAM Privilege Escalation –
//! Methods and Mitigation" (the 21 methods), Cloudsplaining's `PrivilegeEscalation` list and pacu's
//! `iam__privesc_scan`, plus the execution-role specifics (updating another function's code).

/// What the escalation needs besides plain actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The action on any resource it is granted on (modifying any policy, user or group is an escalation).
    Any,
    /// The action on resources beyond a few named ones: `*` or a pattern with a wildcard (assume any role).
    Broad,
    /// `lambda:UpdateFunctionCode`-style: on a function other than this one and not sharing its role.
    OtherFunction,
}

/// One escalation path: every action must be effectively allowed (and `iam:PassRole` to `pass_to`, if set).
pub struct Path {
    /// Stable id, used as the finding discriminator.
    pub id: &'static str,
    /// What an attacker does, for the message.
    pub summary: &'static str,
    pub actions: &'static [(&'static str, Reach)],
    /// Service principal the role must be able to pass a role to (`iam:PassRole` on a broad resource, honouring
    /// `iam:PassedToService`).
    pub pass_to: Option<&'static str>,
    /// Where the path is documented.
    pub source: &'static str,
}

const RHINO: &str = "Rhino Security Labs, AWS IAM privilege escalation methods";
const CLOUDSPLAINING: &str = "Cloudsplaining PrivilegeEscalation";
const PACU: &str = "pacu iam__privesc_scan";

use Reach::{Any, Broad, OtherFunction};

pub const PATHS: &[Path] = &[
    Path { id: "iam-create-policy-version", summary: "create a new default version of a managed policy with any permissions", actions: &[("iam:CreatePolicyVersion", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-set-default-policy-version", summary: "switch a managed policy to a more permissive existing version", actions: &[("iam:SetDefaultPolicyVersion", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-create-access-key", summary: "create access keys for another IAM user", actions: &[("iam:CreateAccessKey", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-create-login-profile", summary: "set a console password for an IAM user that has none", actions: &[("iam:CreateLoginProfile", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-update-login-profile", summary: "change the console password of an IAM user", actions: &[("iam:UpdateLoginProfile", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-user-policy", summary: "attach any managed policy (AdministratorAccess) to a user", actions: &[("iam:AttachUserPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-group-policy", summary: "attach any managed policy to a group", actions: &[("iam:AttachGroupPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-role-policy", summary: "attach any managed policy to a role, including this one", actions: &[("iam:AttachRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-user-policy", summary: "write an inline policy with any permissions on a user", actions: &[("iam:PutUserPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-group-policy", summary: "write an inline policy with any permissions on a group", actions: &[("iam:PutGroupPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-role-policy", summary: "write an inline policy with any permissions on a role, including this one", actions: &[("iam:PutRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-add-user-to-group", summary: "add a user to a more privileged group", actions: &[("iam:AddUserToGroup", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-update-assume-role-policy", summary: "make another role trust this one, then assume it", actions: &[("iam:UpdateAssumeRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "sts-assume-any-role", summary: "assume any role whose trust policy admits the account", actions: &[("sts:AssumeRole", Broad)], pass_to: None, source: CLOUDSPLAINING },
    Path { id: "lambda-create-and-invoke", summary: "create a function running as a more privileged role and invoke it", actions: &[("lambda:CreateFunction", Any), ("lambda:InvokeFunction", Any)], pass_to: Some("lambda.amazonaws.com"), source: RHINO },
    Path { id: "lambda-create-with-event-source", summary: "create a function running as a more privileged role and trigger it from an event source", actions: &[("lambda:CreateFunction", Any), ("lambda:CreateEventSourceMapping", Any)], pass_to: Some("lambda.amazonaws.com"), source: RHINO },
    Path { id: "lambda-update-other-function-code", summary: "replace the code of another function and run as its role", actions: &[("lambda:UpdateFunctionCode", OtherFunction)], pass_to: None, source: RHINO },
    Path { id: "glue-create-dev-endpoint", summary: "create a Glue development endpoint running as a more privileged role", actions: &[("glue:CreateDevEndpoint", Any)], pass_to: Some("glue.amazonaws.com"), source: RHINO },
    Path { id: "glue-update-dev-endpoint", summary: "add an SSH key to an existing Glue development endpoint and use its role", actions: &[("glue:UpdateDevEndpoint", Broad)], pass_to: None, source: RHINO },
    Path { id: "cloudformation-create-stack", summary: "create a stack that a more privileged role deploys", actions: &[("cloudformation:CreateStack", Any)], pass_to: Some("cloudformation.amazonaws.com"), source: RHINO },
    Path { id: "datapipeline-create-pipeline", summary: "create a data pipeline that runs commands as a more privileged role", actions: &[("datapipeline:CreatePipeline", Any), ("datapipeline:PutPipelineDefinition", Any)], pass_to: Some("datapipeline.amazonaws.com"), source: RHINO },
    Path { id: "ec2-run-instances", summary: "launch an instance with a more privileged instance profile", actions: &[("ec2:RunInstances", Any)], pass_to: Some("ec2.amazonaws.com"), source: RHINO },
    Path { id: "codebuild-create-project", summary: "create and start a build running as a more privileged role", actions: &[("codebuild:CreateProject", Any), ("codebuild:StartBuild", Any)], pass_to: Some("codebuild.amazonaws.com"), source: PACU },
    Path { id: "sagemaker-create-notebook", summary: "create a notebook instance running as a more privileged role and open it", actions: &[("sagemaker:CreateNotebookInstance", Any), ("sagemaker:CreatePresignedNotebookInstanceUrl", Any)], pass_to: Some("sagemaker.amazonaws.com"), source: PACU },
    Path { id: "ecs-run-task", summary: "register and run a task with a more privileged task role", actions: &[("ecs:RegisterTaskDefinition", Any), ("ecs:RunTask", Any)], pass_to: Some("ecs-tasks.amazonaws.com"), source: PACU },
    Path { id: "ssm-send-command", summary: "run commands on any managed instance and use its instance role", actions: &[("ssm:SendCommand", Broad)], pass_to: None, source: PACU },
];

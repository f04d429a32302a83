//! The known privilege-escalation paths of AWS IAM that an execution role can take: Rhino Security Labs' "AWS IAM
//! Privilege Escalation – Methods and Mitigation" (the 21 methods), pathfinding.cloud's catalogue (which extends them
//! and names the detectors: Prowler, PMapper, Cloudsplaining, pacu), and the execution-role specifics (code or
//! configuration of another function).

/// What one step of a path needs besides its action being allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The action on any resource it is granted on (modifying any policy, user or group is an escalation).
    Any,
    /// The action on resources beyond a few named ones: `*` or a pattern with a wildcard (an existing resource
    /// whose role cannot be seen: any role that trusts the account, any instance, stack, project or endpoint).
    Broad,
    /// On a function that runs as a stronger role: an arbitrary function of the account, or a scanned one whose
    /// role can do something this one cannot.
    StrongerFunction,
}

/// One escalation path: every step must be effectively allowed, and `iam:PassRole` of a stronger role to `pass_to`
/// when set.
pub struct Path {
    /// Stable id, named in the evidence.
    pub id: &'static str,
    /// What an attacker does, for the message.
    pub summary: &'static str,
    pub steps: &'static [(&'static str, Reach)],
    /// Service principal a role must be passed to (`iam:PassRole`, honouring `iam:PassedToService`): the path then
    /// runs as the passed role, which must trust that service and be stronger than this one.
    pub pass_to: Option<&'static str>,
    /// Where the path is documented.
    pub source: &'static str,
}

const RHINO: &str = "Rhino Security Labs, AWS IAM privilege escalation methods";
const PATHFINDING: &str = "pathfinding.cloud";
const CLOUDSPLAINING: &str = "Cloudsplaining PrivilegeEscalation";
const PACU: &str = "pacu iam__privesc_scan";
const PMAPPER: &str = "PMapper lambda_edges";

use Reach::{Any, Broad, StrongerFunction};

const LAMBDA: Option<&str> = Some("lambda.amazonaws.com");
const GLUE: Option<&str> = Some("glue.amazonaws.com");
const CLOUDFORMATION: Option<&str> = Some("cloudformation.amazonaws.com");
const CODEBUILD: Option<&str> = Some("codebuild.amazonaws.com");
const EC2: Option<&str> = Some("ec2.amazonaws.com");

#[rustfmt::skip]
pub const PATHS: &[Path] = &[
    // IAM policy, credential and membership mutations.
    Path { id: "iam-create-policy-version", summary: "create a new default version of a managed policy with any permissions", steps: &[("iam:CreatePolicyVersion", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-set-default-policy-version", summary: "switch a managed policy to a more permissive existing version", steps: &[("iam:SetDefaultPolicyVersion", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-create-access-key", summary: "create access keys for another IAM user", steps: &[("iam:CreateAccessKey", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-create-login-profile", summary: "set a console password for an IAM user that has none", steps: &[("iam:CreateLoginProfile", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-update-login-profile", summary: "change the console password of an IAM user", steps: &[("iam:UpdateLoginProfile", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-user-policy", summary: "attach any managed policy (AdministratorAccess) to a user", steps: &[("iam:AttachUserPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-group-policy", summary: "attach any managed policy to a group", steps: &[("iam:AttachGroupPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-attach-role-policy", summary: "attach any managed policy to a role, including this one", steps: &[("iam:AttachRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-user-policy", summary: "write an inline policy with any permissions on a user", steps: &[("iam:PutUserPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-group-policy", summary: "write an inline policy with any permissions on a group", steps: &[("iam:PutGroupPolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-put-role-policy", summary: "write an inline policy with any permissions on a role, including this one", steps: &[("iam:PutRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-add-user-to-group", summary: "add a user to a more privileged group", steps: &[("iam:AddUserToGroup", Any)], pass_to: None, source: RHINO },
    Path { id: "iam-update-assume-role-policy", summary: "make another role trust this one, then assume it", steps: &[("iam:UpdateAssumeRolePolicy", Any)], pass_to: None, source: RHINO },
    Path { id: "sts-assume-any-role", summary: "assume any role whose trust policy admits the account", steps: &[("sts:AssumeRole", Broad)], pass_to: None, source: CLOUDSPLAINING },
    // Lambda: a new function running as a passed role, or another function's code or configuration.
    Path { id: "lambda-create-and-invoke", summary: "create a function running as a stronger role and invoke it", steps: &[("lambda:CreateFunction", Any), ("lambda:InvokeFunction", Any)], pass_to: LAMBDA, source: RHINO },
    Path { id: "lambda-create-and-add-permission", summary: "create a function running as a stronger role and grant itself the right to invoke it", steps: &[("lambda:CreateFunction", Any), ("lambda:AddPermission", Any)], pass_to: LAMBDA, source: PATHFINDING },
    Path { id: "lambda-create-with-event-source", summary: "create a function running as a stronger role and trigger it from an event source", steps: &[("lambda:CreateFunction", Any), ("lambda:CreateEventSourceMapping", Any)], pass_to: LAMBDA, source: RHINO },
    Path { id: "lambda-update-function-code", summary: "replace the code of a function that runs as a stronger role", steps: &[("lambda:UpdateFunctionCode", StrongerFunction)], pass_to: None, source: RHINO },
    Path { id: "lambda-update-function-configuration", summary: "inject a layer, wrapper script or handler into a function that runs as a stronger role", steps: &[("lambda:UpdateFunctionConfiguration", StrongerFunction)], pass_to: None, source: PATHFINDING },
    Path { id: "lambda-switch-function-role", summary: "switch a function it can reconfigure (its own included) to a stronger role", steps: &[("lambda:UpdateFunctionConfiguration", Any)], pass_to: LAMBDA, source: PMAPPER },
    // Other services that run code as a role.
    Path { id: "glue-create-dev-endpoint", summary: "create a Glue development endpoint running as a stronger role", steps: &[("glue:CreateDevEndpoint", Any)], pass_to: GLUE, source: RHINO },
    Path { id: "glue-update-dev-endpoint", summary: "add an SSH key to an existing Glue development endpoint and use its role", steps: &[("glue:UpdateDevEndpoint", Broad)], pass_to: None, source: RHINO },
    Path { id: "glue-create-job", summary: "create and start a Glue job running as a stronger role", steps: &[("glue:CreateJob", Any), ("glue:StartJobRun", Any)], pass_to: GLUE, source: PATHFINDING },
    Path { id: "glue-update-job", summary: "point an existing Glue job at a stronger role and new script, then run it", steps: &[("glue:UpdateJob", Broad), ("glue:StartJobRun", Any)], pass_to: GLUE, source: PATHFINDING },
    Path { id: "cloudformation-create-stack", summary: "create a stack that a stronger role deploys", steps: &[("cloudformation:CreateStack", Any)], pass_to: CLOUDFORMATION, source: RHINO },
    Path { id: "cloudformation-update-stack", summary: "update an existing stack, deployed by its own service role", steps: &[("cloudformation:UpdateStack", Broad)], pass_to: None, source: PATHFINDING },
    Path { id: "cloudformation-create-change-set", summary: "create and execute a change set that a stronger role deploys", steps: &[("cloudformation:CreateChangeSet", Any), ("cloudformation:ExecuteChangeSet", Any)], pass_to: CLOUDFORMATION, source: PATHFINDING },
    Path { id: "cloudformation-change-set-existing-stack", summary: "create and execute a change set on an existing stack, deployed by its own service role", steps: &[("cloudformation:CreateChangeSet", Broad), ("cloudformation:ExecuteChangeSet", Broad)], pass_to: None, source: PATHFINDING },
    Path { id: "datapipeline-create-pipeline", summary: "create a data pipeline that runs commands as a stronger role", steps: &[("datapipeline:CreatePipeline", Any), ("datapipeline:PutPipelineDefinition", Any)], pass_to: Some("datapipeline.amazonaws.com"), source: RHINO },
    Path { id: "codebuild-create-project", summary: "create and start a build running as a stronger role", steps: &[("codebuild:CreateProject", Any), ("codebuild:StartBuild", Any)], pass_to: CODEBUILD, source: PACU },
    Path { id: "codebuild-update-project", summary: "point an existing build project at a stronger role and start it", steps: &[("codebuild:UpdateProject", Broad), ("codebuild:StartBuild", Any)], pass_to: CODEBUILD, source: PATHFINDING },
    Path { id: "codebuild-start-build-override", summary: "start a build of an existing project with an overriding buildspec, running as the project's role", steps: &[("codebuild:StartBuild", Broad)], pass_to: None, source: PATHFINDING },
    Path { id: "ec2-run-instances", summary: "launch an instance with a stronger instance profile", steps: &[("ec2:RunInstances", Any)], pass_to: EC2, source: RHINO },
    Path { id: "ec2-associate-instance-profile", summary: "attach a stronger instance profile to a running instance", steps: &[("ec2:AssociateIamInstanceProfile", Broad)], pass_to: EC2, source: PATHFINDING },
    Path { id: "ec2-modify-user-data", summary: "rewrite an instance's user data and restart it to run commands as its instance role", steps: &[("ec2:ModifyInstanceAttribute", Broad), ("ec2:StopInstances", Broad), ("ec2:StartInstances", Broad)], pass_to: None, source: PATHFINDING },
    Path { id: "ec2-launch-template-version", summary: "publish a launch template version with new user data that an Auto Scaling group launches with its instance role", steps: &[("ec2:CreateLaunchTemplateVersion", Broad), ("ec2:ModifyLaunchTemplate", Broad)], pass_to: None, source: PATHFINDING },
    Path { id: "sagemaker-create-notebook", summary: "create a notebook instance running as a stronger role and open it", steps: &[("sagemaker:CreateNotebookInstance", Any), ("sagemaker:CreatePresignedNotebookInstanceUrl", Any)], pass_to: Some("sagemaker.amazonaws.com"), source: PACU },
    Path { id: "ecs-run-task", summary: "register and run a task with a stronger task role", steps: &[("ecs:RegisterTaskDefinition", Any), ("ecs:RunTask", Any)], pass_to: Some("ecs-tasks.amazonaws.com"), source: PACU },
    Path { id: "ssm-send-command", summary: "run commands on any managed instance and use its instance role", steps: &[("ssm:SendCommand", Broad)], pass_to: None, source: PACU },
    Path { id: "ssm-start-session", summary: "open a shell on any managed instance and use its instance role", steps: &[("ssm:StartSession", Broad)], pass_to: None, source: PATHFINDING },
];

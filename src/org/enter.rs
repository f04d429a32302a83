//! Entering an account: sts:AssumeRole into its audit role gives an `SdkConfig` with that account's credentials (the
//! caller's own account is scanned with the caller's); a role that cannot be assumed is that account's one-line
//! reason, never an abort.

use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;

use crate::collect::account::Identity;
use crate::collect::error::CallError;
use crate::collect::http::Http;
use crate::collect::pacing::{Bucket, Call, Pacer, RetryPolicy};

use super::sts::{self, Endpoints};

/// Characters IAM allows in a role name and in a session name (`[\w+=,.@-]`).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// `--role-name`: a role name (1 to 64 characters), optionally under a path (`team/audit/Name`).
pub fn validate_role_name(name: &str) -> anyhow::Result<()> {
    let segments: Vec<&str> = name.split('/').collect();
    let role = segments.last().copied().unwrap_or_default();
    let valid = !role.is_empty()
        && role.len() <= 64
        && name.len() <= 512
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.chars().all(is_name_char));
    if valid {
        Ok(())
    } else {
        anyhow::bail!(
            "--role-name: `{}` is not an IAM role name (1-64 of A-Z a-z 0-9 _+=,.@-, optionally after a path)",
            name.chars().take(80).collect::<String>()
        )
    }
}

/// `--external-id`: 2 to 1224 of the characters STS allows (`[\w+=,.@:/-]`).
pub fn validate_external_id(id: &str) -> anyhow::Result<()> {
    let valid = (2..=1224).contains(&id.len())
        && id.chars().all(|c| is_name_char(c) || c == ':' || c == '/');
    if valid {
        Ok(())
    } else {
        anyhow::bail!("--external-id: not an STS external id (2-1224 of A-Z a-z 0-9 _+=,.@:/-)")
    }
}

/// The role session name: says it is lambda-posture, and which account runs it (CloudTrail shows it to the member).
pub fn session_name(caller_account: &str) -> String {
    let name: String = format!("lambda-posture-{caller_account}")
        .chars()
        .filter(|c| is_name_char(*c))
        .take(64)
        .collect();
    name
}

/// The member role's ARN in `account`.
pub fn role_arn(partition: &str, account: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// Who runs the scan, with which configuration, the STS endpoints it enters the members through, and the HTTP stack
/// every account's clients share (the one `sdk` holds).
pub struct Caller {
    pub identity: Identity,
    pub sdk: SdkConfig,
    pub sts: Endpoints,
    pub http: Http,
}

/// `--role-name` and `--external-id`.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub external_id: Option<String>,
}

/// The configuration to collect `account` with: the caller's for its own account, else the member role's
/// credentials (refreshed by STS as the session nears its end). `Err` is the one-line reason the account cannot be
/// entered.
pub async fn enter(
    caller: &Caller,
    pacer: &Pacer,
    account: &str,
    role: &Role,
) -> Result<SdkConfig, String> {
    if account == caller.identity.account_id {
        return Ok(caller.sdk.clone());
    }
    let arn = role_arn(&caller.identity.partition, account, &role.name);
    let session = session_name(&caller.identity.account_id);
    let assumed = assume_role(caller, pacer, &arn, &session, role)
        .await
        .map_err(|e| refused(&arn, &e))?;
    let first = assumed
        .credentials()
        .map(session_credentials)
        .ok_or_else(|| format!("cannot assume {arn}: sts:AssumeRole answered no credentials"))?;
    // The session's later renewals: the SDK's own retries (our pacer does not see them).
    let renewing = caller
        .sdk
        .clone()
        .into_builder()
        .retry_config(RetryConfig::standard().with_max_backoff(Duration::from_secs(20)))
        .build();
    let mut provider = AssumeRoleProvider::builder(arn)
        .session_name(session)
        .configure(&renewing);
    if let Some(id) = &role.external_id {
        provider = provider.external_id(id);
    }
    let session = Session {
        current: tokio::sync::Mutex::new(first),
        renew: SharedCredentialsProvider::new(provider.build().await),
    };
    Ok(caller
        .sdk
        .clone()
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(session))
        .build())
}

/// The first AssumeRole, paced and retried like every call: at the next regional endpoint of the rotation (paced
/// in that region's bucket, failing fast), and at the home endpoint when that one refuses. Only the home endpoint's
/// refusal is the account's; a regional endpoint that refused what home accepted is retired for the run (unless
/// the member deactivated STS there: `sts::retires_endpoint`).
async fn assume_role(
    caller: &Caller,
    pacer: &Pacer,
    arn: &str,
    session: &str,
    role: &Role,
) -> Result<AssumeRoleOutput, CallError> {
    let attempt = |region, policy| assume_at(caller, pacer, region, policy, arn, session, role);
    let home = caller.sts.rotation.home();
    let region = caller.sts.rotation.pick();
    if region == home {
        return attempt(home, RetryPolicy::STANDARD).await;
    }
    let refusal = match attempt(region, RetryPolicy::FIRST_CALL).await {
        Ok(assumed) => return Ok(assumed),
        Err(refusal) => refusal,
    };
    let assumed = attempt(home, RetryPolicy::STANDARD).await?;
    if sts::retires_endpoint(&refusal) && caller.sts.rotation.retire(region) {
        tracing::info!(region, refusal = %refusal, home,
            "the STS endpoint refused what the home endpoint accepted: no more AssumeRole there in this run");
    } else {
        tracing::debug!(region, refusal = %refusal, home, "entered at the home STS endpoint instead");
    }
    Ok(assumed)
}

/// One AssumeRole at the STS endpoint of `region`, paced in that region's bucket.
async fn assume_at(
    caller: &Caller,
    pacer: &Pacer,
    region: &str,
    policy: RetryPolicy,
    arn: &str,
    session: &str,
    role: &Role,
) -> Result<AssumeRoleOutput, CallError> {
    let sts_client = caller.sts.client(region);
    let call = Call {
        service: "sts",
        operation: "AssumeRole",
        region: Some(region),
        bucket: Bucket::Sts,
    };
    pacer
        .call_with(call, policy, || {
            sts_client
                .assume_role()
                .role_arn(arn)
                .role_session_name(session)
                .set_external_id(role.external_id.clone())
                .send()
        })
        .await
}

/// How long before a session ends it is renewed.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// A member role's session, shared by every client of the account's scan (each SDK client and each signed-request
/// client would otherwise assume the role once more): the first AssumeRole's credentials, renewed by `renew` when
/// they near their end.
#[derive(Debug)]
struct Session {
    current: tokio::sync::Mutex<Credentials>,
    renew: SharedCredentialsProvider,
}

impl ProvideCredentials for Session {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let mut current = self.current.lock().await;
            let ending = current
                .expiry()
                .is_some_and(|end| end <= SystemTime::now() + RENEW_BEFORE);
            if ending {
                *current = self.renew.provide_credentials().await?;
            }
            Ok(current.clone())
        })
    }
}

/// STS's answer as SDK credentials.
fn session_credentials(answer: &aws_sdk_sts::types::Credentials) -> Credentials {
    Credentials::new(
        answer.access_key_id(),
        answer.secret_access_key(),
        Some(answer.session_token().to_string()),
        SystemTime::try_from(*answer.expiration()).ok(),
        "lambda-posture AssumeRole",
    )
}

/// Why the role could not be assumed, on one line.
fn refused(arn: &str, error: &CallError) -> String {
    format!("cannot assume {arn}: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_follow_iam_rules() {
        for good in [
            "LambdaPostureAudit",
            "audit/LambdaPostureAudit",
            "a+b=c,d.e@f_g-h",
            &"R".repeat(64),
        ] {
            validate_role_name(good).unwrap();
        }
        for bad in [
            "",
            "a b",
            "/Lead",
            "trail/",
            "x//y",
            "name*",
            &"R".repeat(65),
            "ro\nle",
        ] {
            let e = validate_role_name(bad).unwrap_err().to_string();
            assert!(e.starts_with("--role-name: `"), "{e}");
        }
    }

    #[test]
    fn external_ids_follow_sts_rules() {
        validate_external_id("tenant:42/x-y_z").unwrap();
        for bad in ["#", "has space", &"e".repeat(1225), "ünï"] {
            let e = validate_external_id(bad).unwrap_err().to_string();
            assert!(e.starts_with("--external-id:"), "{e}");
            assert!(!e.contains(bad), "the id is never echoed: {e}");
        }
    }

    #[tokio::test]
    async fn a_session_is_shared_until_it_nears_its_end() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let renewals = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&renewals);
        let renew = aws_credential_types::credential_fn::provide_credentials_fn(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let end = SystemTime::now() + Duration::from_secs(3600);
                Ok(Credentials::new(
                    format!("ASIA{n}"),
                    "s",
                    None,
                    Some(end),
                    "test",
                ))
            }
        });
        let session = |left: Duration| Session {
            current: tokio::sync::Mutex::new(Credentials::new(
                "ASIA0",
                "s",
                None,
                Some(SystemTime::now() + left),
                "test",
            )),
            renew: SharedCredentialsProvider::new(renew.clone()),
        };
        let long = session(Duration::from_secs(3000));
        for _ in 0..3 {
            assert_eq!(
                long.provide_credentials().await.unwrap().access_key_id(),
                "ASIA0"
            );
        }
        assert_eq!(renewals.load(Ordering::SeqCst), 0);
        let ending = session(Duration::from_secs(60));
        assert_eq!(
            ending.provide_credentials().await.unwrap().access_key_id(),
            "ASIA1"
        );
        assert_eq!(
            ending.provide_credentials().await.unwrap().access_key_id(),
            "ASIA1"
        );
        assert_eq!(
            renewals.load(Ordering::SeqCst),
            1,
            "renewed once, then shared"
        );
    }

    #[test]
    fn the_session_name_says_lambda_posture_and_the_caller() {
        assert_eq!(session_name("111111111111"), "lambda-posture-111111111111");
        assert!(session_name(&"9".repeat(100)).len() <= 64);
        assert_eq!(
            role_arn("aws-cn", "222222222222", "audit/LambdaPostureAudit"),
            "arn:aws-cn:iam::222222222222:role/audit/LambdaPostureAudit"
        );
    }
}

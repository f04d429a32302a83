//! Errors of the collectors: how a failed AWS call is classified (retry, gap, fatal), and the errors that stop a scan.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lambda_posture_checks::inventory::{Gap, GapKind};

/// Error codes AWS uses for throttling (per-service spellings).
const THROTTLE_CODES: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Error codes of a missing permission.
const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
];

/// Server-side or transport conditions worth another attempt, whatever their HTTP status.
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceException",
    "IDPCommunicationError",
    "EC2ThrottledException",
];

/// Answers of a region that is not enabled for the account (opt-in regions).
pub const REGION_DISABLED_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
];

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Rate exceeded: wait and retry, without giving up.
    Throttled,
    /// 5xx, timeout, connection reset or refused: retry within the budget.
    Transient,
    /// The caller lacks the permission: record a gap at once.
    AccessDenied,
    /// Any other client error (not found, validation…): the caller decides, usually a gap.
    Client,
}

/// One AWS call that failed for good, with the service and operation it was.
#[derive(Debug, Clone, thiserror::Error)]
pub struct CallError {
    pub service: &'static str,
    pub operation: &'static str,
    pub region: Option<String>,
    pub class: ErrorClass,
    /// AWS error code when the service answered one.
    pub code: Option<String>,
    /// One line: the code and message, or the transport error.
    pub message: String,
    /// True when the request never got an answer (connection refused, DNS, timeout).
    pub unreachable: bool,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.operation)?;
        if let Some(region) = &self.region {
            write!(f, " in {region}")?;
        }
        if self.unreachable {
            write!(f, ": cannot reach the AWS endpoint")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl CallError {
    /// Classify an SDK error. `region` is `None` for global services.
    pub fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        region: Option<&str>,
        err: &SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let (class, code, message, unreachable) = match err {
            SdkError::ServiceError(ctx) => {
                let e = ctx.err();
                let code = e.code().map(str::to_string);
                let class = classify_service_error(code.as_deref(), status);
                let message = match (&code, e.message()) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c.clone(),
                    (None, _) => format!(
                        "HTTP {}: {}",
                        status.unwrap_or(0),
                        one_line(&DisplayErrorContext(err).to_string())
                    ),
                };
                (class, code, message, false)
            }
            SdkError::TimeoutError(_) => (
                ErrorClass::Transient,
                None,
                "the attempt timed out".to_string(),
                true,
            ),
            SdkError::DispatchFailure(_) => (
                ErrorClass::Transient,
                None,
                one_line(&DisplayErrorContext(err).to_string()),
                true,
            ),
            SdkError::ResponseError(_) => (
                ErrorClass::Transient,
                None,
                one_line(&DisplayErrorContext(err).to_string()),
                false,
            ),
            _ => (
                ErrorClass::Client,
                None,
                one_line(&DisplayErrorContext(err).to_string()),
                false,
            ),
        };
        CallError {
            service,
            operation,
            region: region.map(str::to_string),
            class,
            code,
            message,
            unreachable,
        }
    }

    /// Whether AWS answered with this error code.
    pub fn has_code(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }

    /// The region is not enabled for the account: skip it, not an error.
    pub fn is_region_disabled(&self) -> bool {
        self.has_code(REGION_DISABLED_CODES)
    }

    pub fn gap_kind(&self) -> GapKind {
        match self.class {
            ErrorClass::AccessDenied => GapKind::AccessDenied,
            ErrorClass::Throttled => GapKind::Throttled,
            ErrorClass::Transient | ErrorClass::Client => GapKind::Error,
        }
    }

    /// The gap this failure leaves, about `resource` (`None` for a region- or account-wide call).
    pub fn to_gap(&self, resource: Option<&str>) -> Gap {
        Gap {
            service: self.service.to_string(),
            operation: self.operation.to_string(),
            region: self.region.clone(),
            resource: resource.map(str::to_string),
            kind: self.gap_kind(),
            error: self.message.clone(),
        }
    }
}

fn classify_service_error(code: Option<&str>, status: Option<u16>) -> ErrorClass {
    let is = |codes: &[&str]| code.is_some_and(|c| codes.contains(&c));
    if is(THROTTLE_CODES) || status == Some(429) {
        ErrorClass::Throttled
    } else if is(ACCESS_DENIED_CODES) {
        ErrorClass::AccessDenied
    } else if is(TRANSIENT_CODES) || status.is_some_and(|s| s >= 500) {
        ErrorClass::Transient
    } else {
        ErrorClass::Client
    }
}

/// Join the lines of an error chain so every error prints on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Errors that stop a scan before it produced an inventory; everything else becomes a gap.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("--regions: unknown region `{value}` (Lambda is available in: {known})")]
    UnknownRegion { value: String, known: String },
    #[error("--regions: the list is empty")]
    NoRegions,
    #[error("{flag}: {value} is not a positive number of calls per second")]
    InvalidRate { flag: &'static str, value: f64 },
    #[error(
        "sts:GetCallerIdentity: no usable AWS credentials ({reason}); use --profile, AWS_PROFILE, \
         AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login` or an instance role"
    )]
    NoCredentials { reason: String },
    /// Lambda answered some regions as not enabled, and STS no longer accepts the credentials either: they were
    /// revoked or expired on the way (a suspended account), not regions skipped.
    #[error(
        "the credentials no longer work: Lambda answered as if regions were not enabled, and {0}"
    )]
    CredentialsStopped(Box<CollectError>),
    #[error(transparent)]
    Call(#[from] CallError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_are_recognised_by_code_or_status() {
        assert_eq!(
            classify_service_error(Some("TooManyRequestsException"), Some(429)),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_service_error(Some("Throttling"), Some(400)),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_service_error(Some("Whatever"), Some(429)),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_service_error(Some("RequestLimitExceeded"), Some(503)),
            ErrorClass::Throttled
        );
    }

    #[test]
    fn access_denied_server_errors_and_client_errors() {
        assert_eq!(
            classify_service_error(Some("AccessDeniedException"), Some(403)),
            ErrorClass::AccessDenied
        );
        assert_eq!(
            classify_service_error(Some("AccessDenied"), Some(403)),
            ErrorClass::AccessDenied
        );
        assert_eq!(
            classify_service_error(Some("ServiceException"), Some(500)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify_service_error(None, Some(502)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify_service_error(Some("ResourceNotFoundException"), Some(404)),
            ErrorClass::Client
        );
        // A disabled region answers 403 but is not a missing permission.
        assert_eq!(
            classify_service_error(Some("UnrecognizedClientException"), Some(403)),
            ErrorClass::Client
        );
    }

    #[test]
    fn disabled_regions_are_recognised_by_their_codes() {
        let error = |code: &str| CallError {
            service: "lambda",
            operation: "GetAccountSettings",
            region: Some("ap-east-2".into()),
            class: ErrorClass::Client,
            code: Some(code.into()),
            message: format!("{code}: The security token included in the request is invalid."),
            unreachable: false,
        };
        assert!(error("UnrecognizedClientException").is_region_disabled());
        assert!(error("InvalidClientTokenId").is_region_disabled());
        assert!(error("AuthFailure").is_region_disabled());
        assert!(!error("AccessDeniedException").is_region_disabled());
        assert_eq!(
            error("ValidationException").to_gap(None).kind,
            GapKind::Error
        );
    }

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}

//! Signed AWS requests without an SDK client, for the few read-only calls whose SDK crate would cost far more build
//! time than the call is worth (EC2 DescribeSubnets, EventBridge DescribeEventBus, S3 HeadBucket, Organizations
//! DescribeOrganization, CloudWatch Logs DescribeLogGroups, CloudTrail's trails and event data stores, API Gateway's
//! REST-JSON GETs of APIs, routes and stages).
//!
//! Same credentials, endpoint configuration (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, profile
//! `endpoint_url`), timeouts and HTTP stack as the SDK clients; SigV4 by `aws-sigv4`. A failed request comes back as
//! the `SdkError` an SDK client would give, so the collectors' pacing, retries ([`super::pacing`]) and error
//! classification ([`super::error`]) apply unchanged.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::error::ErrorMetadata;
use aws_types::service_config::ServiceConfigKey;
use tokio::sync::Mutex;

/// What a raw call fails with: the shape of an SDK client's error.
pub type RawError = SdkError<ErrorMetadata, HttpResponse>;

/// An AWS API called without an SDK client. Every call site names its operation with [`RawOperation::new`] (the
/// permissions test reads those to prove the scanner's IAM policy lists the action).
#[derive(Debug, Clone, Copy)]
pub struct RawOperation {
    /// Signing name and endpoint prefix: `ec2`, `events`, `s3`.
    pub service: &'static str,
    /// Operation name as AWS spells it, for gaps and logs.
    pub operation: &'static str,
}

impl RawOperation {
    pub const fn new(service: &'static str, operation: &'static str) -> Self {
        RawOperation { service, operation }
    }

    /// The operation as a retried call in `region`, paced by its caller (raw calls have no bucket of their own).
    pub fn call<'a>(&self, region: &'a str) -> super::pacing::Call<'a> {
        self.paced(region, super::pacing::Bucket::Unpaced)
    }

    /// The operation as a retried call in `region`, paced in `bucket`.
    pub fn paced<'a>(
        &self,
        region: &'a str,
        bucket: super::pacing::Bucket,
    ) -> super::pacing::Call<'a> {
        super::pacing::Call {
            service: self.service,
            operation: self.operation,
            region: Some(region),
            bucket,
        }
    }

    /// A failure of the operation in `region` on our side (an answer we cannot read, a listing that does not end): a
    /// client error, recorded as a gap like any other.
    pub fn failure(&self, region: &str, message: String) -> super::error::CallError {
        super::error::CallError {
            service: self.service,
            operation: self.operation,
            region: Some(region.to_string()),
            class: super::error::ErrorClass::Client,
            code: None,
            message,
            unreachable: false,
        }
    }

    /// The SDK's service id, the key of `AWS_ENDPOINT_URL_<ID>` and of the profile's `services` section.
    fn service_id(&self) -> &'static str {
        match self.service {
            "ec2" => "EC2",
            "events" => "EventBridge",
            "s3" => "S3",
            "organizations" => "Organizations",
            "logs" => "CloudWatch Logs",
            "cloudtrail" => "CloudTrail",
            // v1 and v2 share the signing name and endpoint; AWS_ENDPOINT_URL_API_GATEWAY overrides both.
            "apigateway" => "API Gateway",
            "elasticloadbalancing" => "Elastic Load Balancing v2",
            other => other,
        }
    }
}

/// One request, sent to a URL the caller builds from [`RawClient::endpoint`].
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: &'static str,
    /// The region the request is signed for.
    pub region: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// A Query-protocol call (EC2, SNS, IAM style): form-encoded parameters in a POST body.
    pub fn query(region: &str, params: &[(String, String)]) -> Self {
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        RawRequest {
            method: "POST",
            region: region.to_string(),
            headers: vec![(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            body: body.into_bytes(),
        }
    }

    /// A bodiless GET request (REST-JSON reads such as API Gateway's): the parameters go in the URL's query, which
    /// the caller builds (see [`query_string`]) and SigV4 signs in canonical order.
    pub fn get(region: &str) -> Self {
        RawRequest {
            method: "GET",
            region: region.to_string(),
            headers: vec![("accept", "application/json".into())],
            body: Vec::new(),
        }
    }

    /// A bodiless HEAD request (S3 HeadBucket).
    pub fn head(region: &str) -> Self {
        RawRequest {
            method: "HEAD",
            region: region.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// An `awsJson1_1` call (EventBridge style): `X-Amz-Target: <prefix>.<operation>` and a JSON body.
    pub fn json(region: &str, target: String, body: &serde_json::Value) -> Self {
        RawRequest {
            method: "POST",
            region: region.to_string(),
            headers: vec![
                ("content-type", "application/x-amz-json-1.1".into()),
                ("x-amz-target", target),
            ],
            body: body.to_string().into_bytes(),
        }
    }
}

/// One `awsJson1_1` call of `op` in `region` (`X-Amz-Target: <target_prefix>.<operation>`, `body`), paced in `bucket`
/// and retried, its answer parsed; an answer that does not parse is [`RawOperation::failure`].
pub async fn json_call<T: serde::de::DeserializeOwned>(
    pacer: &super::pacing::Pacer,
    raw: &RawClient,
    op: RawOperation,
    region: &str,
    bucket: super::pacing::Bucket,
    target_prefix: &str,
    body: &serde_json::Value,
) -> Result<T, super::error::CallError> {
    let url = format!("{}/", raw.endpoint(op, region));
    let request = RawRequest::json(region, format!("{target_prefix}.{}", op.operation), body);
    let response = pacer
        .call(op.paced(region, bucket), || raw.send(op, &url, &request))
        .await?;
    serde_json::from_slice(&response.body)
        .map_err(|e| op.failure(region, format!("unreadable answer: {e}")))
}

/// `?k=v&…` with every key and value percent-encoded (empty when there are no parameters).
pub fn query_string(params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

/// The body of a successful (2xx or 3xx) answer.
#[derive(Debug)]
pub struct RawResponse {
    pub body: Vec<u8>,
}

/// Sends signed requests with one account's SDK configuration (its credentials, endpoints and timeouts), through
/// the scan's shared connector ([`super::http::Http`]).
pub struct RawClient {
    connector: SharedHttpConnector,
    credentials: Option<SharedCredentialsProvider>,
    /// Resolved credentials, reused until shortly before they expire.
    cached: Mutex<Option<Credentials>>,
    config: SdkConfig,
    attempt_timeout: Duration,
}

/// Credentials expiring sooner than this are refreshed before signing.
const CREDENTIALS_MARGIN: Duration = Duration::from_secs(5 * 60);

impl RawClient {
    /// A client signing with `config`'s credentials, sending through `http`'s connector for `config`'s connect
    /// timeout (the one its SDK clients use too).
    pub fn new(config: &SdkConfig, http: &super::http::Http) -> Self {
        let timeouts = config.timeout_config();
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(
                timeouts
                    .and_then(|t| t.connect_timeout())
                    .unwrap_or(Duration::from_secs(5)),
            )
            .build();
        RawClient {
            connector: http.connector(&settings, config.sleep_impl()),
            credentials: config.credentials_provider(),
            cached: Mutex::new(None),
            config: config.clone(),
            attempt_timeout: timeouts
                .and_then(|t| t.operation_attempt_timeout())
                .unwrap_or(Duration::from_secs(30)),
        }
    }

    /// The base URL of `operation`'s service in `region`: the configured endpoint override, else AWS's.
    pub fn endpoint(&self, operation: RawOperation, region: &str) -> String {
        let configured = self
            .config
            .service_config()
            .and_then(|c| {
                let key = ServiceConfigKey::builder()
                    .service_id(operation.service_id())
                    .env("AWS_ENDPOINT_URL")
                    .profile("endpoint_url")
                    .build()
                    .ok()?;
                c.load_config(key)
            })
            .or_else(|| self.config.endpoint_url().map(str::to_string));
        match configured {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!(
                "https://{}.{region}.{}",
                operation.service,
                dns_suffix(region)
            ),
        }
    }

    /// Whether requests go to a configured endpoint (an emulator, a VPC endpoint) rather than AWS's own.
    pub fn has_endpoint_override(&self, operation: RawOperation, region: &str) -> bool {
        !self
            .endpoint(operation, region)
            .ends_with(&format!(".{region}.{}", dns_suffix(region)))
    }

    /// One attempt of `request` to `url` (endpoint + path). Non-2xx/3xx answers are service errors carrying the
    /// AWS error code parsed from the body (JSON `__type`, XML `<Code>`) or, for bodiless answers, from the status.
    pub async fn send(
        &self,
        operation: RawOperation,
        url: &str,
        request: &RawRequest,
    ) -> Result<RawResponse, RawError> {
        let connector = &self.connector;
        let credentials = self
            .credentials()
            .await
            .map_err(SdkError::construction_failure)?;
        let signed = sign_request(operation, url, request, &credentials)
            .map_err(SdkError::construction_failure)?;
        let exchange = async {
            let response = connector
                .call(signed)
                .await
                .map_err(SdkError::dispatch_failure)?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| SdkError::dispatch_failure(ConnectorError::io(Box::new(e))))?
                .into_bytes()
                .to_vec();
            Ok::<_, RawError>((status, headers, body))
        };
        let (status, headers, body) = tokio::time::timeout(self.attempt_timeout, exchange)
            .await
            .map_err(|_| {
                SdkError::timeout_error(format!("no answer within {:?}", self.attempt_timeout))
            })??;
        if status.as_u16() < 400 {
            return Ok(RawResponse { body });
        }
        let meta = error_metadata(status.as_u16(), &headers, &body);
        let mut raw = HttpResponse::new(status, SdkBody::from(body));
        *raw.headers_mut() = headers;
        Err(SdkError::service_error(meta, raw))
    }

    async fn credentials(&self) -> Result<Credentials, String> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|e| e > SystemTime::now() + CREDENTIALS_MARGIN);
            if fresh {
                return Ok(c.clone());
            }
        }
        let provider = self
            .credentials
            .as_ref()
            .ok_or("no credential provider configured")?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| format!("could not load credentials: {e}"))?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

/// `amazonaws.com`, or `amazonaws.com.cn` in the China partition.
fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

fn sign_request(
    operation: RawOperation,
    url: &str,
    request: &RawRequest,
    credentials: &Credentials,
) -> Result<HttpRequest, String> {
    let mut settings = SigningSettings::default();
    if operation.service == "s3" {
        // S3 signs the payload hash header and neither double-encodes nor normalises the path.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&request.region)
        .name(operation.service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| format!("signing parameters: {e}"))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        url,
        request.headers.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|e| format!("cannot sign a request to {url}: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("signing failed: {e}"))?
        .into_parts();
    let invalid = |e: &dyn std::fmt::Display| format!("invalid request to {url}: {e}");
    let mut http = HttpRequest::new(SdkBody::from(request.body.clone()));
    http.set_method(request.method).map_err(|e| invalid(&e))?;
    http.set_uri(url).map_err(|e| invalid(&e))?;
    let signature_headers = instructions
        .headers()
        .map(|(k, v)| (k.to_string(), v.to_string()));
    let all_headers = request
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .chain(signature_headers);
    for (name, value) in all_headers {
        http.headers_mut()
            .try_insert(name, value)
            .map_err(|e| invalid(&e))?;
    }
    Ok(http)
}

/// The AWS error code and message of an error answer: JSON (`__type` / `x-amzn-ErrorType`, `message`), XML (the first
/// `<Code>` and `<Message>`, whatever the envelope: EC2's `<Response><Errors>`, Query's `<ErrorResponse>`, S3's
/// `<Error>`), or, for a bodiless answer (S3 HEAD), a code derived from the status.
fn error_metadata(
    status: u16,
    headers: &aws_smithy_runtime_api::http::Headers,
    body: &[u8],
) -> ErrorMetadata {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let (code, message) = if trimmed.starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(trimmed).unwrap_or_default();
        let code = headers
            .get("x-amzn-errortype")
            .map(str::to_string)
            .or_else(|| json["__type"].as_str().map(str::to_string));
        let message = ["message", "Message"]
            .iter()
            .find_map(|k| json[*k].as_str().map(str::to_string));
        (code, message)
    } else if trimmed.starts_with('<') {
        (xml_text(trimmed, "Code"), xml_text(trimmed, "Message"))
    } else {
        (None, None)
    };
    // `aws.protocols#awsJson1_1` codes may carry a namespace (`ns#Code`) and a `:url` suffix.
    let code = code
        .map(|c| {
            let c = c.split(':').next().unwrap_or_default();
            c.rsplit('#').next().unwrap_or_default().to_string()
        })
        .filter(|c| !c.is_empty())
        .or_else(|| status_code_name(status).map(str::to_string));
    let mut builder = ErrorMetadata::builder();
    if let Some(code) = code {
        builder = builder.code(code);
    }
    builder
        .message(message.unwrap_or_else(|| format!("HTTP {status}")))
        .build()
}

/// The code S3 and others imply when an error answer has no body (HEAD requests).
fn status_code_name(status: u16) -> Option<&'static str> {
    match status {
        301 => Some("PermanentRedirect"),
        403 => Some("AccessDenied"),
        404 => Some("NotFound"),
        429 => Some("Throttling"),
        503 => Some("ServiceUnavailable"),
        _ => None,
    }
}

/// The text of the first element named `name` anywhere in an XML document.
pub fn xml_text(xml: &str, name: &str) -> Option<String> {
    let mut doc = aws_smithy_xml::decode::Document::new(xml);
    let mut root = doc.root_element().ok()?;
    find_text(&mut root, name)
}

fn find_text(el: &mut aws_smithy_xml::decode::ScopedDecoder<'_, '_>, name: &str) -> Option<String> {
    while let Some(mut child) = el.next_tag() {
        if child.start_el().local() == name {
            return aws_smithy_xml::decode::try_data(&mut child)
                .ok()
                .map(|t| t.trim().to_string());
        }
        if let Some(found) = find_text(&mut child, name) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use aws_smithy_runtime_api::http::Headers;

    use super::super::http::{testing, Http};
    use super::*;

    #[tokio::test]
    async fn accounts_share_the_connector_and_sign_with_their_own_keys() {
        let (http, keys, built) = testing::recording(200);
        let account = |key: &str| {
            let config = SdkConfig::builder()
                .endpoint_url("http://127.0.0.1:9")
                .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                    key, "secret", None, None, "test",
                )))
                .build();
            RawClient::new(&config, &http)
        };
        let (first, second) = (account("AKIDFIRSTACCOUNT"), account("AKIDSECONDACCOUNT"));
        let op = RawOperation::new("ec2", "DescribeSubnets");
        let url = format!("{}/", first.endpoint(op, "eu-west-1"));
        let request = RawRequest::query("eu-west-1", &[]);
        second.send(op, &url, &request).await.unwrap();
        first.send(op, &url, &request).await.unwrap();
        second.send(op, &url, &request).await.unwrap();
        assert_eq!(
            built.load(Ordering::SeqCst),
            1,
            "one connector for both accounts"
        );
        let signed = keys.lock().unwrap().clone();
        assert_eq!(signed.len(), 3, "{signed:?}");
        assert_eq!(
            signed,
            ["AKIDSECONDACCOUNT", "AKIDFIRSTACCOUNT", "AKIDSECONDACCOUNT"]
        );
    }

    #[test]
    fn error_codes_come_from_every_protocol_shape() {
        let ec2 = br#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-1</RequestID></Response>"#;
        let meta = error_metadata(403, &Headers::new(), ec2);
        assert_eq!(meta.code(), Some("UnauthorizedOperation"));
        assert_eq!(
            meta.message(),
            Some("You are not authorized to perform this operation.")
        );

        let query = br#"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"#;
        assert_eq!(
            error_metadata(400, &Headers::new(), query).code(),
            Some("Throttling")
        );

        let json = br#"{"__type":"com.amazonaws.events#ResourceNotFoundException","message":"Event bus x does not exist."}"#;
        let meta = error_metadata(400, &Headers::new(), json);
        assert_eq!(meta.code(), Some("ResourceNotFoundException"));
        assert_eq!(meta.message(), Some("Event bus x does not exist."));

        let mut headers = Headers::new();
        headers.insert(
            "x-amzn-ErrorType",
            "AccessDeniedException:http://internal.amazon.com/",
        );
        assert_eq!(
            error_metadata(400, &headers, b"{}").code(),
            Some("AccessDeniedException")
        );

        assert_eq!(
            error_metadata(404, &Headers::new(), b"").code(),
            Some("NotFound")
        );
        assert_eq!(error_metadata(418, &Headers::new(), b"").code(), None);
    }

    #[test]
    fn query_strings_are_encoded() {
        assert_eq!(query_string(&[]), "");
        assert_eq!(
            query_string(&[("limit", "500"), ("position", "a b/c=")]),
            "?limit=500&position=a%20b%2Fc%3D"
        );
    }

    #[test]
    fn xml_text_finds_nested_elements() {
        let xml = "<a><b><c>one</c></b><Code> two </Code></a>";
        assert_eq!(xml_text(xml, "c").as_deref(), Some("one"));
        assert_eq!(xml_text(xml, "Code").as_deref(), Some("two"));
        assert_eq!(xml_text(xml, "missing"), None);
        assert_eq!(xml_text("not xml", "Code"), None);
    }

    #[test]
    fn default_endpoints_follow_the_partition() {
        let http = Http::new();
        let client = RawClient::new(&SdkConfig::builder().build(), &http);
        let ec2 = RawOperation::new("ec2", "DescribeSubnets");
        assert_eq!(
            client.endpoint(ec2, "eu-west-1"),
            "https://ec2.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            client.endpoint(ec2, "cn-north-1"),
            "https://ec2.cn-north-1.amazonaws.com.cn"
        );
        assert!(!client.has_endpoint_override(ec2, "eu-west-1"));
        let local = RawClient::new(
            &SdkConfig::builder()
                .endpoint_url("http://127.0.0.1:4566/")
                .build(),
            &http,
        );
        assert_eq!(local.endpoint(ec2, "eu-west-1"), "http://127.0.0.1:4566");
        assert!(local.has_endpoint_override(ec2, "eu-west-1"));
    }
}

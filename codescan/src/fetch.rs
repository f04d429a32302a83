//! Downloading one package: streamed into an anonymous temp file (never held in memory), capped in size and time.
//! The URL is a presigned S3 URL on AWS: its query carries a signature, so it is only ever shown masked.

use std::error::Error as _;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use super::archive::mib;
use super::Limits;

/// Why a download failed, and whether trying again (with a fresh URL) may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub message: String,
    pub retryable: bool,
}

impl FetchError {
    fn new(message: String, retryable: bool) -> Self {
        FetchError { message, retryable }
    }
}

/// The HTTP client of a scan: rustls, timeouts from the limits, redirects followed (S3 may redirect).
pub fn client(limits: &Limits) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(limits.connect_timeout)
        .read_timeout(limits.read_timeout)
        .timeout(limits.download_timeout)
        .user_agent(concat!(
            "lambda-posture/",
            env!("CARGO_PKG_VERSION"),
            " (--scan-code)"
        ))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Download `url` into a temp file positioned at its start, at most `limits.max_download_bytes`.
pub async fn download(
    client: &reqwest::Client,
    url: &str,
    limits: &Limits,
) -> Result<File, FetchError> {
    let shown = mask_url(url);
    let transport = |e: reqwest::Error| {
        let retryable = e.is_timeout() || e.is_connect() || e.is_request() || e.is_body();
        FetchError::new(
            format!("download from {shown} failed: {}", describe(e)),
            retryable,
        )
    };
    let mut response = client.get(url).send().await.map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        // 403 is what an expired presigned URL answers: a fresh URL may work.
        let retryable =
            status.is_server_error() || status.as_u16() == 403 || status.as_u16() == 429;
        return Err(FetchError::new(
            format!("download from {shown} failed: HTTP {status}"),
            retryable,
        ));
    }
    let cap = limits.max_download_bytes;
    let too_big = |size: u64| {
        FetchError::new(
            format!(
                "package is {}, over the download cap of {}",
                mib(size),
                mib(cap)
            ),
            false,
        )
    };
    if let Some(size) = response.content_length().filter(|s| *s > cap) {
        return Err(too_big(size));
    }
    let local = |e: std::io::Error| {
        FetchError::new(
            format!("cannot spool the package to a temp file: {e}"),
            false,
        )
    };
    let mut file = tempfile::tempfile().map_err(local)?;
    let mut written: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        written += chunk.len() as u64;
        if written > cap {
            return Err(too_big(written));
        }
        file.write_all(&chunk).map_err(local)?;
    }
    file.seek(SeekFrom::Start(0)).map_err(local)?;
    Ok(file)
}

/// `https://host/path?…`: the URL without its query (the presigned signature) and fragment.
pub fn mask_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let had_query = parsed.query().is_some();
            parsed.set_query(None);
            parsed.set_fragment(None);
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            format!("{parsed}{}", if had_query { "?…" } else { "" })
        }
        Err(_) => "<unparseable URL>".to_string(),
    }
}

/// One line: the error and its causes, without the URL.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Pause before attempt `n` (1-based) of a download.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(attempt.min(6)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_signature() {
        let url = "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/123/fn-abc?versionId=x&X-Amz-Security-Token=IQo&X-Amz-Signature=deadbeef";
        let shown = mask_url(url);
        assert_eq!(
            shown,
            "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/123/fn-abc?…"
        );
        assert!(!shown.contains("Signature") && !shown.contains("IQo"));
        assert_eq!(
            mask_url("http://user:pw@127.0.0.1:9/_lp/code/ab"),
            "http://127.0.0.1:9/_lp/code/ab"
        );
        assert_eq!(mask_url("not a url"), "<unparseable URL>");
    }
}

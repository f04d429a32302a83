//! Downloading packages from a local HTTP server: each distinct package once, failures recorded with the reason
//! (and the URL's signature never shown), retries with a fresh URL, size caps and timeouts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_posture_codescan::testing::{detect_fake, zip_of, Reply, TestServer, FAKE_KEY};
use lambda_posture_codescan::{Ignores, Limits, PackageScan, Scanner, Settings};

fn scanner(limits: Limits) -> Scanner {
    Scanner::new(Settings {
        limits,
        ignores: Ignores::none(),
        detect: detect_fake,
    })
    .unwrap()
}

fn fast_limits() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(500),
        download_timeout: Duration::from_secs(5),
        ..Limits::default()
    }
}

fn package(secret: bool) -> Arc<Vec<u8>> {
    let text = if secret {
        format!("KEY = \"{FAKE_KEY}\"\n")
    } else {
        "x = 1\n".to_string()
    };
    Arc::new(zip_of(&[("app.py", text.as_bytes())]))
}

/// Scan `keys` where package `k` is at `/code/k?X-Amz-Signature=…`, counting `locate` calls.
async fn scan_keys(
    server: &TestServer,
    limits: Limits,
    keys: &[&str],
) -> (HashMap<String, PackageScan>, usize) {
    let located = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let results = scanner(limits)
        .scan_all(
            keys,
            |key| {
                located.fetch_add(1, Ordering::SeqCst);
                let url = server.url(&format!("/code/{key}?X-Amz-Signature=topsecretsignature"));
                async move {
                    if key == "unlocatable" {
                        Err("lambda:GetFunction in us-east-1: AccessDeniedException: no"
                            .to_string())
                    } else {
                        Ok(url)
                    }
                }
            },
            || {
                done.fetch_add(1, Ordering::SeqCst);
            },
        )
        .await;
    assert_eq!(
        done.load(Ordering::SeqCst),
        results.len(),
        "progress ticks once per package"
    );
    (results, located.load(Ordering::SeqCst))
}

#[tokio::test]
async fn each_distinct_package_is_downloaded_once() {
    let (dirty, clean) = (package(true), package(false));
    let server = TestServer::start(move |path| match path {
        "/code/S1" => Reply::Bytes(Arc::clone(&dirty)),
        _ => Reply::Bytes(Arc::clone(&clean)),
    });
    // Ten functions, three distinct CodeSha256.
    let keys = ["S1", "S2", "S1", "S3", "S2", "S1", "S1", "S3", "S2", "S1"];
    let (results, located) = scan_keys(&server, fast_limits(), &keys).await;
    assert_eq!(results.len(), 3);
    assert_eq!(
        server.total_requests(),
        3,
        "one download per distinct package"
    );
    assert_eq!(located, 3);
    assert_eq!(results["S1"].findings.len(), 1);
    assert!(results["S2"].is_complete() && results["S2"].findings.is_empty());
}

#[tokio::test]
async fn failures_are_reasons_without_the_signature() {
    let server = TestServer::start(|path| match path {
        "/code/missing" => Reply::Status(404),
        _ => Reply::Status(500),
    });
    let limits = Limits {
        attempts: 3,
        ..fast_limits()
    };
    let (results, located) =
        scan_keys(&server, limits, &["missing", "broken", "unlocatable"]).await;

    let missing = &results["missing"].problems;
    assert_eq!(missing.len(), 1);
    assert!(missing[0].contains("HTTP 404"), "{missing:?}");
    assert!(
        missing[0].contains("/code/missing?…") && !missing[0].contains("topsecret"),
        "{missing:?}"
    );
    assert_eq!(server.requests("/code/missing"), 1, "a 404 is not retried");

    assert!(results["broken"].problems[0].contains("HTTP 500"));
    assert_eq!(
        server.requests("/code/broken"),
        3,
        "a 5xx is retried up to the attempts"
    );
    assert_eq!(located, 1 + 3 + 1, "every retry asks for a fresh URL");

    assert_eq!(
        results["unlocatable"].problems,
        ["lambda:GetFunction in us-east-1: AccessDeniedException: no"]
    );
}

#[tokio::test]
async fn oversized_packages_are_refused_by_content_length() {
    let big = Arc::new(vec![b'x'; 200 * 1024]);
    let server = TestServer::start(move |_| Reply::Bytes(Arc::clone(&big)));
    let limits = Limits {
        max_download_bytes: 100 * 1024,
        ..fast_limits()
    };
    let (results, _) = scan_keys(&server, limits, &["big"]).await;
    assert_eq!(
        results["big"].problems,
        ["package is 204800 bytes, over the download cap of 102400 bytes"]
    );
}

#[tokio::test]
async fn a_stalled_download_times_out_and_is_reported() {
    let server = TestServer::start(|_| Reply::Stall(1024));
    let limits = Limits {
        attempts: 2,
        ..fast_limits()
    };
    let started = Instant::now();
    let (results, _) = scan_keys(&server, limits, &["stalled"]).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    let problem = &results["stalled"].problems[0];
    assert!(
        problem.contains("failed") && !problem.contains("topsecret"),
        "{problem}"
    );
    assert_eq!(server.requests("/code/stalled"), 2, "a timeout is retried");
}

#[tokio::test]
async fn an_unreachable_host_is_reported() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let limits = Limits {
        attempts: 1,
        ..fast_limits()
    };
    let scanner = scanner(limits);
    let url = format!("http://127.0.0.1:{port}/code/x?X-Amz-Signature=topsecret");
    let results = scanner
        .scan_all(
            vec!["x".to_string()],
            |_| std::future::ready(Ok::<_, String>(url.clone())),
            || {},
        )
        .await;
    let problem = &results["x"].problems[0];
    assert!(
        problem.starts_with(&format!(
            "download from http://127.0.0.1:{port}/code/x?… failed"
        )),
        "{problem}"
    );
    assert!(!problem.contains("topsecret"));
}

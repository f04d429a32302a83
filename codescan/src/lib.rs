//! `--scan-code`: the package scanner. Given where packages are (a URL per distinct CodeSha256), it downloads each
//! one once, streamed to a size-capped temp file, walks the zip entry by entry (nested zips and jars one level deep),
//! skips binaries by content and runs the secret detector of the checks crate over every text file.
//!
//! It knows nothing of AWS: the application's `src/collect/code.rs` finds the packages and their URLs and files the results into the
//! inventory. Memory stays bounded whatever the package: at most `concurrency` packages in flight, each holding one
//! detector window (1 MiB) and a few small buffers; packages and nested archives live in temp files.

mod archive;
pub mod detector;
mod fetch;
pub mod ignore;
mod text;

/// Test helpers (generated zips, a fake detector, a local HTTP server) for this crate's tests, the application's
/// scanner tests and the `codescan` benchmark: compiled in by the `testing` feature.
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

pub use self::ignore::Ignores;
pub use self::text::Windows;

/// The secret detector: every credential in a text, with 1-based lines and masked previews.
pub type Detect = fn(&str) -> Vec<Hit>;

/// One credential the detector found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub line: u32,
    pub rule_id: String,
    pub masked_preview: String,
}

/// A credential in a package: path inside it (`a.zip!inner/path` when nested), line, rule, masked preview.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub path: String,
    pub line: u32,
    pub rule_id: String,
    pub masked_preview: String,
}

/// The outcome for one package. `problems` empty = scanned completely; otherwise each problem says what was not
/// scanned and why (download failed, corrupt archive, a cap hit), and the findings are those of what was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageScan {
    pub files_scanned: u64,
    /// Files skipped because their content is binary.
    pub files_binary: u64,
    /// Files skipped by an ignore glob.
    pub files_ignored: u64,
    pub findings: Vec<Finding>,
    pub problems: Vec<String>,
}

impl PackageScan {
    pub fn failed(reason: impl Into<String>) -> PackageScan {
        PackageScan {
            problems: vec![reason.into()],
            ..PackageScan::default()
        }
    }

    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Caps and timeouts of a scan.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest package downloaded (zipped).
    pub max_download_bytes: u64,
    /// Unzipped bytes read per package, nested archives included (Lambda's own limit is 250 MB unzipped).
    pub max_unzipped_bytes: u64,
    /// Bytes scanned per text file; a longer file is scanned up to here and reported as not scanned completely.
    pub max_file_bytes: u64,
    /// Entries per archive.
    pub max_entries: u64,
    /// Largest uncompressed:compressed ratio of an entry over 1 MiB (deflate rarely exceeds 100:1 on source).
    pub max_ratio: u64,
    pub windows: Windows,
    /// Packages downloaded and scanned at once.
    pub concurrency: usize,
    pub connect_timeout: Duration,
    /// Longest silence while downloading.
    pub read_timeout: Duration,
    /// Longest download of one package.
    pub download_timeout: Duration,
    /// Attempts per package when a download fails in a way a fresh URL may fix.
    pub attempts: u32,
}

impl Default for Limits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        Limits {
            max_download_bytes: 250 * MIB,
            max_unzipped_bytes: 250 * MIB,
            max_file_bytes: 16 * MIB,
            max_entries: 200_000,
            max_ratio: 1000,
            windows: Windows::STANDARD,
            concurrency: 8,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(300),
            attempts: 3,
        }
    }
}

/// Everything the scan of one package needs besides its bytes.
pub struct Settings {
    pub limits: Limits,
    pub ignores: Ignores,
    pub detect: Detect,
}

/// Downloads and scans packages; one per scan (it holds the HTTP connection pool).
#[derive(Clone)]
pub struct Scanner {
    settings: Arc<Settings>,
    client: reqwest::Client,
}

impl Scanner {
    pub fn new(settings: Settings) -> Result<Scanner, String> {
        let client = fetch::client(&settings.limits)?;
        Ok(Scanner {
            settings: Arc::new(settings),
            client,
        })
    }

    /// Scan every distinct package once (duplicates in `packages` are scanned once), at most `limits.concurrency` at a time. `locate` gives a package's
    /// download URL (asked again before each retry: presigned URLs expire); `done` is called after each package.
    pub async fn scan_all<K, L, Fut>(
        &self,
        packages: Vec<K>,
        locate: L,
        done: impl Fn(),
    ) -> HashMap<K, PackageScan>
    where
        K: Eq + Hash + Clone,
        L: Fn(K) -> Fut,
        Fut: Future<Output = Result<String, String>>,
    {
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<K> = packages
            .into_iter()
            .filter(|k| seen.insert(k.clone()))
            .collect();
        futures::stream::iter(distinct)
            .map(|key| {
                let located = locate(key.clone());
                let this = self.clone();
                let relocate = &locate;
                async move {
                    let scan = this.scan_located(located, || relocate(key.clone())).await;
                    (key, scan)
                }
            })
            .buffer_unordered(self.settings.limits.concurrency.max(1))
            .inspect(|_| done())
            .collect()
            .await
    }

    /// Locate, download (retrying what a fresh URL may fix) and scan one package.
    async fn scan_located<Fut>(&self, first: Fut, mut relocate: impl FnMut() -> Fut) -> PackageScan
    where
        Fut: Future<Output = Result<String, String>>,
    {
        let mut next = Some(first);
        let mut attempt = 1;
        loop {
            let url = match next.take().unwrap_or_else(&mut relocate).await {
                Ok(url) => url,
                Err(reason) => return PackageScan::failed(reason),
            };
            match fetch::download(&self.client, &url, &self.settings.limits).await {
                Ok(file) => return self.scan_file(file).await,
                Err(e) if e.retryable && attempt < self.settings.limits.attempts => {
                    tracing::debug!(attempt, error = %e.message, "package download failed; retrying");
                    tokio::time::sleep(fetch::backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return PackageScan::failed(e.message),
            }
        }
    }

    /// Scan a downloaded package (blocking work, off the async threads).
    pub async fn scan_file(&self, file: File) -> PackageScan {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.scan_file_blocking(file))
            .await
            .unwrap_or_else(|e| PackageScan::failed(format!("scanner crashed: {e}")))
    }

    /// Scan a package already on disk, on the calling thread.
    pub fn scan_file_blocking(&self, file: File) -> PackageScan {
        archive::scan_zip(file, &self.settings)
    }
}

//! `--scan-code` benchmark: N package references of about M MiB each, a fraction of them sharing their CodeSha256,
//! served from a local HTTP server on 127.0.0.1 and scanned with the real detector. Prints packages per second and
//! the peak RSS of the scan (VmHWM, reset before the scan starts).
//!
//! `cargo bench --bench codescan -- [--packages 500] [--mib 5] [--shared 0.5] [--concurrency 8]`
//! Generated packages are cached in `$CARGO_TARGET_DIR/codescan-bench/` (deterministic content).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use lambda_posture_checks::config::ValidCodeScan;
use lambda_posture_codescan::detector::checks_detector;
use lambda_posture_codescan::testing::{Reply, TestServer};
use lambda_posture_codescan::{Ignores, Limits, Scanner, Settings};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

struct Args {
    packages: usize,
    mib: f64,
    shared: f64,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        packages: 500,
        mib: 5.0,
        shared: 0.5,
        concurrency: Limits::default().concurrency,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = || argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--packages" => a.packages = value().parse().expect("--packages N"),
            "--mib" => a.mib = value().parse().expect("--mib M"),
            "--shared" => a.shared = value().parse().expect("--shared FRACTION"),
            "--concurrency" => a.concurrency = value().parse().expect("--concurrency N"),
            _ => {
                i += 1;
                continue; // cargo bench passes --bench
            }
        }
        i += 2;
    }
    a
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
    fn token(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

const WORDS: &[&str] = &[
    "order", "customer", "invoice", "payload", "record", "handler", "context", "result", "items",
    "total", "price", "status", "region", "bucket", "table", "queue", "message", "event", "config",
    "client", "request", "response",
];

/// About `bytes` of source-like text: JS-ish lines with identifiers, strings and numbers.
fn source_text(rng: &mut Rng, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes {
        let (a, b, c) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
        let n = rng.next() % 100_000;
        let id = rng.token(b"abcdef0123456789", 8);
        text.push_str(&format!(
            "  const {a}_{n} = await {b}.{c}({a}, \"{c}-{id}\", {});\n",
            n % 977
        ));
    }
    text
}

/// One package of about `target` bytes zipped: half incompressible binaries, half source text; one planted secret.
fn write_package(path: &Path, seed: u64, target: usize) -> std::io::Result<()> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    let binary_total = target / 2;
    let mut written = 0;
    let mut i = 0;
    while written < binary_total {
        let len = (256 * 1024).min(binary_total - written);
        let mut blob: Vec<u8> = b"\x7fELF\x02\x01\x01\x00".to_vec();
        blob.extend((0..len).map(|_| rng.next() as u8));
        zip.start_file(format!("lib/native_{i}.so"), options)?;
        zip.write_all(&blob)?;
        written += len;
        i += 1;
    }
    // Then source text until the package reaches its size (the file grows as entries are deflated; the few KiB the
    // writer still buffers do not matter). One AWS key id, in the first file.
    let mut f = 0;
    while f == 0 || std::fs::metadata(path)?.len() < target as u64 {
        let mut text = source_text(&mut rng, 64 * 1024);
        if f == 0 {
            let key = rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            text.push_str(&format!("const AWS_ACCESS_KEY_ID = \"AKIA{key}\";\n"));
        }
        zip.start_file(format!("src/module_{f}.js"), options)?;
        zip.write_all(text.as_bytes())?;
        f += 1;
    }
    zip.finish()?.flush()
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak_rss() {
    // Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() {
    let args = args();
    let distinct = ((args.packages as f64) * (1.0 - args.shared))
        .round()
        .max(1.0) as usize;
    let target = (args.mib * 1024.0 * 1024.0) as usize;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target_dir.join(format!("codescan-bench/v2-{distinct}x{}", args.mib));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let started = Instant::now();
    let mut zipped = 0u64;
    for k in 0..distinct {
        let path = dir.join(format!("p{k}.zip"));
        if !path.exists() {
            let partial = dir.join(format!("p{k}.zip.part"));
            write_package(&partial, k as u64 + 1, target).expect("write package");
            std::fs::rename(&partial, &path).expect("rename package");
        }
        zipped += std::fs::metadata(&path).expect("package").len();
    }
    eprintln!(
        "{distinct} distinct packages, {:.2} MiB zipped on average, ready in {:.1} s",
        zipped as f64 / distinct as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );

    let served = dir.clone();
    let server = TestServer::start(move |path| {
        let name = path.trim_start_matches("/code/");
        Reply::File(served.join(format!("{name}.zip")))
    });
    // References: every distinct package once, then the shared ones again until `packages` references.
    let keys: Vec<String> = (0..args.packages)
        .map(|i| format!("p{}", i % distinct))
        .collect();
    let limits = Limits {
        concurrency: args.concurrency,
        ..Limits::default()
    };
    let ignores = Ignores::new(&ValidCodeScan::default()).expect("default ignores");
    let scanner = Scanner::new(Settings {
        limits,
        ignores,
        detect: checks_detector,
    })
    .expect("scanner");

    reset_peak_rss();
    let baseline = peak_rss_kib();
    let started = Instant::now();
    let results = scanner
        .scan_all(
            keys,
            |key| {
                std::future::ready(Ok::<_, String>(
                    server.url(&format!("/code/{key}?X-Amz-Signature=x")),
                ))
            },
            || {},
        )
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib();

    let files: u64 = results.values().map(|r| r.files_scanned).sum();
    let findings: usize = results.values().map(|r| r.findings.len()).sum();
    let mut missed: Vec<&String> = results
        .iter()
        .filter(|(_, r)| r.findings.is_empty())
        .map(|(k, _)| k)
        .collect();
    missed.sort();
    let incomplete: Vec<&String> = results
        .values()
        .flat_map(|r| r.problems.iter())
        .take(3)
        .collect();
    println!("packages (references): {}", args.packages);
    println!(
        "distinct packages downloaded: {} ({} HTTP requests)",
        results.len(),
        server.total_requests()
    );
    println!("text files scanned: {files}; findings: {findings}; problems: {incomplete:?}");
    println!("packages whose planted key was not found: {missed:?}");
    println!("concurrency: {}", args.concurrency);
    println!("wall time: {seconds:.1} s");
    println!(
        "packages/s: {:.1} (distinct downloads/s: {:.1})",
        args.packages as f64 / seconds,
        results.len() as f64 / seconds
    );
    println!(
        "throughput: {:.1} MiB/s zipped",
        zipped as f64 / 1048576.0 / seconds
    );
    println!(
        "peak RSS during the scan: {:.1} MiB (baseline before it {:.1} MiB)",
        peak as f64 / 1024.0,
        baseline as f64 / 1024.0
    );
}

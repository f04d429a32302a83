//! The emulated AWS account (mocks/emulator) on a free port, seeded with the demo account, and the `lambda-posture`
//! binary pointed at it. One seeded emulator per test binary ([`demo`]); it is killed on drop, and exits by itself
//! when the test process is gone (`--parent-pid`), so a shared static one never outlives the tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::{cli, read_json, root, run_ok};

/// The credentials and region every emulated call uses (the emulator accepts any).
pub const ACCESS_KEY: &str = "testing";
pub const SECRET_KEY: &str = "testing";
pub const REGION: &str = "us-east-1";

/// The python of `mocks/.venv` (boto3, moto, the seeders).
pub fn python() -> PathBuf {
    root().join("mocks/.venv/bin/python")
}

/// `bash mocks/setup.sh` once per test process (idempotent and quick when the venv is current).
pub fn ensure_venv() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let status = Command::new("bash")
            .arg(root().join("mocks/setup.sh"))
            .status()
            .expect("run bash mocks/setup.sh");
        assert!(status.success(), "mocks/setup.sh failed: {status}");
    });
}

/// A running emulator.
pub struct Emulator {
    child: Child,
    pub endpoint: String,
    pub port: u16,
    pub dir: TempDir,
}

impl Emulator {
    /// Start `mocks/emulator/server.py` on a free port with extra flags (e.g. `--quotas on`), and wait until it
    /// accepts requests.
    pub fn start(extra_args: &[&str]) -> Emulator {
        ensure_venv();
        let dir = tempfile::tempdir().expect("temp dir");
        let port_file = dir.path().join("port");
        let log = std::fs::File::create(dir.path().join("emulator.log")).expect("log file");
        let parent = std::process::id().to_string();
        let mut child = Command::new(python())
            .arg(root().join("mocks/emulator/server.py"))
            .args([
                "--port",
                "0",
                "--idle-timeout",
                "900",
                "--parent-pid",
                &parent,
                "--port-file",
            ])
            .arg(&port_file)
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start the emulator");
        let deadline = Instant::now() + Duration::from_secs(180);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.trim().parse::<u16>().ok())
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the emulator exited ({status}):\n{}", read_log(dir.path()));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "the emulator did not start within 180 s:\n{}",
                    read_log(dir.path())
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        Emulator {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        }
    }

    /// Run a boto3 seed script against this emulator. The script starts with `iam`, `lam` (us-east-1 clients),
    /// `trust` (Lambda's trust policy, as JSON text) and the modules `io`, `json`, `zipfile` already defined.
    pub fn seed_boto3(&self, script: &str) {
        run_ok(
            Command::new(python()).args([
                "-c",
                &format!("{BOTO3_PREAMBLE}{script}"),
                &self.endpoint,
            ]),
            "the boto3 seed script",
        );
    }

    /// Seed the demo account (`mocks/seed_demo.py`) and derive what was planted (`tests/support/planted.py`).
    pub fn seed_demo(&self) -> Demo {
        let manifest_path = self.dir.path().join("manifest.json");
        run_ok(
            Command::new(python())
                .arg(root().join("mocks/seed_demo.py"))
                .args(["--endpoint", &self.endpoint, "--manifest"])
                .arg(&manifest_path),
            "seed_demo.py",
        );
        let manifest = read_json(&manifest_path);
        let planted = run_ok(
            Command::new(python())
                .arg(root().join("tests/support/planted.py"))
                .arg(&manifest_path),
            "planted.py",
        );
        let planted = serde_json::from_slice(&planted).expect("planted.py prints JSON");
        Demo { manifest, planted }
    }

    /// Seed a generated account of `functions` functions spread over `regions` (comma-separated) with
    /// `mocks/seed_scale.py` (outside the quotas); its manifest (every function and what was planted on it).
    pub fn seed_scale(&self, functions: usize, regions: &str) -> Value {
        self.run_seed_scale(&["--functions", &functions.to_string(), "--regions", regions])
    }

    /// An organisation of `accounts` accounts (`mocks/seed_scale.py --accounts`: the management account is the
    /// caller, each member has the `LambdaPostureAudit` role trusting it), `functions` functions in each: its manifest.
    pub fn seed_organisation(&self, accounts: usize, functions: usize) -> Value {
        self.run_seed_scale(&[
            "--accounts",
            &accounts.to_string(),
            "--functions",
            &functions.to_string(),
        ])
    }

    fn run_seed_scale(&self, args: &[&str]) -> Value {
        let manifest_path = self.dir.path().join("scale-manifest.json");
        run_ok(
            Command::new(python())
                .arg(root().join("mocks/seed_scale.py"))
                .args(["--endpoint", &self.endpoint])
                .args(args)
                .arg("--manifest")
                .arg(&manifest_path),
            "seed_scale.py",
        );
        read_json(&manifest_path)
    }

    /// One admin API call (`/_lp/...`); the JSON answer.
    pub fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .expect("send the admin request");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the admin answer");
        let (head, payload) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        assert!(
            head.starts_with("HTTP/1.1 2") || head.starts_with("HTTP/1.0 2"),
            "{method} {path}: {head}\n{payload}"
        );
        if payload.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(payload)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {payload}"))
        }
    }

    /// Replace the fault rules (see mocks/emulator/faults.py).
    pub fn set_faults(&self, rules: Value) {
        self.admin(
            "POST",
            "/_lp/faults",
            Some(&serde_json::json!({ "rules": rules })),
        );
    }

    pub fn clear_faults(&self) {
        self.admin("DELETE", "/_lp/faults", None);
    }

    /// Per-operation call statistics since the last clear.
    pub fn stats(&self) -> Value {
        self.admin("GET", "/_lp/stats", None)
    }

    pub fn clear_stats(&self) {
        self.admin("DELETE", "/_lp/stats", None);
    }

    /// The environment that points an AWS client at this emulator.
    pub fn aws_env(&self) -> [(&'static str, String); 4] {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
        ]
    }

    /// The binary with an environment pointing at this emulator and nothing of the developer's own AWS setup.
    pub fn lambda_posture(&self) -> assert_cmd::Command {
        let mut cmd = cli::isolated();
        cmd.envs(self.aws_env());
        cmd
    }

    /// The same as [`Emulator::lambda_posture`], as a process to spawn and signal while it runs.
    pub fn lambda_posture_process(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("lambda-posture"));
        cmd.env_clear()
            .envs(cli::isolated_env())
            .envs(self.aws_env());
        cmd
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("emulator.log")).unwrap_or_default()
}

/// The seeded demo account: the seeder's manifest and what tests/support/planted.py derived from it.
pub struct Demo {
    pub manifest: Value,
    pub planted: Value,
}

/// One emulator seeded with the demo account, shared by the tests of a binary.
pub struct DemoAccount {
    pub emulator: Emulator,
    pub demo: Demo,
    /// Tests that change the emulator's fault rules hold this for their whole run.
    faults: Mutex<()>,
}

impl DemoAccount {
    /// Exclusive use of the fault rules; they are cleared when taken and when the guard is dropped.
    pub fn exclusive(&self) -> FaultGuard<'_> {
        let guard = self
            .faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.emulator.clear_faults();
        FaultGuard {
            account: self,
            _guard: guard,
        }
    }
}

pub struct FaultGuard<'a> {
    account: &'a DemoAccount,
    _guard: MutexGuard<'a, ()>,
}

impl Drop for FaultGuard<'_> {
    fn drop(&mut self) {
        self.account.emulator.clear_faults();
    }
}

/// The demo account of this test binary (started and seeded on first use).
pub fn demo() -> &'static DemoAccount {
    static DEMO: OnceLock<DemoAccount> = OnceLock::new();
    DEMO.get_or_init(|| {
        let emulator = Emulator::start(&[]);
        let demo = emulator.seed_demo();
        DemoAccount {
            emulator,
            demo,
            faults: Mutex::new(()),
        }
    })
}

/// One `scan --format json --output DIR/report.json --save-inventory DIR/inventory.json` of an emulator.
pub struct Scan {
    pub code: i32,
    pub stderr: String,
    pub inventory: lambda_posture_checks::inventory::Inventory,
    pub seconds: f64,
    /// Holds inventory.json and report.json.
    pub dir: TempDir,
}

impl Emulator {
    /// Scan this emulator with `extra_args` after `scan` (e.g. `--regions`); panics with stderr when no inventory
    /// was saved.
    pub fn scan(&self, extra_args: &[&str]) -> Scan {
        let dir = tempfile::tempdir().expect("temp dir");
        let inventory_path = dir.path().join("inventory.json");
        let started = Instant::now();
        let (code, _stdout, stderr) = cli::capture(
            self.lambda_posture()
                .arg("scan")
                .args(extra_args)
                .args(["--format", "json", "--output"])
                .arg(dir.path().join("report.json"))
                .arg("--save-inventory")
                .arg(&inventory_path),
        );
        let seconds = started.elapsed().as_secs_f64();
        let text = std::fs::read_to_string(&inventory_path)
            .unwrap_or_else(|e| panic!("no inventory saved ({e}); exit {code}; stderr: {stderr}"));
        let inventory =
            lambda_posture_checks::inventory::Inventory::from_json("inventory.json", &text)
                .expect("a valid inventory");
        Scan {
            code,
            stderr,
            inventory,
            seconds,
            dir,
        }
    }
}

/// What every boto3 seed script starts with (see [`Emulator::seed_boto3`]).
const BOTO3_PREAMBLE: &str = r#"
import io, json, sys, zipfile, boto3
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
iam, lam = boto3.client("iam", **kw), boto3.client("lambda", **kw)
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
"#;

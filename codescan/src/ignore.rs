//! What `--scan-code` does not report: path globs (built-in vendored noise plus `[code_scan] ignore_paths`) and
//! value patterns (`[code_scan] ignore_values`), compiled once per scan.

use globset::{GlobSet, GlobSetBuilder};
use lambda_posture_checks::config::{path_globs, ValidCodeScan};
use regex::Regex;

/// Built-in path ignores: files that hold hashes, copies of other files or vendored test fixtures, never the
/// application's credentials. Each entry is (glob, reason); docs/scan-code.md lists them.
pub const DEFAULT_IGNORES: &[(&str, &str)] = &[
    (
        "*.deps.json",
        ".NET dependency manifests: package names and sha512 hashes",
    ),
    (
        "*.map",
        "source maps: a copy of sources that are scanned themselves, plus base64 mappings",
    ),
    (
        "package-lock.json",
        "npm lock file: registry URLs and sha512 integrity hashes",
    ),
    (
        "npm-shrinkwrap.json",
        "npm lock file: registry URLs and sha512 integrity hashes",
    ),
    ("yarn.lock", "Yarn lock file: integrity hashes"),
    ("pnpm-lock.yaml", "pnpm lock file: integrity hashes"),
    ("poetry.lock", "Poetry lock file: sha256 hashes"),
    ("Pipfile.lock", "Pipenv lock file: sha256 hashes"),
    ("go.sum", "Go checksums"),
    ("Gemfile.lock", "Bundler lock file: versions and checksums"),
    ("composer.lock", "Composer lock file: dist hashes"),
    (
        "**/*.dist-info/RECORD",
        "wheel install records: one urlsafe-base64 sha256 per file",
    ),
    (
        "node_modules/**/test/**",
        "test fixtures of vendored npm modules (sample keys and tokens)",
    ),
    (
        "node_modules/**/tests/**",
        "test fixtures of vendored npm modules (sample keys and tokens)",
    ),
    (
        "node_modules/**/__tests__/**",
        "test fixtures of vendored npm modules (sample keys and tokens)",
    ),
    (
        "node_modules/**/fixtures/**",
        "test fixtures of vendored npm modules (sample keys and tokens)",
    ),
    (
        "botocore/data/**",
        "AWS service models bundled with boto3: documentation examples",
    ),
];

/// The compiled ignores of one scan.
pub struct Ignores {
    paths: GlobSet,
    values: Vec<Regex>,
}

impl Ignores {
    /// The built-in ignores (when `config.default_ignores`) and the configured ones, compiled when the configuration
    /// was validated, in one set.
    pub fn new(config: &ValidCodeScan) -> Result<Ignores, String> {
        let mut paths = GlobSetBuilder::new();
        if config.default_ignores {
            for (glob, _) in DEFAULT_IGNORES {
                for compiled in path_globs(glob).map_err(|e| format!("`{glob}`: {}", e.kind()))? {
                    paths.add(compiled);
                }
            }
        }
        for compiled in &config.ignore_paths {
            paths.add(compiled.clone());
        }
        let paths = paths
            .build()
            .map_err(|e| format!("code_scan.ignore_paths: {e}"))?;
        Ok(Ignores {
            paths,
            values: config.ignore_values.clone(),
        })
    }

    /// No ignores at all: every file scanned, every finding reported.
    pub fn none() -> Ignores {
        Ignores {
            paths: GlobSet::empty(),
            values: Vec::new(),
        }
    }

    /// Whether a file is not scanned. `inner` is its path inside its own archive, `display` the full path
    /// (`vendor/sdk.zip!inner/path` for a nested archive): either may match.
    pub fn skips_path(&self, display: &str, inner: &str) -> bool {
        self.paths.is_match(inner) || self.paths.is_match(display)
    }

    /// Whether a finding on this line is not reported.
    pub fn skips_line(&self, line: &str) -> bool {
        self.values.iter().any(|re| re.is_match(line))
    }

    pub fn has_value_patterns(&self) -> bool {
        !self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_posture_checks::config::{CodeScanConfig, IgnorePath, IgnoreValue};

    fn compiled(config: CodeScanConfig) -> Ignores {
        Ignores::new(&config.validate().unwrap()).unwrap()
    }

    fn defaults() -> Ignores {
        compiled(CodeScanConfig::default())
    }

    #[test]
    fn defaults_skip_vendored_noise_but_not_vendored_code() {
        let i = defaults();
        for path in [
            "MyApp.deps.json",
            "bin/MyApp.deps.json",
            "dist/index.min.js.map",
            "package-lock.json",
            "node_modules/jsonwebtoken/test/keys/priv.pem",
            "node_modules/@scope/pkg/tests/fixture.js",
            "requests-2.32.3.dist-info/RECORD",
            "botocore/data/s3/2006-03-01/examples-1.json",
        ] {
            assert!(i.skips_path(path, path), "{path} should be skipped");
        }
        for path in [
            "node_modules/@acme/uploader/config.js",
            "tests/settings.py",
            "app.py",
            ".env",
            "config/deps.json.py",
        ] {
            assert!(!i.skips_path(path, path), "{path} should be scanned");
        }
    }

    #[test]
    fn nested_paths_match_inside_their_archive() {
        let i = defaults();
        assert!(i.skips_path(
            "vendor/sdk.zip!node_modules/x/test/a.js",
            "node_modules/x/test/a.js"
        ));
        let configured = compiled(CodeScanConfig {
            default_ignores: false,
            ignore_paths: vec![IgnorePath {
                glob: "vendor/*.zip!fixtures/**".into(),
                reason: "r".into(),
            }],
            ignore_values: vec![],
        });
        assert!(configured.skips_path("vendor/sdk.zip!fixtures/a.json", "fixtures/a.json"));
        assert!(
            !configured.skips_path("package-lock.json", "package-lock.json"),
            "defaults off"
        );
    }

    #[test]
    fn value_patterns_match_the_line() {
        let i = compiled(CodeScanConfig {
            default_ignores: true,
            ignore_paths: vec![],
            ignore_values: vec![IgnoreValue {
                pattern: r"sk_test_\w+".into(),
                reason: "test keys".into(),
            }],
        });
        assert!(i.skips_line("STRIPE=sk_test_abc"));
        assert!(!i.skips_line("STRIPE=sk_live_abc"));
    }
}

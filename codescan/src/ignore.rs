//! What `--scan-code` does not report: path globs (built-in vendored noise plus `[code_scan] ignore_paths`) and
//! value patterns (`[code_scan] ignore_values`), compiled once per scan.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use lambda_posture_checks::config::CodeScanConfig;
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
    /// Compile the configuration (validated when it was loaded; an entry that still fails is an error here).
    pub fn new(config: &CodeScanConfig) -> Result<Ignores, String> {
        let defaults = DEFAULT_IGNORES
            .iter()
            .filter(|_| config.default_ignores)
            .map(|(glob, _)| *glob);
        let configured = config.ignore_paths.iter().map(|p| p.glob.as_str());
        let mut paths = GlobSetBuilder::new();
        for glob in defaults.chain(configured) {
            for variant in glob_variants(glob) {
                let compiled = GlobBuilder::new(&variant)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("code_scan.ignore_paths: `{glob}`: {}", e.kind()))?;
                paths.add(compiled);
            }
        }
        let paths = paths
            .build()
            .map_err(|e| format!("code_scan.ignore_paths: {e}"))?;
        let values = config
            .ignore_values
            .iter()
            .map(|v| {
                Regex::new(&v.pattern)
                    .map_err(|e| format!("code_scan.ignore_values: `{}`: {e}", v.pattern))
            })
            .collect::<Result<_, _>>()?;
        Ok(Ignores { paths, values })
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

/// A glob without `/` matches the file name at any depth (like .gitignore); one starting with `**/` also matches
/// at the root.
fn glob_variants(glob: &str) -> Vec<String> {
    if glob.contains('/') {
        vec![glob.to_string()]
    } else {
        vec![glob.to_string(), format!("**/{glob}")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_posture_checks::config::{IgnorePath, IgnoreValue};

    fn defaults() -> Ignores {
        Ignores::new(&CodeScanConfig::default()).unwrap()
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
        let configured = Ignores::new(&CodeScanConfig {
            default_ignores: false,
            ignore_paths: vec![IgnorePath {
                glob: "vendor/*.zip!fixtures/**".into(),
                reason: "r".into(),
            }],
            ignore_values: vec![],
        })
        .unwrap();
        assert!(configured.skips_path("vendor/sdk.zip!fixtures/a.json", "fixtures/a.json"));
        assert!(
            !configured.skips_path("package-lock.json", "package-lock.json"),
            "defaults off"
        );
    }

    #[test]
    fn value_patterns_match_the_line() {
        let i = Ignores::new(&CodeScanConfig {
            default_ignores: true,
            ignore_paths: vec![],
            ignore_values: vec![IgnoreValue {
                pattern: r"sk_test_\w+".into(),
                reason: "test keys".into(),
            }],
        })
        .unwrap();
        assert!(i.skips_line("STRIPE=sk_test_abc"));
        assert!(!i.skips_line("STRIPE=sk_live_abc"));
    }
}

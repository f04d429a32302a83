//! The package scanner on generated zips: nested archives, binaries skipped by content, .env files, vendored
//! ignores, value patterns, corrupt archives and every cap recorded as a reason, never a silent pass.

use lambda_posture_checks::config::{CodeScanConfig, IgnorePath, IgnoreValue};
use lambda_posture_codescan::testing::{detect_fake, temp_file, zip_of, FAKE_KEY};
use lambda_posture_codescan::{Finding, Ignores, Limits, PackageScan, Scanner, Settings};

fn scanner_with(limits: Limits, config: &CodeScanConfig) -> Scanner {
    Scanner::new(Settings {
        limits,
        ignores: Ignores::new(&config.validate().unwrap()).unwrap(),
        detect: detect_fake,
    })
    .unwrap()
}

fn scan_with(bytes: &[u8], limits: Limits, config: &CodeScanConfig) -> PackageScan {
    scanner_with(limits, config).scan_file_blocking(temp_file(bytes))
}

fn scan(bytes: &[u8]) -> PackageScan {
    scan_with(bytes, Limits::default(), &CodeScanConfig::default())
}

fn places(scan: &PackageScan) -> Vec<(String, u32)> {
    scan.findings
        .iter()
        .map(|f| (f.path.clone(), f.line))
        .collect()
}

fn secret_line(name: &str) -> String {
    format!("{name} = \"{FAKE_KEY}\"\n")
}

#[test]
fn secrets_in_source_config_and_dotenv_files_are_found_at_their_line() {
    let source = format!(
        "import os\n\n{}def handler(e, c):\n    pass\n",
        secret_line("KEY")
    );
    let dotenv = format!("LOG_LEVEL=info\nSTRIPE={FAKE_KEY}\n");
    let package = zip_of(&[
        ("app.py", source.as_bytes()),
        (".env", dotenv.as_bytes()),
        (
            "config/settings.yaml",
            format!("db:\n  password: {FAKE_KEY}\n").as_bytes(),
        ),
        ("clean.py", b"print('hello')\n"),
    ]);
    let result = scan(&package);
    assert!(result.is_complete(), "{:?}", result.problems);
    assert_eq!(result.files_scanned, 4);
    assert_eq!(
        places(&result),
        [
            (".env".to_string(), 2),
            ("app.py".to_string(), 3),
            ("config/settings.yaml".to_string(), 2)
        ]
    );
    assert!(result
        .findings
        .iter()
        .all(|f| !f.masked_preview.contains(FAKE_KEY)));
}

#[test]
fn nested_zips_and_jars_are_opened_one_level_deep() {
    let inner = zip_of(&[(
        "credentials.json",
        format!("{{\n  \"token\": \"{FAKE_KEY}\"\n}}\n").as_bytes(),
    )]);
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("app.properties", secret_line("k").as_bytes()),
    ]);
    let package = zip_of(&[
        ("app.py", b"x = 1\n"),
        ("vendor/partner-sdk.zip", &inner),
        ("lib/tool.jar", &jar),
    ]);
    let result = scan(&package);
    assert!(result.is_complete(), "{:?}", result.problems);
    assert_eq!(
        places(&result),
        [
            ("lib/tool.jar!app.properties".to_string(), 1),
            ("vendor/partner-sdk.zip!credentials.json".to_string(), 2)
        ]
    );
    assert_eq!(
        result.files_scanned, 4,
        "app.py, the manifest, app.properties and credentials.json"
    );
}

#[test]
fn an_archive_nested_two_levels_deep_is_reported_not_opened() {
    let deepest = zip_of(&[("k.txt", secret_line("k").as_bytes())]);
    let middle = zip_of(&[("deep.zip", &deepest)]);
    let result = scan(&zip_of(&[("outer.zip", &middle)]));
    assert!(result.findings.is_empty());
    assert_eq!(
        result.problems,
        ["outer.zip!deep.zip: archive nested two levels deep; not opened"]
    );
}

#[test]
fn binaries_are_skipped_by_content_not_by_name() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    elf.extend_from_slice(FAKE_KEY.as_bytes());
    let package = zip_of(&[
        ("bootstrap", &elf),
        ("lib/libfoo.so", &elf),
        // A text file with an image's name is text: it is scanned.
        ("assets/logo.png", secret_line("key").as_bytes()),
    ]);
    let result = scan(&package);
    assert!(result.is_complete());
    assert_eq!(result.files_binary, 2);
    assert_eq!(places(&result), [("assets/logo.png".to_string(), 1)]);
}

#[test]
fn vendored_noise_is_ignored_but_vendored_code_is_scanned() {
    let key = secret_line("slackToken");
    let package = zip_of(&[
        ("node_modules/jsonwebtoken/test/keys.js", key.as_bytes()),
        ("node_modules/@acme/uploader/config.js", key.as_bytes()),
        ("package-lock.json", key.as_bytes()),
        ("bin/App.deps.json", key.as_bytes()),
    ]);
    let result = scan(&package);
    assert_eq!(
        places(&result),
        [("node_modules/@acme/uploader/config.js".to_string(), 1)]
    );
    assert_eq!(result.files_ignored, 3);
    let everything = CodeScanConfig {
        default_ignores: false,
        ..CodeScanConfig::default()
    };
    assert_eq!(
        scan_with(&package, Limits::default(), &everything)
            .findings
            .len(),
        4,
        "defaults can be turned off"
    );
}

#[test]
fn configured_path_globs_and_value_patterns_apply() {
    let package = zip_of(&[
        ("fixtures/sample.env", secret_line("A").as_bytes()),
        (
            "app.py",
            format!("{}# test value: {FAKE_KEY} allowlisted\n", secret_line("B")).as_bytes(),
        ),
    ]);
    let config = CodeScanConfig {
        default_ignores: true,
        ignore_paths: vec![IgnorePath {
            glob: "fixtures/**".into(),
            reason: "test data".into(),
        }],
        ignore_values: vec![IgnoreValue {
            pattern: "allowlisted$".into(),
            reason: "documented sample".into(),
        }],
    };
    let result = scan_with(&package, Limits::default(), &config);
    assert_eq!(places(&result), [("app.py".to_string(), 1)]);
}

#[test]
fn corrupt_archives_are_unscanned_with_the_reason() {
    let garbage = scan(b"this is not a zip file at all");
    assert!(garbage.findings.is_empty() && garbage.files_scanned == 0);
    assert!(
        garbage.problems[0].starts_with("not a valid zip archive"),
        "{:?}",
        garbage.problems
    );

    let package = zip_of(&[("a.py", secret_line("k").as_bytes())]);
    let truncated = scan(&package[..package.len() / 2]);
    assert!(
        !truncated.is_complete(),
        "a truncated download is not a clean package"
    );

    // Damage the entry's checksum (local header and central directory): the directory still reads, the entry
    // fails its CRC check once read.
    let mut damaged = zip_of(&[("a.py", secret_line("k").as_bytes())]);
    let local = find(&damaged, b"PK\x03\x04");
    let central = find(&damaged, b"PK\x01\x02");
    damaged[local + 14] ^= 0xff;
    damaged[central + 16] ^= 0xff;
    let result = scan(&damaged);
    assert!(!result.is_complete(), "a corrupt entry must be reported");
    assert!(
        result.problems[0].starts_with("a.py: corrupt"),
        "{:?}",
        result.problems
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("signature present")
}

#[test]
fn a_text_file_over_the_file_cap_is_scanned_in_part_and_reported() {
    let big = format!(
        "{}{}",
        secret_line("early"),
        "filler line of code\n".repeat(10_000)
    );
    let package = zip_of(&[("bundle.js", big.as_bytes())]);
    let limits = Limits {
        max_file_bytes: 64 * 1024,
        ..Limits::default()
    };
    let result = scan_with(&package, limits, &CodeScanConfig::default());
    assert_eq!(
        places(&result),
        [("bundle.js".to_string(), 1)],
        "its beginning is still scanned"
    );
    assert_eq!(
        result.problems,
        ["bundle.js: larger than 65536 bytes; only its beginning was scanned"]
    );
}

#[test]
fn the_package_cap_stops_the_scan_with_the_reason() {
    let files: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| {
            (
                format!("src/m{i:02}.py"),
                format!("{}{}", "x = 1\n".repeat(2000), secret_line("k")).into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let package = zip_of(&refs);
    let complete = scan(&package);
    assert!(complete.is_complete() && complete.findings.len() == 20);

    // Declared sizes over the cap: refused before reading anything.
    let limits = Limits {
        max_unzipped_bytes: 100 * 1024,
        ..Limits::default()
    };
    let declared = scan_with(&package, limits, &CodeScanConfig::default());
    assert!(
        declared.problems[0].starts_with("declares"),
        "{:?}",
        declared.problems
    );

    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let entries = scan_with(&package, limits, &CodeScanConfig::default());
    assert_eq!(entries.problems, ["20 entries, over the cap of 10"]);
}

#[test]
fn a_zip_bomb_entry_is_not_inflated() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let package = zip_of(&[
        ("bomb.bin", &zeros),
        ("app.py", secret_line("k").as_bytes()),
    ]);
    let result = scan(&package);
    assert_eq!(
        places(&result),
        [("app.py".to_string(), 1)],
        "the rest of the package is still scanned"
    );
    assert_eq!(result.problems.len(), 1);
    assert!(
        result.problems[0].starts_with("bomb.bin: compression ratio")
            && result.problems[0].contains("zip bomb")
    );
}

#[test]
fn findings_carry_rule_and_masked_preview_only() {
    let result = scan(&zip_of(&[("a.py", secret_line("k").as_bytes())]));
    assert_eq!(
        result.findings,
        [Finding {
            path: "a.py".into(),
            line: 1,
            rule_id: "fake-key".into(),
            masked_preview: "FAKE…(20 chars)".into()
        }]
    );
}

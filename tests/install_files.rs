//! The install files no test would otherwise build: the Dockerfile (no container engine here; the image is built where
//! one exists, README "Install") and the GitHub composite action. Checks what can be checked without running them.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The `[[bin]]` name of the root crate.
fn binary_name() -> String {
    let manifest = read("Cargo.toml");
    let bin = manifest
        .split("[[bin]]")
        .nth(1)
        .expect("Cargo.toml has a [[bin]]");
    let line = bin.lines().find(|l| l.starts_with("name = ")).unwrap();
    line.trim_start_matches("name = ")
        .trim_matches('"')
        .to_string()
}

#[test]
fn dockerfile_copies_existing_paths_and_runs_the_binary_as_non_root() {
    let dockerfile = read("Dockerfile");
    let ignored = read(".dockerignore");
    let ignored: Vec<&str> = ignored
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let bin = binary_name();
    let copies: Vec<Vec<&str>> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let from_context: Vec<&Vec<&str>> = copies
        .iter()
        .filter(|c| !c[0].starts_with("--from="))
        .collect();
    assert!(!from_context.is_empty());
    for copy in &from_context {
        for source in &copy[..copy.len() - 1] {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
                "Dockerfile copies {source}, which does not exist"
            );
            assert!(
                !ignored.contains(source),
                "Dockerfile copies {source}, which .dockerignore leaves out"
            );
        }
    }
    // Every file the build needs is copied: the manifests, every crate's sources and the bench Cargo.toml declares.
    let copied: Vec<&str> = from_context
        .iter()
        .flat_map(|c| c[..c.len() - 1].to_vec())
        .collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "checks",
        "codescan",
        "benches",
    ] {
        assert!(
            copied.contains(&needed),
            "Dockerfile does not copy {needed}"
        );
    }
    assert!(dockerfile.contains("cargo build --release --locked"));
    let runtime = dockerfile.rsplit("\nFROM ").next().unwrap();
    let from_builder = copies
        .iter()
        .find(|c| c[0] == "--from=builder")
        .expect("runtime copies from the builder");
    assert_eq!(from_builder[1], format!("/src/target/release/{bin}"));
    assert!(
        runtime.contains("ca-certificates"),
        "the runtime needs CA certificates for TLS to AWS"
    );
    let user = runtime
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the runtime sets a USER");
    assert_ne!(user.trim(), "root");
    assert!(runtime.contains(&format!("ENTRYPOINT [\"{bin}\"]")));
}

#[test]
fn builder_image_meets_the_crates_rust_version() {
    let manifest = read("Cargo.toml");
    let msrv = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    let dockerfile = read("Dockerfile");
    let image = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("FROM rust:"))
        .expect("builder FROM rust:X.Y");
    let version =
        |s: &str| -> Vec<u32> { s.split(['.', '-']).map_while(|p| p.parse().ok()).collect() };
    let (image, msrv) = (version(image), version(msrv));
    assert!(
        image[..2] >= msrv[..2],
        "builder rust:{image:?} is older than rust-version {msrv:?}"
    );
}

#[test]
fn action_installs_scans_to_sarif_and_uploads() {
    let action = read("action.yml");
    assert!(action.contains("using: composite"));
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(action.contains(&format!("{} scan --format sarif --output", binary_name())));
    // v4: GitHub deprecates the CodeQL Action v3 in December 2026 (changelog 2025-10-28).
    assert!(action.contains("uses: github/codeql-action/upload-sarif@v4"));
    // Inputs reach the shell through env, never pasted into the script (a workflow's inputs are not trusted code).
    let scripts = action
        .split("run: ")
        .skip(1)
        .map(|s| s.split("\n    - ").next().unwrap());
    for script in scripts {
        assert!(
            !script.contains("${{"),
            "action.yml pastes an expression into a script: {script}"
        );
    }
}

/// The script of the action step named `name` (its `run: |` block, unindented).
fn action_script(action: &str, name: &str) -> String {
    let step = action
        .split("    - name: ")
        .find(|s| s.starts_with(name))
        .unwrap_or_else(|| panic!("action.yml has no step `{name}`"));
    let block = step.split("run: |\n").nth(1).expect("a run: | block");
    block
        .lines()
        .take_while(|l| l.starts_with("        ") || l.is_empty())
        .map(|l| l.trim_start_matches("        "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_actions_category_input_sets_the_runs_category() {
    // upload-sarif's `category` only fills a run that has no automationDetails; lambda-posture's runs have one, so
    // the action writes the category into the file. Run the step's script as the runner would (jq is on GitHub's
    // runners).
    let action = read("action.yml");
    let script = action_script(&action, "Set the code-scanning category");
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let original = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "automationDetails": { "id": "lambda-posture/123456789012/" }, "results": [{ "ruleId": "x" }] }]
    });
    for (category, id) in [
        ("prod-eu-west-1", "prod-eu-west-1/"),
        ("prod/eu/", "prod/eu/"),
    ] {
        std::fs::write(&sarif, original.to_string()).unwrap();
        let status = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .env("LP_OUTPUT", &sarif)
            .env("LP_CATEGORY", category)
            .status()
            .expect("bash runs");
        assert!(status.success());
        let mut written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        assert_eq!(written["runs"][0]["automationDetails"]["id"], id);
        written["runs"][0]["automationDetails"]["id"] = "lambda-posture/123456789012/".into();
        assert_eq!(written, original, "nothing else changes");
    }
    // The upload step no longer passes a category it would ignore.
    let upload = action
        .split("- name: Upload to GitHub code scanning")
        .nth(1)
        .unwrap();
    assert!(!upload
        .split("\n    - ")
        .next()
        .unwrap()
        .contains("category:"));
}

//! `--scan-code` glue: finds every distinct deployment package (functions by CodeSha256, layer versions through
//! GetLayerVersionByArn), has [`lambda_posture_codescan`] scan each one once, and files the results into each function's
//! `code_scan`. Download URLs are asked for just before each download (GetFunction / GetLayerVersionByArn): they
//! are presigned for ten minutes only, and a long scan would outlive URLs collected up front.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::{Region, SdkConfig};
use aws_sdk_lambda::Client;
use futures::StreamExt;
use indicatif::ProgressBar;
use lambda_posture_checks::arn::Arn;
use lambda_posture_checks::config::ValidCodeScan;
use lambda_posture_checks::inventory::{
    CodeScan, CodeSecret, Function, ScannedPackage, UnscannedPackage,
};

use super::pacing::{Bucket, Call};
use super::Ctx;
use lambda_posture_codescan::detector::checks_detector;
use lambda_posture_codescan::{Ignores, Limits, PackageScan, Scanner, Settings};

/// A layer URL younger than this is used as is; an older one is asked for again (they expire after ten minutes).
const URL_FRESH_FOR: Duration = Duration::from_secs(5 * 60);
/// GetLayerVersionByArn calls in flight (they are paced per region anyway).
const LAYER_LOOKUPS_IN_FLIGHT: usize = 16;
/// Problems spelled out in an `unscanned` reason; the rest are counted.
const PROBLEMS_SHOWN: usize = 3;

/// Scan the packages of `functions` and their layers, and set each function's `code_scan`.
pub async fn scan(
    ctx: &Ctx,
    sdk: &SdkConfig,
    config: &ValidCodeScan,
    functions: &mut [Function],
    progress: bool,
) {
    let scanner = Ignores::new(config).and_then(|ignores| {
        Scanner::new(Settings {
            limits: Limits::default(),
            ignores,
            detect: checks_detector,
        })
    });
    let scanner = match scanner {
        Ok(scanner) => scanner,
        Err(reason) => {
            for f in functions.iter_mut() {
                f.code_scan = Some(unscannable(
                    f,
                    &format!("--scan-code could not start: {reason}"),
                ));
            }
            return;
        }
    };
    let aws = Aws::new(ctx, sdk, functions);
    let layers = aws.resolve_layers(functions).await;
    let packages = distinct_packages(functions, &layers);
    let bar = progress_bar(progress, packages.len());
    let keys: Vec<String> = packages.keys().cloned().collect();
    let results = scanner
        .scan_all(keys, |sha| aws.locate(&packages, sha), || bar.inc(1))
        .await;
    bar.finish_with_message("done");
    tracing::info!(
        packages = results.len(),
        complete = results.values().filter(|r| r.is_complete()).count(),
        findings = results.values().map(|r| r.findings.len()).sum::<usize>(),
        "code scan finished"
    );
    for f in functions.iter_mut() {
        f.code_scan = Some(code_scan_of(f, &layers, &results));
    }
}

/// Where a package can be downloaded from.
#[derive(Debug, Clone)]
enum Locator {
    Function { region: String, arn: String },
    Layer { arn: String },
}

/// A layer version as GetLayerVersionByArn described it.
struct LayerPackage {
    code_sha256: String,
}

/// Every distinct package: CodeSha256 → where to get it (the first function or layer that has it).
fn distinct_packages(
    functions: &[Function],
    layers: &BTreeMap<String, Result<LayerPackage, String>>,
) -> BTreeMap<String, Locator> {
    let mut packages = BTreeMap::new();
    for f in functions.iter().filter(|f| !is_image(f)) {
        if let Some(sha) = &f.code_sha256 {
            packages
                .entry(sha.clone())
                .or_insert_with(|| Locator::Function {
                    region: f.region.clone(),
                    arn: f.arn.clone(),
                });
        }
    }
    for (arn, layer) in layers {
        if let Ok(layer) = layer {
            packages
                .entry(layer.code_sha256.clone())
                .or_insert_with(|| Locator::Layer { arn: arn.clone() });
        }
    }
    packages
}

/// The Lambda side: one client per region, paced calls, layer URLs kept while fresh.
struct Aws<'a> {
    ctx: &'a Ctx,
    clients: HashMap<String, Client>,
    /// Layer version ARN → download URL and when it was issued; taken by the first download.
    layer_urls: Mutex<HashMap<String, (String, Instant)>>,
}

impl<'a> Aws<'a> {
    fn new(ctx: &'a Ctx, sdk: &SdkConfig, functions: &[Function]) -> Self {
        let regions: BTreeSet<String> = functions
            .iter()
            .map(|f| f.region.clone())
            .chain(
                functions
                    .iter()
                    .flat_map(|f| f.layers.iter().filter_map(|l| arn_region(&l.arn))),
            )
            .collect();
        let clients = regions
            .into_iter()
            .map(|region| {
                let config = aws_sdk_lambda::config::Builder::from(sdk)
                    .region(Region::new(region.clone()))
                    .build();
                (region, Client::from_conf(config))
            })
            .collect();
        Aws {
            ctx,
            clients,
            layer_urls: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self, region: &str) -> Result<&Client, String> {
        self.clients
            .get(region)
            .ok_or_else(|| format!("no Lambda client for region `{region}`"))
    }

    /// GetLayerVersionByArn for every layer version used: its CodeSha256 (the dedupe key) and a first URL.
    async fn resolve_layers(
        &self,
        functions: &[Function],
    ) -> BTreeMap<String, Result<LayerPackage, String>> {
        let arns: BTreeSet<String> = functions
            .iter()
            .flat_map(|f| f.layers.iter().map(|l| l.arn.clone()))
            .collect();
        futures::stream::iter(arns)
            .map(|arn| async move {
                let resolved = self.layer_version(&arn).await.map(|(sha, url)| {
                    self.layer_urls
                        .lock()
                        .expect("layer urls")
                        .insert(arn.clone(), (url, Instant::now()));
                    LayerPackage { code_sha256: sha }
                });
                (arn, resolved)
            })
            .buffer_unordered(LAYER_LOOKUPS_IN_FLIGHT)
            .collect()
            .await
    }

    /// (CodeSha256, Content.Location) of a layer version; a failure is recorded as a gap about the layer ARN.
    async fn layer_version(&self, arn: &str) -> Result<(String, String), String> {
        let region =
            arn_region(arn).ok_or_else(|| format!("`{arn}` is not a layer version ARN"))?;
        let client = self.client(&region)?;
        let call = Call::lambda("GetLayerVersionByArn", &region, Bucket::LambdaControlPlane);
        let out = self
            .ctx
            .pacer
            .call(call, || client.get_layer_version_by_arn().arn(arn).send())
            .await
            .map_err(|e| {
                self.ctx.gaps.record(&e, Some(arn));
                e.to_string()
            })?;
        let content = out
            .content()
            .ok_or("GetLayerVersionByArn returned no Content")?;
        let sha = content
            .code_sha256()
            .ok_or("GetLayerVersionByArn returned no Content.CodeSha256")?;
        let url = content
            .location()
            .ok_or("GetLayerVersionByArn returned no Content.Location")?;
        Ok((sha.to_string(), url.to_string()))
    }

    /// A download URL for the package `sha`, fresh enough to use now.
    async fn locate(
        &self,
        packages: &BTreeMap<String, Locator>,
        sha: String,
    ) -> Result<String, String> {
        match packages.get(&sha) {
            Some(Locator::Function { region, arn }) => self.function_url(region, arn, &sha).await,
            Some(Locator::Layer { arn }) => {
                let kept = self.layer_urls.lock().expect("layer urls").remove(arn);
                match kept {
                    Some((url, issued)) if issued.elapsed() < URL_FRESH_FOR => Ok(url),
                    _ => self.layer_version(arn).await.map(|(_, url)| url),
                }
            }
            None => Err(format!("no package with CodeSha256 {sha}")),
        }
    }

    /// GetFunction's Code.Location, if the function still runs the package that was listed.
    async fn function_url(&self, region: &str, arn: &str, sha: &str) -> Result<String, String> {
        let client = self.client(region)?;
        let call = Call::lambda("GetFunction", region, Bucket::GetFunction);
        let out = self
            .ctx
            .pacer
            .call(call, || client.get_function().function_name(arn).send())
            .await
            .map_err(|e| {
                self.ctx.gaps.record(&e, Some(arn));
                e.to_string()
            })?;
        let now = out.configuration().and_then(|c| c.code_sha256());
        if now.is_some_and(|now| now != sha) {
            return Err(format!(
                "the code changed during the scan (CodeSha256 {sha} is no longer deployed)"
            ));
        }
        let location = out.code().and_then(|c| c.location());
        location
            .map(str::to_string)
            .ok_or_else(|| "GetFunction returned no Code.Location".to_string())
    }
}

/// The region of a Lambda ARN (`arn:aws:lambda:REGION:…`).
fn arn_region(arn: &str) -> Option<String> {
    Arn::parse(arn)
        .ok()
        .map(|arn| arn.region)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

fn is_image(f: &Function) -> bool {
    f.package_type.eq_ignore_ascii_case("image")
}

/// What `--scan-code` found for one function: its own package and each of its layers.
fn code_scan_of(
    f: &Function,
    layers: &BTreeMap<String, Result<LayerPackage, String>>,
    results: &HashMap<String, PackageScan>,
) -> CodeScan {
    if is_image(f) {
        return unscannable(f, "container image: --scan-code reads zip packages only; scan the image with an image scanner");
    }
    let mut scan = CodeScan::default();
    let own = match &f.code_sha256 {
        Some(sha) => results
            .get(sha)
            .map(|r| (sha.as_str(), r))
            .ok_or_else(|| "package was not scanned".to_string()),
        None => Err("CodeSha256 unknown: GetFunction was not collected (see gaps)".to_string()),
    };
    file_package(&mut scan, "function", own);
    for layer in &f.layers {
        let result = match layers.get(&layer.arn) {
            Some(Ok(package)) => results
                .get(&package.code_sha256)
                .map(|r| (package.code_sha256.as_str(), r))
                .ok_or_else(|| "layer package was not scanned".to_string()),
            Some(Err(reason)) => Err(reason.clone()),
            None => Err("layer version was not resolved".to_string()),
        };
        file_package(&mut scan, &layer.arn, result);
    }
    scan.findings.sort_by(|a, b| {
        (&a.source, &a.path, a.line, &a.rule_id).cmp(&(&b.source, &b.path, b.line, &b.rule_id))
    });
    scan
}

/// Add one package's outcome under `source` (`function` or a layer version ARN).
fn file_package(scan: &mut CodeScan, source: &str, result: Result<(&str, &PackageScan), String>) {
    let (sha, package) = match result {
        Ok(found) => found,
        Err(reason) => {
            scan.unscanned.push(UnscannedPackage {
                source: source.to_string(),
                reason,
            });
            return;
        }
    };
    if package.is_complete() {
        scan.scanned.push(ScannedPackage {
            source: source.to_string(),
            code_sha256: Some(sha.to_string()),
            files_scanned: package.files_scanned,
        });
    } else {
        scan.unscanned.push(UnscannedPackage {
            source: source.to_string(),
            reason: summarize(&package.problems),
        });
    }
    scan.findings
        .extend(package.findings.iter().map(|f| CodeSecret {
            source: source.to_string(),
            path: f.path.clone(),
            line: f.line,
            rule_id: f.rule_id.clone(),
            masked_preview: f.masked_preview.clone(),
        }));
}

/// The first problems, and how many more there were.
fn summarize(problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > PROBLEMS_SHOWN {
        text.push_str(&format!("; and {} more", problems.len() - PROBLEMS_SHOWN));
    }
    text
}

/// The whole function could not be scanned (container image, or the scanner could not start).
fn unscannable(f: &Function, reason: &str) -> CodeScan {
    let sources =
        std::iter::once("function".to_string()).chain(f.layers.iter().map(|l| l.arn.clone()));
    CodeScan {
        unscanned: sources
            .map(|source| UnscannedPackage {
                source,
                reason: reason.to_string(),
            })
            .collect(),
        ..CodeScan::default()
    }
}

fn progress_bar(enabled: bool, packages: usize) -> ProgressBar {
    super::progress::counter(
        enabled,
        packages,
        "{prefix:>15} [{bar:30}] {pos}/{len} packages {msg}",
    )
    .with_prefix("code")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_posture_checks::inventory::LayerRef;
    use lambda_posture_codescan::Finding;

    fn function(name: &str, sha: Option<&str>, layers: &[&str]) -> Function {
        Function {
            arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            name: name.into(),
            region: "us-east-1".into(),
            package_type: "Zip".into(),
            code_sha256: sha.map(str::to_string),
            layers: layers
                .iter()
                .map(|a| LayerRef {
                    arn: a.to_string(),
                    ..LayerRef::default()
                })
                .collect(),
            ..Function::default()
        }
    }

    const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:utils:3";

    #[test]
    fn shared_code_is_one_package() {
        let fs = [
            function("a", Some("S1"), &[LAYER]),
            function("b", Some("S1"), &[]),
            function("c", Some("S2"), &[]),
        ];
        let layers = BTreeMap::from([(
            LAYER.to_string(),
            Ok(LayerPackage {
                code_sha256: "S1".into(),
            }),
        )]);
        let packages = distinct_packages(&fs, &layers);
        assert_eq!(
            packages.keys().collect::<Vec<_>>(),
            ["S1", "S2"],
            "a layer identical to a function's code is one package"
        );
    }

    #[test]
    fn results_are_filed_per_function_and_layer() {
        let f = function(
            "a",
            Some("S1"),
            &[LAYER, "arn:aws:lambda:us-east-1:999999999999:layer:x:1"],
        );
        let layers = BTreeMap::from([
            (
                LAYER.to_string(),
                Ok(LayerPackage {
                    code_sha256: "L1".into(),
                }),
            ),
            (
                "arn:aws:lambda:us-east-1:999999999999:layer:x:1".to_string(),
                Err("AccessDeniedException: no".to_string()),
            ),
        ]);
        let finding = Finding {
            path: "x.py".into(),
            line: 3,
            rule_id: "r".into(),
            masked_preview: "ab…(9 chars)".into(),
        };
        let results = HashMap::from([
            (
                "S1".to_string(),
                PackageScan {
                    files_scanned: 4,
                    ..PackageScan::default()
                },
            ),
            (
                "L1".to_string(),
                PackageScan {
                    files_scanned: 1,
                    findings: vec![finding],
                    problems: vec!["big.js: larger than 16 MiB".into()],
                    ..PackageScan::default()
                },
            ),
        ]);
        let scan = code_scan_of(&f, &layers, &results);
        assert_eq!(
            scan.scanned,
            vec![ScannedPackage {
                source: "function".into(),
                code_sha256: Some("S1".into()),
                files_scanned: 4
            }]
        );
        assert_eq!(scan.unscanned.len(), 2);
        assert_eq!(
            scan.unscanned[0],
            UnscannedPackage {
                source: LAYER.into(),
                reason: "big.js: larger than 16 MiB".into()
            }
        );
        assert!(scan.unscanned[1].reason.contains("AccessDenied"));
        assert_eq!(scan.findings.len(), 1);
        assert_eq!(
            (scan.findings[0].source.as_str(), scan.findings[0].line),
            (LAYER, 3)
        );
    }

    #[test]
    fn images_and_unknown_code_are_never_a_silent_pass() {
        let mut image = function("img", None, &[]);
        image.package_type = "Image".into();
        let scan = code_scan_of(&image, &BTreeMap::new(), &HashMap::new());
        assert!(scan.scanned.is_empty() && scan.unscanned[0].reason.starts_with("container image"));
        let scan = code_scan_of(
            &function("nosha", None, &[]),
            &BTreeMap::new(),
            &HashMap::new(),
        );
        assert!(scan.scanned.is_empty() && scan.unscanned[0].reason.contains("CodeSha256 unknown"));
    }

    #[test]
    fn many_problems_are_summarized() {
        let problems: Vec<String> = (1..=5).map(|i| format!("p{i}")).collect();
        assert_eq!(summarize(&problems), "p1; p2; p3; and 2 more");
    }

    #[test]
    fn arn_regions() {
        assert_eq!(arn_region(LAYER).as_deref(), Some("us-east-1"));
        assert_eq!(arn_region("nope"), None);
    }
}

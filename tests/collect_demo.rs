//! The real collectors (the built binary, `scan --save-inventory`) against the emulated demo account: every function
//! of both regions, every field, every policy document decoded, last invocations to the day, no gaps.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use lambda_posture_checks::arn::{unqualified, Arn};
use lambda_posture_checks::engine;
use lambda_posture_checks::inventory::{Account, Function, Role};
use lambda_posture_checks::json_text::JsonText;
use lambda_posture_checks::timestamp::AwsTimestamp;
use serde_json::Value;

use support::{emulator, expectations};

/// The demo account collected once for every test of this file, looking back 455 days (every seeded invocation).
fn collected() -> &'static emulator::Scan {
    static COLLECTED: std::sync::OnceLock<emulator::Scan> = std::sync::OnceLock::new();
    COLLECTED.get_or_init(|| {
        let account = emulator::demo();
        let _faults = account.exclusive();
        let scan = account.emulator.scan(&["--lookback-days", "455"]);
        eprintln!(
            "scan of the demo account (every region): {:.1} s",
            scan.seconds
        );
        assert_eq!(
            scan.code, 0,
            "a complete scan exits 0 (stderr: {})",
            scan.stderr
        );
        scan
    })
}

fn planted() -> &'static Value {
    &emulator::demo().demo.planted
}

fn account() -> &'static Account {
    &collected().inventory.accounts[0]
}

/// Mismatches, all reported at once.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    fn eq<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: impl std::fmt::Display,
        got: T,
        want: T,
    ) {
        if got != want {
            self.0.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    fn check(&mut self, what: impl std::fmt::Display, ok: bool) {
        if !ok {
            self.0.push(format!("{what}"));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} mismatches:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn opt_i32(v: &Value) -> Option<i32> {
    v.as_i64().map(|n| n as i32)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_function_of_both_regions_and_nothing_else() {
    let account = account();
    let p = planted();
    assert_eq!(account.account_id, p["account_id"].as_str().unwrap());
    assert_eq!(account.partition, "aws");
    assert!(account.gaps.is_empty(), "gaps: {:#?}", account.gaps);
    assert!(account.disabled_regions.is_empty());
    // Every Lambda region was scanned (the default), including the two that hold the functions.
    assert!(
        account.regions.len() >= 30,
        "regions: {:?}",
        account.regions
    );
    for region in strings(&p["regions"]) {
        assert!(account.regions.contains(&region));
        assert!(
            account.account_settings.contains_key(&region),
            "GetAccountSettings of {region}"
        );
    }
    let got: BTreeSet<(String, String)> = account
        .functions
        .iter()
        .map(|f| (f.region.clone(), f.name.clone()))
        .collect();
    let want: BTreeSet<(String, String)> = p["functions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, f)| (f["region"].as_str().unwrap().to_string(), name.clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(collected().inventory.lookback_days, 455);
}

#[test]
fn every_field_of_every_function() {
    let mut diffs = Diffs::default();
    for f in &account().functions {
        let p = &planted()["functions"][&f.name];
        let at = |field: &str| format!("{}.{field}", f.name);
        diffs.eq(at("arn"), f.arn.as_str(), p["arn"].as_str().unwrap());
        diffs.eq(at("runtime"), f.runtime.clone(), opt_str(&p["runtime"]));
        diffs.eq(
            at("role_arn"),
            f.role_arn.as_str(),
            p["role_arn"].as_str().unwrap(),
        );
        diffs.eq(
            at("description"),
            f.description.clone(),
            opt_str(&p["description"]),
        );
        diffs.eq(at("memory_mb"), f.memory_mb, opt_i32(&p["memory_mb"]));
        diffs.eq(
            at("timeout_seconds"),
            f.timeout_seconds,
            opt_i32(&p["timeout_seconds"]),
        );
        diffs.eq(
            at("architectures"),
            f.architectures.clone(),
            strings(&p["architectures"]),
        );
        diffs.eq(at("package_type"), f.package_type.as_str(), "Zip");
        diffs.check(
            at("handler"),
            f.handler.as_deref().is_some_and(|h| !h.is_empty()),
        );
        diffs.eq(
            at("tracing_mode"),
            f.tracing_mode.clone(),
            opt_str(&p["tracing_mode"]),
        );
        diffs.eq(
            at("kms_key_arn"),
            f.kms_key_arn.clone(),
            opt_str(&p["kms_key_arn"]),
        );
        diffs.eq(
            at("code_sha256"),
            f.code_sha256.clone(),
            opt_str(&p["code_sha256"]),
        );
        diffs.check(at("code_size"), f.code_size.is_some_and(|s| s > 0));
        diffs.check(at("state"), f.state.is_some());
        compare_last_modified(&mut diffs, f, &p["last_modified"]);
        let mut env_names: Vec<String> = f.environment.iter().map(|e| e.name.clone()).collect();
        env_names.sort();
        diffs.eq(at("environment names"), env_names, strings(&p["env_names"]));
        for var in &f.environment {
            diffs.check(
                format!("{}: {} has a length", f.name, var.name),
                var.value_length > 0,
            );
        }
        diffs.eq(
            at("dead_letter_target"),
            f.dead_letter_target.clone(),
            opt_str(&p["dead_letter_target"]),
        );
        compare_vpc(&mut diffs, f, &p["vpc"]);
        let logging = f.logging.as_ref();
        diffs.eq(
            at("log_group"),
            logging.and_then(|l| l.log_group.clone()),
            opt_str(&p["log_group"]),
        );
        diffs.eq(
            at("log_format"),
            logging.and_then(|l| l.log_format.clone()),
            opt_str(&p["log_format"]),
        );
        let layers: Vec<String> = f.layers.iter().map(|l| l.arn.clone()).collect();
        diffs.eq(at("layers"), layers, strings(&p["layers"]));
        for layer in &f.layers {
            let owner = Arn::parse(&layer.arn).map_or("", |arn| arn.account);
            diffs.eq(
                format!("{}: owner of {}", f.name, layer.arn),
                layer.owner_account.as_str(),
                owner,
            );
            diffs.check(
                format!("{}: code size of {}", f.name, layer.arn),
                layer.code_size.is_some(),
            );
        }
        diffs.eq(
            at("code_signing_config_arn"),
            f.code_signing_config_arn.clone(),
            opt_str(&p["code_signing_config_arn"]),
        );
        let tags: BTreeMap<String, String> =
            serde_json::from_value(p["tags"].clone()).expect("planted tags");
        diffs.eq(at("tags"), f.tags.clone(), tags);
        diffs.eq(
            at("reserved_concurrency"),
            f.reserved_concurrency,
            opt_i32(&p["reserved_concurrency"]),
        );
        let provisioned: BTreeMap<String, i32> = f
            .provisioned_concurrency
            .iter()
            .map(|c| (c.qualifier.clone(), c.requested))
            .collect();
        let want: BTreeMap<String, i32> =
            serde_json::from_value(p["provisioned_concurrency"].clone()).unwrap();
        diffs.eq(at("provisioned_concurrency"), provisioned, want);
        let aliases: BTreeMap<String, String> = f
            .aliases
            .iter()
            .map(|a| (a.name.clone(), a.function_version.clone()))
            .collect();
        let want: BTreeMap<String, String> = serde_json::from_value(p["aliases"].clone()).unwrap();
        diffs.eq(at("aliases"), aliases, want);
        for alias in &f.aliases {
            diffs.eq(
                format!("{}: ARN of alias {}", f.name, alias.name),
                alias.arn.clone(),
                format!("{}:{}", f.arn, alias.name),
            );
        }
        diffs.eq(at("versions"), f.versions.clone(), strings(&p["versions"]));
        compare_urls(&mut diffs, f, &p["urls"]);
        compare_async(&mut diffs, f, &p["async_invoke_configs"]);
        compare_mappings(&mut diffs, f, &p["event_source_mappings"]);
        compare_permissions(&mut diffs, f, &p["permissions"]);
    }
    diffs.assert_none();
}

fn compare_last_modified(diffs: &mut Diffs, f: &Function, want: &Value) {
    let Some(want) = want.as_str() else { return };
    let want = AwsTimestamp::parse(want).expect("manifest last_modified");
    let got = f
        .last_modified
        .as_deref()
        .and_then(|t| AwsTimestamp::parse(t).ok());
    diffs.eq(format!("{}.last_modified", f.name), got, Some(want));
}

fn compare_vpc(diffs: &mut Diffs, f: &Function, want: &Value) {
    let at = |field: &str| format!("{}.vpc.{field}", f.name);
    match (&f.vpc, want.is_null()) {
        (None, true) => {}
        (Some(vpc), false) => {
            // vpc_id is not compared: moto answers a fixed "vpc-123abc" whatever the subnets (the collector reports what
            // Lambda says; no check reads it). Subnets, security groups and zones are what the checks use.
            diffs.check(at("vpc_id present"), vpc.vpc_id.is_some());
            diffs.eq(
                at("subnet_ids"),
                vpc.subnet_ids.clone(),
                strings(&want["subnet_ids"]),
            );
            diffs.eq(
                at("security_group_ids"),
                vpc.security_group_ids.clone(),
                strings(&want["security_group_ids"]),
            );
            let want_azs: BTreeMap<String, String> =
                serde_json::from_value(want["subnet_azs"].clone()).unwrap();
            diffs.eq(at("subnet_azs"), vpc.subnet_azs.clone(), Some(want_azs));
        }
        (got, _) => diffs
            .0
            .push(format!("{}.vpc: got {got:?}, want {want}", f.name)),
    }
}

fn compare_urls(diffs: &mut Diffs, f: &Function, want: &Value) {
    let got: Vec<(Option<String>, String, Option<Vec<String>>)> = f
        .urls
        .iter()
        .map(|u| {
            (
                u.qualifier.clone(),
                u.auth_type.clone(),
                u.cors.as_ref().map(|c| c.allow_origins.clone()),
            )
        })
        .collect();
    let mut want: Vec<(Option<String>, String, Option<Vec<String>>)> = want
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let origins = (!u["allow_origins"].is_null()).then(|| strings(&u["allow_origins"]));
            (
                opt_str(&u["qualifier"]),
                u["auth_type"].as_str().unwrap().to_string(),
                origins,
            )
        })
        .collect();
    want.sort();
    diffs.eq(format!("{}.urls", f.name), got, want);
    for url in &f.urls {
        diffs.check(
            format!("{}: URL {} is https", f.name, url.url),
            url.url.starts_with("https://"),
        );
    }
}

fn compare_async(diffs: &mut Diffs, f: &Function, want: &Value) {
    let got: Vec<Value> = f
        .async_invoke_configs
        .iter()
        .map(|c| {
            serde_json::json!({
                "qualifier": c.qualifier, "maximum_retry_attempts": c.maximum_retry_attempts,
                "maximum_event_age_seconds": c.maximum_event_age_seconds, "on_failure": c.on_failure,
            })
        })
        .collect();
    diffs.eq(
        format!("{}.async_invoke_configs", f.name),
        got,
        want.as_array().unwrap().clone(),
    );
    for c in &f.async_invoke_configs {
        diffs.eq(
            format!("{}: async on_success", f.name),
            c.on_success.clone(),
            None,
        );
    }
}

fn compare_mappings(diffs: &mut Diffs, f: &Function, want: &Value) {
    let want = want.as_array().unwrap();
    diffs.eq(
        format!("{}: number of event source mappings", f.name),
        f.event_source_mappings.len(),
        want.len(),
    );
    for w in want {
        let source = w["event_source_arn"].as_str();
        let Some(m) = f
            .event_source_mappings
            .iter()
            .find(|m| m.event_source_arn.as_deref() == source)
        else {
            diffs.0.push(format!(
                "{}: no event source mapping from {source:?}",
                f.name
            ));
            continue;
        };
        let at = |field: &str| {
            format!(
                "{}: mapping from {}: {field}",
                f.name,
                source.unwrap_or_default()
            )
        };
        diffs.check(at("uuid"), !m.uuid.is_empty());
        diffs.eq(
            at("function_arn"),
            unqualified(&m.function_arn),
            f.arn.as_str(),
        );
        diffs.eq(at("batch_size"), m.batch_size, opt_i32(&w["batch_size"]));
        diffs.eq(
            at("starting_position"),
            m.starting_position.clone(),
            opt_str(&w["starting_position"]),
        );
        diffs.eq(
            at("on_failure_destination"),
            m.on_failure_destination.clone(),
            opt_str(&w["on_failure_destination"]),
        );
        diffs.eq(
            at("bisect"),
            m.bisect_batch_on_function_error.filter(|b| *b),
            w["bisect_batch_on_function_error"].as_bool().filter(|b| *b),
        );
        if let Some(retries) = opt_i32(&w["maximum_retry_attempts"]) {
            diffs.eq(
                at("maximum_retry_attempts"),
                m.maximum_retry_attempts,
                Some(retries),
            );
        }
        diffs.check(at("state"), m.state.is_some());
    }
}

/// Each AddPermission shows up, decoded, in the policy of the function or of its qualifier.
fn compare_permissions(diffs: &mut Diffs, f: &Function, want: &Value) {
    let mut want_sids: BTreeMap<Option<String>, BTreeSet<String>> = BTreeMap::new();
    for perm in want.as_array().unwrap() {
        let qualifier = opt_str(&perm["qualifier"]);
        let sid = perm["sid"].as_str().unwrap();
        want_sids
            .entry(qualifier.clone())
            .or_default()
            .insert(sid.to_string());
        let policy = f
            .resource_policies
            .iter()
            .find(|p| p.qualifier == qualifier);
        let document = policy.map(|p| p.document.value());
        let statement = document.as_ref().and_then(|d| {
            d["Statement"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
        });
        let at = |what: &str| format!("{}: statement {sid} ({qualifier:?}): {what}", f.name);
        let Some(statement) = statement else {
            diffs.0.push(at("missing"));
            continue;
        };
        if perm["not_principal"].is_null() {
            diffs.eq(at("principal"), &statement["Principal"], &perm["principal"]);
        } else {
            // planted through the emulator's admin API: no Lambda API can create a NotPrincipal statement
            diffs.eq(
                at("not principal"),
                &statement["NotPrincipal"],
                &perm["not_principal"],
            );
        }
        diffs.eq(at("effect"), &statement["Effect"], &Value::from("Allow"));
        diffs.eq(at("action"), &statement["Action"], &perm["action"]);
        let resource = match &qualifier {
            Some(q) => format!("{}:{q}", f.arn),
            None => f.arn.clone(),
        };
        diffs.eq(
            at("resource"),
            statement["Resource"].as_str(),
            Some(resource.as_str()),
        );
        let conditions = statement["Condition"].to_string();
        for value in strings(&perm["condition_values"]) {
            diffs.check(
                at(&format!("condition value {value} in {conditions}")),
                conditions.contains(&format!("\"{value}\"")),
            );
        }
    }
    let got_sids: BTreeMap<Option<String>, BTreeSet<String>> = f
        .resource_policies
        .iter()
        .map(|p| {
            let document = p.document.value();
            let sids = document["Statement"].as_array().into_iter().flatten();
            (
                p.qualifier.clone(),
                sids.filter_map(|s| s["Sid"].as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    diffs.eq(
        format!("{}: policy statements by qualifier", f.name),
        got_sids,
        want_sids,
    );
}

#[test]
fn last_invocations_to_the_day_and_daily_rows() {
    let inventory = &collected().inventory;
    let today = inventory.scan_date();
    let mut diffs = Diffs::default();
    for f in &account().functions {
        let p = &planted()["functions"][&f.name];
        let Some(metrics) = &f.metrics else {
            diffs.0.push(format!("{}: no metrics", f.name));
            continue;
        };
        diffs.eq(format!("{}: window end", f.name), metrics.until, today);
        diffs.eq(
            format!("{}: window length", f.name),
            (metrics.until - metrics.since).num_days(),
            454,
        );
        let want: Option<NaiveDate> = p["last_invocation"].as_str().map(|d| d.parse().unwrap());
        diffs.eq(
            format!("{}: last_invocation", f.name),
            metrics.last_invocation,
            want,
        );
        diffs.check(
            format!("{}: daily rows ascending and inside the window", f.name),
            metrics.daily.windows(2).all(|w| w[0].date < w[1].date)
                && metrics
                    .daily
                    .iter()
                    .all(|d| d.date >= metrics.since && d.date <= metrics.until),
        );
        if want.is_none() {
            diffs.check(
                format!("{}: never invoked, no invocations", f.name),
                metrics.daily.iter().all(|d| d.invocations == 0.0),
            );
        }
        for day in p["throttle_days_ago"].as_array().into_iter().flatten() {
            let date = today - chrono::Days::new(day.as_u64().unwrap());
            let throttles = metrics
                .daily
                .iter()
                .find(|d| d.date == date)
                .map(|d| d.throttles);
            diffs.check(
                format!("{}: throttles on {date}: {throttles:?}", f.name),
                throttles.is_some_and(|t| t > 0.0),
            );
        }
        if let Some(last) = metrics.last_invocation {
            let row = metrics.daily.iter().find(|d| d.date == last).unwrap();
            diffs.check(
                format!("{}: duration on {last}", f.name),
                row.max_duration_ms.is_some_and(|d| d > 0.0),
            );
        }
    }
    diffs.assert_none();
}

#[test]
fn execution_roles_with_every_policy_decoded() {
    let account = account();
    let want_roles = planted()["roles"].as_object().unwrap();
    let got: BTreeSet<&String> = account.roles.keys().collect();
    let want: BTreeSet<&String> = want_roles.keys().collect();
    assert_eq!(got, want, "exactly the existing roles used by functions");
    for deleted in strings(&planted()["deleted_roles"]) {
        assert!(
            account.functions.iter().any(|f| f.role_arn == deleted),
            "a function still names {deleted}"
        );
        assert!(!account.roles.contains_key(&deleted));
    }
    let customer = planted()["customer_policies"].as_object().unwrap();
    let mut diffs = Diffs::default();
    for (arn, w) in want_roles {
        compare_role(&mut diffs, &account.roles[arn], w, customer);
    }
    diffs.assert_none();
}

fn compare_role(
    diffs: &mut Diffs,
    role: &Role,
    w: &Value,
    customer: &serde_json::Map<String, Value>,
) {
    let at = |what: &str| format!("{}: {what}", role.name);
    diffs.eq(at("name"), role.name.as_str(), w["name"].as_str().unwrap());
    diffs.eq(at("path"), role.path.as_str(), "/");
    diffs.check(at("create_date"), role.create_date.is_some());
    diffs.eq(
        at("trust policy"),
        &role.trust_policy.value(),
        &w["trust_policy"],
    );
    let inline: BTreeMap<String, Value> = role
        .inline_policies
        .iter()
        .map(|p| (p.name.clone(), p.document.value()))
        .collect();
    let want_inline: BTreeMap<String, Value> =
        serde_json::from_value(w["inline_policies"].clone()).unwrap();
    diffs.eq(at("inline policies"), inline, want_inline);
    let mut attached: Vec<String> = role
        .attached_policies
        .iter()
        .map(|p| p.arn.clone())
        .collect();
    attached.sort();
    diffs.eq(
        at("attached policies"),
        attached,
        strings(&w["attached_policies"]),
    );
    for policy in role
        .attached_policies
        .iter()
        .chain(&role.permissions_boundary)
    {
        let label = at(&format!("document of {}", policy.arn));
        diffs.check(
            at(&format!("name of {}", policy.arn)),
            policy.arn.ends_with(&format!("/{}", policy.name)),
        );
        match customer.get(&policy.arn) {
            Some(want) => diffs.eq(
                label,
                policy.document.as_ref().map(JsonText::value),
                Some(want.clone()),
            ),
            None => diffs.check(
                format!("{label} (AWS managed) has statements"),
                policy.is_aws_managed()
                    && policy
                        .document
                        .as_ref()
                        .is_some_and(|d| d.value()["Statement"].is_array()),
            ),
        }
    }
    diffs.eq(
        at("boundary"),
        role.permissions_boundary.as_ref().map(|b| b.arn.clone()),
        opt_str(&w["permissions_boundary"]),
    );
    let tags: BTreeMap<String, String> = serde_json::from_value(w["tags"].clone()).unwrap();
    diffs.eq(at("tags"), role.tags.clone(), tags);
    let last_used = role.last_used.as_ref();
    let want_last = w["last_used"].as_array();
    diffs.eq(
        at("last used day"),
        last_used
            .and_then(|u| u.last_used_date)
            .map(|d| d.date_naive().to_string()),
        want_last.and_then(|l| opt_str(&l[0])),
    );
    diffs.eq(
        at("last used region"),
        last_used.and_then(|u| u.region.clone()),
        want_last.and_then(|l| opt_str(&l[1])),
    );
    let Some(services) = &role.services_last_accessed else {
        diffs.0.push(at("no service last-accessed data"));
        return;
    };
    let used: Vec<String> = services
        .iter()
        .filter(|s| s.last_authenticated.is_some())
        .map(|s| s.namespace.clone())
        .collect();
    let unused: Vec<String> = services
        .iter()
        .filter(|s| s.last_authenticated.is_none())
        .map(|s| s.namespace.clone())
        .collect();
    diffs.eq(at("services used"), used, strings(&w["services_used"]));
    let want_unused = strings(&w["services_unused"]);
    if w["grants_every_service"].as_bool() == Some(true) {
        // IAM lists every service an Action "*" grant reaches: the planted unused ones must be among them
        let missing: Vec<&String> = want_unused.iter().filter(|s| !unused.contains(s)).collect();
        diffs.check(
            at(&format!("services never used include {missing:?}")),
            missing.is_empty(),
        );
    } else {
        diffs.eq(at("services never used"), unused, want_unused);
    }
}

/// The planted trails and event data stores, each once whatever the regions that see it, with the selectors, status
/// and regions the seeder gave them (as the AWS API spells selectors: compared field by field).
#[test]
fn cloudtrail_trails_and_event_data_stores_as_planted() {
    let cloudtrail = account()
        .cloudtrail
        .as_ref()
        .expect("the scan read CloudTrail");
    let want = &emulator::demo().demo.manifest["cloudtrail"];
    let mut diffs = Diffs::default();
    let advanced =
        |selectors: &[lambda_posture_checks::inventory::cloudtrail::AdvancedSelector]| -> Value {
            Value::Array(
                selectors
                    .iter()
                    .map(|s| {
                        let fields: Vec<Value> = s
                            .field_selectors
                            .iter()
                            .map(|f| {
                                let mut field = serde_json::json!({ "Field": f.field });
                                for (key, values) in [
                                    ("Equals", &f.equals),
                                    ("StartsWith", &f.starts_with),
                                    ("EndsWith", &f.ends_with),
                                    ("NotEquals", &f.not_equals),
                                    ("NotStartsWith", &f.not_starts_with),
                                    ("NotEndsWith", &f.not_ends_with),
                                ] {
                                    if !values.is_empty() {
                                        field[key] = serde_json::json!(values);
                                    }
                                }
                                field
                            })
                            .collect();
                        serde_json::json!({ "Name": s.name, "FieldSelectors": fields })
                    })
                    .collect(),
            )
        };
    let planted_trails = want["trails"].as_array().expect("planted trails");
    diffs.eq("trails", cloudtrail.trails.len(), planted_trails.len());
    for t in planted_trails {
        let name = t["name"].as_str().unwrap();
        let Some(got) = cloudtrail.trails.iter().find(|g| g.name == name) else {
            diffs.0.push(format!("trail {name}: not collected"));
            continue;
        };
        diffs.eq(
            format!("{name}.home_region"),
            got.home_region.as_str(),
            t["home_region"].as_str().unwrap(),
        );
        diffs.eq(
            format!("{name}.multi_region"),
            got.multi_region,
            t["multi_region"].as_bool().unwrap(),
        );
        diffs.eq(
            format!("{name}.logging"),
            got.logging,
            t["logging"].as_bool(),
        );
        let Some(selectors) = &got.selectors else {
            diffs.0.push(format!("trail {name}: selectors not read"));
            continue;
        };
        diffs.eq(
            format!("{name}.advanced"),
            advanced(&selectors.advanced),
            t["advanced_event_selectors"].clone(),
        );
        let basic: Vec<Value> = selectors
            .basic
            .iter()
            .map(|b| {
                serde_json::json!({
                    "ReadWriteType": b.read_write_type,
                    "IncludeManagementEvents": b.include_management_events,
                    "DataResources": b.data_resources.iter()
                        .map(|r| serde_json::json!({"Type": r.resource_type, "Values": r.values}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let planted_basic = t["event_selectors"].as_array().unwrap();
        // A trail given no basic selector answers AWS's default one (management events, no data resources).
        if !planted_basic.is_empty() {
            diffs.eq(
                format!("{name}.basic"),
                Value::Array(basic),
                t["event_selectors"].clone(),
            );
        }
    }
    let planted_stores = want["event_data_stores"]
        .as_array()
        .expect("planted stores");
    diffs.eq(
        "event data stores",
        cloudtrail.event_data_stores.len(),
        planted_stores.len(),
    );
    for e in planted_stores {
        let name = e["name"].as_str().unwrap();
        let Some(got) = cloudtrail.event_data_stores.iter().find(|g| g.name == name) else {
            diffs
                .0
                .push(format!("event data store {name}: not collected"));
            continue;
        };
        diffs.eq(
            format!("{name}.region"),
            got.region.as_str(),
            e["region"].as_str().unwrap(),
        );
        let Some(details) = &got.details else {
            diffs.0.push(format!("event data store {name}: not read"));
            continue;
        };
        diffs.eq(
            format!("{name}.status"),
            details.status.as_str(),
            e["status"].as_str().unwrap(),
        );
        diffs.eq(
            format!("{name}.multi_region"),
            details.multi_region,
            e["multi_region"].as_bool().unwrap(),
        );
        diffs.eq(
            format!("{name}.advanced"),
            advanced(&details.advanced),
            e["advanced_event_selectors"].clone(),
        );
    }
    diffs.assert_none();
}

/// The planted load balancers, each with its scheme, the sources its security group admits on the listener's port
/// (internet-facing ones: internal ones' groups are not read), the function or alias its target group holds, and the
/// rule forwarding to it (priority, path condition, authenticate action before the forward).
#[test]
fn load_balancers_and_their_lambda_targets_as_planted() {
    let elb = account()
        .load_balancing
        .as_ref()
        .expect("the scan read Elastic Load Balancing");
    let planted = emulator::demo().demo.manifest["load_balancers"]
        .as_array()
        .expect("planted load balancers");
    let mut diffs = Diffs::default();
    diffs.eq("load balancers", elb.load_balancers.len(), planted.len());
    diffs.eq("target groups", elb.target_groups.len(), planted.len());
    for p in planted {
        let name = p["name"].as_str().unwrap();
        let Some(lb) = elb.load_balancers.values().find(|lb| lb.name == name) else {
            diffs.0.push(format!("load balancer {name}: not collected"));
            continue;
        };
        diffs.eq(
            format!("{name}.region"),
            lb.region.as_str(),
            p["region"].as_str().unwrap(),
        );
        diffs.eq(
            format!("{name}.scheme"),
            lb.scheme.as_str(),
            p["scheme"].as_str().unwrap(),
        );
        diffs.eq(format!("{name}.state"), lb.state.as_str(), "active");
        // The seeder creates every load balancer with the default address type.
        diffs.eq(
            format!("{name}.ip_address_type"),
            lb.ip_address_type.as_str(),
            "ipv4",
        );
        let port = p["port"].as_u64().unwrap() as u16;
        let admitted: BTreeSet<String> = lb
            .security_groups
            .values()
            .flatten()
            .filter(|r| r.admits_tcp(port))
            .flat_map(|r| r.sources.iter().cloned())
            .collect();
        let want: BTreeSet<String> = if lb.scheme == "internet-facing" {
            strings(&p["ingress"]).into_iter().collect()
        } else {
            BTreeSet::new()
        };
        diffs.eq(format!("{name} admits on {port}"), admitted, want);
        let tg_arn = p["target_group_arn"].as_str().unwrap();
        match elb.target_groups.get(tg_arn) {
            None => diffs
                .0
                .push(format!("{name}: target group {tg_arn} not collected")),
            Some(tg) => {
                let function = format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    p["region"].as_str().unwrap(),
                    account().account_id,
                    p["function"].as_str().unwrap()
                );
                let targets: Vec<(String, Option<String>)> = tg
                    .targets
                    .iter()
                    .map(|t| (t.function_arn.clone(), t.qualifier.clone()))
                    .collect();
                diffs.eq(
                    format!("{name} targets"),
                    targets,
                    vec![(function, opt_str(&p["qualifier"]))],
                );
            }
        }
        let rules: Vec<_> = lb
            .listeners
            .iter()
            .filter(|l| l.port == port && l.protocol == "HTTP")
            .flat_map(|l| l.rules.iter().flatten())
            .collect();
        let Some(rule) = rules.first().filter(|_| rules.len() == 1) else {
            diffs.0.push(format!(
                "{name}: {} rules forward to a Lambda target group, want 1",
                rules.len()
            ));
            continue;
        };
        let path = opt_str(&p["path"]);
        diffs.eq(
            format!("{name} rule priority"),
            rule.priority.as_str(),
            if path.is_some() { "10" } else { "default" },
        );
        let paths: Vec<String> = rule
            .conditions
            .iter()
            .filter(|c| c.field == "path-pattern")
            .flat_map(|c| c.values.clone())
            .collect();
        diffs.eq(
            format!("{name} rule paths"),
            paths,
            path.into_iter().collect(),
        );
        let kinds: Vec<&str> = rule.actions.iter().map(|a| a.kind.as_str()).collect();
        let mut want_kinds: Vec<&str> = p["auth"].as_str().into_iter().collect();
        want_kinds.push("forward");
        diffs.eq(format!("{name} rule actions"), kinds, want_kinds);
    }
    diffs.assert_none();
}

#[test]
fn no_environment_value_is_stored_or_reported() {
    // Every value of every variable (read from the emulator by a helper that prints names only) is absent from the
    // saved inventory and from the JSON report.
    let collected = collected();
    let account = emulator::demo();
    support::run_ok(
        std::process::Command::new(emulator::python())
            .arg(support::root().join("tests/support/env_values_absent.py"))
            .arg(&account.emulator.endpoint)
            .arg("us-east-1,eu-west-1")
            .arg(collected.dir.path().join("inventory.json"))
            .arg(collected.dir.path().join("report.json")),
        "env_values_absent.py",
    );
}

#[test]
fn the_scan_is_quick() {
    // Paced at the default rates (AWS quotas), the demo account's 39 functions take well under a minute.
    let seconds = collected().seconds;
    assert!(seconds < 90.0, "scan took {seconds:.1} s");
}

#[test]
fn the_live_scan_fails_exactly_the_planted_checks() {
    // End to end: seeded emulator -> real collectors through the real SDK -> every check of the catalogue, with the
    // settings the expectations assume (the default ones with the checks off by default enabled, a 90-day lookback: the collected() scan above looks back further).
    // code-secret is left out: this scan runs without --scan-code (tests/codescan_* cover it).
    let account = emulator::demo();
    let _faults = account.exclusive();
    let scan = account.emulator.scan(&[]);
    assert_eq!(
        scan.code, 0,
        "a complete scan exits 0 (stderr: {})",
        scan.stderr
    );
    let inventory = scan.inventory;
    let expected = expectations::load();
    let report = engine::evaluate(&inventory, &expected.config());
    expectations::assert_report_matches(&report, &expected, &["code-secret"]);
}

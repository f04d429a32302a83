//! Lambda, one region: functions (listing pages feed per-function work as they arrive), their policies, aliases,
//! versions, URLs, concurrency and async configs, plus the region-wide listings (event source mappings, code signing
//! configs, account settings).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;

use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};
use lambda_posture_checks::arn::{qualifier_of, unqualified, Arn};
use lambda_posture_checks::inventory::{
    AccountSettings, Alias, AsyncInvokeConfig, Cors, EventSourceMapping, Function, FunctionUrl,
    Gap, GapKind, LayerRef, LiveVersion, LoggingConfig, ProvisionedConcurrency, ResourcePolicy,
    VpcConfig,
};
use lambda_posture_checks::plan;
use tokio::sync::mpsc::{self, UnboundedSender};

use super::error::CallError;
use super::listing::{self, Entry, Grouper, Listed};
use super::pacing::{Bucket, Call};
use super::progress::RegionProgress;
use super::{env, Ctx};

/// Page size of the other per-function listings (their API maximum).
const LIST_PAGE: i32 = 50;
/// Page size of the region-wide ListEventSourceMappings.
const LIST_MAPPINGS_PAGE: i32 = 100;

/// What one region gave.
pub enum RegionOutcome {
    /// The region is not enabled for the account (opt-in region): skipped.
    Disabled,
    Scanned {
        functions: Vec<Function>,
        settings: Option<AccountSettings>,
    },
}

/// Scan one region's functions and region-wide settings; `enabled` is told whether the region is enabled for the
/// account as soon as its first call answers (the account-wide reads waiting for it start then).
pub async fn scan_region(
    ctx: &Ctx,
    client: Client,
    region: &str,
    progress: &RegionProgress,
    roles: UnboundedSender<String>,
    enabled: tokio::sync::oneshot::Sender<bool>,
) -> RegionOutcome {
    let scan = RegionScan {
        ctx,
        client,
        region,
        roles: roles.clone(),
    };
    let settings = match scan.account_settings().await {
        Ok(settings) => Some(settings),
        Err(e) if e.is_region_disabled() => {
            let _ = enabled.send(false);
            return RegionOutcome::Disabled;
        }
        Err(e) => {
            ctx.gaps.record(&e, None);
            None
        }
    };
    let _ = enabled.send(true);
    let (mut functions, mappings, signing) = tokio::join!(
        scan.functions(progress, roles),
        scan.event_source_mappings(),
        scan.code_signing_map()
    );
    if let Some(mappings) = mappings {
        attach_mappings(&mut functions, mappings);
        scan.add_mapped_versions(&mut functions).await;
    }
    match signing {
        Some(by_function) => {
            for f in &mut functions {
                f.code_signing_config_arn = by_function.get(&f.arn).cloned();
            }
        }
        None => scan.code_signing_per_function(&mut functions).await,
    }
    RegionOutcome::Scanned {
        functions,
        settings,
    }
}

struct RegionScan<'a> {
    ctx: &'a Ctx,
    client: Client,
    region: &'a str,
    /// The IAM collector's inbox: the execution roles of live versions go there too.
    roles: UnboundedSender<String>,
}

impl RegionScan<'_> {
    fn call(&self, operation: &'static str, bucket: Bucket) -> Call<'_> {
        Call::lambda(operation, self.region, bucket)
    }

    /// Every page of a Marker/NextMarker listing, in the shared control-plane bucket.
    async fn paged<Out, T, E, F, Fut>(
        &self,
        operation: &'static str,
        mut fetch: F,
        split: impl Fn(Out) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>, CallError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<Out, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .ctx
                .pacer
                .call(self.call(operation, Bucket::LambdaControlPlane), || {
                    fetch(marker.clone())
                })
                .await?;
            let (page, next) = split(out);
            items.extend(page);
            match next.filter(|m| !m.is_empty()) {
                Some(next) if marker.as_deref() != Some(next.as_str()) => marker = Some(next),
                _ => return Ok(items),
            }
        }
    }

    async fn account_settings(&self) -> Result<AccountSettings, CallError> {
        let client = &self.client;
        let out = self
            .ctx
            .pacer
            .call(
                self.call("GetAccountSettings", Bucket::LambdaControlPlane),
                || client.get_account_settings().send(),
            )
            .await?;
        let limit = out.account_limit();
        Ok(AccountSettings {
            concurrent_executions_limit: limit.map(|l| l.concurrent_executions()),
            unreserved_concurrent_executions: limit
                .and_then(|l| l.unreserved_concurrent_executions()),
            code_size_limit: limit.map(|l| l.total_code_size()),
        })
    }

    /// The region-wide listing (`ListFunctions` with every version, see [`listing`]), each function processed as
    /// soon as its entries are complete, a bounded number at a time; the execution roles are sent to the IAM
    /// collector as they are listed (the sender is dropped after the last function).
    async fn functions(
        &self,
        progress: &RegionProgress,
        roles: UnboundedSender<String>,
    ) -> Vec<Function> {
        let (sender, receiver) = mpsc::channel(listing::AHEAD);
        let late = RefCell::new(Vec::new());
        let listed = stream::unfold(Some((receiver, Grouper::default(), roles)), |state| async {
            let (mut receiver, mut grouper, roles) = state?;
            loop {
                let (listed, more) = match receiver.recv().await {
                    Some(Entry::Function(entry)) => match grouper.push(*entry) {
                        Some(listed) => (listed, true),
                        None => continue,
                    },
                    end => {
                        let listed = grouper.finish(end.is_none());
                        *late.borrow_mut() = std::mem::take(&mut grouper.late);
                        (listed?, false)
                    }
                };
                if let Some(role) = listed.config.role() {
                    // The IAM collector may have stopped (its listing failed): nothing to tell it then.
                    let _ = roles.send(role.to_string());
                }
                return Some((listed, more.then_some((receiver, grouper, roles))));
            }
        });
        // Boxed: the stream keeps an empty task the size of its future, and a function's future is large.
        let process = listed
            .map(|listed| {
                Box::pin(async move {
                    let function = self.function(listed).await;
                    progress.done();
                    function
                })
            })
            .buffer_unordered(self.ctx.function_concurrency)
            .collect::<Vec<_>>();
        let (mut functions, ()) = tokio::join!(
            process,
            listing::fetch(self.ctx, &self.client, self.region, progress, sender)
        );
        self.add_late_versions(&mut functions, late.into_inner())
            .await;
        functions
    }

    /// Versions the listing showed after their function was processed (an order AWS does not use, handled all the
    /// same): added with their resource policies.
    async fn add_late_versions(&self, functions: &mut [Function], late: Vec<(String, String)>) {
        for (arn, version) in late {
            let Some(function) = functions.iter_mut().find(|f| f.arn == arn) else {
                continue;
            };
            if function.versions.contains(&version) {
                continue;
            }
            function.versions.push(version.clone());
            listing::sort_versions(&mut function.versions);
            function
                .resource_policies
                .extend(self.policy(&arn, Some(&version)).await);
        }
    }

    /// Everything about one function: the listing gave its configuration and, unless it failed midway, its
    /// published versions. The calls follow the plan ([`plan`]; every call with `--thorough`): `GetPolicy` of the
    /// function and of the versions read in any case start at once, with the listings; the policies of the aliases
    /// follow `ListAliases`, those of the live versions the listings that name them.
    async fn function(&self, listed: Listed) -> Function {
        let Listed {
            config: listed,
            versions: listed_versions,
            version_configs: listed_configs,
            versions_complete,
        } = listed;
        let arn = unqualified(listed.function_arn().unwrap_or_default()).to_string();
        let (versions, version_configs) = if versions_complete {
            (listed_versions, listed_configs)
        } else {
            self.versions(&arn).await
        };
        let thorough = self.ctx.thorough;
        let provisioned_skip = match thorough {
            true => None,
            false => plan::provisioned_concurrency_skip(versions_complete, &versions),
        };
        let first_versions: BTreeSet<String> = match thorough {
            true => versions.iter().cloned().collect(),
            false => plan::newest_versions(&versions),
        };
        let provisioned = async {
            match provisioned_skip {
                Some(_) => Vec::new(),
                None => self.provisioned_concurrency(&arn).await,
            }
        };
        let aliases = async {
            let aliases = self.aliases(&arn).await;
            let policies = futures::future::join_all(
                aliases
                    .iter()
                    .map(|a| self.policy(&arn, Some(a.name.as_str()))),
            )
            .await;
            (aliases, policies)
        };
        let (
            details,
            (aliases, alias_policies),
            urls,
            provisioned,
            async_configs,
            own_policy,
            first_policies,
        ) = tokio::join!(
            self.get_function(&arn),
            aliases,
            self.urls(&arn),
            provisioned,
            self.async_invoke_configs(&arn),
            self.policy(&arn, None),
            self.version_policies(&arn, &first_versions),
        );
        // The live versions the listings named: their policies too, when not read yet.
        let pointed: BTreeSet<String> = aliases
            .iter()
            .flat_map(|a| std::iter::once(&a.function_version).chain(&a.additional_versions))
            .chain(async_configs.iter().map(|c| &c.qualifier))
            .chain(provisioned.iter().map(|p| &p.qualifier))
            .cloned()
            .collect();
        let more: BTreeSet<String> = plan::examined_versions(&versions, &pointed)
            .difference(&first_versions)
            .cloned()
            .collect();
        let mut version_policies = first_policies;
        version_policies.extend(self.version_policies(&arn, &more).await);
        let read: BTreeSet<String> = first_versions.union(&more).cloned().collect();
        let mut function = match &details {
            Some(out) => function_from_config(
                out.configuration().unwrap_or(&listed),
                self.region,
                &self.ctx.gaps,
            ),
            None => function_from_config(&listed, self.region, &self.ctx.gaps),
        };
        if let Some(out) = details {
            if let Some(tags_error) = out.tags_error() {
                self.ctx.gaps.push(Gap {
                    service: "lambda".into(),
                    operation: "GetFunction".into(),
                    region: Some(self.region.to_string()),
                    resource: Some(arn.clone()),
                    kind: GapKind::Error,
                    error: format!(
                        "tags: {}: {}",
                        tags_error.error_code(),
                        tags_error.message()
                    ),
                });
            }
            function.tags = out
                .tags()
                .map(|t| t.clone().into_iter().collect())
                .unwrap_or_default();
            function.reserved_concurrency = out
                .concurrency()
                .and_then(|c| c.reserved_concurrent_executions());
        }
        function.resource_policies = own_policy
            .into_iter()
            .chain(alias_policies.into_iter().flatten())
            .chain(version_policies.into_values().flatten())
            .collect();
        function.skipped = provisioned_skip
            .into_iter()
            .chain(plan::unread_version_policies(&versions, &read))
            .collect();
        // Versions that run: behind an alias, or invoked by their own qualifier (mappings are added per region).
        let invoked: BTreeSet<String> = aliases
            .iter()
            .flat_map(|a| std::iter::once(&a.function_version).chain(&a.additional_versions))
            .chain(
                function
                    .resource_policies
                    .iter()
                    .filter_map(|p| p.qualifier.as_ref()),
            )
            .chain(async_configs.iter().map(|c| &c.qualifier))
            .chain(provisioned.iter().map(|p| &p.qualifier))
            .filter(|v| is_version_number(v))
            .cloned()
            .collect();
        function.live_versions = self.live_versions(&arn, invoked, &version_configs).await;
        function.versions = versions;
        function.aliases = aliases;
        function.urls = urls;
        function.provisioned_concurrency = provisioned;
        function.async_invoke_configs = async_configs;
        function
    }

    async fn get_function(
        &self,
        arn: &str,
    ) -> Option<aws_sdk_lambda::operation::get_function::GetFunctionOutput> {
        self.get_function_at(arn, None).await
    }

    /// The resource policies of some published versions, in version order (`None`: the version has none).
    async fn version_policies(
        &self,
        arn: &str,
        versions: &BTreeSet<String>,
    ) -> BTreeMap<listing::VersionKey, Option<ResourcePolicy>> {
        let policies =
            futures::future::join_all(versions.iter().map(|v| self.policy(arn, Some(v.as_str()))))
                .await;
        versions
            .iter()
            .map(|v| listing::version_key(v))
            .zip(policies)
            .collect()
    }

    /// GetFunction of the function or of one of its versions; `None` after recording a gap.
    async fn get_function_at(
        &self,
        arn: &str,
        qualifier: Option<&str>,
    ) -> Option<aws_sdk_lambda::operation::get_function::GetFunctionOutput> {
        let client = &self.client;
        let result = self
            .ctx
            .pacer
            .call(self.call("GetFunction", Bucket::GetFunction), || {
                client
                    .get_function()
                    .function_name(arn)
                    .set_qualifier(qualifier.map(str::to_string))
                    .send()
            })
            .await;
        let resource = match qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn.to_string(),
        };
        self.ctx.gaps.ok_or_record(result, Some(&resource))
    }

    /// The resource policy of the function or of one alias/version; `None` when it has none (or on a gap).
    async fn policy(&self, arn: &str, qualifier: Option<&str>) -> Option<ResourcePolicy> {
        let client = &self.client;
        let result = self
            .ctx
            .pacer
            .call(self.call("GetPolicy", Bucket::GetPolicy), || {
                client
                    .get_policy()
                    .function_name(arn)
                    .set_qualifier(qualifier.map(str::to_string))
                    .send()
            })
            .await;
        let resource = match qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn.to_string(),
        };
        let out = match result {
            Ok(out) => out,
            Err(e) if e.has_code(&["ResourceNotFoundException"]) => return None,
            Err(e) => {
                self.ctx.gaps.record(&e, Some(&resource));
                return None;
            }
        };
        let text = out.policy()?;
        match serde_json::from_str(text) {
            Ok(document) => Some(ResourcePolicy {
                qualifier: qualifier.map(str::to_string),
                document,
            }),
            Err(e) => {
                self.ctx.gaps.push(Gap {
                    service: "lambda".into(),
                    operation: "GetPolicy".into(),
                    region: Some(self.region.to_string()),
                    resource: Some(resource),
                    kind: GapKind::Error,
                    error: format!("the policy is not valid JSON: {e}"),
                });
                None
            }
        }
    }

    /// Published version numbers (not `$LATEST`), in numeric order, and their configurations.
    async fn versions(&self, arn: &str) -> (Vec<String>, Vec<FunctionConfiguration>) {
        let client = &self.client;
        let result = self
            .paged(
                "ListVersionsByFunction",
                |marker| {
                    client
                        .list_versions_by_function()
                        .function_name(arn)
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| (out.versions.unwrap_or_default(), out.next_marker),
            )
            .await;
        let configs: Vec<FunctionConfiguration> = self
            .ctx
            .gaps
            .ok_or_record(result, Some(arn))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| listing::version_number(c).is_some())
            .collect();
        let mut versions: Vec<String> =
            configs.iter().filter_map(listing::version_number).collect();
        listing::sort_versions(&mut versions);
        (versions, configs)
    }

    /// The configurations of the published versions in `wanted`: from the listing's `configs` when it showed them,
    /// else asked with `GetFunction(Qualifier)`; their execution roles are sent to the IAM collector.
    async fn live_versions(
        &self,
        arn: &str,
        wanted: BTreeSet<String>,
        configs: &[FunctionConfiguration],
    ) -> Vec<LiveVersion> {
        let asked = futures::future::join_all(wanted.into_iter().map(|version| async move {
            let listed = configs
                .iter()
                .find(|c| listing::version_number(c).as_deref() == Some(version.as_str()));
            match listed {
                Some(config) => Some(self.live_version(config)),
                None => {
                    let details = self.get_function_at(arn, Some(&version)).await?;
                    details.configuration().map(|c| self.live_version(c))
                }
            }
        }))
        .await;
        let mut live: Vec<LiveVersion> = asked.into_iter().flatten().collect();
        live.sort_by_key(|v| listing::version_key(&v.version));
        live
    }

    /// A published version's locked-in settings (its environment classified like the function's).
    fn live_version(&self, config: &FunctionConfiguration) -> LiveVersion {
        if let Some(role) = config.role() {
            // The IAM collector may have stopped (its listing failed): nothing to tell it then.
            let _ = self.roles.send(role.to_string());
        }
        let f = function_from_config(config, self.region, &self.ctx.gaps);
        LiveVersion {
            version: listing::version_number(config).unwrap_or_default(),
            runtime: f.runtime,
            package_type: f.package_type,
            role_arn: f.role_arn,
            kms_key_arn: f.kms_key_arn,
            environment: f.environment,
            dead_letter_target: f.dead_letter_target,
            layers: f.layers,
            code_sha256: f.code_sha256,
            last_modified: f.last_modified,
        }
    }

    /// Versions that only an event source mapping points at (by version number, not through an alias): their
    /// configurations, asked once the region's mappings are attached, and their resource policies when the plan
    /// left them unread.
    async fn add_mapped_versions(&self, functions: &mut [Function]) {
        for function in functions.iter_mut() {
            self.read_mapped_version_policies(function).await;
            let wanted: BTreeSet<String> = function
                .event_source_mappings
                .iter()
                .filter_map(|m| qualifier_of(&m.function_arn))
                .filter(|q| is_version_number(q))
                .filter(|q| !function.live_versions.iter().any(|v| v.version == *q))
                .map(str::to_string)
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let added = self.live_versions(&function.arn, wanted, &[]).await;
            function.live_versions.extend(added);
            function
                .live_versions
                .sort_by_key(|v| listing::version_key(&v.version));
        }
    }

    /// The policies of the versions an event source mapping names that the plan had left unread: they are live.
    async fn read_mapped_version_policies(&self, function: &mut Function) {
        let mapped: BTreeSet<String> = function
            .event_source_mappings
            .iter()
            .filter_map(|m| qualifier_of(&m.function_arn))
            .map(str::to_string)
            .collect();
        let mut wanted = BTreeSet::new();
        for skip in &mut function.skipped {
            if skip.operation == plan::GET_POLICY {
                skip.qualifiers.retain(|q| {
                    let live = mapped.contains(q);
                    if live {
                        wanted.insert(q.clone());
                    }
                    !live
                });
            }
        }
        if wanted.is_empty() {
            return;
        }
        function
            .skipped
            .retain(|s| !(s.operation == plan::GET_POLICY && s.qualifiers.is_empty()));
        let read = self.version_policies(&function.arn, &wanted).await;
        function
            .resource_policies
            .extend(read.into_values().flatten());
        // The function's own policy, then the aliases' (listed order), then the versions' in numeric order.
        function
            .resource_policies
            .sort_by_key(|p| match p.qualifier.as_deref() {
                None => (0, (0, String::new())),
                Some(q) if is_version_number(q) => (2, listing::version_key(q)),
                Some(_) => (1, (0, String::new())),
            });
    }

    async fn aliases(&self, arn: &str) -> Vec<Alias> {
        let client = &self.client;
        let result = self
            .paged(
                "ListAliases",
                |marker| {
                    client
                        .list_aliases()
                        .function_name(arn)
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| (out.aliases.unwrap_or_default(), out.next_marker),
            )
            .await;
        let mut aliases: Vec<Alias> = self
            .ctx
            .gaps
            .ok_or_record(result, Some(arn))
            .unwrap_or_default()
            .iter()
            .map(|a| Alias {
                name: a.name().unwrap_or_default().to_string(),
                arn: a.alias_arn().unwrap_or_default().to_string(),
                function_version: a.function_version().unwrap_or_default().to_string(),
                additional_versions: a
                    .routing_config()
                    .and_then(|r| r.additional_version_weights())
                    .map(|weights| {
                        let mut versions: Vec<String> = weights.keys().cloned().collect();
                        versions.sort();
                        versions
                    })
                    .unwrap_or_default(),
            })
            .collect();
        aliases.sort_by(|a, b| a.name.cmp(&b.name));
        aliases
    }

    /// Function URLs of the function and of its aliases (one listing covers both).
    async fn urls(&self, arn: &str) -> Vec<FunctionUrl> {
        let client = &self.client;
        let result = self
            .paged(
                "ListFunctionUrlConfigs",
                |marker| {
                    client
                        .list_function_url_configs()
                        .function_name(arn)
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| (out.function_url_configs, out.next_marker),
            )
            .await;
        let mut urls: Vec<FunctionUrl> = self
            .ctx
            .gaps
            .ok_or_record(result, Some(arn))
            .unwrap_or_default()
            .iter()
            .map(|u| FunctionUrl {
                url: u.function_url().to_string(),
                qualifier: qualifier_of(u.function_arn()).map(str::to_string),
                auth_type: u.auth_type().as_str().to_string(),
                cors: u.cors().map(|c| Cors {
                    allow_origins: c.allow_origins().to_vec(),
                    allow_methods: c.allow_methods().to_vec(),
                    allow_headers: c.allow_headers().to_vec(),
                    allow_credentials: c.allow_credentials(),
                }),
                invoke_mode: u.invoke_mode().map(|m| m.as_str().to_string()),
            })
            .collect();
        urls.sort_by(|a, b| {
            a.qualifier
                .cmp(&b.qualifier)
                .then_with(|| a.url.cmp(&b.url))
        });
        urls
    }

    async fn provisioned_concurrency(&self, arn: &str) -> Vec<ProvisionedConcurrency> {
        let client = &self.client;
        let result = self
            .paged(
                "ListProvisionedConcurrencyConfigs",
                |marker| {
                    client
                        .list_provisioned_concurrency_configs()
                        .function_name(arn)
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| {
                    (
                        out.provisioned_concurrency_configs.unwrap_or_default(),
                        out.next_marker,
                    )
                },
            )
            .await;
        let mut configs: Vec<ProvisionedConcurrency> = self
            .ctx
            .gaps
            .ok_or_record(result, Some(arn))
            .unwrap_or_default()
            .iter()
            .map(|p| ProvisionedConcurrency {
                qualifier: p
                    .function_arn()
                    .and_then(qualifier_of)
                    .unwrap_or_default()
                    .to_string(),
                requested: p
                    .requested_provisioned_concurrent_executions()
                    .unwrap_or_default(),
                allocated: p.allocated_provisioned_concurrent_executions(),
                status: p.status().map(|s| s.as_str().to_string()),
            })
            .collect();
        configs.sort_by(|a, b| a.qualifier.cmp(&b.qualifier));
        configs
    }

    async fn async_invoke_configs(&self, arn: &str) -> Vec<AsyncInvokeConfig> {
        let client = &self.client;
        let result = self
            .paged(
                "ListFunctionEventInvokeConfigs",
                |marker| {
                    client
                        .list_function_event_invoke_configs()
                        .function_name(arn)
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| {
                    (
                        out.function_event_invoke_configs.unwrap_or_default(),
                        out.next_marker,
                    )
                },
            )
            .await;
        let mut configs: Vec<AsyncInvokeConfig> = self
            .ctx
            .gaps
            .ok_or_record(result, Some(arn))
            .unwrap_or_default()
            .iter()
            .map(|c| {
                let destinations = c.destination_config();
                AsyncInvokeConfig {
                    qualifier: c
                        .function_arn()
                        .and_then(qualifier_of)
                        .unwrap_or("$LATEST")
                        .to_string(),
                    maximum_retry_attempts: c.maximum_retry_attempts(),
                    maximum_event_age_seconds: c.maximum_event_age_in_seconds(),
                    on_success: destinations
                        .and_then(|d| d.on_success())
                        .and_then(|d| d.destination())
                        .map(str::to_string),
                    on_failure: destinations
                        .and_then(|d| d.on_failure())
                        .and_then(|d| d.destination())
                        .map(str::to_string),
                }
            })
            .collect();
        configs.sort_by(|a, b| a.qualifier.cmp(&b.qualifier));
        configs
    }

    /// Every event source mapping of the region (one listing, matched to functions by ARN); `None` on a gap.
    async fn event_source_mappings(&self) -> Option<Vec<EventSourceMapping>> {
        let client = &self.client;
        let result = self
            .paged(
                "ListEventSourceMappings",
                |marker| {
                    client
                        .list_event_source_mappings()
                        .max_items(LIST_MAPPINGS_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| {
                    (
                        out.event_source_mappings.unwrap_or_default(),
                        out.next_marker,
                    )
                },
            )
            .await;
        let mappings = self.ctx.gaps.ok_or_record(result, None)?;
        Some(
            mappings
                .iter()
                .map(|m| EventSourceMapping {
                    uuid: m.uuid().unwrap_or_default().to_string(),
                    event_source_arn: m.event_source_arn().map(str::to_string),
                    function_arn: m.function_arn().unwrap_or_default().to_string(),
                    state: m.state().map(str::to_string),
                    batch_size: m.batch_size(),
                    starting_position: m.starting_position().map(|p| p.as_str().to_string()),
                    on_failure_destination: m
                        .destination_config()
                        .and_then(|d| d.on_failure())
                        .and_then(|d| d.destination())
                        .map(str::to_string),
                    maximum_retry_attempts: m.maximum_retry_attempts(),
                    maximum_record_age_seconds: m.maximum_record_age_in_seconds(),
                    bisect_batch_on_function_error: m.bisect_batch_on_function_error(),
                    function_response_types: m
                        .function_response_types()
                        .iter()
                        .map(|t| t.as_str().to_string())
                        .collect(),
                })
                .collect(),
        )
    }

    /// Function ARN → code signing config ARN for the whole region; `None` when the listing failed (then each
    /// function is asked instead, so nothing is lost).
    async fn code_signing_map(&self) -> Option<HashMap<String, String>> {
        let client = &self.client;
        let configs = self
            .paged(
                "ListCodeSigningConfigs",
                |marker| {
                    client
                        .list_code_signing_configs()
                        .max_items(LIST_PAGE)
                        .set_marker(marker)
                        .send()
                },
                |out| {
                    (
                        out.code_signing_configs.unwrap_or_default(),
                        out.next_marker,
                    )
                },
            )
            .await;
        let configs = match configs {
            Ok(configs) => configs,
            Err(e) => {
                tracing::warn!(error = %e, "falling back to GetFunctionCodeSigningConfig per function");
                return None;
            }
        };
        let mut by_function = HashMap::new();
        for config in &configs {
            let csc_arn = config.code_signing_config_arn();
            let functions = self
                .paged(
                    "ListFunctionsByCodeSigningConfig",
                    |marker| {
                        client
                            .list_functions_by_code_signing_config()
                            .code_signing_config_arn(csc_arn)
                            .max_items(LIST_PAGE)
                            .set_marker(marker)
                            .send()
                    },
                    |out| (out.function_arns.unwrap_or_default(), out.next_marker),
                )
                .await;
            match functions {
                Ok(arns) => by_function.extend(
                    arns.into_iter()
                        .map(|a| (unqualified(&a).to_string(), csc_arn.to_string())),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "falling back to GetFunctionCodeSigningConfig per function");
                    return None;
                }
            }
        }
        Some(by_function)
    }

    /// When the region-wide listing failed: ask each function.
    async fn code_signing_per_function(&self, functions: &mut [Function]) {
        let client = &self.client;
        let answers = stream::iter(functions.iter().map(|f| f.arn.clone()))
            .map(|arn| async move {
                let result = self
                    .ctx
                    .pacer
                    .call(
                        self.call("GetFunctionCodeSigningConfig", Bucket::LambdaControlPlane),
                        || {
                            client
                                .get_function_code_signing_config()
                                .function_name(&arn)
                                .send()
                        },
                    )
                    .await;
                let csc = self
                    .ctx
                    .gaps
                    .ok_or_record(result, Some(&arn))
                    .map(|out| out.code_signing_config_arn().to_string());
                (arn, csc)
            })
            .buffer_unordered(self.ctx.function_concurrency)
            .collect::<HashMap<_, _>>()
            .await;
        for f in functions {
            f.code_signing_config_arn = answers
                .get(&f.arn)
                .cloned()
                .flatten()
                .filter(|a| !a.is_empty());
        }
    }
}

/// The inventory's view of a function configuration; environment values are classified here and dropped.
fn function_from_config(c: &FunctionConfiguration, region: &str, gaps: &super::Gaps) -> Function {
    let arn = c.function_arn().unwrap_or_default().to_string();
    let name = c.function_name().unwrap_or_default().to_string();
    let environment = match c.environment() {
        Some(env_response) => {
            if let Some(error) = env_response.error() {
                gaps.push(Gap {
                    service: "lambda".into(),
                    operation: "GetFunction".into(),
                    region: Some(region.to_string()),
                    resource: Some(arn.clone()),
                    kind: GapKind::Error,
                    error: format!(
                        "environment: {}: {}",
                        error.error_code().unwrap_or("Error"),
                        error
                            .message()
                            .unwrap_or("cannot read the environment variables")
                    ),
                });
            }
            let variables: BTreeMap<&String, &String> =
                env_response.variables().into_iter().flatten().collect();
            env::classify(variables.into_iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        None => Vec::new(),
    };
    let default_log_group = format!("/aws/lambda/{name}");
    Function {
        runtime: c.runtime().map(|r| r.as_str().to_string()),
        handler: c.handler().map(str::to_string),
        package_type: c
            .package_type()
            .map(|p| p.as_str())
            .unwrap_or("Zip")
            .to_string(),
        architectures: c
            .architectures()
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        role_arn: c.role().unwrap_or_default().to_string(),
        memory_mb: c.memory_size(),
        timeout_seconds: c.timeout(),
        last_modified: c.last_modified().map(str::to_string),
        code_sha256: c.code_sha256().map(str::to_string),
        code_size: Some(c.code_size()),
        description: c
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        state: c.state().map(|s| s.as_str().to_string()),
        tracing_mode: c
            .tracing_config()
            .and_then(|t| t.mode())
            .map(|m| m.as_str().to_string()),
        kms_key_arn: c
            .kms_key_arn()
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        environment,
        dead_letter_target: c
            .dead_letter_config()
            .and_then(|d| d.target_arn())
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        vpc: c.vpc_config().and_then(|v| {
            let vpc_id = v.vpc_id().filter(|id| !id.is_empty()).map(str::to_string);
            (vpc_id.is_some() || !v.subnet_ids().is_empty()).then(|| VpcConfig {
                vpc_id,
                subnet_ids: v.subnet_ids().to_vec(),
                security_group_ids: v.security_group_ids().to_vec(),
                subnet_azs: None,
            })
        }),
        logging: c.logging_config().map(|l| LoggingConfig {
            log_group: l
                .log_group()
                .filter(|g| *g != default_log_group)
                .map(str::to_string),
            log_format: l.log_format().map(|f| f.as_str().to_string()),
            application_log_level: l.application_log_level().map(|v| v.as_str().to_string()),
            system_log_level: l.system_log_level().map(|v| v.as_str().to_string()),
        }),
        layers: c
            .layers()
            .iter()
            .map(|l| {
                let arn = l.arn().unwrap_or_default().to_string();
                LayerRef {
                    owner_account: Arn::parse(&arn).map_or("", |arn| arn.account).to_string(),
                    arn,
                    code_size: Some(l.code_size()),
                }
            })
            .collect(),
        region: region.to_string(),
        arn,
        name,
        ..Function::default()
    }
}

/// Attach each mapping to the function it names (its ARN may carry a qualifier).
fn attach_mappings(functions: &mut [Function], mappings: Vec<EventSourceMapping>) {
    let index: HashMap<String, usize> = functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.arn.clone(), i))
        .collect();
    for mapping in mappings {
        if let Some(&i) = index.get(unqualified(&mapping.function_arn)) {
            functions[i].event_source_mappings.push(mapping);
        }
    }
    for f in functions {
        f.event_source_mappings.sort_by(|a, b| a.uuid.cmp(&b.uuid));
    }
}

/// A published version's number (not `$LATEST`, not an alias name).
fn is_version_number(qualifier: &str) -> bool {
    !qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

    #[test]
    fn mappings_attach_to_their_function_whatever_the_qualifier() {
        let mut functions = vec![Function {
            arn: ARN.into(),
            ..Function::default()
        }];
        let mapping = |uuid: &str, arn: String| EventSourceMapping {
            uuid: uuid.into(),
            function_arn: arn,
            ..Default::default()
        };
        attach_mappings(
            &mut functions,
            vec![
                mapping("b", format!("{ARN}:live")),
                mapping("a", ARN.to_string()),
                mapping(
                    "c",
                    "arn:aws:lambda:us-east-1:123456789012:function:other".into(),
                ),
            ],
        );
        let uuids: Vec<_> = functions[0]
            .event_source_mappings
            .iter()
            .map(|m| m.uuid.as_str())
            .collect();
        assert_eq!(uuids, ["a", "b"]);
    }
}

//! API Gateway, one region: the REST APIs (v1) and HTTP / WebSocket APIs (v2) whose routes invoke a Lambda function,
//! with what decides who can call them (authorization type, authorizer, API key, resource policy, endpoint type, WAF
//! web ACL of each stage) and the function and qualifier each stage's route invokes.
//!
//! REST-JSON GETs signed by hand (see [`super::raw`]): the two API Gateway SDK crates would add more build time than
//! the whole scanner's other raw calls together, for a handful of reads. `apigateway:GET` authorises every one. Per
//! region: GetRestApis and GetApis (paged); per REST API, GetResources with `embed=methods` (each method with its
//! integration, paged), then, only for an API with a Lambda integration, GetStages and, when a method names one,
//! GetAuthorizers; per v2 API, GetIntegrations, then, only with a Lambda integration, GetRoutes, GetStages and
//! GetAuthorizers. Paced account-wide in [`Bucket::ApiGateway`] and [`Bucket::ApiGatewayResources`] (the control
//! plane's quotas are low and the account's). A failed call is a gap (the region's listing: region-wide; one API's
//! details: `resource` = the API's ARN) and the API is left out: the API checks then say Unknown for the region's
//! functions, never Pass.

use std::collections::BTreeMap;

use lambda_posture_checks::inventory::{
    api_arn, lambda_target, resolve_stage_variables, Api, ApiAuthorizer, ApiKind, ApiRoute,
    ApiStage, DeployedMethod, RouteTarget,
};
use lambda_posture_checks::json_text::JsonText;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::CallError;
use super::pacing::Bucket;
use super::raw::{query_string, RawClient, RawOperation, RawRequest};
use super::Ctx;

const GET_REST_APIS: RawOperation = RawOperation::new("apigateway", "GetRestApis");
const GET_RESOURCES: RawOperation = RawOperation::new("apigateway", "GetResources");
const GET_STAGES: RawOperation = RawOperation::new("apigateway", "GetStages");
const GET_AUTHORIZERS: RawOperation = RawOperation::new("apigateway", "GetAuthorizers");
const GET_APIS: RawOperation = RawOperation::new("apigateway", "GetApis");
const GET_ROUTES: RawOperation = RawOperation::new("apigateway", "GetRoutes");
const GET_INTEGRATIONS: RawOperation = RawOperation::new("apigateway", "GetIntegrations");
const GET_DOMAIN_NAMES: RawOperation = RawOperation::new("apigateway", "GetDomainNames");
const GET_BASE_PATH_MAPPINGS: RawOperation = RawOperation::new("apigateway", "GetBasePathMappings");
const GET_API_MAPPINGS: RawOperation = RawOperation::new("apigateway", "GetApiMappings");
const GET_DEPLOYMENT: RawOperation = RawOperation::new("apigateway", "GetDeployment");

/// Items per page: v1's `limit` and v2's `maxResults` both take up to 500.
const PAGE_SIZE: &str = "500";
/// Pages of one listing we follow at most (a runaway token loop stops here).
const MAX_PAGES: usize = 200;

/// The region's APIs that integrate with a Lambda function, keyed by [`api_arn`].
pub async fn collect(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
    partition: &str,
) -> BTreeMap<String, Api> {
    let reader = Reader {
        ctx,
        raw,
        region,
        partition,
    };
    let mut apis = BTreeMap::new();
    let (rest, v2) = futures::join!(reader.rest_apis(), reader.v2_apis());
    for api in rest.into_iter().chain(v2).flatten() {
        apis.insert(api_arn(partition, region, api.kind, &api.id), api);
    }
    if !apis.is_empty() {
        let mappings = reader.domain_mappings().await;
        for api in apis.values_mut() {
            for stage in &mut api.stages {
                stage.custom_domains = mappings.as_ref().map(|all| {
                    let mut urls: Vec<String> = all
                        .iter()
                        .filter(|m| {
                            m.api_id == api.id && m.stage.as_deref().is_none_or(|s| s == stage.name)
                        })
                        .map(|m| match m.stage {
                            Some(_) => m.url.clone(),
                            // a REST mapping without a stage serves every stage under its name
                            None => format!("{}/{}", m.url, stage.name),
                        })
                        .collect();
                    urls.sort();
                    urls.dedup();
                    urls
                });
            }
        }
    }
    apis
}

/// A custom domain name's mapping of one API stage.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DomainMapping {
    api_id: String,
    /// `None`: a REST base path mapping without a stage, which serves every stage at `<url>/<stage>`.
    stage: Option<String>,
    /// `https://<domain>/<base path>`.
    url: String,
}

/// The URL a mapping serves the stage at: `https://<domain>` plus the base path (REST: `(none)` is none) or API
/// mapping key.
fn mapping_url(domain: &str, base_path: Option<&str>) -> String {
    match base_path.filter(|p| !p.is_empty() && *p != "(none)") {
        Some(path) => format!("https://{domain}/{}", path.trim_matches('/')),
        None => format!("https://{domain}"),
    }
}

struct Reader<'a> {
    ctx: &'a Ctx,
    raw: &'a RawClient,
    region: &'a str,
    partition: &'a str,
}

/// A page of a v1 listing (`item`, `position`).
#[derive(Debug, Deserialize)]
struct V1Page<T> {
    #[serde(default = "Vec::new")]
    item: Vec<T>,
    position: Option<String>,
}

/// A page of a v2 listing (`items`, `nextToken`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    next_token: Option<String>,
}

/// One page of a listing, whichever API version: its items and the token of the next page.
trait Page<T>: DeserializeOwned {
    /// The query parameters naming the page size and the next page's token.
    const SIZE: &'static str;
    const TOKEN: &'static str;
    fn into_parts(self) -> (Vec<T>, Option<String>);
}

impl<T: DeserializeOwned> Page<T> for V1Page<T> {
    const SIZE: &'static str = "limit";
    const TOKEN: &'static str = "position";
    fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.item, self.position)
    }
}

impl<T: DeserializeOwned> Page<T> for V2Page<T> {
    const SIZE: &'static str = "maxResults";
    const TOKEN: &'static str = "nextToken";
    fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.items, self.next_token)
    }
}

impl Reader<'_> {
    fn arn(&self, kind: ApiKind, id: &str) -> String {
        api_arn(self.partition, self.region, kind, id)
    }

    /// One GET of `path` (with `params`), paced and retried.
    async fn get<T: DeserializeOwned>(
        &self,
        operation: RawOperation,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<T, CallError> {
        let url = format!(
            "{}{path}{}",
            self.raw.endpoint(operation, self.region),
            query_string(params)
        );
        let bucket = if operation.operation == GET_RESOURCES.operation {
            Bucket::ApiGatewayResources
        } else {
            Bucket::ApiGateway
        };
        let request = RawRequest::get(self.region);
        let response = self
            .ctx
            .pacer
            .call(operation.paced(self.region, bucket), || {
                self.raw.send(operation, &url, &request)
            })
            .await?;
        serde_json::from_slice(&response.body).map_err(|e| {
            operation.failure(self.region, format!("unreadable answer to {path}: {e}"))
        })
    }

    /// Every item of a v1 listing (`limit` / `position`).
    async fn v1_all<T: DeserializeOwned>(
        &self,
        operation: RawOperation,
        path: &str,
        extra: &[(&str, &str)],
    ) -> Result<Vec<T>, CallError> {
        self.all::<T, V1Page<T>>(operation, path, extra).await
    }

    /// Every item of a v2 listing (`maxResults` / `nextToken`).
    async fn v2_all<T: DeserializeOwned>(
        &self,
        operation: RawOperation,
        path: &str,
    ) -> Result<Vec<T>, CallError> {
        self.all::<T, V2Page<T>>(operation, path, &[]).await
    }

    /// Every item of a listing, page after page (a token seen twice ends it; past [`MAX_PAGES`] it fails).
    async fn all<T, P: Page<T>>(
        &self,
        operation: RawOperation,
        path: &str,
        extra: &[(&str, &str)],
    ) -> Result<Vec<T>, CallError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params: Vec<(&str, &str)> = extra.to_vec();
            params.push((P::SIZE, PAGE_SIZE));
            if let Some(t) = &token {
                params.push((P::TOKEN, t));
            }
            let page: P = self.get(operation, path, &params).await?;
            let (page_items, next) = page.into_parts();
            items.extend(page_items);
            match next {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                    token = Some(next)
                }
                _ => return Ok(items),
            }
        }
        Err(operation.failure(
            self.region,
            format!("more than {MAX_PAGES} pages of {path}"),
        ))
    }

    /// Every custom domain name's mappings in the region: REST base path mappings (GetDomainNames,
    /// GetBasePathMappings) and v2 API mappings (the v2 GetDomainNames, GetApiMappings). `None` when a domain listing
    /// failed (a region-wide gap); one domain's mappings that failed are a gap about the domain and are missing.
    async fn domain_mappings(&self) -> Option<Vec<DomainMapping>> {
        let (v1, v2) = futures::join!(
            self.v1_all::<V1Domain>(GET_DOMAIN_NAMES, "/domainnames", &[]),
            self.v2_all::<V2Domain>(GET_DOMAIN_NAMES, "/v2/domainnames")
        );
        let (v1, v2) = match (v1, v2) {
            (Ok(v1), Ok(v2)) => (v1, v2),
            (v1, v2) => {
                for e in [v1.err(), v2.err()].into_iter().flatten() {
                    self.ctx.gaps.record(&e, None);
                }
                return None;
            }
        };
        let mut mappings = Vec::new();
        for domain in v1 {
            let path = format!(
                "/domainnames/{}/basepathmappings",
                urlencoding::encode(&domain.domain_name)
            );
            match self
                .v1_all::<BasePathMapping>(GET_BASE_PATH_MAPPINGS, &path, &[])
                .await
            {
                Ok(found) => mappings.extend(found.into_iter().filter_map(|m| {
                    Some(DomainMapping {
                        url: mapping_url(&domain.domain_name, m.base_path.as_deref()),
                        api_id: m.rest_api_id?,
                        stage: m.stage,
                    })
                })),
                Err(e) => self
                    .ctx
                    .gaps
                    .record(&e, Some(&self.domain_arn(&domain.domain_name))),
            }
        }
        for domain in v2 {
            let path = format!(
                "/v2/domainnames/{}/apimappings",
                urlencoding::encode(&domain.domain_name)
            );
            match self.v2_all::<ApiMapping>(GET_API_MAPPINGS, &path).await {
                Ok(found) => mappings.extend(found.into_iter().map(|m| DomainMapping {
                    url: mapping_url(&domain.domain_name, m.api_mapping_key.as_deref()),
                    api_id: m.api_id,
                    stage: Some(m.stage),
                })),
                Err(e) => self
                    .ctx
                    .gaps
                    .record(&e, Some(&self.domain_arn(&domain.domain_name))),
            }
        }
        Some(mappings)
    }

    fn domain_arn(&self, domain: &str) -> String {
        format!(
            "arn:{}:apigateway:{}::/domainnames/{domain}",
            self.partition, self.region
        )
    }

    /// The region's REST APIs with a Lambda integration; `None` for each one whose details failed (a gap).
    async fn rest_apis(&self) -> Vec<Option<Api>> {
        let listed: Vec<RestApi> = match self.v1_all(GET_REST_APIS, "/restapis", &[]).await {
            Ok(apis) => apis,
            Err(e) => {
                self.ctx.gaps.record(&e, None);
                return Vec::new();
            }
        };
        let mut apis = Vec::new();
        for api in listed {
            let arn = self.arn(ApiKind::Rest, &api.id);
            let detailed = self.rest_api(api).await;
            apis.push(self.ctx.gaps.ok_or_record(detailed, Some(&arn)).flatten());
        }
        apis
    }

    async fn rest_api(&self, api: RestApi) -> Result<Option<Api>, CallError> {
        let base = format!("/restapis/{}", urlencoding::encode(&api.id));
        let resources: Vec<Resource> = self
            .v1_all(
                GET_RESOURCES,
                &format!("{base}/resources"),
                &[("embed", "methods")],
            )
            .await?;
        let methods: Vec<(String, String, Method)> = resources
            .into_iter()
            .flat_map(|r| {
                let path = r.path;
                r.resource_methods
                    .into_iter()
                    .map(move |(verb, m)| (verb, path.clone(), m))
            })
            .filter(|(_, _, m)| m.method_integration.as_ref().is_some_and(|i| i.is_lambda()))
            .collect();
        if methods.is_empty() {
            return Ok(None);
        }
        // GetStages answers every stage of the API at once (no paging).
        let stages: Vec<RestStage> = self
            .get::<V1Page<RestStage>>(GET_STAGES, &format!("{base}/stages"), &[])
            .await?
            .item;
        let authorizers: BTreeMap<String, Authorizer> =
            if methods.iter().any(|(_, _, m)| m.authorizer_id.is_some()) {
                self.v1_all::<Authorizer>(GET_AUTHORIZERS, &format!("{base}/authorizers"), &[])
                    .await?
                    .into_iter()
                    .map(|a| (a.id.clone(), a))
                    .collect()
            } else {
                BTreeMap::new()
            };
        // A canary serves part of a stage's traffic with its stage variables overridden: it may invoke another
        // function or alias, listed as a target of the stage too.
        let stage_variables: Vec<(String, BTreeMap<String, String>)> = stages
            .iter()
            .flat_map(|s| {
                let canary = s.canary().map(|c| {
                    let mut variables = s.variables.clone();
                    variables.extend(c.stage_variable_overrides.clone());
                    (s.stage_name.clone(), variables)
                });
                std::iter::once((s.stage_name.clone(), s.variables.clone())).chain(canary)
            })
            .collect();
        let routes = methods
            .into_iter()
            .map(|(verb, path, m)| {
                let (uri, credentials) = m
                    .method_integration
                    .map(|i| (i.uri.unwrap_or_default(), i.credentials))
                    .unwrap_or_default();
                ApiRoute {
                    method: m.http_method.unwrap_or(verb),
                    path,
                    authorization_type: m.authorization_type.unwrap_or_else(|| "NONE".into()),
                    authorizer: m.authorizer_id.map(|id| authorizer(&authorizers, id)),
                    api_key_required: m.api_key_required.unwrap_or(false),
                    targets: targets(&uri, &stage_variables),
                    integration_uri: uri,
                    integration_credentials: credentials.filter(|c| !c.is_empty()),
                }
            })
            .collect();
        // What each stage's deployment serves (one read per distinct deployment); a failure is a gap about the API and
        // leaves those stages' deployed methods unknown.
        let arn = self.arn(ApiKind::Rest, &api.id);
        let mut deployed: BTreeMap<String, Option<Vec<DeployedMethod>>> = BTreeMap::new();
        for id in stages.iter().flat_map(|s| {
            s.deployment_id
                .as_deref()
                .into_iter()
                .chain(s.canary().and_then(|c| c.deployment_id.as_deref()))
        }) {
            if deployed.contains_key(id) {
                continue;
            }
            let path = format!("{base}/deployments/{}", urlencoding::encode(id));
            let read = self
                .get::<Deployment>(GET_DEPLOYMENT, &path, &[("embed", "apisummary")])
                .await
                .map(|d| deployed_methods(d.api_summary));
            deployed.insert(id.to_string(), self.ctx.gaps.ok_or_record(read, Some(&arn)));
        }
        let suffix = dns_suffix(self.region);
        Ok(Some(Api {
            stages: stages
                .into_iter()
                .map(|s| ApiStage {
                    deployed_methods: served_methods(&s, &deployed),
                    invoke_url: format!(
                        "https://{}.execute-api.{}.{suffix}/{}",
                        api.id, self.region, s.stage_name
                    ),
                    name: s.stage_name,
                    web_acl_arn: s.web_acl_arn.filter(|a| !a.is_empty()),
                    custom_domains: None,
                })
                .collect(),
            id: api.id,
            name: api.name.unwrap_or_default(),
            region: self.region.to_string(),
            kind: ApiKind::Rest,
            endpoint_type: api
                .endpoint_configuration
                .and_then(|c| c.types.into_iter().next()),
            default_endpoint_disabled: api.disable_execute_api_endpoint.unwrap_or(false),
            policy: api.policy.as_deref().map_or_else(JsonText::null, policy),
            routes,
            integration_credentials_read: true,
        }))
    }

    /// The region's HTTP and WebSocket APIs with a Lambda integration; `None` for each one whose details failed.
    async fn v2_apis(&self) -> Vec<Option<Api>> {
        let listed: Vec<V2Api> = match self.v2_all(GET_APIS, "/v2/apis").await {
            Ok(apis) => apis,
            Err(e) => {
                self.ctx.gaps.record(&e, None);
                return Vec::new();
            }
        };
        let mut apis = Vec::new();
        for api in listed {
            let kind = if api.protocol_type.eq_ignore_ascii_case("WEBSOCKET") {
                ApiKind::Websocket
            } else {
                ApiKind::Http
            };
            let arn = self.arn(kind, &api.api_id);
            let detailed = self.v2_api(api, kind).await;
            apis.push(self.ctx.gaps.ok_or_record(detailed, Some(&arn)).flatten());
        }
        apis
    }

    async fn v2_api(&self, api: V2Api, kind: ApiKind) -> Result<Option<Api>, CallError> {
        let base = format!("/v2/apis/{}", urlencoding::encode(&api.api_id));
        let integrations: BTreeMap<String, LambdaIntegration> = self
            .v2_all::<V2Integration>(GET_INTEGRATIONS, &format!("{base}/integrations"))
            .await?
            .into_iter()
            .filter_map(|i| {
                let uri = i.integration_uri?;
                let lambda = i
                    .integration_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("AWS"))
                    && (uri.contains(":lambda:path/") || uri.contains(":lambda:"));
                lambda.then_some((
                    i.integration_id,
                    LambdaIntegration {
                        uri,
                        credentials: i.credentials_arn.filter(|c| !c.is_empty()),
                    },
                ))
            })
            .collect();
        if integrations.is_empty() {
            return Ok(None);
        }
        let routes: Vec<V2Route> = self.v2_all(GET_ROUTES, &format!("{base}/routes")).await?;
        let stages: Vec<V2Stage> = self.v2_all(GET_STAGES, &format!("{base}/stages")).await?;
        let authorizers: BTreeMap<String, Authorizer> =
            if routes.iter().any(|r| r.authorizer_id.is_some()) {
                self.v2_all::<V2Authorizer>(GET_AUTHORIZERS, &format!("{base}/authorizers"))
                    .await?
                    .into_iter()
                    .map(|a| {
                        (
                            a.authorizer_id.clone(),
                            Authorizer {
                                id: a.authorizer_id,
                                name: a.name,
                                kind: a.authorizer_type,
                            },
                        )
                    })
                    .collect()
            } else {
                BTreeMap::new()
            };
        let stage_variables: Vec<(String, BTreeMap<String, String>)> = stages
            .iter()
            .map(|s| (s.stage_name.clone(), s.stage_variables.clone()))
            .collect();
        let routes = routes
            .into_iter()
            .filter_map(|r| v2_route(r, kind, &integrations, &authorizers, &stage_variables))
            .collect();
        let endpoint = api.api_endpoint.unwrap_or_else(|| {
            format!(
                "https://{}.execute-api.{}.{}",
                api.api_id,
                self.region,
                dns_suffix(self.region)
            )
        });
        Ok(Some(Api {
            stages: stages
                .into_iter()
                .map(|s| ApiStage {
                    invoke_url: if s.stage_name == "$default" {
                        endpoint.clone()
                    } else {
                        format!("{endpoint}/{}", s.stage_name)
                    },
                    name: s.stage_name,
                    web_acl_arn: None,
                    custom_domains: None,
                    deployed_methods: None,
                })
                .collect(),
            id: api.api_id,
            name: api.name.unwrap_or_default(),
            region: self.region.to_string(),
            kind,
            endpoint_type: None,
            default_endpoint_disabled: api.disable_execute_api_endpoint.unwrap_or(false),
            policy: JsonText::null(),
            routes,
            integration_credentials_read: true,
        }))
    }
}

/// A deployment's API summary (path -> verb -> method) as the inventory keeps it, sorted by path and method.
fn deployed_methods(
    summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>>,
) -> Vec<DeployedMethod> {
    summary
        .into_iter()
        .flat_map(|(path, methods)| {
            methods.into_iter().map(move |(method, m)| DeployedMethod {
                method,
                path: path.clone(),
                authorization_type: m.authorization_type.unwrap_or_else(|| "NONE".into()),
                api_key_required: m.api_key_required.unwrap_or(false),
            })
        })
        .collect()
}

/// What a REST stage serves: its deployment's methods and, when a canary takes part of its traffic, the canary
/// deployment's too, each method as openly as the more open of the two serves it (a caller whose request the canary
/// takes meets the canary's authorization). `None` when a deployment could not be read.
fn served_methods(
    stage: &RestStage,
    deployed: &BTreeMap<String, Option<Vec<DeployedMethod>>>,
) -> Option<Vec<DeployedMethod>> {
    let read = |id: &str| deployed.get(id).cloned().flatten();
    let mut methods = read(stage.deployment_id.as_deref()?)?;
    let Some(canary) = stage.canary() else {
        return Some(methods);
    };
    // a canary without a deployment of its own serves the stage's
    let Some(id) = canary.deployment_id.as_deref() else {
        return Some(methods);
    };
    // how open a method is: authorization NONE without an API key, NONE with one, authenticated
    let rank = |m: &DeployedMethod| match (
        m.authorization_type.eq_ignore_ascii_case("NONE"),
        m.api_key_required,
    ) {
        (true, false) => 0,
        (true, true) => 1,
        (false, _) => 2,
    };
    for m in read(id)? {
        match methods
            .iter_mut()
            .find(|x| x.method == m.method && x.path == m.path)
        {
            Some(x) if rank(&m) < rank(x) => *x = m,
            Some(_) => {}
            None => methods.push(m),
        }
    }
    methods.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    Some(methods)
}

/// The function each stage invokes through an integration URI, `${stageVariables.x}` resolved per stage.
fn targets(uri: &str, stages: &[(String, BTreeMap<String, String>)]) -> Vec<RouteTarget> {
    stages
        .iter()
        .filter_map(|(stage, variables)| {
            let resolved = resolve_stage_variables(uri, variables)?;
            let (function_arn, qualifier) = lambda_target(&resolved)?;
            Some(RouteTarget {
                stage: stage.clone(),
                function_arn,
                qualifier,
            })
        })
        .fold(Vec::new(), |mut found, target| {
            // a canary invoking what the stage does is the same target
            if !found.contains(&target) {
                found.push(target);
            }
            found
        })
}

/// A v2 Lambda integration: its URI and the role API Gateway invokes it with, if any.
#[derive(Debug, Clone, Default)]
struct LambdaIntegration {
    uri: String,
    credentials: Option<String>,
}

/// An HTTP or WebSocket API route as the inventory keeps it: one integrated with a Lambda function (`integrations`:
/// id -> integration), or a WebSocket API's `$connect` whatever it integrates with (it authenticates every connection, so it
/// decides who reaches the other routes). `GET /pets` is method `GET`, path `/pets`; an HTTP API's `$default` is
/// method `ANY`; a WebSocket route key is the method, with no path.
fn v2_route(
    r: V2Route,
    kind: ApiKind,
    integrations: &BTreeMap<String, LambdaIntegration>,
    authorizers: &BTreeMap<String, Authorizer>,
    stages: &[(String, BTreeMap<String, String>)],
) -> Option<ApiRoute> {
    let integration = r
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix("integrations/"))
        .and_then(|i| integrations.get(i));
    let integration = match integration {
        Some(integration) => integration.clone(),
        None if kind == ApiKind::Websocket && r.route_key == "$connect" => {
            LambdaIntegration::default()
        }
        None => return None,
    };
    let (method, path) = match r.route_key.split_once(' ') {
        Some((m, p)) if kind == ApiKind::Http => (m.to_string(), p.to_string()),
        _ if kind == ApiKind::Http => ("ANY".to_string(), r.route_key.clone()),
        _ => (r.route_key.clone(), String::new()),
    };
    Some(ApiRoute {
        method,
        path,
        authorization_type: r.authorization_type.unwrap_or_else(|| "NONE".into()),
        authorizer: r.authorizer_id.map(|id| authorizer(authorizers, id)),
        api_key_required: r.api_key_required.unwrap_or(false),
        targets: targets(&integration.uri, stages),
        integration_uri: integration.uri,
        integration_credentials: integration.credentials,
    })
}

/// The authorizer `id` names, with its name and type when the API's listing has it.
fn authorizer(known: &BTreeMap<String, Authorizer>, id: String) -> ApiAuthorizer {
    match known.get(&id) {
        Some(a) => ApiAuthorizer {
            id,
            name: a.name.clone(),
            kind: a.kind.clone(),
        },
        None => ApiAuthorizer {
            id,
            ..ApiAuthorizer::default()
        },
    }
}

/// A REST API's resource policy as GetRestApis gives it: a JSON document in a string, whose quotes AWS returns
/// backslash-escaped (`{\"Version\":…}`). Kept as the document; a text that is no JSON object either way is kept as
/// the string, which the checks cannot read (Unknown).
fn policy(text: &str) -> JsonText {
    let parsed = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|v| v.is_object())
        .or_else(|| {
            let unescaped = text.replace("\\\"", "\"").replace("\\\\", "\\");
            serde_json::from_str::<serde_json::Value>(&unescaped)
                .ok()
                .filter(|v| v.is_object())
        });
    match parsed {
        Some(document) => JsonText::from(document),
        None => JsonText::from(serde_json::Value::String(text.to_string())),
    }
}

fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestApi {
    id: String,
    name: Option<String>,
    endpoint_configuration: Option<EndpointConfiguration>,
    policy: Option<String>,
    disable_execute_api_endpoint: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct EndpointConfiguration {
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resource {
    #[serde(default)]
    path: String,
    #[serde(default)]
    resource_methods: BTreeMap<String, Method>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Method {
    http_method: Option<String>,
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    api_key_required: Option<bool>,
    method_integration: Option<Integration>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Integration {
    #[serde(rename = "type")]
    kind: Option<String>,
    uri: Option<String>,
    /// The role API Gateway assumes to call the integration.
    credentials: Option<String>,
}

impl Integration {
    /// `AWS` or `AWS_PROXY` to Lambda's invocation path.
    fn is_lambda(&self) -> bool {
        self.kind.as_deref().is_some_and(|t| t.starts_with("AWS"))
            && self
                .uri
                .as_deref()
                .is_some_and(|u| u.contains(":lambda:path/"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestStage {
    stage_name: String,
    deployment_id: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    web_acl_arn: Option<String>,
    canary_settings: Option<CanarySettings>,
}

impl RestStage {
    /// The stage's canary, when it takes some of the traffic (`percentTraffic` 0 takes none).
    fn canary(&self) -> Option<&CanarySettings> {
        self.canary_settings
            .as_ref()
            .filter(|c| c.percent_traffic.is_none_or(|p| p > 0.0))
    }
}

/// A REST stage's canary release (`canarySettings`): a deployment serving part of the traffic, with stage
/// variables of its own.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanarySettings {
    percent_traffic: Option<f64>,
    deployment_id: Option<String>,
    #[serde(default)]
    stage_variable_overrides: BTreeMap<String, String>,
}

/// A REST API authorizer (`type`), or a v2 one mapped onto it.
#[derive(Debug, Deserialize)]
struct Authorizer {
    id: String,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Api {
    api_id: String,
    name: Option<String>,
    #[serde(default)]
    protocol_type: String,
    api_endpoint: Option<String>,
    disable_execute_api_endpoint: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Integration {
    integration_id: String,
    integration_type: Option<String>,
    integration_uri: Option<String>,
    credentials_arn: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Route {
    route_key: String,
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    api_key_required: Option<bool>,
    target: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Stage {
    stage_name: String,
    #[serde(default)]
    stage_variables: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Deployment {
    #[serde(default)]
    api_summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MethodSnapshot {
    authorization_type: Option<String>,
    api_key_required: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Domain {
    domain_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BasePathMapping {
    base_path: Option<String>,
    rest_api_id: Option<String>,
    stage: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Domain {
    domain_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiMapping {
    api_id: String,
    api_mapping_key: Option<String>,
    stage: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Authorizer {
    authorizer_id: String,
    name: Option<String>,
    authorizer_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_page_gives_its_lambda_methods() {
        let page: V1Page<Resource> = serde_json::from_str(
            r#"{"item": [{"id": "r1", "path": "/orders", "resourceMethods": {"GET": {"httpMethod": "GET",
                "authorizationType": "NONE", "apiKeyRequired": true, "methodIntegration": {"type": "AWS_PROXY",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"}},
                "POST": {"httpMethod": "POST", "authorizationType": "AWS_IAM", "methodIntegration": {"type": "HTTP", "uri": "https://x"}}}},
                {"id": "r0", "path": "/"}], "position": "p2"}"#,
        )
        .unwrap();
        assert_eq!(page.position.as_deref(), Some("p2"));
        let lambda: Vec<(&str, bool)> = page
            .item
            .iter()
            .flat_map(|r| r.resource_methods.iter())
            .map(|(verb, m)| {
                (
                    verb.as_str(),
                    m.method_integration.as_ref().is_some_and(|i| i.is_lambda()),
                )
            })
            .collect();
        assert_eq!(lambda, [("GET", true), ("POST", false)]);
    }

    #[test]
    fn stage_variables_pick_the_alias_per_stage() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f:${stageVariables.alias}/invocations";
        let stages = vec![
            (
                "prod".to_string(),
                BTreeMap::from([("alias".to_string(), "live".to_string())]),
            ),
            ("dev".to_string(), BTreeMap::new()),
        ];
        assert_eq!(
            targets(uri, &stages),
            [RouteTarget {
                stage: "prod".into(),
                function_arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
                qualifier: Some("live".into()),
            }]
        );
    }

    #[test]
    fn a_canary_serves_its_deployment_and_stage_variables_too() {
        let stage: RestStage = serde_json::from_str(
            r#"{"stageName": "prod", "deploymentId": "d1", "variables": {"alias": "live"},
            "canarySettings": {"percentTraffic": 10.0, "deploymentId": "d2",
            "stageVariableOverrides": {"alias": "next"}}}"#,
        )
        .unwrap();
        let method = |method: &str, auth: &str, key: bool| DeployedMethod {
            method: method.into(),
            path: "/orders".into(),
            authorization_type: auth.into(),
            api_key_required: key,
        };
        let deployed = BTreeMap::from([
            (
                "d1".to_string(),
                Some(vec![
                    method("GET", "AWS_IAM", false),
                    method("POST", "NONE", false),
                ]),
            ),
            (
                "d2".to_string(),
                Some(vec![
                    method("GET", "NONE", true),
                    method("PUT", "NONE", false),
                ]),
            ),
        ]);
        // each method as openly as the more open deployment serves it; the canary's own methods too
        assert_eq!(
            served_methods(&stage, &deployed),
            Some(vec![
                method("GET", "NONE", true),
                method("POST", "NONE", false),
                method("PUT", "NONE", false),
            ])
        );
        // the canary's deployment unread: what the stage serves is unknown
        let unread = BTreeMap::from([
            ("d1".to_string(), deployed["d1"].clone()),
            ("d2".to_string(), None),
        ]);
        assert_eq!(served_methods(&stage, &unread), None);
        // a canary taking no traffic is not served
        let idle: RestStage = serde_json::from_str(
            r#"{"stageName": "prod", "deploymentId": "d1", "canarySettings": {"percentTraffic": 0.0, "deploymentId": "d2"}}"#,
        )
        .unwrap();
        assert_eq!(served_methods(&idle, &deployed), deployed["d1"].clone());
        // the canary's stage variables pick another alias of the same stage
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f:${stageVariables.alias}/invocations";
        let mut variables = stage.variables.clone();
        variables.extend(stage.canary().unwrap().stage_variable_overrides.clone());
        let found = targets(
            uri,
            &[
                ("prod".to_string(), stage.variables.clone()),
                ("prod".to_string(), variables),
                ("prod".to_string(), stage.variables.clone()),
            ],
        );
        let qualifiers: Vec<_> = found.iter().map(|t| t.qualifier.as_deref()).collect();
        assert_eq!(qualifiers, [Some("live"), Some("next")]);
    }

    #[test]
    fn v2_routes_keep_lambda_routes_and_a_websocket_connect() {
        let integrations = BTreeMap::from([(
            "i1".to_string(),
            LambdaIntegration {
                uri: "arn:aws:lambda:eu-west-1:1:function:f".to_string(),
                credentials: Some("arn:aws:iam::1:role/apigw-invoke".to_string()),
            },
        )]);
        let authorizers = BTreeMap::from([(
            "a1".to_string(),
            Authorizer {
                id: "a1".into(),
                name: Some("users".into()),
                kind: Some("JWT".into()),
            },
        )]);
        let stages = vec![("$default".to_string(), BTreeMap::new())];
        let route = |key: &str, target: Option<&str>, auth: Option<&str>| V2Route {
            route_key: key.into(),
            authorization_type: auth.map(str::to_string),
            authorizer_id: auth.filter(|a| *a == "JWT").map(|_| "a1".to_string()),
            api_key_required: None,
            target: target.map(str::to_string),
        };
        let http = |r| v2_route(r, ApiKind::Http, &integrations, &authorizers, &stages);
        let got = http(route(
            "GET /pets/{id}",
            Some("integrations/i1"),
            Some("JWT"),
        ))
        .unwrap();
        assert_eq!(
            (got.method.as_str(), got.path.as_str()),
            ("GET", "/pets/{id}")
        );
        assert_eq!(got.authorizer.unwrap().kind.as_deref(), Some("JWT"));
        assert_eq!(got.targets.len(), 1);
        assert_eq!(
            got.integration_credentials.as_deref(),
            Some("arn:aws:iam::1:role/apigw-invoke")
        );
        let default = http(route("$default", Some("integrations/i1"), None)).unwrap();
        assert_eq!(
            (
                default.method.as_str(),
                default.path.as_str(),
                default.authorization_type.as_str()
            ),
            ("ANY", "$default", "NONE")
        );
        // a route to another integration (HTTP, another service) is not a front door of a function
        assert!(http(route("GET /other", Some("integrations/x9"), None)).is_none());
        let ws = |r| v2_route(r, ApiKind::Websocket, &integrations, &authorizers, &stages);
        let connect = ws(route("$connect", Some("integrations/mock"), Some("CUSTOM"))).unwrap();
        assert_eq!(
            (
                connect.method.as_str(),
                connect.path.as_str(),
                connect.targets.len()
            ),
            ("$connect", "", 0)
        );
        assert!(ws(route("sendmessage", None, None)).is_none());
    }

    #[test]
    fn mappings_serve_the_stage_under_the_domain_and_base_path() {
        assert_eq!(
            mapping_url("api.acme.example", Some("(none)")),
            "https://api.acme.example"
        );
        assert_eq!(
            mapping_url("api.acme.example", None),
            "https://api.acme.example"
        );
        assert_eq!(
            mapping_url("api.acme.example", Some("v1/orders")),
            "https://api.acme.example/v1/orders"
        );
        let page: V1Page<BasePathMapping> = serde_json::from_str(
            r#"{"item": [{"basePath": "(none)", "restApiId": "a1", "stage": "prod"}, {"basePath": "all", "restApiId": "a2"}]}"#,
        )
        .unwrap();
        assert_eq!(
            page.item[1].stage, None,
            "a mapping without a stage serves them all"
        );
    }

    #[test]
    fn policies_are_read_escaped_or_not() {
        let plain = policy(r#"{"Version":"2012-10-17","Statement":[]}"#);
        assert_eq!(plain.value()["Version"], "2012-10-17");
        let escaped = policy(r#"{\"Version\":\"2012-10-17\",\"Statement\":[]}"#);
        assert_eq!(escaped.value()["Version"], "2012-10-17");
        assert!(policy("not json").value().is_string());
    }
}

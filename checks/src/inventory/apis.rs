//! The functions' front doors: API Gateway REST APIs (v1) and HTTP / WebSocket APIs (v2) whose routes invoke a
//! function of the account, as the collector found them (`apigateway:GET`), and the per-function view of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Account, Function};
use crate::json_text::JsonText;

/// One API with at least one route integrated with a Lambda function (APIs without one are not kept).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Api {
    /// The API id (`a1b2c3d4e5`).
    pub id: String,
    /// The name its owner gave it (attacker-controlled text: never formatting).
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// `rest` (API Gateway v1), `http` or `websocket` (v2).
    pub kind: ApiKind,
    /// REST APIs: `EDGE`, `REGIONAL` or `PRIVATE` (`endpointConfiguration.types`); `None` for v2 APIs (always
    /// regional).
    pub endpoint_type: Option<String>,
    /// The default `execute-api` endpoint is turned off (`disableExecuteApiEndpoint`): only a custom domain name
    /// reaches the API.
    pub default_endpoint_disabled: bool,
    /// The REST API's resource policy; JSON `null` when it has none (HTTP APIs cannot have one).
    pub policy: JsonText,
    /// Its deployed stages.
    pub stages: Vec<ApiStage>,
    /// Its routes (REST: one per method of a resource) that integrate with a Lambda function.
    pub routes: Vec<ApiRoute>,
    /// The collector read each route's integration credentials ([`ApiRoute::integration_credentials`]); `false` in
    /// inventories collected before it did, where a route without one is not known to rely on the function's
    /// resource policy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub integration_credentials_read: bool,
}

/// The kind of an API.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ApiKind {
    /// API Gateway REST API (v1).
    #[default]
    Rest,
    /// API Gateway HTTP API (v2).
    Http,
    /// API Gateway WebSocket API (v2).
    Websocket,
}

impl ApiKind {
    /// `REST API`, `HTTP API`, `WebSocket API`.
    pub fn label(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST API",
            ApiKind::Http => "HTTP API",
            ApiKind::Websocket => "WebSocket API",
        }
    }
}

/// A deployed stage of an API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ApiStage {
    /// The stage name (`prod`, `$default`).
    pub name: String,
    /// The stage's URL on the default endpoint (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`).
    pub invoke_url: String,
    /// The AWS WAF web ACL associated with the stage (REST APIs only: `webAclArn`).
    pub web_acl_arn: Option<String>,
    /// The custom domain names that map this stage, as `https://<domain>/<base path>` (REST base path mappings, v2
    /// API mappings; `https://<domain>` for an empty base path); `None` when they were not read: an inventory from
    /// before they were collected, or the region's domain name listing failed (a gap `apigateway` `GetDomainNames`
    /// says so). One domain whose mappings could not be read is a gap (`GetBasePathMappings` / `GetApiMappings`,
    /// `resource` = the domain's ARN) and is missing from every stage's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_domains: Option<Vec<String>>,
    /// REST APIs: the methods the stage's deployment serves, with their authorization as deployed (GetDeployment
    /// `embed=apisummary`); with a canary taking part of the traffic, its deployment's methods too, each as openly as
    /// the more open of the two serves it; the routes are read from the draft (GetResources), which a stage serves only once
    /// deployed. `None` when not read: v2 APIs, an inventory from before they were collected, or the read failed (a
    /// gap `apigateway` `GetDeployment` about the API says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_methods: Option<Vec<DeployedMethod>>,
}

/// A method of a REST API as a stage's deployment serves it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DeployedMethod {
    /// `GET`, `ANY`…
    pub method: String,
    /// The resource path (`/orders/{id}`).
    pub path: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS` as deployed.
    pub authorization_type: String,
    /// `apiKeyRequired` as deployed.
    pub api_key_required: bool,
}

/// One route (HTTP API `routeKey`, REST method of a resource) integrated with a Lambda function.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ApiRoute {
    /// `GET`, `POST`, `ANY`…; WebSocket routes: the route key (`$connect`).
    pub method: String,
    /// The resource path (`/orders/{id}`); `$default` for an HTTP API's catch-all route.
    pub path: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` (Lambda authorizer), `COGNITO_USER_POOLS` (REST), `JWT` (HTTP).
    pub authorization_type: String,
    /// The authorizer the route names, when it names one.
    pub authorizer: Option<ApiAuthorizer>,
    /// A REST method that requires an API key (`apiKeyRequired`).
    pub api_key_required: bool,
    /// The integration's URI as the API holds it (may name `${stageVariables.x}`).
    pub integration_uri: String,
    /// The IAM role API Gateway assumes to invoke the function (REST `methodIntegration.credentials`, HTTP
    /// `CredentialsArn`; `arn:aws:iam::*:user/*` passes the caller's identity through); `None`: API Gateway invokes
    /// as itself, and the function's resource policy must allow it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_credentials: Option<String>,
    /// The function each stage invokes through this route (stage variables resolved per stage); a stage whose
    /// variables do not resolve to a function has no entry.
    pub targets: Vec<RouteTarget>,
}

/// An authorizer of an API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ApiAuthorizer {
    /// The authorizer id.
    pub id: String,
    /// Its name (attacker-controlled text).
    pub name: Option<String>,
    /// `TOKEN`, `REQUEST`, `COGNITO_USER_POOLS` (REST) or `JWT`, `REQUEST` (HTTP).
    pub kind: Option<String>,
}

/// The function a route invokes in one stage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RouteTarget {
    /// The stage.
    pub stage: String,
    /// The unqualified function ARN.
    pub function_arn: String,
    /// The alias or version the route invokes; `None` for the unqualified function.
    pub qualifier: Option<String>,
}

/// The key of an API in [`Account::apis`]: its ARN (`arn:aws:apigateway:<region>::/restapis/<id>`, `…::/apis/<id>`).
pub fn api_arn(partition: &str, region: &str, kind: ApiKind, id: &str) -> String {
    let collection = match kind {
        ApiKind::Rest => "restapis",
        ApiKind::Http | ApiKind::Websocket => "apis",
    };
    format!("arn:{partition}:apigateway:{region}::/{collection}/{id}")
}

/// The function ARN and qualifier a Lambda integration URI invokes: an API Gateway invocation URI
/// (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`) or, in an HTTP API,
/// the function ARN itself. `None` for any other integration (HTTP, AWS service, mock) or an unresolved variable.
pub fn lambda_target(uri: &str) -> Option<(String, Option<String>)> {
    let arn = match uri.split_once(":lambda:path/") {
        Some((prefix, path)) if prefix.starts_with("arn:") && prefix.contains(":apigateway:") => {
            let rest = path.split_once("/functions/")?.1;
            rest.strip_suffix("/invocations")?
        }
        _ => uri,
    };
    if arn.contains("${") {
        return None;
    }
    let parts: Vec<&str> = arn.split(':').collect();
    // arn:partition:lambda:region:account:function:name[:qualifier]
    if parts.len() < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
        return None;
    }
    if parts[6].is_empty() || parts.len() > 8 {
        return None;
    }
    let function = parts[..7].join(":");
    let qualifier = parts
        .get(7)
        .map(|q| q.to_string())
        .filter(|q| !q.is_empty());
    Some((function, qualifier))
}

/// `uri` with every `${stageVariables.<name>}` replaced by the stage's value; `None` when one is not set.
pub fn resolve_stage_variables(uri: &str, variables: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after.find('}')?;
        out.push_str(variables.get(&after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// One way in to a function: a route of a stage of an API that invokes it.
#[derive(Debug, Clone, Copy)]
pub struct FrontDoor<'a> {
    /// The API's key in [`Account::apis`].
    pub api_arn: &'a str,
    /// The API.
    pub api: &'a Api,
    /// The stage serving the route.
    pub stage: &'a ApiStage,
    /// The route.
    pub route: &'a ApiRoute,
    /// The alias or version invoked; `None` for the unqualified function.
    pub qualifier: Option<&'a str>,
}

impl Account {
    /// The routes of every deployed stage that invoke `function` (any qualifier), in API, route and stage order.
    pub fn front_doors<'a>(&'a self, function: &Function) -> Vec<FrontDoor<'a>> {
        let mut doors = Vec::new();
        for (arn, api) in self.apis.iter().flatten() {
            for route in &api.routes {
                for target in route
                    .targets
                    .iter()
                    .filter(|t| t.function_arn == function.arn)
                {
                    if let Some(stage) = api.stages.iter().find(|s| s.name == target.stage) {
                        doors.push(FrontDoor {
                            api_arn: arn,
                            api,
                            stage,
                            route,
                            qualifier: target.qualifier.as_deref(),
                        });
                    }
                }
            }
        }
        doors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_uris_name_the_function_and_its_qualifier() {
        let f = "arn:aws:lambda:us-east-1:123456789012:function:orders";
        assert_eq!(
            lambda_target(&format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{f}/invocations"
            )),
            Some((f.to_string(), None))
        );
        assert_eq!(
            lambda_target(&format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{f}:live/invocations"
            )),
            Some((f.to_string(), Some("live".into())))
        );
        assert_eq!(
            lambda_target(&format!("{f}:7")),
            Some((f.to_string(), Some("7".into())))
        );
        assert_eq!(lambda_target("https://example.com/orders"), None);
        assert_eq!(
            lambda_target("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"),
            None
        );
        assert_eq!(
            lambda_target(&format!("{f}:${{stageVariables.alias}}")),
            None
        );
    }

    #[test]
    fn stage_variables_resolve_per_stage() {
        let vars = BTreeMap::from([("alias".to_string(), "live".to_string())]);
        assert_eq!(
            resolve_stage_variables("f:${stageVariables.alias}/invocations", &vars).as_deref(),
            Some("f:live/invocations")
        );
        assert_eq!(
            resolve_stage_variables("f:${stageVariables.nope}", &vars),
            None
        );
        assert_eq!(
            resolve_stage_variables("plain", &vars).as_deref(),
            Some("plain")
        );
    }
}

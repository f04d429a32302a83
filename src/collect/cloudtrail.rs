//! CloudTrail, every scanned region: the trails and CloudTrail Lake event data stores that may record the functions'
//! `Invoke` data events, with their status and event selectors.
//!
//! Signed by hand (see [`super::raw`]; JSON 1.1, `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`): per
//! region DescribeTrails (`includeShadowTrails`, so multi-Region and organization trails homed elsewhere are seen) and
//! ListEventDataStores; then once per distinct trail GetTrailStatus and GetEventSelectors, asked with the trail's ARN
//! in its home region (not once per region that sees it), and once per store GetEventDataStore in its region
//! (ListEventDataStores no longer returns a store's status, selectors and regions). Paced in their own bucket
//! ([`Bucket::CloudTrail`]). A failed listing is a region-wide gap; a trail or store whose details could not be read
//! is kept with them `None` and a gap naming it: the check says Unknown, never Pass.

use std::collections::BTreeMap;

use lambda_posture_checks::inventory::cloudtrail::{
    AdvancedSelector, BasicSelector, CloudTrail, DataResource, EventDataStore,
    EventDataStoreDetails, FieldSelector, Selectors, Trail,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::error::CallError;
use super::pacing::Bucket;
use super::raw::{json_call, RawClient, RawOperation};
use super::Ctx;

const DESCRIBE_TRAILS: RawOperation = RawOperation::new("cloudtrail", "DescribeTrails");
const GET_TRAIL_STATUS: RawOperation = RawOperation::new("cloudtrail", "GetTrailStatus");
const GET_EVENT_SELECTORS: RawOperation = RawOperation::new("cloudtrail", "GetEventSelectors");
const LIST_EVENT_DATA_STORES: RawOperation = RawOperation::new("cloudtrail", "ListEventDataStores");
const GET_EVENT_DATA_STORE: RawOperation = RawOperation::new("cloudtrail", "GetEventDataStore");
const TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";
/// Pages of ListEventDataStores we follow at most (a region holds at most 10 stores: one page).
const MAX_PAGES: usize = 20;

/// The trails and event data stores seen from `regions` (the account's scanned regions): each region's listing
/// starts as soon as its Lambda scan tells it is enabled (while the regions are still scanned); a region not
/// enabled is not asked.
pub async fn collect(ctx: &Ctx, raw: &RawClient, regions: Vec<super::Enabled>) -> CloudTrail {
    let listings = futures::future::join_all(regions.into_iter().map(|region| async move {
        let Some(region) = region.wait().await else {
            return Default::default();
        };
        let (trails, stores) = tokio::join!(
            describe_trails(ctx, raw, &region),
            list_event_data_stores(ctx, raw, &region)
        );
        (
            ctx.gaps.ok_or_record(trails, None).unwrap_or_default(),
            ctx.gaps.ok_or_record(stores, None).unwrap_or_default(),
        )
    }))
    .await;
    // A trail is seen from its home region and, multi-Region or organization, from every other: keep it once.
    let mut trails: BTreeMap<String, Trail> = BTreeMap::new();
    let mut stores: BTreeMap<String, EventDataStore> = BTreeMap::new();
    for (region_trails, region_stores) in listings {
        for trail in region_trails {
            trails.entry(trail.arn.clone()).or_insert(trail);
        }
        for store in region_stores {
            stores.entry(store.arn.clone()).or_insert(store);
        }
    }
    let trails = futures::future::join_all(trails.into_values().map(|mut trail| async move {
        let (status, selectors) = tokio::join!(
            call::<StatusAnswer>(
                ctx,
                raw,
                GET_TRAIL_STATUS,
                &trail.home_region,
                json!({ "Name": trail.arn })
            ),
            call::<SelectorsAnswer>(
                ctx,
                raw,
                GET_EVENT_SELECTORS,
                &trail.home_region,
                json!({ "TrailName": trail.arn })
            ),
        );
        trail.logging = ctx
            .gaps
            .ok_or_record(status, Some(&trail.arn))
            .map(|s| s.is_logging);
        trail.selectors = ctx
            .gaps
            .ok_or_record(selectors, Some(&trail.arn))
            .map(SelectorsAnswer::into_inventory);
        trail
    }))
    .await;
    let event_data_stores =
        futures::future::join_all(stores.into_values().map(|mut store| async move {
            let answer = call::<StoreAnswer>(
                ctx,
                raw,
                GET_EVENT_DATA_STORE,
                &store.region,
                json!({ "EventDataStore": store.arn }),
            )
            .await;
            store.details = ctx
                .gaps
                .ok_or_record(answer, Some(&store.arn))
                .map(StoreAnswer::into_inventory);
            store
        }))
        .await;
    CloudTrail {
        trails,
        event_data_stores,
    }
}

/// One paced, retried call of `op` in `region` with `body`, its answer parsed.
async fn call<T: DeserializeOwned>(
    ctx: &Ctx,
    raw: &RawClient,
    op: RawOperation,
    region: &str,
    body: serde_json::Value,
) -> Result<T, CallError> {
    json_call(
        &ctx.pacer,
        raw,
        op,
        region,
        Bucket::CloudTrail,
        TARGET_PREFIX,
        &body,
    )
    .await
}

/// The trails DescribeTrails shows in `region` (its own and the shadows of trails homed elsewhere).
async fn describe_trails(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
) -> Result<Vec<Trail>, CallError> {
    let answer: TrailsAnswer = call(
        ctx,
        raw,
        DESCRIBE_TRAILS,
        region,
        json!({ "includeShadowTrails": true }),
    )
    .await?;
    answer
        .trail_list
        .into_iter()
        .map(|t| {
            let home = t
                .home_region
                .filter(|r| !r.is_empty())
                .or_else(|| arn_region(&t.trail_arn));
            match home {
                Some(home_region) if !t.trail_arn.is_empty() => Ok(Trail {
                    arn: t.trail_arn,
                    name: t.name,
                    home_region,
                    multi_region: t.is_multi_region_trail,
                    organization: t.is_organization_trail,
                    logging: None,
                    selectors: None,
                }),
                _ => Err(DESCRIBE_TRAILS.failure(
                    region,
                    format!("trail {:?} has no ARN or home region", t.name),
                )),
            }
        })
        .collect()
}

/// The event data stores of `region` (ARN and name; their details come from GetEventDataStore).
async fn list_event_data_stores(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
) -> Result<Vec<EventDataStore>, CallError> {
    let mut stores = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = json!({});
        if let Some(token) = &token {
            body["NextToken"] = json!(token);
        }
        let page: StoresPage = call(ctx, raw, LIST_EVENT_DATA_STORES, region, body).await?;
        stores.extend(page.event_data_stores.into_iter().map(|s| EventDataStore {
            region: arn_region(&s.event_data_store_arn).unwrap_or_else(|| region.to_string()),
            arn: s.event_data_store_arn,
            name: s.name,
            details: None,
        }));
        match page.next_token {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                token = Some(next)
            }
            _ => return Ok(stores),
        }
    }
    Err(LIST_EVENT_DATA_STORES.failure(
        region,
        format!("more than {MAX_PAGES} pages of event data stores"),
    ))
}

/// The region field of an ARN (`arn:aws:cloudtrail:<region>:…`).
fn arn_region(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrailsAnswer {
    #[serde(default)]
    trail_list: Vec<TrailAnswer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrailAnswer {
    #[serde(default)]
    name: String,
    #[serde(rename = "TrailARN", default)]
    trail_arn: String,
    home_region: Option<String>,
    #[serde(default)]
    is_multi_region_trail: bool,
    #[serde(default)]
    is_organization_trail: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusAnswer {
    #[serde(default)]
    is_logging: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct SelectorsAnswer {
    event_selectors: Option<Vec<BasicAnswer>>,
    advanced_event_selectors: Option<Vec<AdvancedAnswer>>,
}

impl SelectorsAnswer {
    fn into_inventory(self) -> Selectors {
        Selectors {
            basic: self
                .event_selectors
                .unwrap_or_default()
                .into_iter()
                .map(|s| BasicSelector {
                    read_write_type: s.read_write_type,
                    include_management_events: s.include_management_events,
                    data_resources: s
                        .data_resources
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| DataResource {
                            resource_type: r.r#type.unwrap_or_default(),
                            values: r.values.unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
            advanced: advanced(self.advanced_event_selectors),
        }
    }
}

fn advanced(selectors: Option<Vec<AdvancedAnswer>>) -> Vec<AdvancedSelector> {
    selectors
        .unwrap_or_default()
        .into_iter()
        .map(|s| AdvancedSelector {
            name: s.name.filter(|n| !n.is_empty()),
            field_selectors: s
                .field_selectors
                .unwrap_or_default()
                .into_iter()
                .map(|f| FieldSelector {
                    field: f.field,
                    equals: f.equals.unwrap_or_default(),
                    starts_with: f.starts_with.unwrap_or_default(),
                    ends_with: f.ends_with.unwrap_or_default(),
                    not_equals: f.not_equals.unwrap_or_default(),
                    not_starts_with: f.not_starts_with.unwrap_or_default(),
                    not_ends_with: f.not_ends_with.unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct BasicAnswer {
    read_write_type: Option<String>,
    include_management_events: Option<bool>,
    data_resources: Option<Vec<DataResourceAnswer>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DataResourceAnswer {
    r#type: Option<String>,
    values: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AdvancedAnswer {
    name: Option<String>,
    field_selectors: Option<Vec<FieldAnswer>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct FieldAnswer {
    field: String,
    equals: Option<Vec<String>>,
    starts_with: Option<Vec<String>>,
    ends_with: Option<Vec<String>>,
    not_equals: Option<Vec<String>>,
    not_starts_with: Option<Vec<String>>,
    not_ends_with: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct StoresPage {
    event_data_stores: Vec<StoreListed>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct StoreListed {
    event_data_store_arn: String,
    name: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct StoreAnswer {
    status: Option<String>,
    multi_region_enabled: bool,
    organization_enabled: bool,
    advanced_event_selectors: Option<Vec<AdvancedAnswer>>,
}

impl StoreAnswer {
    fn into_inventory(self) -> EventDataStoreDetails {
        EventDataStoreDetails {
            status: self.status.unwrap_or_default(),
            multi_region: self.multi_region_enabled,
            organization: self.organization_enabled,
            advanced: advanced(self.advanced_event_selectors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_the_inventory() {
        let trails: TrailsAnswer = serde_json::from_str(
            r#"{"trailList": [{"Name": "audit", "TrailARN": "arn:aws:cloudtrail:eu-west-1:1:trail/audit",
                "HomeRegion": "eu-west-1", "IsMultiRegionTrail": true, "IsOrganizationTrail": false,
                "S3BucketName": "b"}]}"#,
        )
        .unwrap();
        assert_eq!(
            trails.trail_list[0].home_region.as_deref(),
            Some("eu-west-1")
        );
        assert!(trails.trail_list[0].is_multi_region_trail);
        let selectors: SelectorsAnswer = serde_json::from_str(
            r#"{"TrailARN": "arn", "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true,
                "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}],
                "AdvancedEventSelectors": [{"Name": "l", "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:lambda:us-east-1:1:function:x"]}]}]}"#,
        )
        .unwrap();
        let selectors = selectors.into_inventory();
        assert_eq!(
            selectors.basic[0].data_resources[0].values,
            ["arn:aws:lambda"]
        );
        assert_eq!(selectors.basic[0].read_write_type.as_deref(), Some("All"));
        assert_eq!(
            selectors.advanced[0].field_selectors[1]
                .not_starts_with
                .len(),
            1
        );
        let store: StoreAnswer = serde_json::from_str(
            r#"{"EventDataStoreArn": "arn:aws:cloudtrail:us-east-1:1:eventdatastore/e", "Status": "ENABLED",
                "MultiRegionEnabled": true, "OrganizationEnabled": false, "AdvancedEventSelectors": []}"#,
        )
        .unwrap();
        let details = store.into_inventory();
        assert_eq!(details.status, "ENABLED");
        assert!(details.multi_region);
        assert_eq!(
            arn_region("arn:aws:cloudtrail:us-east-1:1:eventdatastore/e").as_deref(),
            Some("us-east-1")
        );
        let empty: SelectorsAnswer = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.into_inventory(), Selectors::default());
    }
}

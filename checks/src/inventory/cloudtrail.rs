//! The account's CloudTrail trails and CloudTrail Lake event data stores, as far as the invoke audit trail needs them:
//! where each records events from, whether it records now, and its event selectors.

use serde::{Deserialize, Serialize};

/// What the scan found of CloudTrail (`cloudtrail:DescribeTrails`, `GetTrailStatus`, `GetEventSelectors`,
/// `ListEventDataStores`, `GetEventDataStore`). A region whose listing failed is a gap (`cloudtrail`
/// `DescribeTrails` or `ListEventDataStores`, region-wide); a trail or store whose details could not be read is
/// listed with those details `None`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CloudTrail {
    /// Every trail visible from a scanned region (its own, multi-region trails homed elsewhere, organization
    /// trails), once each, sorted by ARN.
    pub trails: Vec<Trail>,
    /// Every event data store of a scanned region, sorted by ARN.
    pub event_data_stores: Vec<EventDataStore>,
}

/// One trail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Trail {
    /// `TrailARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// The region the trail was created in (`HomeRegion`).
    pub home_region: String,
    /// `IsMultiRegionTrail`: it records the events of every region, else only its home region's.
    pub multi_region: bool,
    /// `IsOrganizationTrail`: created by the organization's management account for every member account.
    pub organization: bool,
    /// `GetTrailStatus.IsLogging`; `None` when the status could not be read (a gap names the trail).
    pub logging: Option<bool>,
    /// `GetEventSelectors`; `None` when they could not be read (a gap names the trail).
    pub selectors: Option<Selectors>,
}

/// A trail's event selectors: basic or advanced (a trail has one kind or the other).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Selectors {
    /// `EventSelectors`.
    pub basic: Vec<BasicSelector>,
    /// `AdvancedEventSelectors`.
    pub advanced: Vec<AdvancedSelector>,
}

/// A basic event selector (`EventSelector`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BasicSelector {
    /// `ReadWriteType`: `ReadOnly`, `WriteOnly` or `All` (AWS's default when absent).
    pub read_write_type: Option<String>,
    /// `IncludeManagementEvents`.
    pub include_management_events: Option<bool>,
    /// `DataResources`.
    pub data_resources: Vec<DataResource>,
}

/// One `DataResource` of a basic selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DataResource {
    /// `Type`: `AWS::Lambda::Function`, `AWS::S3::Object`, `AWS::DynamoDB::Table`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// `Values`: ARNs or ARN prefixes.
    pub values: Vec<String>,
}

/// An advanced event selector: every field selector must hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AdvancedSelector {
    /// `Name`.
    pub name: Option<String>,
    /// `FieldSelectors`.
    pub field_selectors: Vec<FieldSelector>,
}

/// One `AdvancedFieldSelector`: a field and the conditions on it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FieldSelector {
    /// `Field`: `eventCategory`, `resources.type`, `resources.ARN`, `readOnly`, `eventName`, ...
    pub field: String,
    /// `Equals`: the value is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith`: the value starts with one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith`: the value ends with one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals`: the value is none of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith`: the value starts with none of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith`: the value ends with none of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

impl FieldSelector {
    /// Every value of every condition.
    pub fn value_count(&self) -> usize {
        self.equals.len()
            + self.starts_with.len()
            + self.ends_with.len()
            + self.not_equals.len()
            + self.not_starts_with.len()
            + self.not_ends_with.len()
    }
}

/// One CloudTrail Lake event data store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EventDataStore {
    /// `EventDataStoreArn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// The region it was created in (from its ARN; where it was listed).
    pub region: String,
    /// `GetEventDataStore`; `None` when it could not be read (a gap names the store).
    pub details: Option<EventDataStoreDetails>,
}

/// What `GetEventDataStore` says of a store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EventDataStoreDetails {
    /// `Status`: `ENABLED` records; `CREATED`, `STARTING_INGESTION`, `STOPPING_INGESTION`, `STOPPED_INGESTION`,
    /// `PENDING_DELETION` do not (yet, or any more).
    pub status: String,
    /// `MultiRegionEnabled`.
    pub multi_region: bool,
    /// `OrganizationEnabled`.
    pub organization: bool,
    /// `AdvancedEventSelectors`.
    pub advanced: Vec<AdvancedSelector>,
}

//! The account's AWS organization (organizations:DescribeOrganization), so that a grant pinned to another
//! organization's id can be told from one pinned to the account's own.
//!
//! Organizations is a global service with one endpoint per partition (us-east-1, cn-northwest-1, us-gov-west-1) and an
//! `awsJson1_1` API: one call signed by hand (see [`super::raw`]) rather than an SDK crate. An account outside any
//! organization answers `AWSOrganizationsNotInUseException`: a known answer, not a gap.

use lambda_posture_checks::inventory::{Gap, GapKind, Organization};
use serde_json::json;

use super::raw::{RawClient, RawOperation, RawRequest};
use super::Ctx;

const DESCRIBE_ORGANIZATION: RawOperation =
    RawOperation::new("organizations", "DescribeOrganization");

/// The answer of an account that belongs to no organization.
const NOT_IN_USE: &[&str] = &["AWSOrganizationsNotInUseException"];

/// The region of the partition's Organizations endpoint.
pub fn endpoint_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-northwest-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// The account's organization; `None` after recording a gap when it could not be read.
pub async fn collect(ctx: &Ctx, raw: &RawClient, partition: &str) -> Option<Organization> {
    let op = DESCRIBE_ORGANIZATION;
    let region = endpoint_region(partition);
    let url = format!("{}/", raw.endpoint(op, region));
    let request = RawRequest::json(
        region,
        format!("AWSOrganizationsV20161128.{}", op.operation),
        &json!({}),
    );
    let call = op.call(region);
    let answer = ctx.pacer.call(call, || raw.send(op, &url, &request)).await;
    match answer {
        Ok(response) => match organization_id(&response.body) {
            Some(id) => Some(Organization { id: Some(id) }),
            None => {
                ctx.gaps.push(Gap {
                    service: op.service.into(),
                    operation: op.operation.into(),
                    region: Some(region.into()),
                    resource: None,
                    kind: GapKind::Error,
                    error: "the answer names no Organization.Id".into(),
                });
                None
            }
        },
        Err(e) if e.has_code(NOT_IN_USE) => Some(Organization { id: None }),
        Err(e) => {
            ctx.gaps.record(&e, None);
            None
        }
    }
}

/// `Organization.Id` of a DescribeOrganization answer.
fn organization_id(body: &[u8]) -> Option<String> {
    let answer: serde_json::Value = serde_json::from_slice(body).ok()?;
    answer["Organization"]["Id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_the_answer() {
        let body = br#"{"Organization":{"Id":"o-a1b2c3d4e5","Arn":"arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5","MasterAccountId":"111111111111"}}"#;
        assert_eq!(organization_id(body).as_deref(), Some("o-a1b2c3d4e5"));
        assert_eq!(organization_id(br#"{"Organization":{}}"#), None);
        assert_eq!(organization_id(b"not json"), None);
    }

    #[test]
    fn each_partition_has_its_endpoint_region() {
        assert_eq!(endpoint_region("aws"), "us-east-1");
        assert_eq!(endpoint_region("aws-cn"), "cn-northwest-1");
        assert_eq!(endpoint_region("aws-us-gov"), "us-gov-west-1");
    }
}

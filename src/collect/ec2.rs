//! EC2, one region: the Availability Zone of every subnet the region's VPC functions use.
//!
//! One DescribeSubnets listing per region for all those subnets (a `subnet-id` filter, paged), signed by hand (see
//! [`super::raw`]): the EC2 SDK crate would add minutes to every build for this one call. The filter rather than
//! `SubnetId.N` because EC2 fails the whole call when one listed id does not exist; with the filter an unknown subnet
//! is simply absent from the answer, and is recorded as a gap about that subnet.

use std::collections::{BTreeMap, BTreeSet};

use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder, XmlDecodeError};
use lambda_posture_checks::inventory::{Function, Gap, GapKind};

use super::error::CallError;
use super::raw::{RawClient, RawOperation, RawRequest};
use super::Ctx;

const DESCRIBE_SUBNETS: RawOperation = RawOperation::new("ec2", "DescribeSubnets");
const API_VERSION: &str = "2016-11-15";
/// Subnet ids per request: EC2 accepts at most 200 values in one filter.
const IDS_PER_REQUEST: usize = 200;
/// DescribeSubnets page size (the API maximum).
const PAGE_SIZE: u32 = 1000;

/// Fill `VpcConfig::subnet_azs` of every VPC function of `region`. A failed listing is a region-wide gap and leaves
/// the subnets it would have resolved out of the maps (`None` when nothing could be resolved).
pub async fn resolve_subnet_azs(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
    functions: &mut [Function],
) {
    let wanted: BTreeSet<String> = functions
        .iter()
        .filter_map(|f| f.vpc.as_ref())
        .flat_map(|v| v.subnet_ids.iter().cloned())
        .collect();
    if wanted.is_empty() {
        return;
    }
    let ids: Vec<String> = wanted.iter().cloned().collect();
    let mut zones = BTreeMap::new();
    let mut complete = true;
    for chunk in ids.chunks(IDS_PER_REQUEST) {
        match describe_subnets(ctx, raw, region, chunk).await {
            Ok(found) => zones.extend(found),
            Err(e) => {
                ctx.gaps.record(&e, None);
                complete = false;
                break;
            }
        }
    }
    if complete {
        for missing in wanted.iter().filter(|id| !zones.contains_key(*id)) {
            ctx.gaps.push(unknown_subnet_gap(region, missing));
        }
    }
    if zones.is_empty() && !complete {
        return;
    }
    for vpc in functions.iter_mut().filter_map(|f| f.vpc.as_mut()) {
        vpc.subnet_azs = Some(
            vpc.subnet_ids
                .iter()
                .filter_map(|id| zones.get(id).map(|az| (id.clone(), az.clone())))
                .collect(),
        );
    }
}

fn unknown_subnet_gap(region: &str, subnet_id: &str) -> Gap {
    Gap {
        service: DESCRIBE_SUBNETS.service.into(),
        operation: DESCRIBE_SUBNETS.operation.into(),
        region: Some(region.into()),
        resource: Some(subnet_id.into()),
        kind: GapKind::Error,
        error: "DescribeSubnets does not return this subnet: it was deleted, or is not visible to this account"
            .into(),
    }
}

/// Subnet id → Availability Zone for `ids`, every page.
async fn describe_subnets(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
    ids: &[String],
) -> Result<BTreeMap<String, String>, CallError> {
    let url = format!("{}/", raw.endpoint(DESCRIBE_SUBNETS, region));
    let call = DESCRIBE_SUBNETS.call(region);
    let mut zones = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let request = RawRequest::query(region, &parameters(ids, token.as_deref()));
        let response = ctx
            .pacer
            .call(call, || raw.send(DESCRIBE_SUBNETS, &url, &request))
            .await?;
        let page = parse_page(&String::from_utf8_lossy(&response.body))
            .map_err(|e| unreadable_answer(region, &e))?;
        zones.extend(page.subnets);
        match page.next_token {
            Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            _ => return Ok(zones),
        }
    }
}

fn unreadable_answer(region: &str, error: &XmlDecodeError) -> CallError {
    DESCRIBE_SUBNETS.failure(region, format!("unreadable answer: {error}"))
}

fn parameters(ids: &[String], token: Option<&str>) -> Vec<(String, String)> {
    let mut params = vec![
        ("Action".to_string(), DESCRIBE_SUBNETS.operation.to_string()),
        ("Version".to_string(), API_VERSION.to_string()),
        ("MaxResults".to_string(), PAGE_SIZE.to_string()),
        ("Filter.1.Name".to_string(), "subnet-id".to_string()),
    ];
    params.extend(
        ids.iter()
            .enumerate()
            .map(|(i, id)| (format!("Filter.1.Value.{}", i + 1), id.clone())),
    );
    if let Some(token) = token {
        params.push(("NextToken".to_string(), token.to_string()));
    }
    params
}

/// One DescribeSubnets answer.
#[derive(Debug, Default, PartialEq)]
struct Page {
    /// (subnet id, Availability Zone).
    subnets: Vec<(String, String)>,
    next_token: Option<String>,
}

/// `<DescribeSubnetsResponse><subnetSet><item><subnetId/><availabilityZone/>…</item>…</subnetSet><nextToken/>`.
fn parse_page(xml: &str) -> Result<Page, XmlDecodeError> {
    // The decoder stops quietly at the end of its input: a truncated answer would read as a short page.
    if !xml.trim_end().ends_with("</DescribeSubnetsResponse>") {
        return Err(XmlDecodeError::custom(
            "DescribeSubnets answer is truncated (no closing DescribeSubnetsResponse)",
        ));
    }
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    let mut page = Page::default();
    while let Some(mut tag) = root.next_tag() {
        if tag.start_el().matches("subnetSet") {
            while let Some(mut item) = tag.next_tag() {
                if let Some(subnet) = parse_subnet(&mut item)? {
                    page.subnets.push(subnet);
                }
            }
        } else if tag.start_el().matches("nextToken") {
            let token = try_data(&mut tag)?.trim().to_string();
            page.next_token = Some(token).filter(|t| !t.is_empty());
        }
    }
    Ok(page)
}

/// (subnet id, Availability Zone) of one `<item>`; nested sets (tags, IPv6 blocks) are skipped.
fn parse_subnet(
    item: &mut ScopedDecoder<'_, '_>,
) -> Result<Option<(String, String)>, XmlDecodeError> {
    let (mut id, mut zone) = (None, None);
    while let Some(mut field) = item.next_tag() {
        if field.start_el().matches("subnetId") {
            id = Some(try_data(&mut field)?.trim().to_string());
        } else if field.start_el().matches("availabilityZone") {
            zone = Some(try_data(&mut field)?.trim().to_string());
        }
    }
    Ok(id.zip(zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_each_subnet_its_zone_and_the_next_token() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
    <subnetSet>
        <item>
            <subnetId>subnet-0a</subnetId>
            <availabilityZone>us-east-1a</availabilityZone>
            <availabilityZoneId>use1-az2</availabilityZoneId>
            <tagSet><item><key>availabilityZone</key><value>decoy</value></item></tagSet>
        </item>
        <item>
            <tagSet/>
            <subnetId>subnet-0b</subnetId>
            <availabilityZone>us-east-1b</availabilityZone>
        </item>
    </subnetSet>
    <nextToken>page-2</nextToken>
</DescribeSubnetsResponse>"#;
        assert_eq!(
            parse_page(xml).unwrap(),
            Page {
                subnets: vec![
                    ("subnet-0a".into(), "us-east-1a".into()),
                    ("subnet-0b".into(), "us-east-1b".into())
                ],
                next_token: Some("page-2".into()),
            }
        );
        let last = "<DescribeSubnetsResponse><subnetSet/><nextToken/></DescribeSubnetsResponse>";
        assert_eq!(parse_page(last).unwrap(), Page::default());
        assert!(parse_page("<DescribeSubnetsResponse><subnetSet>").is_err());
    }

    #[test]
    fn ids_go_in_one_subnet_id_filter() {
        let ids = vec!["subnet-1".to_string(), "subnet-2".to_string()];
        let params = parameters(&ids, Some("t"));
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Action"), Some("DescribeSubnets"));
        assert_eq!(get("Filter.1.Name"), Some("subnet-id"));
        assert_eq!(get("Filter.1.Value.1"), Some("subnet-1"));
        assert_eq!(get("Filter.1.Value.2"), Some("subnet-2"));
        assert_eq!(get("NextToken"), Some("t"));
        assert_eq!(get("SubnetId.1"), None);
    }
}

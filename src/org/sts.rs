//! Which STS endpoint enters an account: sts:AssumeRole spread round robin over regional STS endpoints (each region
//! its own pacing bucket), the caller's home region the fallback, and an endpoint that refuses what the home endpoint
//! accepts retired for the rest of the run.
//!
//! Why it holds on AWS (IAM user guide, "Manage AWS STS in an AWS Region"): "Session tokens from Regional AWS STS
//! endpoints are valid in all AWS Regions", so a member entered at any regional endpoint is scanned in every region;
//! a regional endpoint issues credentials for a role only where "the account from which temporary credentials are
//! requested" has STS active in that region (`RegionDisabledException` otherwise: that member's setting, not the
//! endpoint's). The default endpoints are the regions whose STS is "Active by default" (IAM user guide, "AWS STS
//! Regions and endpoints": the 17 regions enabled by default; in opt-in regions STS is active only once the region is
//! enabled); opt-in regions are never used unless `--sts-regions` names them.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aws_config::{Region, SdkConfig};

use crate::collect::error::{CallError, ErrorClass};

/// The regions whose STS endpoint is active by default (the commercial partition): the table of the IAM user guide,
/// "AWS STS Regions and endpoints", column "Active by default", every region enabled by default.
const DEFAULT_ENABLED: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The STS endpoints an organisation scan may enter accounts through: `pinned` (`--sts-regions`) when given, else
/// the default-enabled regions of the commercial partition (only the home region in another partition); the home
/// region is always among them, first.
pub fn endpoint_regions(home: &str, partition: &str, pinned: Option<&[String]>) -> Vec<String> {
    let others: Vec<String> = match pinned {
        Some(regions) => regions.to_vec(),
        None if partition == "aws" => DEFAULT_ENABLED.iter().map(|r| r.to_string()).collect(),
        None => Vec::new(),
    };
    let mut out = vec![home.to_string()];
    for region in others {
        if !out.contains(&region) {
            out.push(region);
        }
    }
    out
}

/// The round robin over the endpoints, minus those retired. Index 0 is the home region, never retired.
#[derive(Debug)]
pub struct Rotation {
    regions: Vec<String>,
    next: AtomicUsize,
    retired: Mutex<HashSet<usize>>,
}

impl Rotation {
    /// `regions[0]` is the home region.
    pub fn new(regions: Vec<String>) -> Self {
        assert!(!regions.is_empty(), "the home region is always an endpoint");
        Rotation {
            regions,
            next: AtomicUsize::new(0),
            retired: Mutex::new(HashSet::new()),
        }
    }

    pub fn home(&self) -> &str {
        &self.regions[0]
    }

    /// The next endpoint still in use, round robin (the home region when every other one is retired).
    pub fn pick(&self) -> &str {
        let retired = self.retired.lock().expect("sts rotation lock");
        let n = self.regions.len();
        for _ in 0..n {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % n;
            if !retired.contains(&i) {
                return &self.regions[i];
            }
        }
        self.home()
    }

    /// Stop using `region` for the rest of the run (never the home region). True when it was in use until now.
    pub fn retire(&self, region: &str) -> bool {
        match self.regions.iter().position(|r| r == region) {
            Some(0) | None => false,
            Some(i) => self.retired.lock().expect("sts rotation lock").insert(i),
        }
    }

    /// The endpoints still in use, home first.
    pub fn in_use(&self) -> Vec<&str> {
        let retired = self.retired.lock().expect("sts rotation lock");
        (0..self.regions.len())
            .filter(|i| !retired.contains(i))
            .map(|i| self.regions[i].as_str())
            .collect()
    }
}

/// Does a refusal at a regional endpoint, when the home endpoint then admits the same account, retire that endpoint?
/// Yes for what the endpoint will answer every account: a policy of the caller restricting regions, a region the
/// caller cannot use (access denied, another client error), an endpoint it cannot reach (no connection, no answer in
/// time). No for `RegionDisabledException` (the member deactivated STS in that region, which says nothing of the
/// others), and for throttling or a server error that outlasted the first call's retries: a busy moment, not a
/// closed door.
pub fn retires_endpoint(refusal: &CallError) -> bool {
    match refusal.class {
        ErrorClass::Throttled => false,
        ErrorClass::Transient => refusal.unreachable,
        ErrorClass::AccessDenied | ErrorClass::Client => {
            refusal.code.as_deref() != Some("RegionDisabledException")
        }
    }
}

/// The STS clients of the caller, one per endpoint region, and the rotation over them.
pub struct Endpoints {
    pub rotation: Rotation,
    clients: Vec<(String, aws_sdk_sts::Client)>,
}

impl Endpoints {
    /// Clients for `regions` (home first) from the caller's configuration: its credentials and endpoint overrides,
    /// each signed for and sent to its own region.
    pub fn new(sdk: &SdkConfig, regions: Vec<String>) -> Self {
        let clients = regions
            .iter()
            .map(|region| {
                let config = aws_sdk_sts::config::Builder::from(sdk)
                    .region(Region::new(region.clone()))
                    .build();
                (region.clone(), aws_sdk_sts::Client::from_conf(config))
            })
            .collect();
        Endpoints {
            rotation: Rotation::new(regions),
            clients,
        }
    }

    /// The client of an endpoint region of this rotation.
    pub fn client(&self, region: &str) -> &aws_sdk_sts::Client {
        &self
            .clients
            .iter()
            .find(|(r, _)| r == region)
            .expect("a region of the rotation")
            .1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation(regions: &[&str]) -> Rotation {
        Rotation::new(regions.iter().map(|r| r.to_string()).collect())
    }

    #[test]
    fn the_default_endpoints_are_the_default_enabled_regions_home_first() {
        let regions = endpoint_regions("eu-west-1", "aws", None);
        assert_eq!(regions[0], "eu-west-1");
        assert_eq!(regions.len(), DEFAULT_ENABLED.len(), "home counted once");
        assert!(regions
            .iter()
            .all(|r| DEFAULT_ENABLED.contains(&r.as_str())));
        // an opt-in home region is the fallback, the default-enabled ones are spread over
        let opt_in = endpoint_regions("ap-east-1", "aws", None);
        assert_eq!(opt_in[0], "ap-east-1");
        assert_eq!(opt_in.len(), DEFAULT_ENABLED.len() + 1);
        // another partition: its home region only
        assert_eq!(
            endpoint_regions("us-gov-west-1", "aws-us-gov", None),
            ["us-gov-west-1"]
        );
        // pinned: exactly those, home first
        let pinned = vec!["us-west-2".to_string(), "us-east-1".to_string()];
        assert_eq!(
            endpoint_regions("us-east-1", "aws", Some(&pinned)),
            ["us-east-1", "us-west-2"]
        );
    }

    #[test]
    fn endpoints_are_used_in_turn_and_a_retired_one_no_more() {
        let r = rotation(&["us-east-1", "us-west-2", "eu-west-1"]);
        let first: Vec<&str> = (0..6).map(|_| r.pick()).collect();
        assert_eq!(
            first,
            [
                "us-east-1",
                "us-west-2",
                "eu-west-1",
                "us-east-1",
                "us-west-2",
                "eu-west-1"
            ]
        );
        assert!(r.retire("us-west-2"));
        assert!(!r.retire("us-west-2"), "retired once");
        let next: Vec<&str> = (0..4).map(|_| r.pick()).collect();
        assert!(!next.contains(&"us-west-2"), "{next:?}");
        assert_eq!(next.iter().filter(|x| **x == "us-east-1").count(), 2);
        assert_eq!(r.in_use(), ["us-east-1", "eu-west-1"]);
    }

    #[test]
    fn the_home_endpoint_is_never_retired_and_remains_when_all_others_are() {
        let r = rotation(&["us-east-1", "us-west-2"]);
        assert!(!r.retire("us-east-1"));
        assert!(!r.retire("eu-west-3"), "not an endpoint of the run");
        assert!(r.retire("us-west-2"));
        assert!((0..5).all(|_| r.pick() == "us-east-1"));
        assert_eq!(r.in_use(), ["us-east-1"]);
    }

    #[test]
    fn a_closed_endpoint_is_retired_a_busy_one_or_a_members_deactivated_region_is_not() {
        let refusal = |code: Option<&str>, class| CallError {
            service: "sts",
            operation: "AssumeRole",
            region: Some("us-west-2".into()),
            class,
            code: code.map(str::to_string),
            message: "refused".into(),
            unreachable: code.is_none(),
        };
        assert!(!retires_endpoint(&refusal(
            Some("RegionDisabledException"),
            ErrorClass::Client
        )));
        assert!(retires_endpoint(&refusal(
            Some("AccessDenied"),
            ErrorClass::AccessDenied
        )));
        assert!(retires_endpoint(&refusal(
            Some("InvalidClientTokenId"),
            ErrorClass::Client
        )));
        assert!(retires_endpoint(&refusal(None, ErrorClass::Transient)));
        // Busy, not closed: an answered server error or throttling that outlasted the retries.
        let mut busy = refusal(Some("InternalFailure"), ErrorClass::Transient);
        busy.unreachable = false;
        assert!(!retires_endpoint(&busy));
        let mut throttled = refusal(Some("Throttling"), ErrorClass::Throttled);
        throttled.unreachable = false;
        assert!(!retires_endpoint(&throttled));
    }
}

//! The collection plan: which per-function calls the scan makes, decided from what it already knows, and how the
//! calls it does not make are recorded ([`Skipped`]) and read. One home for the rule, used by the collector (to skip)
//! and by the report (to count what was not examined); `scan --thorough` makes every call.
//!
//! Every per-function call in the shared 15/s control-plane bucket is made unless its answer is known without asking:
//!
//! - `ListProvisionedConcurrencyConfigs` is not needed for a function that has no published version (the region's
//!   `ListFunctions(FunctionVersion=ALL)` lists every version): provisioned concurrency is configured on "a function's
//!   alias or version" (API reference, PutProvisionedConcurrencyConfig,
//!   <https://docs.aws.amazon.com/lambda/latest/dg/API_PutProvisionedConcurrencyConfig.html>), a published version
//!   ("You can configure the following items for a published function version: … Provisioned concurrency",
//!   <https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html>), never `$LATEST` nor an alias of it
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html>). Recorded as not needed: the empty
//!   list is the answer.
//! - `ListAliases`, `ListFunctionUrlConfigs` and `ListFunctionEventInvokeConfigs` are always made. An alias may
//!   point at `$LATEST` ("An alias can point only to a function version", and `$LATEST` is one,
//!   <https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html>) and has its own resource policy: nothing else
//!   names it. An AuthType AWS_IAM URL needs no resource policy for callers of its own account, and
//!   lambda-url-cors-wildcard, no-reserved-concurrency (a URL is a door) and the `unused` report read URLs whatever
//!   the policy says. An asynchronous invocation configuration is itself the evidence of asynchronous use that a
//!   resource policy cannot show (same-account callers — Step Functions, EventBridge Scheduler and Pipes, your own
//!   code with `InvocationType=Event` — invoke through their IAM role, not the function's policy), and its OnFailure
//!   destination is judged by dlq-unwritable whoever invokes.
//!
//! In the `GetPolicy` bucket (15/s), each published version has its own resource policy: a permission applies to
//! the function, an alias or a version depending on the ARN it is added to, and invoking another qualifier is
//! refused ("The scope of that permission depends on whether you apply it to an alias, a version, or the entire
//! function", <https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html#versioning-permissions-alias>);
//! publishing a version does not copy the function's policy onto it. By default the scan reads the policy of every
//! live version (behind an alias or its routing weights, named by an event source mapping, with provisioned
//! concurrency or an asynchronous invocation configuration of its own) and of the newest [`NEWEST_VERSIONS`]; the
//! others — old versions nothing points at, reachable only by a caller naming their number — are recorded as not
//! examined, counted in the report's summary and read with `--thorough`. Their configurations (runtime, role,
//! environment, layers, DLQ) come with the region's listing at no cost.
//!
//! Outside Lambda's buckets, the functions' CloudWatch Logs log groups are read by name, 50 a `DescribeLogGroups`
//! request (`logGroupIdentifiers`, the API's maximum): ⌈distinct groups / 50⌉ calls a region in both modes, never one
//! per function nor a listing of every log group of the region (accounts keep thousands of groups that no function
//! writes to).
//!
//! CloudTrail is read once per account, not per function: `DescribeTrails` and `ListEventDataStores` per enabled
//! region, `GetTrailStatus` and `GetEventSelectors` once per distinct trail (asked by ARN in its home region, not once
//! per region that shows it) and `GetEventDataStore` once per event data store: 2 R + 2 T + S calls in both modes.
//!
//! API Gateway (the functions' front doors) is read per region, not per function, in both modes: GetRestApis and
//! GetApis (500 a page), then per REST API GetResources with its methods embedded (500 a page), and per v2 API
//! GetIntegrations; only an API with a Lambda integration costs more (GetStages, GetRoutes for v2, GetAuthorizers when
//! a route names one). A region without functions is not read. Its control-plane quotas are fixed and the account's
//! (10 requests per second in total, GetResources 5 every 2 seconds), so the calls are paced account-wide at 4/s and
//! 2/s: an account with A REST and B v2 APIs in a region, L of them fronting a function, costs about
//! 2 + A + B + 2 L calls there; when L > 0, the custom domain names too: the v1 and v2 GetDomainNames, then per domain
//! GetBasePathMappings and GetApiMappings (D domains: 2 + 2 D); per REST API fronting a function, GetDeployment
//! once per distinct deployment its stages serve (a canary's included).
//!
//! Elastic Load Balancing (the functions' load balancers) is read per region, not per function, in both modes:
//! DescribeTargetGroups (400 a page), DescribeTargetHealth per target group of type `lambda`, then only for the load
//! balancers those groups name DescribeLoadBalancers (20 ARNs a call), DescribeListeners per load balancer and
//! DescribeRules per listener, and one EC2 DescribeSecurityGroups for the internet-facing ones. A region without
//! functions is not read. Paced at 5/s per region (half the refill rate of ELB's `Describe*` token bucket, 10/s): a
//! region with T Lambda target groups behind B load balancers with L listeners costs about 2 + T + ⌈B / 20⌉ + B + L
//! calls.

use std::collections::BTreeSet;

use crate::inventory::{Account, Function, SkipKind, Skipped};

/// Published versions, newest first, whose resource policy the default reads even when nothing points at them.
pub const NEWEST_VERSIONS: usize = 5;

/// The flag that makes every call.
pub const THOROUGH_FLAG: &str = "--thorough";

/// The operation that lists a function's provisioned concurrency.
pub const PROVISIONED_CONCURRENCY: &str = "ListProvisionedConcurrencyConfigs";
/// The operation that reads a function's or a qualifier's resource policy.
pub const GET_POLICY: &str = "GetPolicy";

/// `ListProvisionedConcurrencyConfigs` of a function, when it is not needed: the listing showed all its versions
/// (`versions_complete`) and it has none, so no configuration can exist.
pub fn provisioned_concurrency_skip(
    versions_complete: bool,
    versions: &[String],
) -> Option<Skipped> {
    (versions_complete && versions.is_empty()).then(|| Skipped {
        operation: PROVISIONED_CONCURRENCY.into(),
        qualifiers: Vec::new(),
        kind: SkipKind::NotNeeded,
        reason: "the function has no published version, and provisioned concurrency can only be configured on a \
                 published version or an alias of one"
            .into(),
    })
}

/// The newest [`NEWEST_VERSIONS`] of `versions` (numeric order, as the inventory keeps them).
pub fn newest_versions(versions: &[String]) -> BTreeSet<String> {
    versions
        .iter()
        .rev()
        .take(NEWEST_VERSIONS)
        .cloned()
        .collect()
}

/// The published versions whose resource policy the default reads: the newest ones and every live one.
pub fn examined_versions(versions: &[String], live: &BTreeSet<String>) -> BTreeSet<String> {
    let mut examined = newest_versions(versions);
    examined.extend(versions.iter().filter(|v| live.contains(*v)).cloned());
    examined
}

/// The record of the versions whose policy was not read (`None` when every one was), in version order.
pub fn unread_version_policies(versions: &[String], read: &BTreeSet<String>) -> Option<Skipped> {
    let unread: Vec<String> = versions
        .iter()
        .filter(|v| !read.contains(*v))
        .cloned()
        .collect();
    (!unread.is_empty()).then(|| Skipped {
        operation: GET_POLICY.into(),
        qualifiers: unread,
        kind: SkipKind::NotExamined,
        reason: format!(
            "old published versions nothing points at (no alias, event source mapping, provisioned concurrency or \
             asynchronous configuration; not among the newest {NEWEST_VERSIONS}): their resource policies were not \
             read ({THOROUGH_FLAG} reads them)"
        ),
    })
}

impl Function {
    /// What the plan left unread about `operation` for this function: the skips that hide data. A skip recorded as
    /// not needed is not one of them — its field holds the answer, like a collected one.
    pub fn not_examined<'a>(
        &'a self,
        operation: &'a str,
    ) -> impl Iterator<Item = &'a Skipped> + 'a {
        self.skipped
            .iter()
            .filter(move |s| s.operation == operation && s.kind == SkipKind::NotExamined)
    }
}

/// Published versions whose resource policy was not read, and the functions they belong to.
pub fn unread_policies(account: &Account) -> (usize, usize) {
    account
        .functions
        .iter()
        .map(|f| {
            f.not_examined(GET_POLICY)
                .map(|s| s.qualifiers.len())
                .sum::<usize>()
        })
        .filter(|&n| n > 0)
        .fold((0, 0), |(versions, functions), n| {
            (versions + n, functions + 1)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(n: u32) -> Vec<String> {
        (1..=n).map(|v| v.to_string()).collect()
    }

    #[test]
    fn provisioned_concurrency_is_not_needed_only_without_versions_listed_completely() {
        let skip = provisioned_concurrency_skip(true, &[]).expect("no version: not needed");
        assert_eq!(skip.operation, "ListProvisionedConcurrencyConfigs");
        assert_eq!(skip.kind, SkipKind::NotNeeded);
        assert!(skip.qualifiers.is_empty());
        assert_eq!(provisioned_concurrency_skip(true, &versions(1)), None);
        // The listing failed before it showed this function's versions: they are unknown, so ask.
        assert_eq!(provisioned_concurrency_skip(false, &[]), None);
    }

    #[test]
    fn the_newest_versions_and_every_live_one_are_examined() {
        let all = versions(300);
        let live: BTreeSet<String> = ["3", "150", "999"].map(String::from).into();
        let examined = examined_versions(&all, &live);
        let mut want: BTreeSet<String> = (296..=300).map(|v| v.to_string()).collect();
        want.extend(["3".to_string(), "150".to_string()]);
        assert_eq!(examined, want, "999 is not a version of the function");
        let skip = unread_version_policies(&all, &examined).expect("old versions unread");
        assert_eq!(skip.operation, "GetPolicy");
        assert_eq!(skip.kind, SkipKind::NotExamined);
        assert_eq!(skip.qualifiers.len(), 300 - 7);
        assert_eq!(skip.qualifiers.first().map(String::as_str), Some("1"));
        assert!(!skip.qualifiers.contains(&"150".to_string()));
        assert!(skip.reason.contains("--thorough"));
    }

    #[test]
    fn few_versions_are_all_examined() {
        let all = versions(NEWEST_VERSIONS as u32);
        let examined = examined_versions(&all, &BTreeSet::new());
        assert_eq!(examined.len(), NEWEST_VERSIONS);
        assert_eq!(unread_version_policies(&all, &examined), None);
        assert_eq!(unread_version_policies(&[], &BTreeSet::new()), None);
    }

    #[test]
    fn only_skips_that_hide_data_are_not_examined_and_counted() {
        let all = versions(8);
        let examined = examined_versions(&all, &BTreeSet::new());
        let function = Function {
            skipped: vec![
                provisioned_concurrency_skip(true, &[]).unwrap(),
                unread_version_policies(&all, &examined).unwrap(),
            ],
            ..Function::default()
        };
        assert_eq!(function.not_examined(PROVISIONED_CONCURRENCY).count(), 0);
        assert_eq!(function.not_examined(GET_POLICY).count(), 1);
        let account = Account {
            functions: vec![function, Function::default()],
            ..Account::default()
        };
        assert_eq!(unread_policies(&account), (3, 1));
    }
}

//! Whether a DLQ or OnFailure destination exists, from what the scan saw.

use crate::arn::Arn;
use crate::check::gap_reason;
use crate::inventory::Account;

/// What the inventory says about a destination's existence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Existence {
    Exists,
    /// It does not exist; the text says how we know.
    Missing(String),
    /// Not looked up (the scan does not collect it), or the lookup failed (`Some(reason)`: a gap).
    Unverified(Option<String>),
}

/// Lambda functions are judged from the function listing; queues, topics, buses and buckets from
/// `Account::destinations`.
pub(super) fn existence(account: &Account, arn: &str) -> Existence {
    if Arn::parse(arn).is_ok_and(|a| a.service == "lambda") {
        return function_existence(account, arn);
    }
    let Some(destinations) = &account.destinations else {
        return Existence::Unverified(None);
    };
    match destinations.get(arn) {
        Some(d) if d.exists => Existence::Exists,
        Some(_) => Existence::Missing("does not exist".into()),
        None => Existence::Unverified(
            account
                .gaps
                .iter()
                .find(|g| g.resource.as_deref() == Some(arn))
                .map(gap_reason),
        ),
    }
}

/// A destination function in this account, in a region whose function listing succeeded, must be in the inventory
/// (with the alias or version its ARN names, when those listings succeeded too).
fn function_existence(account: &Account, arn: &str) -> Existence {
    let Some((arn, name)) = Arn::parse(arn)
        .ok()
        .and_then(|a| a.function_name().map(|name| (a, name)))
    else {
        return Existence::Unverified(None);
    };
    let (region, target_account) = (arn.region, arn.account);
    let listing_failed = |operation: &str| {
        account.gaps.iter().any(|g| {
            g.service == "lambda"
                && g.operation == operation
                && g.region.as_deref().is_none_or(|r| r == region)
        })
    };
    let listed = target_account == account.account_id
        && account.regions.iter().any(|r| r == region)
        && !listing_failed("ListFunctions");
    if !listed {
        return Existence::Unverified(None);
    }
    let Some(function) = account
        .functions
        .iter()
        .find(|f| f.region == region && f.name == name)
    else {
        return Existence::Missing(format!("does not exist: no function {name} in {region}"));
    };
    let Some(qualifier) = arn.qualifier() else {
        return Existence::Exists;
    };
    let known = qualifier == "$LATEST"
        || function.aliases.iter().any(|a| a.name == *qualifier)
        || function.versions.iter().any(|v| v == qualifier);
    let qualifiers_listed = !account.gaps.iter().any(|g| {
        (g.operation == "ListAliases" || g.operation == "ListVersionsByFunction")
            && g.affects("lambda", &g.operation, function)
    });
    match (known, qualifiers_listed) {
        (true, _) => Existence::Exists,
        (false, true) => Existence::Missing(format!(
            "does not exist: function {name} has no alias or version {qualifier}"
        )),
        (false, false) => Existence::Unverified(None),
    }
}

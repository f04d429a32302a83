//! The function's CloudWatch Logs log group as the scan found it (logs:DescribeLogGroups), shared by
//! log-group-missing, log-retention and log-group-no-cmk.

use crate::catalog::role::logs::LogTarget;
use crate::check::{FunctionContext, Outcome};
use crate::inventory::LogGroup;

/// The function's log group and where it is, or the outcomes a log check reports instead: Unknown when the lookup
/// failed (a gap) or has no answer for this group.
pub fn of<'a>(ctx: &FunctionContext<'a>) -> Result<(&'a LogGroup, LogTarget), Vec<Outcome>> {
    let target = LogTarget::of(ctx.function);
    if let Some(unknown) = ctx.gap_unknown(&[("logs", "DescribeLogGroups")]) {
        return Err(vec![unknown]);
    }
    let Some(groups) = &ctx.account.log_groups else {
        return Err(vec![Outcome::unknown(
            "log groups were not looked up in this scan (logs:DescribeLogGroups)",
        )]);
    };
    match groups.get(&target.group_arn) {
        Some(group) => Ok((group, target)),
        None => Err(vec![Outcome::unknown(format!(
            "log group {} was not looked up (logs:DescribeLogGroups)",
            target.group
        ))]),
    }
}

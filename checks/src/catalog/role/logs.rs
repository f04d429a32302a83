//! The function's log group as IAM sees it: the ARNs Lambda's log writes are authorised against, shared by
//! role-logs-missing and role-logs-unscoped.

use crate::check::Place;
use crate::inventory::Function;
use crate::policy::{document::resource_matches, pattern_covers};

/// The two actions Lambda needs to deliver a function's logs (creating the group is optional when it exists).
pub const WRITE_ACTIONS: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/// Where a function's logs go, as ARNs.
pub struct LogTarget {
    /// The log group name (honours `LoggingConfig.LogGroup`).
    pub group: String,
    /// `arn:…:log-group:<group>`.
    pub group_arn: String,
    /// ARNs a write for the function is checked against: the group (with and without the `:*` suffix IAM documents
    /// use) and a stream in it, named like Lambda names streams.
    candidates: Vec<String>,
    /// Patterns covering exactly this group in any region (a role is global; accounts cannot be crossed anyway).
    own: [String; 2],
}

impl LogTarget {
    pub fn of(function: &Function) -> LogTarget {
        let Place {
            partition,
            region,
            account,
        } = Place::of(function);
        let group = function.log_group();
        let group_arn = format!("arn:{partition}:logs:{region}:{account}:log-group:{group}");
        let candidates = vec![
            group_arn.clone(),
            format!("{group_arn}:*"),
            format!("{group_arn}:log-stream:2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"),
        ];
        let own_group = format!("arn:{partition}:logs:*:*:log-group:{group}");
        let own = [own_group.clone(), format!("{own_group}:*")];
        LogTarget {
            group,
            group_arn,
            candidates,
            own,
        }
    }

    /// Whether a Resource pattern reaches the function's log group or its streams.
    pub fn reached_by(&self, pattern: &str) -> bool {
        self.candidates
            .iter()
            .any(|arn| resource_matches(pattern, arn))
    }

    /// Whether an ARN check passes for any of the function's log ARNs.
    pub fn reached(&self, reaches: impl Fn(&str) -> bool) -> bool {
        self.candidates.iter().any(|arn| reaches(arn))
    }

    /// Whether a Resource pattern names only this log group (and its streams), in any region.
    pub fn scoped_to_group(&self, pattern: &str) -> bool {
        self.own
            .iter()
            .any(|own| pattern_covers(own, pattern, false))
    }

    /// The Resource to grant instead of a broad one.
    pub fn suggested_resource(&self) -> String {
        format!("{}:*", self.group_arn)
    }
}

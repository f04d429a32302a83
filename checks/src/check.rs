//! The check contract: a plain const struct per check, evaluated once per function.

use chrono::NaiveDate;
use serde_json::Value;

use crate::arn::Arn;
use crate::config::ValidConfig;
use crate::finding::{Evidence, Severity};
use crate::inventory::{Account, Function, Gap, Role};
use crate::memo::Memo;
use crate::policy::RolePermissions;

/// A check of the catalogue. Adding a check touches its folder plus one line of its group's list.
pub struct Check {
    /// Kebab-case, unique, never reused.
    pub id: &'static str,
    /// What a failure means, in a few words (the report's finding title).
    pub title: &'static str,
    /// Default severity of its failures; config `severity` can override it.
    pub severity: Severity,
    /// Markdown: What it checks / Why it matters / How to fix / Example.
    pub docs: &'static str,
    /// Its `compliance.json`: the framework controls it evidences ([`crate::compliance`] parses and validates it).
    pub compliance: &'static str,
    /// Judges one function: its failures and Unknowns (none = pass).
    pub evaluate: fn(&FunctionContext) -> Vec<Outcome>,
}

impl Check {
    /// The body of a `## <heading>` section of the docs (up to the next `## `), trimmed; empty when absent.
    pub fn doc_section(&self, heading: &str) -> &'static str {
        let docs = self.docs;
        let marker = format!("## {heading}");
        let Some(start) = docs
            .lines()
            .find(|l| l.trim_end() == marker)
            .map(|l| l.as_ptr() as usize - docs.as_ptr() as usize)
        else {
            return "";
        };
        let body = &docs[start + marker.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim()
    }

    /// The "How to fix" section of the docs: remediation text for tickets and reports.
    pub fn remediation(&self) -> &'static str {
        self.doc_section("How to fix")
    }
}

/// Everything a check may read while judging one function.
pub struct FunctionContext<'a> {
    /// The account the function belongs to (its roles, gaps, settings).
    pub account: &'a Account,
    /// The function judged.
    pub function: &'a Function,
    /// The user's configuration, validated.
    pub config: &'a ValidConfig,
    /// The scan date (inventory collection date), never the wall clock.
    pub today: NaiveDate,
    /// Days of metrics history the inventory asked for.
    pub lookback_days: u32,
    /// What the account's functions share (role permissions, role-level outcomes), computed once per evaluation.
    pub memo: &'a Memo<'a>,
}

impl<'a> FunctionContext<'a> {
    /// The gap hiding `service:operation` data for this function, if any.
    pub fn gap(&self, service: &str, operation: &str) -> Option<&'a Gap> {
        self.account.gap_for(service, operation, self.function)
    }

    /// `Unknown` for the first of `operations` (`(service, operation)`) that could not be collected for this
    /// function.
    pub fn gap_unknown(&self, operations: &[(&str, &str)]) -> Option<Outcome> {
        operations
            .iter()
            .find_map(|(service, operation)| self.gap(service, operation))
            .map(Outcome::unknown_from_gap)
    }

    /// The execution role, or why it is not available.
    pub fn role(&self) -> Result<&'a Role, RoleUnavailable<'a>> {
        if let Some(role) = self.account.role(&self.function.role_arn) {
            return Ok(role);
        }
        match self.account.role_gap(&self.function.role_arn) {
            Some(gap) => Err(RoleUnavailable::NotCollected(gap)),
            None => Err(RoleUnavailable::Missing),
        }
    }

    /// The execution role, or the outcomes a check judging it reports instead: `Unknown` when IAM could not be read
    /// for it, and nothing when it does not exist — a deleted role grants nothing to anyone today, and its deletion
    /// is one problem with one finding, role-missing's (a role recreated under the same name is judged by the next
    /// scan, like any other role).
    pub fn role_to_judge(&self) -> Result<&'a Role, Vec<Outcome>> {
        match self.role() {
            Ok(role) => Ok(role),
            Err(RoleUnavailable::NotCollected(gap)) => Err(vec![Outcome::unknown_from_gap(gap)]),
            Err(RoleUnavailable::Missing) => Err(Vec::new()),
        }
    }

    /// The execution role's permissions (computed once per role), or the outcomes of [`Self::role_to_judge`].
    pub fn permissions(&self) -> Result<&'a RolePermissions<'a>, Vec<Outcome>> {
        let role = self.role_to_judge()?;
        Ok(self.memo.permissions(&self.function.role_arn, role))
    }

    /// Runs `judge` on the execution role's permissions, or gives the outcomes of [`Self::role_to_judge`] when the
    /// role is unavailable.
    pub fn judge_permissions(
        &self,
        judge: fn(&FunctionContext<'a>, &'a RolePermissions<'a>) -> Vec<Outcome>,
    ) -> Vec<Outcome> {
        match self.permissions() {
            Ok(permissions) => judge(self, permissions),
            Err(outcomes) => outcomes,
        }
    }

    /// The outcomes of `check`, which judges the execution role alone: `judge` sees no function, so its outcomes
    /// hold for every function using the role and are computed once per role. Without the role, the outcomes of
    /// [`Self::role_to_judge`].
    pub fn judge_role(
        &self,
        check: &'static Check,
        judge: fn(&RoleContext<'a>) -> Vec<Outcome>,
    ) -> Vec<Outcome> {
        self.judge_role_once(check, None, judge)
    }

    /// The outcomes of `check`, which judges the execution role as seen from where the function runs: `judge` sees
    /// no function, only its [`Place`], so its outcomes hold for every function using the role in that place and are
    /// computed once per role and place. Without the role, the outcomes of [`Self::role_to_judge`].
    pub fn judge_role_at(
        &self,
        check: &'static Check,
        judge: fn(&RoleContext<'a>, Place<'a>) -> Vec<Outcome>,
    ) -> Vec<Outcome> {
        let place = Place::of(self.function);
        self.judge_role_once(check, Some(place), |role| judge(role, place))
    }

    /// `judge` on the execution role, memoised per role, check and place.
    fn judge_role_once(
        &self,
        check: &'static Check,
        place: Option<Place<'a>>,
        judge: impl FnOnce(&RoleContext<'a>) -> Vec<Outcome>,
    ) -> Vec<Outcome> {
        let role = match self.role_to_judge() {
            Ok(role) => role,
            Err(outcomes) => return outcomes,
        };
        let arn = &self.function.role_arn;
        self.memo.role_outcomes(arn, (check.id, place), || {
            judge(&RoleContext {
                account: self.account,
                role,
                config: self.config,
                today: self.today,
                permissions: self.memo.permissions(arn, role),
            })
        })
    }
}

/// Where a function runs: the partition, region and account of its ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place<'a> {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: &'a str,
    /// The region.
    pub region: &'a str,
    /// The 12-digit account id (empty when the ARN has none).
    pub account: &'a str,
}

impl<'a> Place<'a> {
    /// The place of a function, from its ARN (`aws` and the function's region when the ARN lacks them).
    pub fn of(function: &'a Function) -> Place<'a> {
        match Arn::parse(&function.arn) {
            Ok(arn) => Place {
                partition: arn.partition,
                region: arn.region,
                account: arn.account,
            },
            Err(_) => Place {
                partition: "aws",
                region: &function.region,
                account: "",
            },
        }
    }
}

/// Everything a check judging an execution role alone may read: no function, so that what it concludes holds for
/// every function using the role.
pub struct RoleContext<'a> {
    /// The account the role belongs to.
    pub account: &'a Account,
    /// The role judged.
    pub role: &'a Role,
    /// The user's configuration, validated.
    pub config: &'a ValidConfig,
    /// The scan date (inventory collection date), never the wall clock.
    pub today: NaiveDate,
    /// The role's permissions, computed once per role.
    pub permissions: &'a RolePermissions<'a>,
}

/// Why the execution role is not in the inventory.
#[derive(Debug)]
pub enum RoleUnavailable<'a> {
    /// IAM data could not be collected.
    NotCollected(&'a Gap),
    /// Collected fine, and the role is not there: it was deleted.
    Missing,
}

/// What a check concludes for one function (absence of outcomes = pass).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function has the problem.
    Fail(Failure),
    /// The input needed to decide could not be collected or read.
    Unknown {
        /// What is missing, for the person reading the report.
        reason: String,
    },
}

/// The details of a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// One sentence for a person: what is wrong, on what.
    pub message: String,
    /// Distinguishes several failures of one check on one function.
    pub discriminator: Option<String>,
    /// The resource the failure is about when it is not the function itself (alias ARN, role ARN…).
    pub resource_arn: Option<String>,
    /// Compact JSON: a role's memoised outcomes share it among the functions using the role.
    pub evidence: Evidence,
    /// Replaces the check's default severity for this failure (e.g. deprecated vs. deprecating soon).
    pub severity: Option<Severity>,
}

/// The outcomes found, then one Unknown naming every distinct reason (sorted) why the rest of the function could not be
/// decided, when there is one.
pub fn with_unknown(mut outcomes: Vec<Outcome>, mut unknown: Vec<String>) -> Vec<Outcome> {
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        outcomes.push(Outcome::unknown(unknown.join("; ")));
    }
    outcomes
}

impl Outcome {
    /// A failure about the function itself.
    pub fn fail(message: impl Into<String>, evidence: Value) -> Outcome {
        Outcome::Fail(Failure {
            message: message.into(),
            discriminator: None,
            resource_arn: None,
            evidence: evidence.into(),
            severity: None,
        })
    }

    /// A failure told apart from the check's other failures on the function by `discriminator`.
    pub fn fail_with(
        message: impl Into<String>,
        discriminator: impl Into<String>,
        evidence: Value,
    ) -> Outcome {
        Outcome::Fail(Failure {
            message: message.into(),
            discriminator: Some(discriminator.into()),
            resource_arn: None,
            evidence: evidence.into(),
            severity: None,
        })
    }

    /// The check cannot decide, and says why.
    pub fn unknown(reason: impl Into<String>) -> Outcome {
        Outcome::Unknown {
            reason: reason.into(),
        }
    }

    /// The check cannot decide because `gap`'s call failed (worded by [`gap_reason`]).
    pub fn unknown_from_gap(gap: &Gap) -> Outcome {
        Outcome::unknown(gap_reason(gap))
    }

    /// Builder: the failure is about `resource_arn` (an alias, a version, the execution role) rather than the
    /// function itself; `None` keeps it on the function.
    pub fn on_resource(mut self, resource_arn: impl Into<Option<String>>) -> Outcome {
        if let Outcome::Fail(f) = &mut self {
            f.resource_arn = resource_arn.into();
        }
        self
    }

    /// Builder: set the severity of a failure.
    pub fn with_severity(mut self, severity: Severity) -> Outcome {
        if let Outcome::Fail(f) = &mut self {
            f.severity = Some(severity);
        }
        self
    }
}

/// Why a check cannot decide when `gap`'s call failed: the words of every Unknown that comes from a gap.
pub fn gap_reason(gap: &Gap) -> String {
    format!(
        "{}:{} could not be collected ({:?}): {}",
        gap.service, gap.operation, gap.kind, gap.error
    )
}

/// [`gap_reason`] naming the resource the failed call was about, when it has one (`… could not be collected for
/// ARN (…)`).
pub fn gap_reason_naming_resource(gap: &Gap) -> String {
    let about = gap
        .resource
        .as_deref()
        .map_or(String::new(), |r| format!(" for {r}"));
    format!(
        "{}:{} could not be collected{about} ({:?}): {}",
        gap.service, gap.operation, gap.kind, gap.error
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_reads_partition_region_and_account() {
        let function = Function {
            arn: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f".into(),
            region: "us-gov-west-1".into(),
            ..Function::default()
        };
        assert_eq!(
            Place::of(&function),
            Place {
                partition: "aws-us-gov",
                region: "us-gov-west-1",
                account: "123456789012"
            }
        );
    }
}

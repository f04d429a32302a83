//! What the functions of one account share, computed once per evaluation on first use: each execution role's
//! permissions and the outcomes of the checks that judge the role alone, and which functions use which role.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::check::{Outcome, Place};
use crate::inventory::{Account, Function, Role};
use crate::policy::RolePermissions;

/// The per-evaluation memo of one account; the engine builds one per account and hands it to every
/// [`FunctionContext`](crate::check::FunctionContext). Safe to share between threads.
pub struct Memo<'a> {
    /// Keyed by role ARN, as `Account::roles`.
    roles: HashMap<&'a str, RoleMemo<'a>>,
    users: OnceLock<HashMap<&'a str, Vec<&'a Function>>>,
    /// Function ARN → its live versions as they run ([`Function::at_version`]), in `live_versions` order.
    live_versions: OnceLock<HashMap<&'a str, Vec<Function>>>,
    account: &'a Account,
}

/// A check id, and the place the role is judged from when the check's verdict depends on it.
pub type OutcomesKey<'a> = (&'static str, Option<Place<'a>>);

/// What is known about one role so far.
#[derive(Default)]
struct RoleMemo<'a> {
    permissions: OnceLock<RolePermissions<'a>>,
    /// Outcomes of the checks that judge the role alone, or as seen from one place.
    outcomes: Mutex<HashMap<OutcomesKey<'a>, Vec<Outcome>>>,
}

impl<'a> Memo<'a> {
    /// An empty memo for one evaluation of `account`: filled as the checks ask.
    pub fn new(account: &'a Account) -> Memo<'a> {
        Memo {
            roles: account
                .roles
                .keys()
                .map(|arn| (arn.as_str(), RoleMemo::default()))
                .collect(),
            users: OnceLock::new(),
            live_versions: OnceLock::new(),
            account,
        }
    }

    /// The permissions of the role `account.roles[arn]`.
    pub fn permissions(&self, arn: &str, role: &'a Role) -> &RolePermissions<'a> {
        self.role(arn)
            .permissions
            .get_or_init(|| RolePermissions::of(role))
    }

    /// The outcomes a check reaches for the role `arn` (from a place, for some checks), computed by `judge` the
    /// first time.
    pub fn role_outcomes(
        &self,
        arn: &str,
        key: OutcomesKey<'a>,
        judge: impl FnOnce() -> Vec<Outcome>,
    ) -> Vec<Outcome> {
        let outcomes = &self.role(arn).outcomes;
        if let Some(known) = lock(outcomes).get(&key) {
            return known.clone();
        }
        // Computed without holding the lock: another thread may compute the same outcomes meanwhile, harmlessly.
        let computed = judge();
        lock(outcomes).entry(key).or_insert(computed).clone()
    }

    /// The live versions of `function` as they run, in the order of its `live_versions`; built once per account.
    pub fn live_versions(&self, function: &Function) -> &[Function] {
        let views = self.live_versions.get_or_init(|| {
            self.account
                .functions
                .iter()
                .filter(|f| !f.live_versions.is_empty())
                .map(|f| {
                    let views = f.live_versions.iter().map(|v| f.at_version(v)).collect();
                    (f.arn.as_str(), views)
                })
                .collect()
        });
        views.get(function.arn.as_str()).map_or(&[], Vec::as_slice)
    }

    /// The functions whose execution role is `role_arn`, in every region, in inventory order.
    pub fn functions_using_role(&self, role_arn: &str) -> &[&'a Function] {
        let users = self.users.get_or_init(|| {
            let mut users: HashMap<&'a str, Vec<&'a Function>> = HashMap::new();
            for function in &self.account.functions {
                users
                    .entry(function.role_arn.as_str())
                    .or_default()
                    .push(function);
            }
            users
        });
        users.get(role_arn).map_or(&[], Vec::as_slice)
    }

    fn role(&self, arn: &str) -> &RoleMemo<'a> {
        self.roles
            .get(arn)
            .unwrap_or_else(|| panic!("role {arn} is not in the account this memo was built for"))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A check that panicked while holding the lock left nothing half-written: the map is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

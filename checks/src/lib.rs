//! lambda-posture-checks: the pure core of lambda-posture. Inventory in, findings out; no AWS SDK, no I/O to AWS.

#![warn(missing_docs)]

pub mod arn;
pub mod catalog;
pub mod check;
pub mod compliance;
pub mod config;
pub mod diff;
pub mod engine;
pub mod finding;
pub mod inventory;
pub mod json_text;
pub mod memo;
pub mod plan;
pub mod policy;
pub mod report;
pub mod runtimes;
pub mod score;
pub mod secrets;
pub mod suppress;
pub mod timestamp;
pub mod unused;
pub mod wildcard;

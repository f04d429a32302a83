//! Organisation scan: the accounts to scan, entering each by its role, collecting them concurrently into an output
//! directory (one folder per account, resumable, shardable), then the merged report.

pub mod accounts;
pub mod enter;
pub mod merge;

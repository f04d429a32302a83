//! AWS timestamps as the inventory carries them in text: the one parser, and the one rule for the calendar day of an
//! instant (its day in UTC, the day the scan date is counted in).
//!
//! Every date read from AWS text goes through [`AwsTimestamp`]; a function's `last_modified` day is
//! [`crate::inventory::Function::last_modified_date`] (the `unused-function` check and `unused` read it there).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// An instant written by AWS: Lambda's `2024-01-02T03:04:05.000+0000` (`LastModified`) or RFC 3339
/// (`2024-01-02T03:04:05Z`), held in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AwsTimestamp(DateTime<Utc>);

/// Why a text is not an AWS timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an AWS timestamp (expected `2024-01-02T03:04:05.000+0000` or RFC 3339)")]
pub struct TimestampError;

impl AwsTimestamp {
    /// Reads either shape; `Err` for anything else (a bare date, a time without an offset).
    pub fn parse(text: &str) -> Result<AwsTimestamp, TimestampError> {
        DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
            .or_else(|_| DateTime::parse_from_rfc3339(text))
            .map(|t| AwsTimestamp(t.with_timezone(&Utc)))
            .map_err(|_| TimestampError)
    }

    /// The instant.
    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }

    /// Its calendar day in UTC (`2024-01-02T23:30:00.000-0200` is on 2024-01-03).
    pub fn date(self) -> NaiveDate {
        self.0.date_naive()
    }
}

impl From<DateTime<Utc>> for AwsTimestamp {
    fn from(instant: DateTime<Utc>) -> AwsTimestamp {
        AwsTimestamp(instant)
    }
}

impl FromStr for AwsTimestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<AwsTimestamp, TimestampError> {
        AwsTimestamp::parse(text)
    }
}

/// RFC 3339 in UTC with the precision the instant needs (`2024-01-02T03:04:05Z`, `…05.120Z`).
impl fmt::Display for AwsTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn both_shapes_parse_and_the_day_is_counted_in_utc() {
        let date = |text: &str| AwsTimestamp::parse(text).map(AwsTimestamp::date);
        assert_eq!(date("2024-01-02T03:04:05.000+0000"), Ok(day(2024, 1, 2)));
        assert_eq!(date("2024-01-02T03:04:05Z"), Ok(day(2024, 1, 2)));
        assert_eq!(
            date("2024-01-02T03:04:05.123456+00:00"),
            Ok(day(2024, 1, 2))
        );
        assert_eq!(date("2024-01-02T23:30:00.000-0200"), Ok(day(2024, 1, 3)));
        assert_eq!(date("2024-01-02T01:00:00+0300"), Ok(day(2024, 1, 1)));
        for bad in [
            "yesterday",
            "2024-01-02",
            "2024-01-02T03:04:05",
            "",
            "2024-13-02T03:04:05Z",
        ] {
            assert_eq!(date(bad), Err(TimestampError), "{bad}");
        }
    }

    #[test]
    fn prints_rfc3339_in_utc() {
        let t: AwsTimestamp = "2024-01-02T03:04:05.000+0100".parse().unwrap();
        assert_eq!(t.to_string(), "2024-01-02T02:04:05Z");
        assert_eq!(t.to_string().parse(), Ok(t));
    }

    proptest! {
        #[test]
        fn any_text_parses_or_not_without_panicking(text in "[0-9T:.+Z-]{0,32}|.{0,32}") {
            if let Ok(t) = AwsTimestamp::parse(&text) {
                prop_assert_eq!(t.to_string().parse(), Ok(t));
            }
        }

        #[test]
        fn printing_and_parsing_back_is_the_identity(secs in -10_000_000_000i64..100_000_000_000, nanos in 0u32..1_000_000_000) {
            let t = AwsTimestamp::from(DateTime::from_timestamp(secs, nanos).unwrap());
            prop_assert_eq!(t.to_string().parse(), Ok(t));
        }
    }
}

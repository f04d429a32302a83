//! Amazon Resource Names: the one parser and printer of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, and the
//! Lambda-specific reading of the resource (`function:NAME[:QUALIFIER]`, `layer:NAME:VERSION`).
//!
//! Account data is attacker-controlled: parsing never panics, and an [`Arn`] prints back exactly the text it was
//! parsed from. The fields are not validated beyond their count, so a policy pattern (`arn:aws:iam::*:root`) parses
//! too, its fields holding the wildcards.

use std::fmt;
use std::str::FromStr;

/// An ARN split into its six fields; the resource keeps its own colons and slashes.
///
/// `Arn<&str>` ([`Arn::parse`]) borrows from the text; `Arn` (`Arn<String>`, [`FromStr`], [`Arn::into_owned`]) owns
/// its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arn<S = String> {
    /// `aws`, `aws-cn`, `aws-us-gov`…
    pub partition: S,
    /// `lambda`, `iam`, `s3`…
    pub service: S,
    /// Empty for global services (IAM, S3).
    pub region: S,
    /// The owning account's id; empty for S3 buckets, `aws` for AWS managed policies.
    pub account: S,
    /// Everything after the account field: `function:orders:live`, `role/path/name`, `bucket/key`…
    pub resource: S,
}

/// Why a text is not an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an ARN (expected `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`)")]
pub struct ArnError;

impl<'a> Arn<&'a str> {
    /// The six fields of `text`, borrowed: `Err` unless it starts with `arn:` and has at least five colons.
    pub fn parse(text: &'a str) -> Result<Arn<&'a str>, ArnError> {
        let mut fields = text.splitn(6, ':');
        if fields.next() != Some("arn") {
            return Err(ArnError);
        }
        let mut next = || fields.next().ok_or(ArnError);
        Ok(Arn {
            partition: next()?,
            service: next()?,
            region: next()?,
            account: next()?,
            resource: next()?,
        })
    }

    /// An owned copy.
    pub fn into_owned(self) -> Arn {
        Arn {
            partition: self.partition.to_string(),
            service: self.service.to_string(),
            region: self.region.to_string(),
            account: self.account.to_string(),
            resource: self.resource.to_string(),
        }
    }

    /// A Lambda resource `TYPE:NAME[:QUALIFIER]` (`function`, `layer`) split in three; `None` for other services.
    fn lambda_resource(&self) -> Option<(&'a str, &'a str, Option<&'a str>)> {
        if self.service != "lambda" {
            return None;
        }
        let mut parts = self.resource.splitn(3, ':');
        Some((parts.next()?, parts.next()?, parts.next()))
    }

    /// The function name of a Lambda function ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
    pub fn function_name(&self) -> Option<&'a str> {
        match self.lambda_resource()? {
            ("function", name, _) => Some(name),
            _ => None,
        }
    }

    /// The qualifier of a Lambda function ARN (an alias, a version or `$LATEST`) or the version of a layer version
    /// ARN (`…:layer:NAME:VERSION`); `None` when absent or empty.
    pub fn qualifier(&self) -> Option<&'a str> {
        match self.lambda_resource()? {
            ("function" | "layer", _, qualifier) => qualifier.filter(|q| !q.is_empty()),
            _ => None,
        }
    }
}

impl Arn {
    /// The fields, borrowed.
    pub fn borrowed(&self) -> Arn<&str> {
        Arn {
            partition: &self.partition,
            service: &self.service,
            region: &self.region,
            account: &self.account,
            resource: &self.resource,
        }
    }
}

impl FromStr for Arn {
    type Err = ArnError;

    fn from_str(text: &str) -> Result<Arn, ArnError> {
        Arn::parse(text).map(|arn| arn.into_owned())
    }
}

impl<S: AsRef<str>> fmt::Display for Arn<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition.as_ref(),
            self.service.as_ref(),
            self.region.as_ref(),
            self.account.as_ref(),
            self.resource.as_ref()
        )
    }
}

/// A Lambda function or layer ARN without its qualifier (`…:function:NAME`, `…:layer:NAME`); any other text as is.
pub fn unqualified(text: &str) -> &str {
    match Arn::parse(text).ok().and_then(|arn| arn.qualifier()) {
        // The qualifier ends the text and follows a colon.
        Some(qualifier) => &text[..text.len() - qualifier.len() - 1],
        None => text,
    }
}

/// The friendly name of an IAM ARN, the last segment of its resource path (`…:policy/service-role/X` → `X`,
/// `…:role/path/app` → `app`); any other text as is.
pub fn iam_name(text: &str) -> &str {
    match Arn::parse(text) {
        Ok(arn) if arn.service == "iam" => arn.resource.rsplit('/').next().unwrap_or(arn.resource),
        _ => text,
    }
}

/// The qualifier of a Lambda function ARN (alias, version, `$LATEST`) or the version of a layer version ARN, given
/// as text; `None` for an unqualified ARN and any other text. [`Arn::qualifier`] of the parsed text.
pub fn qualifier_of(text: &str) -> Option<&str> {
    Arn::parse(text).ok()?.qualifier()
}

/// A 12-digit AWS account id.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

    #[test]
    fn fields_of_common_arns() {
        let f = Arn::parse(FUNCTION).unwrap();
        assert_eq!(
            (f.partition, f.service, f.region, f.account, f.resource),
            (
                "aws",
                "lambda",
                "us-east-1",
                "123456789012",
                "function:orders"
            )
        );
        assert_eq!((f.function_name(), f.qualifier()), (Some("orders"), None));
        let bucket = Arn::parse("arn:aws-cn:s3:::bucket/key:with:colons").unwrap();
        assert_eq!((bucket.region, bucket.account), ("", ""));
        assert_eq!(bucket.resource, "bucket/key:with:colons");
        assert_eq!(bucket.function_name(), None);
        let role: Arn = "arn:aws:iam::123456789012:role/path/r".parse().unwrap();
        assert_eq!(role.resource, "role/path/r");
        assert_eq!(role.to_string(), "arn:aws:iam::123456789012:role/path/r");
    }

    #[test]
    fn lambda_qualifiers_and_unqualified_arns() {
        for q in ["live", "$LATEST", "7"] {
            let text = format!("{FUNCTION}:{q}");
            let arn = Arn::parse(&text).unwrap();
            assert_eq!(
                (arn.function_name(), arn.qualifier()),
                (Some("orders"), Some(q))
            );
            assert_eq!(unqualified(&text), FUNCTION);
            assert_eq!(qualifier_of(&text), Some(q));
        }
        assert_eq!(
            (unqualified(FUNCTION), qualifier_of(FUNCTION)),
            (FUNCTION, None)
        );
        assert_eq!(
            Arn::parse(&format!("{FUNCTION}:")).unwrap().qualifier(),
            None
        );
        let layer = "arn:aws:lambda:us-east-1:999999999999:layer:shared:42";
        assert_eq!(Arn::parse(layer).unwrap().qualifier(), Some("42"));
        assert_eq!(
            unqualified(layer),
            "arn:aws:lambda:us-east-1:999999999999:layer:shared"
        );
        // Not a function: no name, no qualifier; other services keep their colons.
        let topic = "arn:aws:sns:us-east-1:123456789012:topic:subscription";
        assert_eq!(Arn::parse(topic).unwrap().qualifier(), None);
        assert_eq!(unqualified(topic), topic);
    }

    #[test]
    fn iam_names_are_the_last_path_segment() {
        let name = |text| iam_name(text);
        assert_eq!(
            name("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
            "AWSLambdaBasicExecutionRole"
        );
        assert_eq!(name("arn:aws:iam::123456789012:role/app"), "app");
        assert_eq!(name("arn:aws:iam::123456789012:root"), "root");
        assert_eq!(name("arn:aws:s3:::bucket/key"), "arn:aws:s3:::bucket/key");
        assert_eq!(name("not/an/arn"), "not/an/arn");
    }

    #[test]
    fn non_arns_are_errors() {
        for text in [
            "",
            "arn",
            "arn:aws:s3::",
            "ARN:aws:s3:::b",
            "urn:aws:s3:::b",
            "123456789012",
        ] {
            assert_eq!(Arn::parse(text), Err(ArnError), "{text}");
            assert_eq!((unqualified(text), qualifier_of(text)), (text, None));
        }
        assert!(
            is_account_id("123456789012")
                && !is_account_id("12345678901")
                && !is_account_id("12345678901x")
        );
    }

    /// A field without colons (any other character, wildcards and non-ASCII included).
    fn part() -> impl Strategy<Value = String> {
        "[^:]{0,12}"
    }

    proptest! {
        #[test]
        fn printing_the_fields_and_parsing_them_back_is_the_identity(
            partition in part(), service in part(), region in part(), account in part(), resource in ".{0,40}"
        ) {
            let arn = Arn { partition, service, region, account, resource };
            let text = arn.to_string();
            prop_assert_eq!(text.parse::<Arn>(), Ok(arn.clone()));
            prop_assert_eq!(Arn::parse(&text).map(|a| a.to_string()), Ok(text.clone()));
            prop_assert_eq!(arn.borrowed().into_owned(), arn);
        }

        #[test]
        fn any_text_parses_or_not_without_panicking_and_prints_back_as_read(text in "([^:]{0,6}:){0,8}[^:]{0,6}") {
            let as_arn = format!("arn:{text}");
            let as_function = format!("arn:aws:lambda:us-east-1:1:function:{text}");
            let as_layer = format!("arn:aws:lambda:us-east-1:1:layer:{text}");
            for t in [&text, &as_arn, &as_function, &as_layer].map(String::as_str) {
                if let Ok(arn) = Arn::parse(t) {
                    prop_assert_eq!(arn.to_string(), t);
                    let _ = (arn.function_name(), arn.qualifier());
                }
                let u = unqualified(t);
                match qualifier_of(t) {
                    Some(q) => prop_assert_eq!(format!("{u}:{q}"), t),
                    None => prop_assert_eq!(u, t),
                }
            }
        }
    }
}

//! AWS accounts that publish AWS's own Lambda layers (extensions and libraries), with where each list comes from.
//!
//! A layer is trusted by the account that published it, never by its name: anyone can name a layer
//! `LambdaInsightsExtension`. Each AWS product publishes from one account in most Regions and from its own account
//! in opt-in Regions, so a product appears with several accounts.

/// One AWS product that publishes layers and the accounts it publishes from.
#[cfg_attr(not(test), allow(dead_code))] // product and source are documentation, checked against the README
pub(super) struct Publisher {
    pub product: &'static str,
    pub source: &'static str,
    pub accounts: &'static [&'static str],
}

pub(super) const AWS_PUBLISHERS: &[Publisher] = &[
    Publisher {
        product: "CloudWatch Lambda Insights extension",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versions.html",
        accounts: &[
            "580247275435", "012438385374", "519774774795", "194566237122", "891564319516", "439286490199",
            "488211338238", "033019950311", "339249233099", "352183217350", "732604637566", "285320876703",
        ],
    },
    Publisher {
        product: "AWS AppConfig Agent Lambda extension",
        source: "https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html",
        accounts: &[
            "574348263942", "630222743974", "980059726660", "826293736237", "706869817123", "554480029851",
            "489524808438", "421114256042", "080788657173", "418787028745", "307021474294", "039592058896",
            "615057806174", "615084187847", "066940009817", "758369105281", "646970417810", "203683718741",
            "586093569114", "434848589818", "282860088358", "493207061005", "662846165436", "559955524753",
            "000010852771", "027255383542", "728743619870", "946561847325", "946746059096", "958113053741",
            "359756378197",
        ],
    },
    Publisher {
        product: "AWS Parameters and Secrets Lambda Extension",
        source: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
        accounts: &[
            "317013901791", "768336418462", "133490724326", "738900069198", "576959938190", "176022468876",
            "070087711984", "044395824272", "665172237481", "490737872127", "200266452380", "287114880934",
            "287310001119", "187925254637", "772501565639", "427196147048", "325218067255", "524103009944",
            "015030872274", "133256977650", "780235371811", "858974508948", "832021897121", "933737806257",
            "177933569100", "590474943231", "129776340158", "127562683043", "997803712105", "345057560386",
        ],
    },
    Publisher {
        product: "AWS Distro for OpenTelemetry (ADOT) Lambda layers",
        source: "https://aws-otel.github.io/docs/getting-started/lambda",
        accounts: &["901920570463"],
    },
    Publisher {
        product: "ADOT Lambda layers with CloudWatch Application Signals (AWSOpenTelemetryDistro*)",
        source: "https://github.com/aws-observability/aws-otel-python-instrumentation/releases",
        accounts: &[
            "615299751070", "904233096616", "888577020596", "796973505492", "039612877180", "713881805771",
            "152034782359", "980416031188", "156041407956",
        ],
    },
    Publisher {
        product: "Powertools for AWS Lambda (Python, TypeScript)",
        source: "https://docs.aws.amazon.com/powertools/",
        accounts: &["017000801446", "094274105915", "498634801083"],
    },
];

/// The AWS product publishing layers from `account`, if any.
pub(super) fn aws_product(account: &str) -> Option<&'static Publisher> {
    AWS_PUBLISHERS
        .iter()
        .find(|p| p.accounts.contains(&account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_twelve_digits_and_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for publisher in AWS_PUBLISHERS {
            assert!(
                publisher.source.starts_with("https://"),
                "{}: no source",
                publisher.product
            );
            for account in publisher.accounts {
                assert!(crate::arn::is_account_id(account), "bad account {account}");
                assert!(seen.insert(*account), "account {account} listed twice");
            }
        }
        assert_eq!(
            aws_product("580247275435").map(|p| p.product),
            Some("CloudWatch Lambda Insights extension")
        );
        assert!(aws_product("123456789012").is_none());
    }

    #[test]
    fn readme_lists_every_publisher_with_its_source() {
        let readme = include_str!("README.md");
        for publisher in AWS_PUBLISHERS {
            assert!(
                readme.contains(publisher.product) && readme.contains(publisher.source),
                "README lacks {}",
                publisher.product
            );
        }
    }
}

//! Whether CloudTrail event selectors (basic or advanced) select the `Invoke` data event of a Lambda function, and
//! why not: the matching rules of the CloudTrail API reference (`EventSelector`, `DataResource`,
//! `AdvancedFieldSelector`), applied to the fields an Invoke event carries.

use crate::inventory::cloudtrail::{AdvancedSelector, BasicSelector, FieldSelector};

/// The Lambda data-event resource type.
pub const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

/// The value an Invoke event of the function named by `arn` has in an advanced selector's `field`: `None` for a field
/// the check does not model (a condition on it may drop some Invoke events, and is reported as such).
fn invoke_field<'a>(field: &str, arn: &'a str) -> Option<&'a str> {
    Some(match field {
        "eventCategory" => "Data",
        "resources.type" => LAMBDA_FUNCTION,
        "resources.ARN" => arn,
        // Invoke is a write event: CloudTrail records it with "readOnly": false.
        "readOnly" => "false",
        "eventName" => "Invoke",
        "eventSource" => "lambda.amazonaws.com",
        "eventType" => "AwsApiCall",
        "managementEvent" => "false",
        _ => return None,
    })
}

/// Whether `value` meets every condition of `selector` (each condition's values are alternatives; the conditions of
/// one field selector must all hold).
pub fn field_matches(selector: &FieldSelector, value: &str) -> bool {
    let any = |values: &[String], test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
    (selector.equals.is_empty() || any(&selector.equals, &|v| value == v))
        && (selector.starts_with.is_empty()
            || any(&selector.starts_with, &|v| value.starts_with(v)))
        && (selector.ends_with.is_empty() || any(&selector.ends_with, &|v| value.ends_with(v)))
        && !any(&selector.not_equals, &|v| value == v)
        && !any(&selector.not_starts_with, &|v| value.starts_with(v))
        && !any(&selector.not_ends_with, &|v| value.ends_with(v))
}

/// The conditions of a field selector, in AWS's words: `readOnly Equals [true]`.
fn describe(selector: &FieldSelector) -> String {
    let parts: Vec<String> = [
        ("Equals", &selector.equals),
        ("StartsWith", &selector.starts_with),
        ("EndsWith", &selector.ends_with),
        ("NotEquals", &selector.not_equals),
        ("NotStartsWith", &selector.not_starts_with),
        ("NotEndsWith", &selector.not_ends_with),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(operator, values)| format!("{operator} {values:?}"))
    .collect();
    format!("{} {}", selector.field, parts.join(" "))
}

/// Why one advanced selector does not select the Invoke event of `arn` (`None`: it selects it). Fields are judged
/// in the order that explains best: the category, the resource type, then the rest.
pub fn advanced_misses(selector: &AdvancedSelector, arn: &str) -> Option<String> {
    const ORDER: [&str; 5] = [
        "eventCategory",
        "resources.type",
        "readOnly",
        "eventName",
        "resources.ARN",
    ];
    let rank = |f: &FieldSelector| {
        ORDER
            .iter()
            .position(|o| *o == f.field)
            .unwrap_or(ORDER.len())
    };
    let mut fields: Vec<&FieldSelector> = selector.field_selectors.iter().collect();
    fields.sort_by_key(|f| rank(f));
    for field in fields {
        match invoke_field(&field.field, arn) {
            Some(value) if field_matches(field, value) => {}
            Some(value) => {
                let what = match field.field.as_str() {
                    "readOnly" => "Invoke is a write event (readOnly=false)".to_string(),
                    "resources.ARN" => format!("{arn} is not matched"),
                    _ => format!("an Invoke event has {} {value}", field.field),
                };
                return Some(format!("{} excludes it: {what}", describe(field)));
            }
            None => {
                return Some(format!(
                    "{} filters on a field the scan does not judge: some Invoke events may not be recorded",
                    describe(field)
                ))
            }
        }
    }
    None
}

/// Whether an advanced selector is about Lambda data events at all (its category and type admit them).
fn selects_lambda_data(selector: &AdvancedSelector) -> bool {
    selector
        .field_selectors
        .iter()
        .all(|f| match f.field.as_str() {
            "eventCategory" => field_matches(f, "Data"),
            "resources.type" => field_matches(f, LAMBDA_FUNCTION),
            _ => true,
        })
}

/// Whether a basic `DataResource` value selects the function `arn`: a function ARN selects that function exactly
/// ("Lambda function ARNs are exact": `…:function:helloworld` does not select `helloworld2`); any other value, such as
/// `arn:aws:lambda` (every function), is a prefix.
pub fn basic_value_matches(value: &str, arn: &str) -> bool {
    if value.contains(":function:") {
        return value == arn;
    }
    arn.starts_with(value)
}

/// Why one basic selector does not select the Invoke event of `arn` (`None`: it selects it).
pub fn basic_misses(selector: &BasicSelector, arn: &str) -> Option<String> {
    let lambda: Vec<&String> = selector
        .data_resources
        .iter()
        .filter(|r| r.resource_type == LAMBDA_FUNCTION)
        .flat_map(|r| &r.values)
        .collect();
    if lambda.is_empty() {
        return Some("it logs no Lambda data events".into());
    }
    if selector.read_write_type.as_deref() == Some("ReadOnly") {
        return Some(
            "ReadWriteType ReadOnly excludes it: Invoke is a write event (readOnly=false)".into(),
        );
    }
    if lambda.iter().any(|v| basic_value_matches(v, arn)) {
        return None;
    }
    Some(format!(
        "its Lambda data resources {lambda:?} do not match {arn}"
    ))
}

/// Whether the selectors select the Invoke events of the function `arn` (unqualified: what an Invoke record names in
/// `resources[].ARN`, whichever alias or version was invoked), else why not.
pub fn records_invokes(
    basic: &[BasicSelector],
    advanced: &[AdvancedSelector],
    arn: &str,
) -> Result<(), String> {
    let selected = basic.iter().any(|s| basic_misses(s, arn).is_none())
        || advanced.iter().any(|s| advanced_misses(s, arn).is_none());
    if selected {
        return Ok(());
    }
    let about_lambda_basic: Vec<&BasicSelector> = basic
        .iter()
        .filter(|s| {
            s.data_resources
                .iter()
                .any(|r| r.resource_type == LAMBDA_FUNCTION)
        })
        .collect();
    let about_lambda_advanced: Vec<&AdvancedSelector> =
        advanced.iter().filter(|s| selects_lambda_data(s)).collect();
    if about_lambda_basic.is_empty() && about_lambda_advanced.is_empty() {
        let management = basic
            .iter()
            .any(|s| s.include_management_events != Some(false))
            || advanced.iter().any(|s| {
                s.field_selectors
                    .iter()
                    .any(|f| f.field == "eventCategory" && field_matches(f, "Management"))
            });
        return Err(if management {
            "logs management events only, no Lambda data events".into()
        } else {
            "logs no Lambda data events".into()
        });
    }
    let mut reasons: Vec<String> = about_lambda_basic
        .iter()
        .filter_map(|s| basic_misses(s, arn))
        .collect();
    reasons.extend(about_lambda_advanced.iter().filter_map(|s| {
        advanced_misses(s, arn).map(|why| match &s.name {
            Some(name) => format!("selector {name:?}: {why}"),
            None => why,
        })
    }));
    Err(reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::cloudtrail::DataResource;
    use proptest::prelude::*;

    const F: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

    fn field(name: &str) -> FieldSelector {
        FieldSelector {
            field: name.into(),
            ..FieldSelector::default()
        }
    }

    fn lambda_data(extra: Vec<FieldSelector>) -> AdvancedSelector {
        let mut fields = vec![
            FieldSelector {
                equals: vec!["Data".into()],
                ..field("eventCategory")
            },
            FieldSelector {
                equals: vec![LAMBDA_FUNCTION.into()],
                ..field("resources.type")
            },
        ];
        fields.extend(extra);
        AdvancedSelector {
            name: Some("lambda".into()),
            field_selectors: fields,
        }
    }

    fn basic(read_write: Option<&str>, values: &[&str]) -> BasicSelector {
        BasicSelector {
            read_write_type: read_write.map(str::to_string),
            include_management_events: Some(true),
            data_resources: vec![DataResource {
                resource_type: LAMBDA_FUNCTION.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }],
        }
    }

    #[test]
    fn basic_selectors_follow_the_data_resource_rules() {
        let arns = F;
        assert_eq!(
            records_invokes(&[basic(None, &["arn:aws:lambda"])], &[], arns),
            Ok(())
        );
        assert_eq!(
            records_invokes(&[basic(Some("WriteOnly"), &[F])], &[], arns),
            Ok(())
        );
        // exact: a function ARN selects that function only
        let other = basic(
            Some("All"),
            &["arn:aws:lambda:us-east-1:123456789012:function:order"],
        );
        assert!(records_invokes(&[other], &[], arns)
            .unwrap_err()
            .contains("do not match"));
        let read_only = records_invokes(&[basic(Some("ReadOnly"), &["arn:aws:lambda"])], &[], arns);
        assert!(read_only.unwrap_err().contains("readOnly=false"));
        let management = BasicSelector {
            include_management_events: Some(true),
            ..BasicSelector::default()
        };
        assert_eq!(
            records_invokes(&[management], &[], arns),
            Err("logs management events only, no Lambda data events".into())
        );
        assert_eq!(
            records_invokes(&[], &[], arns),
            Err("logs no Lambda data events".into())
        );
    }

    #[test]
    fn advanced_selectors_judge_category_type_read_only_name_and_arn() {
        let arns = F;
        assert_eq!(records_invokes(&[], &[lambda_data(vec![])], arns), Ok(()));
        let read_only = lambda_data(vec![FieldSelector {
            equals: vec!["true".into()],
            ..field("readOnly")
        }]);
        let why = records_invokes(&[], &[read_only], arns).unwrap_err();
        assert!(
            why.contains("readOnly Equals [\"true\"]") && why.contains("write event"),
            "{why}"
        );
        let writes = lambda_data(vec![FieldSelector {
            equals: vec!["false".into()],
            ..field("readOnly")
        }]);
        assert_eq!(records_invokes(&[], &[writes], arns), Ok(()));
        let not_invoke = lambda_data(vec![FieldSelector {
            not_equals: vec!["Invoke".into()],
            ..field("eventName")
        }]);
        assert!(records_invokes(&[], &[not_invoke], arns).is_err());
        let by_prefix = lambda_data(vec![FieldSelector {
            starts_with: vec!["arn:aws:lambda:us-east-1:123456789012:function:ord".into()],
            ..field("resources.ARN")
        }]);
        assert_eq!(records_invokes(&[], &[by_prefix], arns), Ok(()));
        let elsewhere = lambda_data(vec![FieldSelector {
            starts_with: vec!["arn:aws:lambda:us-east-1:123456789012:function:pay".into()],
            ..field("resources.ARN")
        }]);
        let why = records_invokes(&[], &[elsewhere], arns).unwrap_err();
        assert!(
            why.starts_with("selector \"lambda\": resources.ARN StartsWith"),
            "{why}"
        );
        let by_user = lambda_data(vec![FieldSelector {
            not_starts_with: vec!["arn:aws:sts::123456789012:assumed-role/batch".into()],
            ..field("userIdentity.arn")
        }]);
        assert!(records_invokes(&[], &[by_user], arns)
            .unwrap_err()
            .contains("does not judge"));
        let management = AdvancedSelector {
            name: None,
            field_selectors: vec![FieldSelector {
                equals: vec!["Management".into()],
                ..field("eventCategory")
            }],
        };
        assert_eq!(
            records_invokes(&[], &[management], arns),
            Err("logs management events only, no Lambda data events".into())
        );
    }

    /// An Invoke record names the unqualified function ARN whichever alias was invoked: a selector on the bare ARN
    /// (`Equals`, `EndsWith` its name, a basic `DataResource` naming it) records the invocations through its aliases.
    #[test]
    fn selectors_on_the_bare_function_arn_record_it() {
        let ends = lambda_data(vec![FieldSelector {
            ends_with: vec![":function:orders".into()],
            ..field("resources.ARN")
        }]);
        let equals = lambda_data(vec![FieldSelector {
            equals: vec![F.into()],
            ..field("resources.ARN")
        }]);
        assert_eq!(records_invokes(&[], &[ends, equals], F), Ok(()));
        assert_eq!(records_invokes(&[basic(None, &[F])], &[], F), Ok(()));
        assert!(!basic_value_matches(F, &format!("{F}x")));
    }

    fn values() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[a-z:]{0,4}", 0..3)
    }

    proptest! {
        /// Each operator means what the API reference says, alone and together (every condition must hold).
        #[test]
        fn operators_follow_their_definitions(
            value in "[a-z:]{0,8}",
            equals in values(), starts in values(), ends in values(),
            not_equals in values(), not_starts in values(), not_ends in values(),
        ) {
            let selector = FieldSelector {
                field: "resources.ARN".into(),
                equals: equals.clone(), starts_with: starts.clone(), ends_with: ends.clone(),
                not_equals: not_equals.clone(), not_starts_with: not_starts.clone(), not_ends_with: not_ends.clone(),
            };
            let expected = (equals.is_empty() || equals.contains(&value))
                && (starts.is_empty() || starts.iter().any(|s| value.starts_with(s.as_str())))
                && (ends.is_empty() || ends.iter().any(|s| value.ends_with(s.as_str())))
                && !not_equals.contains(&value)
                && !not_starts.iter().any(|s| value.starts_with(s.as_str()))
                && !not_ends.iter().any(|s| value.ends_with(s.as_str()));
            prop_assert_eq!(field_matches(&selector, &value), expected);
        }

    }
}

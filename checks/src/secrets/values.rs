//! What a value is, before any rule runs: empty, a reference to a secret store, a placeholder, a shape no credential
//! has (URL without credentials, hostname, date, version…), or a literal. These filters are where other scanners'
//! false positives come from, so each one is named and tested.

use crate::inventory::ValueKind;

use super::{entropy, names};

/// Classify a value by its shape alone (rules decide later whether a literal is a known credential).
pub fn value_kind(value: &str) -> ValueKind {
    let v = value.trim();
    if v.is_empty() {
        ValueKind::Empty
    } else if is_explicit_reference(v) {
        ValueKind::SecretReference
    } else if is_placeholder(v) || is_template(v) {
        ValueKind::Placeholder
    } else if is_implicit_reference(v) {
        ValueKind::SecretReference
    } else if is_non_secret_shape(v) {
        ValueKind::Placeholder
    } else {
        ValueKind::Literal
    }
}

/// A pointer to a secret store or an encrypted value: Secrets Manager / SSM / KMS ARNs, `{{resolve:…}}`, `ssm:/…`,
/// `vault:…`, `op://…`, `@Microsoft.KeyVault(…)`, sops/eyaml `ENC[…]`, a KMS ciphertext blob (Lambda's encryption
/// helpers).
pub fn is_explicit_reference(v: &str) -> bool {
    regex!(r"^arn:aws[a-z-]*:(?:secretsmanager|kms):|^arn:aws[a-z-]*:ssm:[^:]*:[^:]*:parameter/")
        .is_match(v)
        || regex!(r"^\{\{resolve:(?:secretsmanager|ssm|ssm-secure):[^}]+\}\}$").is_match(v)
        || regex!(r"^(?:ssm|secretsmanager|sm|aws-sm|awssm|vault|op|gsm|sops)://\S+$").is_match(v)
        || regex!(r"^(?:ssm|vault|secretsmanager):/?[A-Za-z0-9/_.#:@-]+$").is_match(v)
        || regex!(r"^@Microsoft\.KeyVault\(.+\)$").is_match(v)
        || regex!(r"^ENC\[.+\]$").is_match(v)
        || regex!(r"^/aws/reference/secretsmanager/\S+$").is_match(v)
        || regex!(r"^AQ[IE]CAH[A-Za-z0-9+/]{100,}={0,2}$").is_match(v)
}

/// A template or interpolation that something else fills in: `${VAR}`, `{{ x }}`, `$VAR`, `$(cmd)`, `%VAR%`,
/// `<your-key>`, `{name}`, `#{x}`, `%(x)s`, a printf verb alone (`%s`), `__TOKEN__`, CloudFormation `!Ref`.
pub fn is_template(v: &str) -> bool {
    regex!(r"\$\{[^}]*\}|\{\{.*\}\}|#\{[^}]*\}|%\([A-Za-z_]+\)[sd]|<%.*%>|^%[sdvqr]$").is_match(v)
        || regex!(r"^\$[A-Za-z_][A-Za-z0-9_]*$|^\$\(.*\)$|^%[A-Za-z_][A-Za-z0-9_]*%$|^<[^<>]+>$")
            .is_match(v)
        || regex!(r"^\{[A-Za-z_][A-Za-z0-9_.-]*\}$|^__[A-Za-z0-9_]+__$|^@@[A-Za-z0-9_]+@@$")
            .is_match(v)
        || regex!(r"^!(?:Ref|Sub|GetAtt|ImportValue|Join|Select|FindInMap|If)\b").is_match(v)
}

/// Words that, alone or together, make up placeholder values: `your-api-key-here`, `changeme`, `super-secret`,
/// `[REDACTED]`, `none`.
#[rustfmt::skip]
const PLACEHOLDER_WORDS: &[&str] = &[
    "your", "yours", "my", "our", "the", "an", "here", "there", "insert", "put", "enter", "replace", "with", "goes",
    "go", "real", "actual", "fake", "dummy", "example", "examples", "sample", "test", "testing", "secret", "secrets",
    "password", "passwd", "pass", "pwd", "passphrase", "key", "keys", "api", "apikey", "token", "tokens", "access",
    "private", "value", "values", "change", "me", "changeme", "placeholder", "todo", "fixme", "tbd", "redacted",
    "hidden", "masked", "removed", "none", "null", "nil", "undefined", "default", "client", "app", "auth",
    "credential", "credentials", "creds", "id", "string", "some", "this", "is", "not", "foo", "bar", "baz", "qux",
    "foobar", "xxx", "xx", "na", "empty", "blank", "unset", "notset", "sensitive", "super", "very", "mock", "stub",
    "to", "be", "set", "fill", "filled", "in", "of", "for", "use", "dev", "local", "db", "user", "username", "aws",
    "qwerty", "asdf", "abc", "xyz", "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "host",
    "hostname", "server", "port", "database", "dbname", "name", "domain", "url", "endpoint",
    // RFC 7617's basic-auth example, `Aladdin:open sesame`, copied into many test suites.
    "aladdin", "open", "sesame", "opensesame",
];

/// Marks of a documentation example or a masked copy (AWS's `AKIAIOSFODNN7EXAMPLE`, Slack's `XXXXXXXX` webhook,
/// `sk_live_…REDACTED`). Case-consistent on purpose: `EXAMPLE` or `example`, not `eXaMpLe`, so long random tokens
/// almost never contain one by chance (a case-insensitive `xxxx` is in about 1 of 700 random PEM bodies).
fn has_placeholder_marker(v: &str) -> bool {
    regex!(
        r"example|EXAMPLE|Example|dummy|DUMMY|Dummy|sample|SAMPLE|Sample|placeholder|PLACEHOLDER|Placeholder|changeme|CHANGEME|change_me|CHANGE_ME|change-me|replace_?me|REPLACE_?ME|redacted|REDACTED|Redacted|notreal|not_real|not-real|NOT_REAL|fake|FAKE|Fake|xxxxx|XXXXX|\*\*\*\*|\.\.\.|\x{2026}|(?i:insert|your)[_-]|(?i:your)(?:key|token|secret|password)"
    )
    .is_match(v)
}

/// A value nobody means as a credential: template, placeholder words or markers, booleans, numbers, one repeated
/// character or unit, an ascending run (`123456`, `abcdef`).
pub fn is_placeholder(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || is_template(v) || is_number(v) || is_repetition(v) || is_ascending_run(v) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if ["n/a", "-", "--"].contains(&lower.as_str()) {
        return true;
    }
    if is_placeholder_pem(v) {
        return true;
    }
    let single_token = !v.contains("://") && !v.chars().any(char::is_whitespace);
    if single_token && has_placeholder_marker(v) {
        return true;
    }
    let chunks: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|c| !c.is_empty())
        .collect();
    !chunks.is_empty()
        && chunks
            .iter()
            .all(|chunk| segments_into_words(chunk, PLACEHOLDER_WORDS))
}

/// A PEM block whose body is a placeholder or too short to be a key (`-----BEGIN PRIVATE KEY-----\n...\n-----END…`).
fn is_placeholder_pem(v: &str) -> bool {
    let Some(caps) =
        regex!(r"(?s)^-----BEGIN [A-Z0-9 ]+-----(?P<body>.*?)-----END [A-Z0-9 ]+-----(?:\\n|\s)*$")
            .captures(v)
    else {
        return false;
    };
    let body = caps["body"].replace("\\n", "\n");
    let body = body.trim();
    body.len() < 16 || is_placeholder(body)
}

/// Whether `s` is a concatenation of `words` (`yourapikeyhere`, `supersecret`).
fn segments_into_words(s: &str, words: &[&str]) -> bool {
    let n = s.len();
    let mut reachable = vec![false; n + 1];
    reachable[0] = true;
    for i in 0..n {
        if !reachable[i] {
            continue;
        }
        for w in words {
            if s[i..].starts_with(w) {
                reachable[i + w.len()] = true;
            }
        }
    }
    reachable[n]
}

fn is_number(v: &str) -> bool {
    regex!(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^\d{1,3}(?:[,_]\d{3})+$").is_match(v)
}

/// One character repeated (`xxxxxx`, `000000`, `*`) or a unit of two to four repeated three times or more
/// (`abcabcabc`).
fn is_repetition(v: &str) -> bool {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    n > 0
        && (chars.iter().all(|&c| c == chars[0])
            || (2..=4).any(|unit| {
                n.is_multiple_of(unit)
                    && n / unit >= 3
                    && chars.chunks(unit).all(|c| c == &chars[..unit])
            }))
}

/// `123456`, `abcdef`, `0123456789`: each character the successor of the previous one.
fn is_ascending_run(v: &str) -> bool {
    let bytes = v.as_bytes();
    bytes.len() >= 4
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && bytes
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'))
}

/// Where a secret lives rather than the secret: a path or secret name (`/prod/db/password`, `prod/app/db`,
/// `/var/task/key.pem`), or a resource name that names a secret (`payments-api-secret`).
pub fn is_implicit_reference(v: &str) -> bool {
    is_word_path(v) || is_secret_resource_name(v)
}

fn is_word_path(v: &str) -> bool {
    let body = v
        .strip_prefix("file://")
        .or_else(|| v.strip_prefix("~/"))
        .or_else(|| v.strip_prefix("./"))
        .or_else(|| v.strip_prefix("../"))
        .unwrap_or(v);
    let windows = regex!(r"^[A-Za-z]:\\").is_match(body);
    let body = if windows { &body[3..] } else { body };
    let separator = if windows { '\\' } else { '/' };
    let rooted = windows || body.starts_with('/') || body.len() != v.len();
    let segments: Vec<&str> = body.split(separator).filter(|s| !s.is_empty()).collect();
    (rooted || segments.len() >= 2)
        && !segments.is_empty()
        && segments.iter().all(|s| {
            s.split(['-', '_', '.', '@', '+', '=', ' '])
                .all(|p| p.is_empty() || word_shaped(p))
        })
}

fn is_secret_resource_name(v: &str) -> bool {
    const NAMES_A_SECRET: &[&str] = &[
        "secret",
        "secrets",
        "credential",
        "credentials",
        "creds",
        "password",
        "passwords",
        "token",
        "tokens",
        "key",
        "keys",
        "apikey",
        "prod",
        "production",
        "staging",
        "stage",
        "dev",
        "qa",
        "uat",
        "sandbox",
    ];
    regex!(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$").is_match(v)
        && v.split(['-', '_', '.'])
            .any(|w| NAMES_A_SECRET.contains(&w))
}

/// A word of a name or path: `prod`, `PROD`, `K8S`, `myApp`, `Payments`, `2024`, `kEnumerableProperty` (camel
/// humps of three or more characters after the first). Random base64 almost never splits into such words.
pub fn word_shaped(part: &str) -> bool {
    regex!(r"^(?:[a-z0-9]+|[A-Z0-9]+|[A-Za-z][a-z0-9]*(?:[A-Z][a-z0-9]{2,})*)$").is_match(part)
}

/// Shapes no credential has: URLs without credentials, hostnames, e-mail and IP addresses, ISO dates, versions,
/// durations, ARNs of ordinary resources.
pub fn is_non_secret_shape(v: &str) -> bool {
    regex!(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s@/?#]*(?:[/?#]\S*)?$").is_match(v)
        || regex!(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?(?::\d{1,5})?$")
            .is_match(v)
        || regex!(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$").is_match(v)
        || regex!(r"^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?:/\d{1,2})?$").is_match(v)
        || regex!(r"^[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?$").is_match(v)
        || regex!(
            r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
        )
        .is_match(v)
        || regex!(r"^v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$").is_match(v)
        || regex!(r"^\d+(?:\.\d+)?(?:ms|s|m|h|d|w|kb|mb|gb|k|m|g)$")
            .is_match(&v.to_ascii_lowercase())
        || regex!(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$").is_match(v)
}

/// A UUID: an identifier (request ids, tenant ids), not key material. Only the generic rules skip it; under a
/// secret-like name it is still a literal (some services issue UUID API keys).
pub fn is_uuid(v: &str) -> bool {
    regex!(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .is_match(v)
}

/// A reference to code rather than a value (`settings.SECRET_KEY`, `os.environ`, `passwordFromEnv`,
/// `kEnumerableProperty`, `DecodeEcPrivateKey`, `SASL_SCRAM_256_AUTH`): an identifier or dotted path made of words.
pub fn is_code_identifier(v: &str) -> bool {
    if !regex!(r"^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$").is_match(v) {
        return false;
    }
    let word_shaped_parts = !v.chars().any(|c| c.is_ascii_digit())
        && v.split(['.', '_', '$'])
            .all(|p| p.is_empty() || word_shaped(p));
    word_shaped_parts || reads_as_words(v)
}

/// Splits into words the way code names do: no digit glued to a following lowercase letter (`Passw0rd`), words of
/// four letters on average, at most a quarter shorter than three, each longer one with a vowel. Random strings split
/// into short, vowel-less fragments (about 1 in 1,000 random 16-character alphanumerics passes).
fn reads_as_words(v: &str) -> bool {
    if regex!(r"[0-9][a-z]").is_match(v) {
        return false;
    }
    let words = names::words(v);
    let letters: usize = words.iter().map(String::len).sum();
    let short = words
        .iter()
        .filter(|w| w.len() < 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .count();
    let pronounceable = words
        .iter()
        .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .all(|w| w.contains(['a', 'e', 'i', 'o', 'u', 'y']));
    !words.is_empty() && short * 4 <= words.len() && letters >= 4 * words.len() && pronounceable
}

/// A JWT: the `jwt` rule decides (it rejects unsigned tokens and the jwt.io sample), the generic rules do not
/// second-guess it.
pub fn is_jwt_shaped(v: &str) -> bool {
    regex!(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$").is_match(v)
}

/// Percent-encoded data (`%F0%9F%92%A9`, `pass%5B%7F`): escapes make up a third of the value or more.
fn is_percent_encoded(v: &str) -> bool {
    let escapes = regex!(r"%[0-9A-Fa-f]{2}").find_iter(v).count();
    escapes >= 2 && escapes * 3 * 3 >= v.len()
}

/// Values the generic (name-based) rules never report, even under a secret-like name: everything above plus UUIDs,
/// code identifiers, percent-encoded data, JWTs (the `jwt` rule's) and base64 of printable text.
pub fn is_generic_benign(v: &str) -> bool {
    is_placeholder(v)
        || is_explicit_reference(v)
        || is_implicit_reference(v)
        || is_non_secret_shape(v)
        || is_uuid(v)
        || is_code_identifier(v)
        || is_percent_encoded(v)
        || is_jwt_shaped(v)
        || entropy::is_base64_of_text(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(value_kind("  "), ValueKind::Empty);
        assert_eq!(
            value_kind("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"),
            ValueKind::SecretReference
        );
        assert_eq!(
            value_kind("{{resolve:secretsmanager:prod/db:SecretString:password}}"),
            ValueKind::SecretReference
        );
        assert_eq!(
            value_kind("/prod/payments/stripe-key"),
            ValueKind::SecretReference
        );
        assert_eq!(
            value_kind("payments-api-secret"),
            ValueKind::SecretReference
        );
        assert_eq!(value_kind("${DB_PASSWORD}"), ValueKind::Placeholder);
        assert_eq!(value_kind("changeme"), ValueKind::Placeholder);
        assert_eq!(value_kind("your-api-key-here"), ValueKind::Placeholder);
        assert_eq!(value_kind("yes"), ValueKind::Placeholder);
        assert_eq!(value_kind("3600"), ValueKind::Placeholder);
        assert_eq!(value_kind("https://api.acme.io/v1"), ValueKind::Placeholder);
        assert_eq!(value_kind("Winter2024!"), ValueKind::Literal);
        assert_eq!(
            value_kind("postgres://app:Winter2024!@db.acme.io/app"),
            ValueKind::Literal
        );
    }

    #[test]
    fn repetition_and_runs() {
        assert!(is_repetition("xxxxxxxx"));
        assert!(is_repetition("abcabcabc"));
        assert!(is_repetition("*"));
        assert!(!is_repetition("abcabd"));
        assert!(is_ascending_run("123456"));
        assert!(is_ascending_run("1234567890"));
        assert!(!is_ascending_run("1357"));
    }

    #[test]
    fn word_shapes() {
        for w in ["prod", "PROD", "myApp", "Payments", "2024", "K8S", "db"] {
            assert!(word_shaped(w), "{w}");
        }
        for w in ["wJalrXUtnFEMI", "bPxRfiCYEXAMPLEKEY", "kQzHfTpWmX", "aB3dE"] {
            assert!(!word_shaped(w), "{w}");
        }
    }
}

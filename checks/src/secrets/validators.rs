//! Checks a regex cannot make: decode a JWT header, find the body of a private key block, read the parts of a URL or
//! connection string, decode a basic-auth header, measure randomness. Each returns the credential it confirmed.

use std::ops::Range;

use regex::Captures;
use serde_json::Value;

use super::entropy::{self, Classes};
use super::{mask, values};

/// The validator a rule names in `secret-rules.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// A token with a distinctive prefix: only placeholders and degenerate values are dropped.
    Token,
    /// Random-looking (mixed classes, entropy above the charset threshold), not a JWT.
    Random,
    /// Random-looking and none of the benign shapes (UUID, path, code identifier, base64 of text…).
    Generic,
    /// A human password: 8+ characters, 3+ character classes, or random-looking.
    Password,
    Jwt,
    PrivateKey,
    UrlCredentials,
    /// A password or token in a URL query parameter: a human password or a random token.
    QueryCredential,
    ConnectionString,
    BasicAuth,
}

impl Validator {
    pub fn parse(name: Option<&str>) -> Result<Validator, String> {
        Ok(match name {
            None => Validator::Token,
            Some("random") => Validator::Random,
            Some("generic") => Validator::Generic,
            Some("password") => Validator::Password,
            Some("jwt") => Validator::Jwt,
            Some("private-key") => Validator::PrivateKey,
            Some("url-credentials") => Validator::UrlCredentials,
            Some("query-credential") => Validator::QueryCredential,
            Some("connection-string") => Validator::ConnectionString,
            Some("basic-auth") => Validator::BasicAuth,
            Some(other) => return Err(format!("unknown validator `{other}`")),
        })
    }
}

/// A confirmed credential: where it is in the haystack and its masked preview.
pub struct Confirmed {
    pub span: Range<usize>,
    pub preview: String,
}

/// Confirm a regex match: `haystack` is the text the regex ran on.
pub fn confirm(validator: Validator, caps: &Captures, haystack: &str) -> Option<Confirmed> {
    let secret = caps.name("secret").or_else(|| caps.get(0))?;
    let whole = caps.get(0)?;
    let text = secret.as_str();
    if validator == Validator::PrivateKey {
        return private_key(haystack, whole.start(), whole.end());
    }
    if values::is_placeholder(text) {
        return None;
    }
    let ok = match validator {
        // Degenerate values only: 2.75 bits per character drops `AKIAABABABAB…`-like fakes, while a random
        // 20-character AWS key id falls below 3.0 about once in 5,000 draws and below 2.75 never in 200,000.
        Validator::Token => entropy::shannon(text) >= 2.75,
        // A JWT in a bearer header is the `jwt` rule's to judge.
        Validator::Random => entropy::looks_random(text) && !values::is_jwt_shaped(text),
        Validator::Generic => !values::is_generic_benign(text) && entropy::looks_random(text),
        Validator::Password => is_password(text),
        Validator::Jwt => is_jwt(text),
        Validator::UrlCredentials => url_credentials(caps, text),
        // A JWT in a query parameter is the `jwt` rule's to judge.
        Validator::QueryCredential => {
            !values::is_jwt_shaped(text)
                && (is_password(text)
                    || (!values::is_generic_benign(text) && entropy::looks_random(text)))
        }
        Validator::ConnectionString => connection_string(haystack, whole.start(), whole.end()),
        Validator::BasicAuth => basic_auth(text),
        Validator::PrivateKey => unreachable!("handled above"),
    };
    ok.then(|| Confirmed {
        span: secret.range(),
        preview: mask(text),
    })
}

fn is_password(v: &str) -> bool {
    let len = v.chars().count();
    !values::is_generic_benign(v)
        && (8..=128).contains(&len)
        && (Classes::of(v).count() >= 3 || entropy::looks_random(v))
}

fn is_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return false;
    };
    let decode = |part: &str| {
        entropy::base64_decode(part)
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .filter(Value::is_object)
    };
    let (Some(header), Some(payload)) = (decode(header), decode(payload)) else {
        return false;
    };
    let signed = header
        .get("alg")
        .and_then(Value::as_str)
        .is_some_and(|alg| !alg.eq_ignore_ascii_case("none"));
    signed && signature.len() >= 16 && !is_jwt_io_sample(&payload)
}

/// The jwt.io sample payload (`"sub": "1234567890", "name": "John Doe"`), signed with every algorithm in
/// documentation and tests: not a credential.
fn is_jwt_io_sample(payload: &Value) -> bool {
    payload.get("sub").and_then(Value::as_str) == Some("1234567890")
        && payload.get("name").and_then(Value::as_str) == Some("John Doe")
}

/// The password of `user:password@host`. The host never decides (issue 12 item 11): a real password to a local,
/// example or test host (`db.internal.example`, `127.0.0.1`) is still a password someone can reuse; placeholders,
/// ports and a password equal to the user name (`postgres:postgres`, `admin:admin`) are not credentials.
fn url_credentials(caps: &Captures, password: &str) -> bool {
    let user = caps.name("user").map_or("", |m| m.as_str());
    let port_like = password.len() <= 5 && password.chars().all(|c| c.is_ascii_digit());
    password.chars().count() >= 4 && !port_like && password != user
}

/// The line holding `start..end` must be a connection string: `;`-separated with another well-known key (ADO.NET,
/// ODBC, JDBC), or a libpq keyword DSN (`host=… dbname=… user=… password=…`, space-separated).
fn connection_string(haystack: &str, start: usize, end: usize) -> bool {
    let line_start = haystack[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = haystack[end..]
        .find('\n')
        .map_or(haystack.len(), |i| end + i);
    let line = &haystack[line_start..line_end];
    let keyed = line.contains(';')
        && regex!(r"(?i)(?:^|[;\s])(?:server|data source|host|address|addr|user id|uid|username|user|database|databasename|initial catalog|port|driver|dsn|endpoint|provider)\s*=")
            .is_match(line);
    keyed || regex!(r"(?:^|\s)(?:host|hostaddr|dbname)=\S").is_match(line)
}

/// `Basic <base64>` that decodes to `user:password` with a real-looking password.
fn basic_auth(encoded: &str) -> bool {
    let Some(decoded) = entropy::base64_decode(encoded).and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let printable = decoded.chars().all(|c| (' '..='~').contains(&c));
    match decoded.split_once(':') {
        Some((user, password)) => {
            printable
                && !user.is_empty()
                && password.chars().count() >= 4
                && !values::is_placeholder(password)
                && password != user
        }
        None => false,
    }
}

/// A private key block: the body after the BEGIN marker up to its END marker must be real base64 key material
/// (headers like `Proc-Type:` and `Version:` skipped; newlines may be real or `\n` escapes inside a string).
fn private_key(haystack: &str, begin: usize, marker_end: usize) -> Option<Confirmed> {
    const MAX_BODY: usize = 64 * 1024;
    let rest = &haystack[marker_end..haystack.len().min(marker_end + MAX_BODY)];
    let end = rest.find("-----END")?;
    let raw = &rest[..end];
    let unescaped = raw.replace("\\r", "\n").replace("\\n", "\n");
    let body: String = unescaped
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || "\"',+".contains(c)))
        .filter(|l| !l.contains(':'))
        .collect();
    let base64 = body
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+/=".contains(*c))
        .count();
    let key_material =
        base64 >= 64 && base64 * 100 >= body.len() * 95 && entropy::shannon(&body) >= 4.5;
    // No placeholder filter here: a placeholder body (`...`, `<key>`, `REDACTED`) is not key material anyway, and
    // word markers would match real bodies by chance.
    key_material.then(|| Confirmed {
        span: begin..marker_end + end,
        preview: mask(&body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert!(is_password("Winter2024!"));
        assert!(!is_password("hunter2"));
        assert!(!is_password("alllowercaseletters"));
    }
}

//! Secret-like names: whether a variable or key name (`DB_PASSWORD`, `apiKey`, `spring.datasource.password`) says it
//! holds a credential, judged by its head noun so `PASSWORD_MIN_LENGTH`, `SECRET_ARN` or `NextToken` do not count.

/// Nouns that name a credential on their own when they end the name.
#[rustfmt::skip]
const HEADS: &[&str] = &[
    "password", "passwd", "pwd", "passphrase", "pass", "secret", "secrets", "token", "credential", "credentials",
    "creds", "authorization", "apikey", "apitoken", "apisecret", "accesskey", "accesstoken", "secretkey",
    "privatekey", "authtoken", "authkey", "refreshtoken", "clientsecret", "signingkey", "encryptionkey", "masterkey",
    "sessionkey", "pat", "connectionstring", "connstr",
];

/// Heads that name a credential only after another word (`BASIC_AUTH`, `PROXY_AUTH`); alone, `AUTH=cognito` is a mode.
#[rustfmt::skip]
const QUALIFIED_HEADS: &[&str] = &["auth"];

/// Endings of single-word names (`dbpassword`, `githubtoken`) that name a credential.
#[rustfmt::skip]
const COMPOUND_HEADS: &[&str] =
    &["password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "secretkey", "accesskey", "credentials"];

/// Words before `token`/`secret`/`key` that make it something else: `NextToken`, `PUBLIC_KEY`, `MAX_TOKENS`.
#[rustfmt::skip]
const NOT_SECRET_BEFORE_HEAD: &[&str] = &[
    "next", "page", "continuation", "pagination", "cursor", "marker", "sync", "idempotency", "cancellation", "public",
    "publishable", "max", "min", "num", "total", "limit", "nexttoken", "pagetoken",
];

/// Words anywhere in the name that make it a setting about a secret rather than the secret:
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `MYSQL_RANDOM_ROOT_PASSWORD`, `SKIP_AUTH`.
#[rustfmt::skip]
const SETTING_WORDS: &[&str] = &[
    "allow", "allowed", "empty", "random", "generate", "require", "required", "skip", "no", "disable", "disabled",
    "enable", "enabled", "reset", "forgot", "min", "max", "use", "show", "hide", "rotate", "rotation", "validate",
    "validation", "with", "has", "is", "should", "include", "send",
];

/// Trailing words that qualify the head without changing it: `SECRET_KEY_BASE`, `DB_PASSWORD_PROD`, `TOKEN_V2`.
#[rustfmt::skip]
const QUALIFIERS: &[&str] = &[
    "value", "val", "b64", "base64", "hex", "pem", "der", "raw", "plain", "plaintext", "clear", "cleartext", "encoded",
    "data", "text", "txt", "json", "prod", "production", "dev", "development", "stg", "stage", "staging", "test", "qa",
    "uat", "live", "sandbox", "old", "new", "current", "curr", "prev", "previous", "primary", "secondary", "main",
    "backup", "alt", "default", "override", "local", "global", "full", "base", "env", "var",
];

/// Words that make `…_KEY` a credential (`API_KEY`, `SIGNING_KEY`, `STRIPE_KEY`), unlike `S3_KEY`, `CACHE_KEY`,
/// `KMS_KEY`, `PUBLIC_KEY` or `GPG_KEY` (a fingerprint in many images).
#[rustfmt::skip]
const KEY_MODIFIERS: &[&str] = &[
    "api", "private", "secret", "access", "signing", "sign", "encryption", "encrypt", "crypto", "cipher", "master",
    "client", "auth", "session", "hmac", "jwt", "jws", "jwe", "app", "application", "license", "account", "shared",
    "aes", "rsa", "ssh", "service", "subscription", "ingest", "ingestion", "write", "admin", "consumer", "webhook",
    "integration", "server", "merchant", "partner", "developer", "personal", "root", "deploy", "machine", "signature",
    "security", "storage", "sdk", "aws", "azure", "openai", "anthropic", "stripe", "sendgrid", "twilio", "mailgun",
    "mailchimp", "algolia", "datadog", "dd", "newrelic", "segment", "maps", "google", "gcp", "firebase", "pusher",
    "mapbox", "github", "gitlab", "slack", "discord", "telegram", "heroku", "cloudflare", "fastly", "okta", "auth0",
    "contentful", "shopify", "hubspot", "salesforce", "zendesk", "pagerduty", "opsgenie", "rollbar", "bugsnag",
    "honeycomb", "launchdarkly", "rapidapi", "postmark", "mandrill", "sparkpost", "plaid", "paypal", "braintree",
    "square", "adyen", "coinbase", "binance", "alchemy", "infura", "etherscan", "pinecone", "cohere", "huggingface",
    "hf", "replicate", "groq", "mistral", "gemini", "deepseek", "elevenlabs", "deepgram", "vonage", "nexmo",
    "onesignal", "notion", "airtable", "linear", "atlassian", "jira", "dropbox", "docusign", "zoom", "intercom",
    "mixpanel", "amplitude", "posthog", "snyk", "circleci", "vercel", "netlify", "supabase", "openrouter", "sentry",
];

/// Split a name into lowercase words: separators, camelCase and acronym boundaries (`APIKey` → `api`, `key`).
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            flush(&mut words, &mut current);
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                || (prev.is_ascii_digit() != c.is_ascii_digit() && prev.is_ascii_alphanumeric());
            if boundary {
                flush(&mut words, &mut current);
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    flush(&mut words, &mut current);
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Whether a variable or key name says it holds a credential.
pub fn is_secret_name(name: &str) -> bool {
    let mut words = words(name);
    while words.last().is_some_and(|w| is_qualifier(w)) {
        words.pop();
    }
    let Some(head) = words.last().map(String::as_str) else {
        return false;
    };
    if words.iter().any(|w| SETTING_WORDS.contains(&w.as_str())) {
        return false;
    }
    let before = words.len().checked_sub(2).map(|i| words[i].as_str());
    if before.is_some_and(|b| NOT_SECRET_BEFORE_HEAD.contains(&b))
        || NOT_SECRET_BEFORE_HEAD.contains(&head)
    {
        return false;
    }
    match head {
        "key" => before.is_some_and(|b| KEY_MODIFIERS.contains(&b)),
        "string" | "str" => before.is_some_and(|b| b == "connection" || b == "conn"),
        _ if QUALIFIED_HEADS.contains(&head) => before.is_some(),
        _ if HEADS.contains(&head) => true,
        _ => COMPOUND_HEADS
            .iter()
            .any(|h| head.len() > h.len() && head.ends_with(h)),
    }
}

/// Whether the name's head is a password (`DB_PASSWORD`, `smtp.pass`, `PASSPHRASE`): human-chosen secrets.
pub fn is_password_name(name: &str) -> bool {
    let mut words = words(name);
    while words.last().is_some_and(|w| is_qualifier(w)) {
        words.pop();
    }
    is_secret_name(name)
        && words.last().is_some_and(|h| {
            ["password", "passwd", "pwd", "passphrase", "pass"].contains(&h.as_str())
                || h.ends_with("password")
        })
}

fn is_qualifier(word: &str) -> bool {
    QUALIFIERS.contains(&word)
        || word.chars().all(|c| c.is_ascii_digit())
        || word == "v"
        || (word.len() > 1
            && word.starts_with('v')
            && word[1..].chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_separators_case_and_digits() {
        assert_eq!(
            words("AWS_SECRET_ACCESS_KEY"),
            ["aws", "secret", "access", "key"]
        );
        assert_eq!(words("apiKey"), ["api", "key"]);
        assert_eq!(words("XAPIKey"), ["xapi", "key"]);
        assert_eq!(
            words("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(words("OAuth2Token"), ["o", "auth", "2", "token"]);
    }

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "PASSWORD",
            "apiKey",
            "x-api-key",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "SECRET_KEY_BASE",
            "dbpassword",
            "CLIENT_SECRET",
            "STRIPE_KEY",
            "SMTP_PASS",
            "BASIC_AUTH",
            "DB_CONNECTION_STRING",
            "TOKEN_V2",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "jwtSecret",
            "ENCRYPTION_KEY",
            "OAuth2Token",
            "APIKEY",
            "refresh_token",
        ] {
            assert!(is_secret_name(name), "{name} should be secret-like");
        }
    }

    #[test]
    fn setting_and_pointer_names() {
        for name in [
            "PASSWORD_MIN_LENGTH",
            "SECRET_ARN",
            "SECRET_NAME",
            "TOKEN_URL",
            "NextToken",
            "PUBLIC_KEY",
            "S3_KEY",
            "KMS_KEY",
            "AWS_ACCESS_KEY_ID",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "AUTH_MODE",
            "AUTHOR",
            "CACHE_KEY",
            "TOKEN_EXPIRY",
            "PASSWORD_HASH",
            "MAX_TOKENS",
            "GPG_KEY",
            "SKIP_AUTH",
            "BYPASS",
            "PASSWORD_SECRET_ARN",
            "partition_key",
            "AUTH",
            "",
        ] {
            assert!(!is_secret_name(name), "{name} should not be secret-like");
        }
    }

    #[test]
    fn password_names() {
        assert!(is_password_name("DB_PASSWORD"));
        assert!(is_password_name("smtp.pass"));
        assert!(is_password_name("mysqlRootPassword"));
        assert!(!is_password_name("API_TOKEN"));
        assert!(!is_password_name("PASSWORD_HASH"));
    }
}

//! Test-only generator of fake credentials from fixed patterns, so the repository holds no credential-shaped string
//! that push-protection scanners would block. `[[kind:n]]` expands to n deterministic random characters of a kind;
//! `[[name]]` without a colon stays as written. `[[jwt:ALG]]` expands to a JWT with a real header and payload; `[[pem:n]]` / `[[pemesc:n]]` to a PEM body of n lines.

/// SplitMix64: small, deterministic, good enough to make strings look random.
pub struct Rng(u64);

impl Rng {
    pub fn seeded(seed: &str) -> Rng {
        // FNV-1a of the seed text, so each template gets its own stable stream.
        Rng(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        }))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn string(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len)
            .map(|_| chars[(self.next() % chars.len() as u64) as usize])
            .collect()
    }
}

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";

fn alphabet(kind: &str) -> Option<String> {
    Some(match kind {
        "an" => format!("{UPPER}{LOWER}{DIGITS}"),
        "AN" => format!("{UPPER}{DIGITS}"),
        "alpha" => format!("{UPPER}{LOWER}"),
        "lower" => LOWER.to_string(),
        "upper" => UPPER.to_string(),
        "digits" => DIGITS.to_string(),
        "b32" => format!("{UPPER}234567"),
        "hex" => format!("{DIGITS}abcdef"),
        "HEX" => format!("{DIGITS}ABCDEF"),
        "b64" => format!("{UPPER}{LOWER}{DIGITS}+/"),
        "b64url" => format!("{UPPER}{LOWER}{DIGITS}-_"),
        "BECH" => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".to_string(),
        _ => return None,
    })
}

/// Expand every `[[…]]` of `template`, seeded by the template itself.
pub fn expand(template: &str) -> String {
    expand_seeded(template, template)
}

/// Expand with an explicit seed (two corpus entries with the same template get different values).
pub fn expand_seeded(template: &str, seed: &str) -> String {
    let mut rng = Rng::seeded(seed);
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("[[") {
        let Some(close) = rest[open..].find("]]").map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 2..close];
        match inner.split_once(':') {
            Some((kind, arg)) => out.push_str(&generate(&mut rng, kind, arg)),
            // Not a template (`[[package]]` in a Cargo.lock): keep it as written.
            None => out.push_str(&rest[open..close + 2]),
        }
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    out
}

fn generate(rng: &mut Rng, kind: &str, arg: &str) -> String {
    match kind {
        "jwt" => jwt(rng, arg),
        "pem" => pem_lines(rng, arg).join("\n"),
        "pemesc" => pem_lines(rng, arg).join("\\n"),
        _ => {
            let alphabet =
                alphabet(kind).unwrap_or_else(|| panic!("unknown template kind `{kind}`"));
            rng.string(
                &alphabet,
                arg.parse().unwrap_or_else(|_| panic!("bad length `{arg}`")),
            )
        }
    }
}

fn pem_lines(rng: &mut Rng, count: &str) -> Vec<String> {
    let count: usize = count.parse().expect("pem line count");
    let b64 = alphabet("b64").unwrap();
    (0..count)
        .map(|i| {
            if i == 0 {
                format!("MII{}", rng.string(&b64, 61))
            } else {
                rng.string(&b64, 64)
            }
        })
        .collect()
}

fn jwt(rng: &mut Rng, alg: &str) -> String {
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
    let payload = format!(
        r#"{{"sub":"user-{}","iss":"https://auth.acme.io","iat":17{},"exp":17{},"scope":"orders:read"}}"#,
        rng.string(DIGITS, 6),
        rng.string(DIGITS, 8),
        rng.string(DIGITS, 8)
    );
    let signature_len = if alg.starts_with("HS") { 43 } else { 86 };
    format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes()),
        rng.string(&alphabet("b64url").unwrap(), signature_len)
    )
}

/// Unpadded base64url.
pub fn base64url(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn templates_expand_deterministically() {
    let a = expand("ghp_[[an:36]]");
    assert_eq!(a, expand("ghp_[[an:36]]"));
    assert_eq!(a.len(), 40);
    assert_ne!(a, expand_seeded("ghp_[[an:36]]", "other"));
    assert_eq!(base64url(br#"{"alg":"HS256"}"#), "eyJhbGciOiJIUzI1NiJ9");
    assert!(expand("[[jwt:HS256]]").starts_with("eyJhbGciOiJIUzI1NiIs"));
    assert_eq!(expand("[[pem:2]]").lines().count(), 2);
}

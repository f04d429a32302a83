//! Measures of randomness for the generic rules: Shannon entropy with per-charset thresholds, character classes, and a
//! small base64 decoder (JWT headers, basic-auth headers, "is this just base64 of some text?").

/// Shannon entropy in bits per character.
pub fn shannon(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&k| k as f64 / n)
        .map(|p| -p * p.log2())
        .sum()
}

/// Which characters a value is made of, from the narrowest alphabet that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `0-9a-f` (either case).
    Hex,
    /// Letters, digits and `+/=_-.~` (base64, base64url, most token alphabets).
    Base64,
    /// Anything else printable: human passwords, Django keys. Judged random only with all four classes.
    Other,
}

impl Charset {
    pub fn of(s: &str) -> Charset {
        if s.chars().all(|c| c.is_ascii_hexdigit()) {
            Charset::Hex
        } else if s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-.~".contains(c))
        {
            Charset::Base64
        } else {
            Charset::Other
        }
    }

    /// Size of the alphabet, used to cap the entropy a value of this charset can reach.
    fn alphabet(self) -> f64 {
        match self {
            Charset::Hex => 16.0,
            Charset::Base64 => 64.0,
            Charset::Other => 94.0,
        }
    }
}

/// Character classes present: lower, upper, digit, symbol.
#[derive(Debug, Clone, Copy, Default)]
pub struct Classes {
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
    pub symbol: bool,
}

impl Classes {
    pub fn of(s: &str) -> Classes {
        let mut c = Classes::default();
        for ch in s.chars() {
            match ch {
                'a'..='z' => c.lower = true,
                'A'..='Z' => c.upper = true,
                '0'..='9' => c.digit = true,
                _ => c.symbol = true,
            }
        }
        c
    }

    pub fn count(self) -> usize {
        [self.lower, self.upper, self.digit, self.symbol]
            .into_iter()
            .filter(|&b| b)
            .count()
    }

    /// Classes among letters and digits only (symbols are often just separators).
    pub fn alnum_count(self) -> usize {
        [self.lower, self.upper, self.digit]
            .into_iter()
            .filter(|&b| b)
            .count()
    }
}

/// Minimum length for a value of this charset to be judged random at all.
pub fn min_len(charset: Charset) -> usize {
    match charset {
        Charset::Hex | Charset::Base64 => 16,
        Charset::Other => 12,
    }
}

/// Entropy a random value of `len` characters of `charset` comfortably exceeds: a fraction of the maximum reachable,
/// which is log2 of the length for short values and log2 of the alphabet for long ones.
pub fn entropy_threshold(charset: Charset, len: usize) -> f64 {
    let reachable = (len as f64).min(charset.alphabet()).log2();
    let fraction = match charset {
        Charset::Hex => 0.7,
        Charset::Base64 | Charset::Other => 0.8,
    };
    reachable * fraction
}

/// Whether `s` reads like machine-generated key material: long enough, mixed enough and entropic enough for its
/// charset. Shape filters (UUIDs, paths, base64 of text…) are applied by the caller.
pub fn looks_random(s: &str) -> bool {
    let len = s.chars().count();
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let charset = Charset::of(s);
    if len < min_len(charset) {
        return false;
    }
    let classes = Classes::of(s);
    let mixed = match charset {
        Charset::Hex => classes.digit && (classes.lower || classes.upper),
        Charset::Base64 => classes.alnum_count() >= 2,
        Charset::Other => classes.alnum_count() == 3 && classes.symbol,
    };
    mixed && shannon(s) >= entropy_threshold(charset, len)
}

/// Decode standard or URL-safe base64, padded or not. `None` when `s` is not base64.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    if s.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

/// Whether `s` is base64 of printable text (`aGVsbG8gd29ybGQ=`): its entropy comes from the encoding, not from a key.
pub fn is_base64_of_text(s: &str) -> bool {
    if s.len() < 8 || Charset::of(s) == Charset::Other {
        return false;
    }
    match base64_decode(s) {
        Some(bytes) if !bytes.is_empty() => bytes
            .iter()
            .all(|&b| b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_strings() {
        assert_eq!(shannon("aaaa"), 0.0);
        assert!((shannon("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon(""), 0.0);
    }

    #[test]
    fn charsets_are_the_narrowest_alphabet() {
        assert_eq!(Charset::of("deadBEEF01"), Charset::Hex);
        assert_eq!(Charset::of("abc+/="), Charset::Base64);
        assert_eq!(Charset::of("p@ss word"), Charset::Other);
    }

    #[test]
    fn random_looking_and_not() {
        assert!(looks_random("9fK2xQ7mLp4Rz8Tb1Vw6Yc3N"));
        assert!(looks_random("3f9a1c7e5b2d8046af13c9e7"));
        assert!(!looks_random("thisisaverylongpassword"));
        assert!(!looks_random("aaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(!looks_random("short1A"));
        assert!(!looks_random("has spaces in it 12345 ABC"));
    }

    #[test]
    fn base64_round_trips_and_rejects() {
        assert_eq!(base64_decode("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(
            base64_decode("eyJhbGciOiJIUzI1NiJ9").unwrap(),
            br#"{"alg":"HS256"}"#
        );
        assert!(base64_decode("not base64!").is_none());
        assert!(is_base64_of_text("aGVsbG8gd29ybGQ="));
        assert!(!is_base64_of_text("9fK2xQ7mLp4Rz8Tb1Vw6Yc3N"));
    }
}

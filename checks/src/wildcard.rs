//! Wildcard matching, the one matcher of the crate: `*` matches any run of characters (also empty, across `:` and
//! `/`), `?` exactly one character. IAM action and resource patterns (`policy`) and suppression globs (`suppress`)
//! use it.

/// Whether `pattern` matches `text`. With `ignore_case`, ASCII letters compare case-insensitively (action names);
/// without it, exactly (ARNs).
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // The two commonest patterns: everything, and a plain name.
    if pattern == "*" {
        return true;
    }
    if !has_wildcard(pattern) {
        return if ignore_case {
            pattern.eq_ignore_ascii_case(text)
        } else {
            pattern == text
        };
    }
    // ASCII (every action name, nearly every ARN) is matched byte by byte without allocating; other text by chars,
    // so that `?` stands for one character, not one byte.
    if pattern.is_ascii() && text.is_ascii() {
        matches_units(pattern.as_bytes(), text.as_bytes(), |a, b| {
            a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
        })
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        matches_units(&p, &t, |a, b| {
            a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
        })
    }
}

/// A wildcard or literal unit of a pattern: a byte of ASCII text, a char otherwise.
trait Unit: Copy {
    fn is(self, c: u8) -> bool;
}

impl Unit for u8 {
    fn is(self, c: u8) -> bool {
        self == c
    }
}

impl Unit for char {
    fn is(self, c: u8) -> bool {
        self == char::from(c)
    }
}

/// Iterative matcher with one backtrack point for the last `*`: linear in practice.
fn matches_units<U: Unit>(p: &[U], t: &[U], eq: impl Fn(U, U) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi].is(b'?') || (!p[pi].is(b'*') && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].is(b'*') {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| c.is(b'*'))
}

/// Whether every text `inner` matches is also matched by `outer` (pattern inclusion). Sound: `true` only when the
/// inclusion holds. A `*` of `inner` must be absorbed by a `*` of `outer`; a `?` of `inner` by `?` or `*`.
pub fn covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
    // A plain text is covered exactly when the pattern matches it (the common case: an ARN).
    if !has_wildcard(inner) {
        return matches(outer, inner, ignore_case);
    }
    let p: Vec<char> = outer.chars().collect();
    let q: Vec<char> = inner.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // below[j]: outer[i + 1..] covers inner[j..]; row[j]: outer[i..] covers inner[j..].
    let mut below = vec![false; q.len() + 1];
    below[q.len()] = true;
    let mut row = vec![false; q.len() + 1];
    for i in (0..p.len()).rev() {
        for j in (0..=q.len()).rev() {
            row[j] = match p[i] {
                '*' => below[j] || (j < q.len() && row[j + 1]),
                '?' => j < q.len() && q[j] != '*' && below[j + 1],
                c => j < q.len() && q[j] != '*' && q[j] != '?' && eq(c, q[j]) && below[j + 1],
            };
        }
        std::mem::swap(&mut below, &mut row);
    }
    below[0]
}

/// Whether a pattern has a wildcard (`*` or `?`).
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        assert!(matches("s3:Get*", "s3:GetObject", false));
        assert!(matches("s3:get*", "S3:GetObject", true));
        assert!(!matches("s3:get*", "S3:GetObject", false));
        assert!(matches("*", "", false));
        assert!(matches("a?c", "abc", false));
        assert!(!matches("a?c", "ac", false));
        assert!(matches("*Object*", "s3:GetObjectAcl", false));
        assert!(matches("a*b*c", "aXbYbZc", false));
        assert!(!matches("a*b*c", "aXbYbZ", false));
        assert!(!matches("abc", "abcd", false));
        assert!(
            matches("S3:GetObject", "s3:getobject", true)
                && !matches("S3:GetObject", "s3:getobject", false)
        );
        assert!(matches("É", "É", true) && !matches("É", "é", true));
        assert!(matches("a?c", "aéc", false) && !matches("a??c", "aéc", false));
        assert!(matches("*é*", "xÉéy", false) && matches("S3:*", "s3:é", true));
        assert!(matches(
            "arn:aws:logs:*:*:log-group:/aws/lambda/f:*",
            "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:*",
            false
        ));
    }

    #[test]
    fn inclusion_of_patterns() {
        assert!(covers("*", "s3:Get*", false));
        assert!(covers("s3:*", "s3:Get*", false));
        assert!(covers("s3:Get*", "s3:GetObject", false));
        assert!(!covers("s3:GetObject", "s3:Get*", false));
        assert!(!covers("s3:Get?", "s3:Get*", false));
        assert!(covers("s3:Get?", "s3:Get?", false));
        assert!(covers("a*", "a?", false));
        assert!(!covers("a?", "a*", false));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*", false));
        assert!(!covers("arn:aws:s3:::b/*", "arn:aws:s3:::*", false));
        assert!(covers("S3:GET*", "s3:getobject", true));
        assert!(!covers("S3:GET*", "s3:getobject", false));
        assert!(covers("a?c", "aéc", false) && !covers("a??c", "aéc", false));
        assert!(covers("a*", "a*", false) && covers("*", "", false) && !covers("a", "", false));
    }
}

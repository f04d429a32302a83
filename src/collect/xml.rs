//! A Query-protocol XML answer (Elastic Load Balancing, EC2) read into a small element tree, for answers whose nesting
//! (lists of structures holding lists of strings) a hand-written pull parser would spell out at length.
//!
//! Built on `xmlparser`, the tokenizer `aws-smithy-xml` already brings in: no new crate to build. Namespaces are
//! dropped (local names only); character and entity references in text are decoded. A document that ends before its
//! root element closes is an error, so a truncated answer never reads as a short one.

/// One element: its local name, its text (the concatenation of its direct text nodes, trimmed), its child elements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

/// Elements nested deeper than this are refused (no AWS answer comes close; a hostile one cannot exhaust the stack).
const MAX_DEPTH: usize = 64;

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`; `None` when absent or empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// The entries of the list child `name`: its `<member>` (Query protocol) or `<item>` (EC2) children.
    pub fn list<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Element> + 'a {
        self.child(name)
            .into_iter()
            .flat_map(|l| l.children.iter())
            .filter(|m| m.name == "member" || m.name == "item")
    }

    /// The texts of the entries of the list child `name`.
    pub fn strings<'a>(&'a self, name: &str) -> impl Iterator<Item = String> + 'a {
        self.list(name)
            .map(|m| m.text.clone())
            .filter(|t| !t.is_empty())
    }

    /// The element at `path` (child names from this one).
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }
}

/// The root element of `xml`.
pub fn parse(xml: &str) -> Result<Element, String> {
    use xmlparser::{ElementEnd, Token, Tokenizer};
    let mut stack: Vec<Element> = Vec::new();
    for token in Tokenizer::from(xml) {
        match token.map_err(|e| format!("invalid XML: {e}"))? {
            Token::ElementStart { local, .. } => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements nested deeper than {MAX_DEPTH}"));
                }
                stack.push(Element {
                    name: local.as_str().to_string(),
                    ..Element::default()
                });
            }
            Token::ElementEnd { end, .. } => {
                if matches!(end, ElementEnd::Open) {
                    continue;
                }
                let mut done = stack.pop().ok_or("a closing tag without an opening one")?;
                if let ElementEnd::Close(_, local) = end {
                    if local.as_str() != done.name {
                        return Err(format!("</{}> closes <{}>", local.as_str(), done.name));
                    }
                }
                done.text = done.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Token::Text { text } | Token::Cdata { text, .. } => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&decode(text.as_str()));
                }
            }
            _ => {}
        }
    }
    Err("the answer ends before its root element closes (truncated)".into())
}

/// `text` with `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;` and `&#…;` references decoded (an unknown one is kept).
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..end];
        let decoded = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| name.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_into_a_tree_with_lists_and_decoded_text() {
        let xml = r#"<?xml version="1.0"?>
<R xmlns="http://example.com/"><Result><Things><member><Name>a &amp; b</Name><Values><member>x</member>
<member>&#60;y&#x3e;</member></Values></member><member><Name/></member></Things></Result></R>"#;
        let root = parse(xml).unwrap();
        assert_eq!(root.name, "R");
        let things: Vec<&Element> = root.at(&["Result"]).unwrap().list("Things").collect();
        assert_eq!(things.len(), 2);
        assert_eq!(things[0].text_of("Name"), Some("a & b"));
        assert_eq!(
            things[0].strings("Values").collect::<Vec<_>>(),
            vec!["x".to_string(), "<y>".to_string()]
        );
        assert_eq!(things[1].text_of("Name"), None);
    }

    #[test]
    fn declared_entities_are_never_expanded() {
        // A billion-laughs document: the declarations are skipped, the reference stays as written.
        let xml = r#"<?xml version="1.0"?><!DOCTYPE R [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">
<!ENTITY x SYSTEM "file:///etc/passwd">]><R><N>&b;</N><F>&x;</F><M>&#1114112;&#xD800;</M></R>"#;
        let root = parse(xml).unwrap();
        assert_eq!(root.text_of("N"), Some("&b;"));
        assert_eq!(root.text_of("F"), Some("&x;"));
        // References to no character are kept as written, never a panic.
        assert_eq!(root.text_of("M"), Some("&#1114112;&#xD800;"));
    }

    #[test]
    fn a_truncated_or_invalid_answer_is_an_error() {
        assert!(parse("<R><Result><Things>").is_err());
        assert!(parse("<R></Q>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
    }
}

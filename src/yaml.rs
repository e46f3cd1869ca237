//! The only module that talks to the YAML parser (serde-saphyr, YAML 1.2: `no` stays
//! the string "no"). It turns a file into a tree of [`Node`]s that each know their
//! line and column, so that every later check can point at the exact spot.
//! Parser errors are translated here into plain Swedish.

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::msg;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Where a node starts: 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Str,
    Bool,
    Number,
}

#[derive(Debug, Clone)]
pub enum Node {
    Null,
    /// Any scalar, with the text exactly as the editor wrote it for numbers and
    /// booleans (so a phone number keeps its leading zero).
    Scalar {
        text: String,
        kind: ScalarKind,
    },
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    /// A word for the kind of value, as an editor would say it.
    pub fn kind(&self, lang: Language) -> &'static str {
        if lang == Language::En {
            return match self {
                Node::Null => "an empty value",
                Node::Scalar {
                    kind: ScalarKind::Str,
                    ..
                } => "text",
                Node::Scalar {
                    kind: ScalarKind::Bool,
                    ..
                } => "a true/false value",
                Node::Scalar {
                    kind: ScalarKind::Number,
                    ..
                } => "a number",
                Node::Seq(_) => "a list",
                Node::Map(_) => "a set of fields",
            };
        }
        match self {
            Node::Null => "ett tomt värde",
            Node::Scalar {
                kind: ScalarKind::Str,
                ..
            } => "en text",
            Node::Scalar {
                kind: ScalarKind::Bool,
                ..
            } => "ett sant/falskt-värde",
            Node::Scalar {
                kind: ScalarKind::Number,
                ..
            } => "ett tal",
            Node::Seq(_) => "en lista",
            Node::Map(_) => "en samling fält",
        }
    }
}

/// The node as the parser saw it; converted to [`Node`] once the source text is at hand.
enum RawNode {
    Null,
    Str(String),
    Bool,
    Number,
    Seq(Vec<serde_saphyr::Spanned<RawNode>>),
    Map(
        Vec<(
            serde_saphyr::Spanned<String>,
            serde_saphyr::Spanned<RawNode>,
        )>,
    ),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_unit<E>(self) -> Result<RawNode, E> {
                Ok(RawNode::Null)
            }
            fn visit_none<E>(self) -> Result<RawNode, E> {
                Ok(RawNode::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
                RawNode::deserialize(d)
            }
            fn visit_bool<E>(self, _: bool) -> Result<RawNode, E> {
                Ok(RawNode::Bool)
            }
            fn visit_i64<E>(self, _: i64) -> Result<RawNode, E> {
                Ok(RawNode::Number)
            }
            fn visit_u64<E>(self, _: u64) -> Result<RawNode, E> {
                Ok(RawNode::Number)
            }
            fn visit_i128<E>(self, _: i128) -> Result<RawNode, E> {
                Ok(RawNode::Number)
            }
            fn visit_u128<E>(self, _: u128) -> Result<RawNode, E> {
                Ok(RawNode::Number)
            }
            fn visit_f64<E>(self, _: f64) -> Result<RawNode, E> {
                Ok(RawNode::Number)
            }
            fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(RawNode::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = a.next_key()? {
                    let value = a.next_value()?;
                    entries.push((key, value));
                }
                Ok(RawNode::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    Pos {
        line: loc.line(),
        column: loc.column(),
    }
}

/// The exact source text of a plain scalar (numbers and booleans), by byte span.
fn source_text(source: &str, loc: &serde_saphyr::Location) -> String {
    let span = loc.span();
    let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) else {
        return String::new();
    };
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(len).unwrap_or(0));
    source.get(start..end).unwrap_or_default().to_owned()
}

fn convert(source: &str, raw: serde_saphyr::Spanned<RawNode>) -> Spanned<Node> {
    let pos = pos_of(&raw.referenced);
    let value = match raw.value {
        RawNode::Null => Node::Null,
        RawNode::Str(text) => Node::Scalar {
            text,
            kind: ScalarKind::Str,
        },
        RawNode::Bool => Node::Scalar {
            text: source_text(source, &raw.referenced),
            kind: ScalarKind::Bool,
        },
        RawNode::Number => Node::Scalar {
            text: source_text(source, &raw.referenced),
            kind: ScalarKind::Number,
        },
        RawNode::Seq(items) => Node::Seq(items.into_iter().map(|i| convert(source, i)).collect()),
        RawNode::Map(entries) => Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Spanned {
                        pos: pos_of(&k.referenced),
                        value: k.value,
                    };
                    (key, convert(source, v))
                })
                .collect(),
        ),
    };
    Spanned { value, pos }
}

/// Parses one YAML document. `file` is only used to label the diagnostic.
pub fn parse(file: &str, source: &str, lang: Language) -> Result<Spanned<Node>, Diagnostic> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        // YAML 1.2 Core booleans only: `no`, `yes`, `on`, `off` stay text (the "Norway problem").
        strict_booleans: true,
    };
    match serde_saphyr::from_str_with_options::<serde_saphyr::Spanned<RawNode>>(source, options) {
        Ok(raw) => Ok(convert(source, raw)),
        Err(err) => Err(translate_error(file, source, &err, lang)),
    }
}

/// Turns a parser error into a message an editor can act on.
fn translate_error(
    file: &str,
    source: &str,
    err: &serde_saphyr::Error,
    lang: Language,
) -> Diagnostic {
    // The parser's own words are used to choose a message, never shown: an
    // editor cannot act on them.
    let technical = strip_location_prefix(&err.without_snippet().to_string());
    let lower = technical.to_lowercase();
    let (line, mut column) = err
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    if let Some(key) = lower.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        let (message, hint) = match crate::hints::first_of_duplicate(source, line, key) {
            Some(first) => (
                msg!(
                    lang,
                    "Fältet `{key}` står två gånger: första gången på rad {first}.",
                    "The field `{key}` appears twice: the first time on line {first}."
                ),
                msg!(
                    lang,
                    "Ta bort en av raderna (rad {first} eller rad {line}), eller slå ihop dem; varje fält får bara stå en gång.",
                    "Remove one of the lines (line {first} or line {line}), or merge them; each field may appear only once."
                ),
            ),
            None => (
                msg!(
                    lang,
                    "Fältet `{key}` finns två gånger i samma del av filen.",
                    "The field `{key}` appears twice in the same part of the file."
                ),
                msg!(
                    lang,
                    "Ta bort eller slå ihop den ena förekomsten; varje fält får bara stå en gång.",
                    "Remove or merge one of them; each field may appear only once."
                ),
            ),
        };
        return Diagnostic::error("yaml-syntax", file, message)
            .at_in(line.max(1), column.max(1), source)
            .hint(hint);
    }
    if !lower.contains("budget")
        && !lower.contains("recursion")
        && !lower.contains("depth")
        && !lower.contains("nesting")
        && !lower.contains("multiple documents")
        && !lower.contains("more than one document")
        && let Some(e) = crate::hints::explain(source, line, lang)
    {
        return Diagnostic::error("yaml-syntax", file, e.message)
            .at_in(e.line, e.column, source)
            .hint(e.hint);
    }
    let (message, hint) = if lower.contains("tab") {
        (
            msg!(
                lang,
                "Raden är indragen med tabbtecken.",
                "The line is indented with a tab."
            ),
            msg!(
                lang,
                "YAML tillåter bara mellanslag för indrag. Ersätt tabbtecknet med mellanslag (till exempel två).",
                "YAML allows only spaces for indentation. Replace the tab with spaces (for example two)."
            ),
        )
    } else if lower.contains("budget") || lower.contains("alias") || lower.contains("anchor") {
        (
            msg!(
                lang,
                "Filen använder ankare och alias (`&` och `*`) på ett sätt som blir för stort att läsa.",
                "The file uses anchors and aliases (`&` and `*`) in a way that becomes too large to read."
            ),
            msg!(
                lang,
                "Skriv ut värdena direkt i stället för att använda `&namn` och `*namn`.",
                "Write the values out instead of using `&name` and `*name`."
            ),
        )
    } else if lower.contains("recursion") || lower.contains("depth") || lower.contains("nesting") {
        (
            msg!(
                lang,
                "Filen är nästlad i för många nivåer.",
                "The file is nested too deeply."
            ),
            msg!(
                lang,
                "En post har bara några få nivåer av indrag. Kontrollera hakparenteser `[` och klammerparenteser `{{` och att indragen stämmer.",
                "A record has only a few levels of indentation. Check the brackets `[` and braces `{{` and that the indentation is right."
            ),
        )
    } else if lower.contains("quoted") || lower.contains("unclosed") || lower.contains("quote") {
        (
            msg!(
                lang,
                "Ett citattecken eller en parentes öppnas men stängs aldrig.",
                "A quote or a bracket is opened but never closed."
            ),
            msg!(
                lang,
                "Kontrollera att varje `\"`, `'`, `[` och `{{` har en avslutande motsvarighet på rätt rad.",
                "Check that every `\"`, `'`, `[` and `{{` has a closing counterpart on the right line."
            ),
        )
    } else if lower.contains("multiple documents") || lower.contains("more than one document") {
        (
            msg!(
                lang,
                "Filen innehåller mer än ett YAML-dokument (en rad med bara `---` mitt i filen).",
                "The file contains more than one YAML document (a line with just `---` in the middle)."
            ),
            msg!(
                lang,
                "En fil ska beskriva ett enda system. Ta bort raden `---` eller dela upp innehållet i två filer.",
                "A file describes one system. Remove the `---` line or split the content into two files."
            ),
        )
    } else if lower.contains("indent")
        || lower.contains("mapping values")
        || lower.contains("expected")
    {
        (
            msg!(
                lang,
                "Indraget eller ett kolon stämmer inte här, så filen går inte att läsa.",
                "The indentation or the colons are wrong here, so the file cannot be read."
            ),
            msg!(
                lang,
                "Varje fält skrivs `namn: värde`. Fält på samma nivå ska börja i samma kolumn; en text som innehåller `: ` ska stå inom citattecken.",
                "Each field is written `name: value`. Fields at the same level start in the same column; text containing `: ` must be in quotes."
            ),
        )
    } else {
        (
            msg!(
                lang,
                "Filen går inte att läsa som YAML här.",
                "The file cannot be read as YAML here."
            ),
            msg!(
                lang,
                "Jämför med en fil som fungerar. Text med specialtecken (`:`, `#`, `[`, `{{`) ska stå inom citattecken.",
                "Compare with a file that works. Text with special characters (`:`, `#`, `[`, `{{`) must be in quotes."
            ),
        )
    };
    // The parser reports the position after the tab; point at the tab itself.
    if lower.contains("tab") {
        let text = source
            .lines()
            .nth(usize::try_from(line.saturating_sub(1)).unwrap_or(0));
        if let Some(tab) = text.and_then(|t| t.chars().position(|c| c == '\t')) {
            column = tab as u64 + 1;
        }
    }
    Diagnostic::error("yaml-syntax", file, message)
        .at_in(line.max(1), column.max(1), source)
        .hint(hint)
}

/// `error: line 2 column 1: duplicate …` → `duplicate …`
fn strip_location_prefix(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix("error: ").unwrap_or(t);
    if t.starts_with("line ")
        && let Some(idx) = t.find(": ")
    {
        return t[idx + 2..].trim().to_owned();
    }
    t.to_owned()
}

/// A node as plain JSON (for theme strings, where positions are not needed).
pub fn to_json(node: &Node) -> serde_json::Value {
    match node {
        Node::Null => serde_json::Value::Null,
        Node::Scalar { text, .. } => serde_json::Value::String(text.clone()),
        Node::Seq(items) => items.iter().map(|i| to_json(&i.value)).collect(),
        Node::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.clone(), to_json(&v.value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_written_text_of_numbers_and_norway_is_a_string() {
        let n = parse(
            "x.yaml",
            "phone: 08123\ncount: 1_000\ncountry: no\n",
            Language::Sv,
        )
        .unwrap();
        let Node::Map(entries) = n.value else {
            panic!("not a map")
        };
        let texts: Vec<_> = entries
            .iter()
            .map(|(k, v)| match &v.value {
                Node::Scalar { text, kind } => (k.value.clone(), text.clone(), *kind),
                _ => panic!("not a scalar"),
            })
            .collect();
        assert_eq!(texts[0].1, "08123");
        assert_eq!(texts[1].1, "1_000");
        assert_eq!(texts[2], ("country".into(), "no".into(), ScalarKind::Str));
        assert_eq!(
            entries[2].1.pos,
            Pos {
                line: 3,
                column: 10
            }
        );
    }

    #[test]
    fn duplicate_keys_are_located_and_explained() {
        let d = parse("x.yaml", "name: a\nname: b\n", Language::Sv).unwrap_err();
        assert_eq!((d.line, d.column), (2, 1));
        assert!(
            d.message
                .contains("`name` står två gånger: första gången på rad 1"),
            "{}",
            d.message
        );
    }
}

//! The same system saved twice under two file names (a copy made to start a
//! new record and never changed, or a record saved again as `…-kopia.yaml`):
//! two records with the same name, or the same content but for the name and
//! the dates, get a warning that names both files.

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::msg;
use crate::yaml::{Node, Spanned};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// What two records are compared by.
#[derive(Debug, Clone)]
pub struct Twin {
    /// The name, in lower case with spaces collapsed.
    name: String,
    /// The line of `name:`, and its text.
    line: u64,
    text: String,
    /// A hash of every line but the name, the dates and comments.
    content: u64,
}

/// The comparison key of one record, if it has a name.
pub fn key(text: &str, node: &Spanned<Node>) -> Option<Twin> {
    let Node::Map(entries) = &node.value else {
        return None;
    };
    let (k, v) = entries.iter().find(|(k, _)| k.value == "name")?;
    let Node::Scalar { text: name, .. } = &v.value else {
        return None;
    };
    let name = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if name.is_empty() {
        return None;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for line in text.lines().map(str::trim) {
        let ignored = line.is_empty()
            || line.starts_with('#')
            || ["name:", "reviewed:", "next_review:", "introduced:"]
                .iter()
                .any(|k| line.starts_with(k));
        if !ignored {
            line.hash(&mut h);
        }
    }
    let line_text = text
        .lines()
        .nth(usize::try_from(k.pos.line.saturating_sub(1)).unwrap_or(0))
        .unwrap_or_default()
        .to_owned();
    Some(Twin {
        name,
        line: k.pos.line,
        text: line_text,
        content: h.finish(),
    })
}

/// Warnings for records that look like the same system, in file order: the
/// later file is told which earlier file it repeats.
pub fn report(records: &[(String, Twin)], lang: Language, diags: &mut Vec<Diagnostic>) {
    let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
    let mut by_content: BTreeMap<u64, &str> = BTreeMap::new();
    for (file, twin) in records {
        let located = |d: Diagnostic| Diagnostic {
            source_line: Some(twin.text.clone()),
            ..d.at(twin.line, 1)
        };
        if let Some(first) = by_name.get(twin.name.as_str()) {
            diags.push(located(
                Diagnostic::warning(
                    "same-record-twice",
                    file,
                    msg!(
                        lang,
                        "Posten har samma namn som {first}: samma system verkar vara sparat i två filer.",
                        "The record has the same name as {first}: the same system seems to be saved in two files."
                    ),
                )
                .hint(msg!(
                    lang,
                    "Är det samma system, ta bort en av filerna ({first} eller {file}); ett system ska ha en enda post. Är det två system, ge dem namn som skiljer dem åt.",
                    "If it is the same system, remove one of the files ({first} or {file}); a system has a single record. If they are two systems, give them names that tell them apart."
                )),
            ));
        } else if let Some(first) = by_content.get(&twin.content) {
            diags.push(located(
                Diagnostic::warning(
                    "same-record-twice",
                    file,
                    msg!(
                        lang,
                        "Posten har samma innehåll som {first}, bara namnet eller datumen skiljer: samma system verkar vara sparat i två filer.",
                        "The record has the same content as {first}, only the name or the dates differ: the same system seems to be saved in two files."
                    ),
                )
                .hint(msg!(
                    lang,
                    "Är det samma system, ta bort en av filerna ({first} eller {file}). Är det ett nytt system som skapades från en kopia, fyll i det nya systemets egna uppgifter.",
                    "If it is the same system, remove one of the files ({first} or {file}). If it is a new system made from a copy, fill in the new system's own details."
                )),
            ));
        }
        by_name.entry(twin.name.as_str()).or_insert(file);
        by_content.entry(twin.content).or_insert(file);
    }
}

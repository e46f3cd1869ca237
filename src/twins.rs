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

/// Warnings for records that look like the same system: one per group of
/// files, on the second file of the group, naming the others (a register of
/// many copies gets one warning per group, not one per pair).
pub fn report(records: &[(String, Twin)], lang: Language, diags: &mut Vec<Diagnostic>) {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, twin)) in records.iter().enumerate() {
        by_name.entry(twin.name.as_str()).or_default().push(i);
    }
    let mut reported = vec![false; records.len()];
    let mut groups: Vec<(bool, Vec<usize>)> = Vec::new();
    for group in by_name.into_values().filter(|g| g.len() > 1) {
        for &i in &group {
            reported[i] = true;
        }
        groups.push((true, group));
    }
    let mut by_content: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, (_, twin)) in records.iter().enumerate() {
        if !reported[i] {
            by_content.entry(twin.content).or_default().push(i);
        }
    }
    groups.extend(
        by_content
            .into_values()
            .filter(|g| g.len() > 1)
            .map(|g| (false, g)),
    );
    groups.sort_by_key(|(_, g)| g[1]);
    for (same_name, group) in groups {
        let (file, twin) = &records[group[1]];
        let others: Vec<&str> = group
            .iter()
            .filter(|&&i| i != group[1])
            .map(|&i| records[i].0.as_str())
            .collect();
        let mut list = others
            .iter()
            .take(3)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if others.len() > 3 {
            let more = others.len() - 3;
            list.push_str(&msg!(lang, " och {more} till", " and {more} more"));
        }
        let n = group.len();
        let files = if n == 2 {
            msg!(lang, "två filer", "two files")
        } else {
            msg!(lang, "{n} filer", "{n} files")
        };
        let first = others.first().copied().unwrap_or_default();
        let (message, hint) = if same_name {
            (
                msg!(
                    lang,
                    "Posten har samma namn som {list}: samma system verkar vara sparat i {files}.",
                    "The record has the same name as {list}: the same system seems to be saved in {files}."
                ),
                msg!(
                    lang,
                    "Är det samma system, behåll en fil och ta bort de andra (till exempel {first} eller {file}); ett system ska ha en enda post. Är det olika system, ge dem namn som skiljer dem åt.",
                    "If it is the same system, keep one file and remove the others (for example {first} or {file}); a system has a single record. If they are different systems, give them names that tell them apart."
                ),
            )
        } else {
            (
                msg!(
                    lang,
                    "Posten har samma innehåll som {list}, bara namnet eller datumen skiljer: samma system verkar vara sparat i {files}.",
                    "The record has the same content as {list}, only the name or the dates differ: the same system seems to be saved in {files}."
                ),
                msg!(
                    lang,
                    "Är det samma system, behåll en fil och ta bort de andra (till exempel {first} eller {file}). Är det ett nytt system som skapades från en kopia, fyll i det nya systemets egna uppgifter.",
                    "If it is the same system, keep one file and remove the others (for example {first} or {file}). If it is a new system made from a copy, fill in the new system's own details."
                ),
            )
        };
        diags.push(Diagnostic {
            source_line: Some(twin.text.clone()),
            ..Diagnostic::warning("same-record-twice", file, message)
                .at(twin.line, 1)
                .hint(hint)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twin(name: &str, body: &str) -> Twin {
        let text = format!("name: {name}\nreviewed: 2026-01-01\n{body}");
        let node = crate::yaml::parse("x.yaml", &text, Language::Sv).unwrap();
        key(&text, &node).unwrap()
    }

    #[test]
    fn copies_are_one_warning_per_group_and_different_records_none() {
        let records: Vec<(String, Twin)> = (0..5)
            .map(|i| {
                (
                    format!("f{i}.yaml"),
                    twin(&format!("N {i}"), "summary: same\n"),
                )
            })
            .chain([("g.yaml".to_owned(), twin("Other", "summary: different\n"))])
            .collect();
        let mut diags = Vec::new();
        report(&records, Language::Sv, &mut diags);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].file, "f1.yaml");
        assert!(
            diags[0]
                .message
                .contains("f0.yaml, f2.yaml, f3.yaml och 1 till")
        );
        // The same name, different content: still one system twice.
        let records = vec![
            ("a.yaml".to_owned(), twin("Chattbot", "summary: one\n")),
            ("b.yaml".to_owned(), twin("chattbot ", "summary: two\n")),
        ];
        let mut diags = Vec::new();
        report(&records, Language::En, &mut diags);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("same name as a.yaml"));
    }
}

//! Names that look the same to a reader but are different text: `ö` as one
//! character or as `o` + a combining mark, a zero-width space inside a word, a
//! Cyrillic `а` among Latin letters. Text is normalised to NFC on reading (in
//! `load`), so the first kind is already one name; the others are warned about,
//! because they would give a department two pages that read alike.

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::msg;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// Letters of other scripts that look like Latin ones, and the Latin letter.
fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'һ' => 'h',
        'ԁ' => 'd',
        'ο' => 'o',
        'α' => 'a',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'τ' => 't',
        'ρ' => 'p',
        'ӧ' => 'ö',
        'ӓ' => 'ä',
        _ => return None,
    })
}

/// What a name looks like to a reader: compatibility-normalised (NFKC), lower
/// case, without invisible characters, look-alike letters as Latin ones, one
/// space between words.
pub fn skeleton(name: &str) -> String {
    let lowered: String = name.nfkc().flat_map(char::to_lowercase).collect();
    let visible: String = lowered
        .chars()
        .filter(|c| {
            !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' | '\u{34f}' | '\u{180e}')
        })
        .map(|c| latin_lookalike(c).unwrap_or(c))
        .collect();
    let recomposed: String = visible.nfc().collect();
    recomposed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// From each record's (department, file): a warning for each department name that reads like another one but is
/// different text, naming a record that uses each.
pub fn lookalike_departments(departments: &[(String, String)], lang: Language) -> Vec<Diagnostic> {
    // For each skeleton: each distinct name, and the first record using it.
    let mut seen: BTreeMap<String, BTreeMap<&str, &str>> = BTreeMap::new();
    for (department, file) in departments {
        seen.entry(skeleton(department))
            .or_default()
            .entry(department.as_str())
            .and_modify(|source| {
                if file.as_str() < *source {
                    *source = file.as_str();
                }
            })
            .or_insert(file.as_str());
    }
    let mut out = Vec::new();
    for names in seen.values().filter(|n| n.len() > 1) {
        let mut iter = names.iter();
        let Some((first, first_file)) = iter.next() else {
            continue;
        };
        for (name, file) in iter {
            let shown = crate::diagnostic::printable(name);
            let first_shown = crate::diagnostic::printable(first);
            out.push(
                Diagnostic::warning(
                    "lookalike-department",
                    *file,
                    msg!(lang, "Förvaltningen `{shown}` ser ut som `{first_shown}` (i {first_file}) men är inte samma text: den har ett osynligt tecken eller en bokstav från ett annat alfabet. De blir två olika förvaltningar på webbplatsen.", "The department `{shown}` looks like `{first_shown}` (in {first_file}) but is not the same text: it holds an invisible character or a letter from another alphabet. They become two different departments on the site."),
                )
                .hint(msg!(lang, "Skriv om namnet på raden `department:` för hand, eller kopiera det från {first_file}.", "Retype the name on the `department:` line, or copy it from {first_file}.")),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_read_alike_have_one_skeleton() {
        let plain = skeleton("Socialförvaltningen");
        assert_eq!(skeleton("Social\u{200b}förvaltningen"), plain);
        assert_eq!(skeleton("Socialfo\u{308}rvaltningen"), plain);
        assert_eq!(skeleton("Sоcialförvaltningen"), plain); // Cyrillic о
        assert_eq!(skeleton("  socialförvaltningen "), plain);
        assert_ne!(skeleton("Socialforvaltningen"), plain);
    }
}

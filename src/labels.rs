//! Editors write what the site shows (`Används`, `Hög risk`, `I Sverige`) or a
//! Swedish word (`i bruk`, `ja`) where the record wants a code (`in_use`).
//! This finds the code meant, from the same labels the site shows (the built-in
//! theme's `labels`, in Swedish and English) and a few everyday words.

use crate::model::{Language, VOCABULARY_FIELDS, Vocabulary};
use std::sync::OnceLock;

/// Everyday words that are not a label but clearly mean one code: (field, word, code).
const WORDS: &[(&str, &str, &str)] = &[
    ("status", "i bruk", "in_use"),
    ("status", "i drift", "in_use"),
    ("status", "aktiv", "in_use"),
    ("status", "används", "in_use"),
    ("status", "active", "in_use"),
    ("status", "in use", "in_use"),
    ("status", "test", "pilot"),
    ("status", "testar", "pilot"),
    ("status", "försök", "pilot"),
    ("status", "planerad", "planned"),
    ("status", "planerat", "planned"),
    ("status", "avvecklad", "retired"),
    ("status", "avslutad", "retired"),
    ("status", "ur bruk", "retired"),
    ("decision_role", "beslutsstöd", "support"),
    ("decision_role", "nej", "none"),
    ("decision_role", "inga", "none"),
    ("decision_role", "automatiskt", "automated"),
    ("data.personal_data", "ja", "personal"),
    ("data.personal_data", "yes", "personal"),
    ("data.personal_data", "nej", "none"),
    ("data.personal_data", "no", "none"),
    ("data.personal_data", "inga", "none"),
    ("data.personal_data", "känsliga", "sensitive"),
    ("data.location", "sverige", "sweden"),
    ("data.location", "usa", "outside_eu"),
    ("risk.ai_act", "låg", "minimal"),
];

/// (field path, code, normalised label) for every label of every vocabulary field.
fn labels() -> &'static [(&'static str, String, String)] {
    static LABELS: OnceLock<Vec<(&'static str, String, String)>> = OnceLock::new();
    LABELS.get_or_init(|| {
        let mut out = Vec::new();
        for lang in [Language::Sv, Language::En] {
            let Ok(strings) = crate::theme::Theme::builtin_strings(lang) else {
                continue;
            };
            for (field, _, group) in VOCABULARY_FIELDS {
                for group in [group.to_string(), format!("{group}_short")] {
                    let Some(map) = strings["labels"][&group].as_object() else {
                        continue;
                    };
                    for (code, label) in map {
                        if let Some(label) = label.as_str() {
                            out.push((*field, code.clone(), normalise(label)));
                        }
                    }
                }
            }
        }
        out
    })
}

fn normalise(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| "\"'“”‘’«».".contains(c))
        .trim()
        .to_lowercase()
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The code that `written` means for the field of `V`, if exactly one code fits.
pub fn code_for<V: Vocabulary>(written: &str) -> Option<V> {
    let field = V::FIELD;
    let value = normalise(written);
    if value.is_empty() {
        return None;
    }
    if let Some((.., code)) = WORDS.iter().find(|(f, w, _)| *f == field && *w == value) {
        return V::parse(code);
    }
    let labels = labels().iter().filter(|(f, ..)| *f == field);
    if let Some((_, code, _)) = labels.clone().find(|(.., label)| *label == value) {
        return V::parse(code);
    }
    // A word of a label (`Sverige` in "I Sverige", `hög` in "Hög risk"), when
    // only one code's labels hold it.
    if value.chars().count() < 3 || value.contains(' ') {
        return None;
    }
    let mut found: Option<&str> = None;
    for (_, code, label) in labels {
        if words(label).any(|w| w == value) {
            match found {
                Some(c) if c != code => return None,
                _ => found = Some(code),
            }
        }
    }
    found.and_then(V::parse)
}

/// The label the site shows for `code` of `field`, in `lang`.
pub fn label_of(field: &str, code: &str, lang: Language) -> Option<String> {
    let group = VOCABULARY_FIELDS.iter().find(|(f, ..)| *f == field)?.2;
    let strings = crate::theme::Theme::builtin_strings(lang).ok()?;
    strings["labels"][group][code].as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AiActClass, DataLocation, DecisionRole, PersonalData, Status};

    fn code_for<V: Vocabulary>(written: &str) -> Option<&'static str> {
        super::code_for::<V>(written).map(V::as_str)
    }

    #[test]
    fn swedish_labels_and_words_find_their_codes() {
        assert_eq!(code_for::<Status>("Används"), Some("in_use"));
        assert_eq!(code_for::<Status>("i bruk"), Some("in_use"));
        assert_eq!(code_for::<Status>("Testas"), Some("pilot"));
        assert_eq!(code_for::<DecisionRole>("stöd"), Some("support"));
        assert_eq!(code_for::<DataLocation>("Sverige"), Some("sweden"));
        assert_eq!(code_for::<DataLocation>("Inom EU"), Some("eu"));
        assert_eq!(code_for::<PersonalData>("ja"), Some("personal"));
        assert_eq!(code_for::<AiActClass>("hög"), Some("high"));
        assert_eq!(code_for::<AiActClass>("High risk"), Some("high"));
        // A word in several labels fits none for sure.
        assert_eq!(code_for::<AiActClass>("risk"), None);
        assert_eq!(code_for::<Status>("kanske"), None);
    }
}

//! The theme: templates, static files and UI strings. The built-in theme is
//! compiled into the binary; a site's `themes/<name>/` overrides it file by file
//! (and the UI strings key by key).

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::model::Vocabulary;
use crate::yaml;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

pub struct Theme {
    /// `themes/<name>/` of the site, when it uses its own theme.
    overrides: Option<PathBuf>,
    /// How the override folder is shown in messages.
    shown: String,
}

impl Theme {
    pub fn new(root: &Path, name: &str) -> Self {
        let dir = root.join("themes").join(name);
        Theme {
            overrides: dir.is_dir().then_some(dir),
            shown: format!("themes/{name}"),
        }
    }

    /// Where a theme file comes from, for messages.
    pub fn origin(&self, rel: &str) -> String {
        match &self.overrides {
            Some(dir) if dir.join(rel).is_file() => format!("{}/{rel}", self.shown),
            _ => format!("(inbyggt tema) {rel}"),
        }
    }

    pub fn file(&self, rel: &str) -> Option<Cow<'static, [u8]>> {
        if let Some(dir) = &self.overrides
            && dir.join(rel).is_file()
            && let Ok(bytes) = std::fs::read(dir.join(rel))
        {
            return Some(Cow::Owned(bytes));
        }
        DEFAULT_THEME
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, b)| Cow::Borrowed(*b))
    }

    /// Every file under `prefix/` in either the built-in theme or the override.
    pub fn files_under(&self, prefix: &str) -> BTreeSet<String> {
        let want = format!("{prefix}/");
        let mut names: BTreeSet<String> = DEFAULT_THEME
            .iter()
            .filter(|(p, _)| p.starts_with(&want))
            .map(|(p, _)| (*p).to_owned())
            .collect();
        if let Some(dir) = &self.overrides {
            let base = dir.join(prefix);
            for entry in walkdir::WalkDir::new(&base)
                .follow_links(false)
                .into_iter()
                .flatten()
            {
                if entry.file_type().is_file()
                    && let Ok(rel) = entry.path().strip_prefix(dir)
                {
                    let rel = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    names.insert(rel);
                }
            }
        }
        names
    }

    /// The built-in theme's UI strings for `lang`.
    pub fn builtin_strings(lang: Language) -> Result<serde_json::Value, Diagnostic> {
        Theme {
            overrides: None,
            shown: String::new(),
        }
        .strings(lang)
    }

    /// The UI strings for `lang`: the built-in file, with the override's keys on top.
    pub fn strings(&self, lang: Language) -> Result<serde_json::Value, Diagnostic> {
        let rel = format!("i18n/{}.yaml", lang.as_str());
        let builtin = DEFAULT_THEME
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, b)| *b)
            .unwrap_or_default();
        let mut merged = parse_strings(&format!("(inbyggt tema) {rel}"), builtin)?;
        if let Some(dir) = &self.overrides
            && dir.join(&rel).is_file()
            && let Ok(bytes) = std::fs::read(dir.join(&rel))
        {
            let own = parse_strings(&format!("{}/{rel}", self.shown), &bytes)?;
            merge(&mut merged, own);
        }
        Ok(merged)
    }
}

impl Theme {
    /// Every text key of the main language must exist in `lang` too: a page
    /// never shows an empty place where a text is missing.
    pub fn check_same_keys(
        &self,
        main: Language,
        main_strings: &serde_json::Value,
        lang: Language,
        strings: &serde_json::Value,
    ) -> Result<(), Vec<Diagnostic>> {
        let have: std::collections::HashSet<String> = text_keys(strings).into_iter().collect();
        let file = self.origin(&format!("i18n/{}.yaml", lang.as_str()));
        let main_file = format!("i18n/{}.yaml", main.as_str());
        let missing: Vec<Diagnostic> = text_keys(main_strings)
            .iter()
            .filter(|k| !have.contains(*k))
            .map(|key| {
                Diagnostic::error(
                    "missing-text",
                    &file,
                    format!("Texten `{key}` finns i {main_file} men saknas i {file}."),
                )
                .hint(format!(
                    "Lägg till `{key}` i {file}, översatt av en människa: webbplatsen publiceras på båda språken."
                ))
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }
}

/// Every text of a strings file, as a dotted key (`ui.skip`).
fn text_keys(strings: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        if let Some(map) = value.as_object() {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if v.is_object() {
                    walk(v, &path, out);
                } else {
                    out.push(path);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(strings, "", &mut out);
    out
}

fn parse_strings(shown: &str, bytes: &[u8]) -> Result<serde_json::Value, Diagnostic> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(
            "not-utf8",
            shown,
            "Filen med texter är inte sparad som UTF-8.",
        )
    })?;
    let node = yaml::parse(shown, text, Language::Sv)?;
    Ok(yaml::to_json(&node.value))
}

fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn label(strings: &serde_json::Value, group: &str, value: &str) -> Option<String> {
        strings["labels"][group][value].as_str().map(str::to_owned)
    }

    /// Residents never see a raw value like `automated_with_review`: every value of
    /// every closed list has a label, in every language the theme ships.
    #[test]
    fn every_value_has_a_label_in_every_language() {
        let theme = Theme::new(Path::new("/nonexistent"), "default");
        for lang in Language::ALL {
            let s = theme.strings(*lang).expect("built-in strings parse");
            let check = |group: &str, values: Vec<&str>| {
                for v in values {
                    let l = label(&s, group, v);
                    assert!(
                        l.as_deref().is_some_and(|l| !l.is_empty() && l != v),
                        "{}: no label for {group}.{v}",
                        lang.as_str()
                    );
                }
            };
            fn all<V: Vocabulary>() -> Vec<&'static str> {
                V::ALL.iter().map(|v| v.as_str()).collect()
            }
            check("status", all::<Status>());
            check("decision_role", all::<DecisionRole>());
            check("decision_role_short", all::<DecisionRole>());
            check("personal_data", all::<PersonalData>());
            check("location", all::<DataLocation>());
            check("ai_act", all::<AiActClass>());
            check("technique", all::<Technique>());
            check("assessment", all::<AssessmentType>());
            for c in Compliance::ALL {
                assert!(s["accessibility"]["compliance"][c.as_str()].is_string());
            }
        }
    }

    /// Both languages have exactly the same keys, so a page never lacks a text.
    #[test]
    fn languages_have_the_same_keys() {
        let theme = Theme::new(Path::new("/nonexistent"), "default");
        let mut sv = text_keys(&theme.strings(Language::Sv).unwrap());
        let mut en = text_keys(&theme.strings(Language::En).unwrap());
        sv.sort();
        en.sort();
        assert_eq!(sv, en);
    }
}

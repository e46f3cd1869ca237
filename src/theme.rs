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
    /// The site's folder with links resolved: no theme file is read from outside it.
    root: PathBuf,
}

impl Theme {
    pub fn new(root: &Path, name: &str) -> Self {
        // A name, never a path (`site.theme` is checked on loading, too).
        let dir = root.join("themes").join(name);
        let named = crate::slug::is_slug(name);
        Theme {
            overrides: (named && dir.is_dir()).then_some(dir),
            shown: format!("themes/{name}"),
            root: crate::confine::canonical_root(root),
        }
    }

    /// What in the theme's folder cannot be used: links that lead out of the
    /// site, pipes, devices and sockets. Checked before anything is built, so a
    /// build never reads them (nor waits on them).
    pub fn problems(&self, lang: Language) -> Vec<Diagnostic> {
        let Some(dir) = &self.overrides else {
            return Vec::new();
        };
        let shown = |path: &Path| match path.strip_prefix(dir) {
            Ok(rel) if rel.as_os_str().is_empty() => self.shown.clone(),
            Ok(rel) => format!("{}/{}", self.shown, slashed(rel)),
            Err(_) => self.shown.clone(),
        };
        let mut found = Vec::new();
        let mut walker = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !crate::confine::is_leftover(&e.file_name().to_string_lossy())
            });
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let at = e.path().map_or_else(|| self.shown.clone(), shown);
                    found.push(unusable(&at, lang));
                    continue;
                }
            };
            // A link (or the theme folder itself) must stay inside the site.
            if (entry.depth() == 0 || entry.path_is_symlink())
                && !std::fs::canonicalize(entry.path()).is_ok_and(|p| p.starts_with(&self.root))
            {
                found.push(crate::confine::outside_error(&shown(entry.path()), lang));
                // (Not even the names of what is out there are looked at.)
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
            let kind = entry.file_type();
            if !kind.is_file() && !kind.is_dir() {
                found.push(unusable(&shown(entry.path()), lang));
            }
        }
        found
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
        {
            // (What [`Theme::problems`] refuses is never read, not even the
            // built-in file instead: the build stops on those problems.)
            return self.read(&dir.join(rel)).map(Cow::Owned);
        }
        DEFAULT_THEME
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, b)| Cow::Borrowed(*b))
    }

    /// Reads a file of the override folder, if it is really inside the site.
    fn read(&self, path: &Path) -> Option<Vec<u8>> {
        let mut file = crate::confine::open_inside(&self.root, path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
        Some(bytes)
    }

    /// Every file under `prefix/` in either the built-in theme or the override.
    /// Hidden files and editor leftovers (`.env`, `.git/`, `x.swp`, `x~`) are
    /// not among them: they are never published.
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
                .follow_links(true)
                .into_iter()
                .filter_entry(|e| !crate::confine::is_leftover(&e.file_name().to_string_lossy()))
                .flatten()
            {
                if entry.file_type().is_file()
                    && let Ok(rel) = entry.path().strip_prefix(dir)
                {
                    names.insert(slashed(rel));
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
            root: PathBuf::new(),
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
            && let Some(bytes) = self.read(&dir.join(&rel))
        {
            let shown = format!("{}/{rel}", self.shown);
            let own = parse_strings(&shown, &bytes)?;
            let mut wrong = Vec::new();
            if own.is_object() {
                merge_checked(&mut merged, own, "", &mut wrong);
            } else if !own.is_null() {
                wrong.push(String::new());
            }
            if let Some(key) = wrong.first() {
                return Err(shape_error(&shown, key, lang));
            }
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
        // (With a theme of its own, the missing text goes in its file, even one
        // not made yet: the built-in theme's files cannot be changed.)
        let rel = format!("i18n/{}.yaml", lang.as_str());
        let file = match &self.overrides {
            Some(_) => format!("{}/{rel}", self.shown),
            None => self.origin(&rel),
        };
        let main_file = self.origin(&format!("i18n/{}.yaml", main.as_str()));
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

/// A relative path with `/` between its parts.
fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A pipe, device or socket in the theme (or something that cannot be looked at).
fn unusable(shown: &str, lang: Language) -> Diagnostic {
    Diagnostic::error(
        "not-a-file",
        shown,
        crate::msg!(
            lang,
            "Det här är ingen vanlig fil eller mapp (utan till exempel ett rör, en enhet eller en trasig länk), så temat kan inte använda den.",
            "This is not an ordinary file or folder (but, for example, a pipe, a device or a broken link), so the theme cannot use it."
        ),
    )
    .hint(crate::msg!(
        lang,
        "Ta bort den ur temats mapp, eller ersätt den med en vanlig fil.",
        "Remove it from the theme's folder, or replace it with an ordinary file."
    ))
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

/// Puts the override's texts over the built-in ones. A text must stay a text
/// and a group a group: the dotted keys where the override changes that are
/// noted in `wrong` (and not merged).
fn merge_checked(
    base: &mut serde_json::Value,
    over: serde_json::Value,
    prefix: &str,
    wrong: &mut Vec<String>,
) {
    use serde_json::Value;
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match b.get_mut(&k) {
                    Some(existing) => merge_checked(existing, v, &key, wrong),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b @ Value::String(_), o @ Value::String(_)) => *b = o,
        (b, o) if !b.is_object() && !b.is_string() => *b = o,
        _ => wrong.push(prefix.to_owned()),
    }
}

/// A theme's strings file that changes a group of texts into a single value
/// (or the other way round): named with the key, so the editor finds it.
fn shape_error(shown: &str, key: &str, lang: Language) -> Diagnostic {
    let message = if key.is_empty() {
        crate::msg!(
            lang,
            "Filen med texter ska bestå av grupper av texter (som `ui:` med texter under), inte en lista eller ett enstaka värde.",
            "The file of texts should consist of groups of texts (like `ui:` with texts under it), not a list or a single value."
        )
    } else {
        crate::msg!(
            lang,
            "`{key}` har en annan form här än i det inbyggda temat: en text där det ska vara en grupp av texter, eller tvärtom.",
            "`{key}` has another shape here than in the built-in theme: a text where there should be a group of texts, or the other way round."
        )
    };
    Diagnostic::error("theme-strings", shown, message).hint(crate::msg!(
        lang,
        "Jämför med det inbyggda temats fil med samma namn och skriv texten på samma plats och i samma form.",
        "Compare with the built-in theme's file of the same name and write the text in the same place and shape."
    ))
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

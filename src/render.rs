//! The only module that talks to the template engine (minijinja). Templates are
//! strict (a misspelt variable is an error, not an empty string) and HTML is
//! escaped automatically; the only pre-made HTML passed in is sanitised Markdown.

use crate::diagnostic::Diagnostic;
use crate::markdown::{Glossary, Linked};
use crate::theme::Theme;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// Loads every template of the theme up front, so a broken template fails
    /// the build before anything is written.
    pub fn new(
        theme: &Theme,
        globals: &serde_json::Value,
        glossary: Glossary,
    ) -> Result<Self, Vec<Diagnostic>> {
        let mut env = Environment::new();
        // `{{ text|terms }}`: a theme text, escaped, with glossary terms linked.
        // The same few theme texts are linked on every page: each is linked once
        // per way back to the root (a bounded number are kept, whatever a theme does).
        type Memo = std::collections::HashMap<(String, String), minijinja::Value>;
        let memo: std::sync::Mutex<Memo> = Default::default();
        env.add_filter("terms", move |state: &minijinja::State, text: String| {
            let root = state
                .lookup("root")
                .map(|r| r.to_string())
                .unwrap_or_default();
            let key = (root, text);
            if let Ok(memo) = memo.lock()
                && let Some(linked) = memo.get(&key)
            {
                return linked.clone();
            }
            let prefix = format!("{}ordlista/#", key.0);
            let linked = minijinja::Value::from_safe_string(glossary.link_plain(
                &key.1,
                &prefix,
                &mut Linked::new(),
            ));
            if let Ok(mut memo) = memo.lock()
                && memo.len() < 256
            {
                memo.insert(key, linked.clone());
            }
            linked
        });
        if let Some(map) = globals.as_object() {
            for (key, value) in map {
                env.add_global(
                    key.clone(),
                    minijinja::Value::from(minijinja::value::Serde(value)),
                );
            }
        }
        // Semi-strict: printing, looping over or filtering an undefined value is an
        // error (a missing UI string fails the build); only `{% if x %}` may test
        // an optional field that a record leaves out.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            // Escape only what HTML and XML need, so URLs stay readable (`a/b`,
            // not `a&#x2f;b`); everything else is minijinja's own formatting.
            if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                return write_escaped(out, text).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        let mut problems = Vec::new();
        for rel in theme.files_under("templates") {
            let Some(bytes) = theme.file(&rel) else {
                continue;
            };
            let name = rel.trim_start_matches("templates/").to_owned();
            let source = match String::from_utf8(bytes.into_owned()) {
                Ok(s) => s,
                Err(_) => {
                    problems.push(Diagnostic::error(
                        "template",
                        theme.origin(&rel),
                        "Mallen är inte sparad som UTF-8.",
                    ));
                    continue;
                }
            };
            if let Err(e) = env.add_template_owned(name, source) {
                problems.push(template_error(theme, &e));
            }
        }
        if problems.is_empty() {
            Ok(Renderer { env })
        } else {
            Err(problems)
        }
    }

    pub fn render(
        &self,
        theme: &Theme,
        template: &str,
        context: &impl Serialize,
    ) -> Result<String, Diagnostic> {
        let tmpl = self
            .env
            .get_template(template)
            .map_err(|e| template_error(theme, &e))?;
        tmpl.render(minijinja::Value::from(minijinja::value::Serde(context)))
            .map_err(|e| template_error(theme, &e))
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, text);
    out
}

/// [`escape_html`] straight into `out`: the text between the characters that
/// need escaping is copied in one go (most text has none).
pub fn write_escaped(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

fn template_error(theme: &Theme, e: &minijinja::Error) -> Diagnostic {
    let name = e.name().unwrap_or("okänd mall");
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        source = inner.source();
    }
    let d = Diagnostic::error(
        "template",
        theme.origin(&format!("templates/{name}")),
        format!("Fel i temats mall: {detail}"),
    )
    .hint("Felet finns i temat, inte i registret. Rätta mallen, eller ta bort den egna mallen för att använda den inbyggda.");
    match e.line() {
        Some(line) => d.at(line as u64, 1),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_five_html_characters_are_escaped_wherever_they_stand() {
        assert_eq!(escape_html("inga tecken: å/ä?ö=1"), "inga tecken: å/ä?ö=1");
        assert_eq!(
            escape_html("<a href=\"x\">Ö & 'å'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Ö &amp; &#39;å&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("&&"), "&amp;&amp;");
        assert_eq!(escape_html(""), "");
    }
}

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
        env.add_filter("terms", move |state: &minijinja::State, text: String| {
            let root = state
                .lookup("root")
                .map(|r| r.to_string())
                .unwrap_or_default();
            let prefix = format!("{root}ordlista/#");
            minijinja::Value::from_safe_string(glossary.link_plain(
                &text,
                &prefix,
                &mut Linked::new(),
            ))
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
                return out
                    .write_str(&escape_html(text))
                    .map_err(minijinja::Error::from);
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
    // Most text has nothing to escape: copy it in one go.
    let Some(first) = text.find(['&', '<', '>', '"', '\'']) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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

//! Every problem insyn finds is a [`Diagnostic`]: one type, rendered three ways
//! (for a person at a terminal, as GitHub annotations, as JSON). No other module
//! prints errors on its own, so every check reads the same to an editor.

use crate::model::Language;
use serde::Serialize;
use std::fmt::Write as _;

/// A message in the editor's language: `msg!(lang, "på svenska {x}", "in English {x}")`.
/// Both texts capture the same variables, so they cannot drift apart in content.
#[macro_export]
macro_rules! msg {
    ($lang:expr, $sv:literal, $en:literal) => {
        match $lang {
            $crate::model::Language::Sv => format!($sv),
            $crate::model::Language::En => format!($en),
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A located problem, written for the editor who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable kind, e.g. `unknown-field`.
    pub code: &'static str,
    /// Path as the editor knows it, relative to the site root (`register/systems/x.yaml`).
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    /// What is wrong, one plain sentence.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The text of the offending line, for the rustc-style excerpt.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    pub fn warning(
        code: &'static str,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, message)
        }
    }

    pub fn at(mut self, line: u64, column: u64) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// Locates the diagnostic and keeps the text of that line from `source`.
    pub fn at_in(self, line: u64, column: u64, source: &str) -> Self {
        let text = nth_line(source, line);
        let mut d = self.at(line, column);
        d.source_line = text;
        d
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line `n` (1-based) of `source`, splitting on every YAML line break (LF, CRLF, lone CR)
/// so that the excerpt matches the line numbers the parser reports.
fn nth_line(source: &str, n: u64) -> Option<String> {
    if n == 0 {
        return None;
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let wanted = usize::try_from(n - 1).ok()?;
    let mut line = 0usize;
    let mut start = 0usize;
    let bytes = source.as_bytes();
    let mut i = 0usize;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        let brk = !at_end && (bytes[i] == b'\n' || bytes[i] == b'\r');
        if at_end || brk {
            if line == wanted {
                return Some(source.get(start..i)?.chars().take(200).collect());
            }
            if at_end {
                return None;
            }
            let width = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            i += width;
            start = i;
            line += 1;
            continue;
        }
        i += 1;
    }
    None
}

/// How `insyn check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Github,
    Json,
}

/// Sorts diagnostics by file and position. The sort is stable, so problems at the
/// same place keep the order they were found in, which follows the record's fields.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

pub fn render(diags: &[Diagnostic], format: Format, lang: Language) -> String {
    match format {
        Format::Human => render_human(diags, lang),
        Format::Github => render_github(diags, lang),
        Format::Json => render_json(diags),
    }
}

fn render_human(diags: &[Diagnostic], lang: Language) -> String {
    let mut out = String::new();
    for d in diags {
        let label = match (d.severity, lang) {
            (Severity::Error, Language::Sv) => "fel",
            (Severity::Warning, Language::Sv) => "varning",
            (Severity::Error, Language::En) => "error",
            (Severity::Warning, Language::En) => "warning",
        };
        let _ = writeln!(out, "{label}: {}", d.message);
        if d.line > 0 {
            let _ = writeln!(out, "  --> {}:{}:{}", d.file, d.line, d.column);
        } else {
            let _ = writeln!(out, "  --> {}", d.file);
        }
        if let Some(text) = &d.source_line {
            let num = d.line.to_string();
            let pad = " ".repeat(num.len());
            let shown = text.replace('\t', " ");
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {shown}");
            let col = usize::try_from(d.column.max(1) - 1).unwrap_or(0);
            let _ = writeln!(out, "{pad} | {}^", " ".repeat(col.min(200)));
        }
        if let Some(hint) = &d.hint {
            let how = msg!(lang, "så rättar du", "how to fix");
            let _ = writeln!(out, "   = {how}: {hint}");
        }
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let summary = match lang {
        Language::Sv => format!(
            "{errors} fel, {warnings} {}.",
            if warnings == 1 {
                "varning"
            } else {
                "varningar"
            }
        ),
        Language::En => format!(
            "{errors} {}, {warnings} {}.",
            if errors == 1 { "error" } else { "errors" },
            if warnings == 1 { "warning" } else { "warnings" }
        ),
    };
    let _ = writeln!(out, "{summary}");
    out
}

/// GitHub workflow commands: data must escape `%`, CR and LF; properties also `:` and `,`.
fn render_github(diags: &[Diagnostic], lang: Language) -> String {
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn prop(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut text = d.message.clone();
        if let Some(h) = &d.hint {
            text.push_str(&msg!(lang, " Så rättar du: ", " How to fix: "));
            text.push_str(h);
        }
        let _ = write!(out, "::{kind} file={}", prop(&d.file));
        if d.line > 0 {
            let _ = write!(out, ",line={},col={}", d.line, d.column);
        }
        let _ = writeln!(out, ",title={}::{}", prop(d.code), data(&text));
    }
    out
}

fn render_json(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let doc = serde_json::json!({
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": diags,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| String::from("{}"));
    s.push('\n');
    s
}

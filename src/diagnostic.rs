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

/// Whether `c` must not reach a terminal or a CI log as it is: control
/// characters (an ESC starts a terminal command, a line break could start a
/// forged `::error` line) and the invisible ones that reorder text on screen.
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text as it may be printed: each unprintable character written visibly, as
/// `\n`, `\t`, `\r` or `\u{1b}`.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unprintable(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A line of the editor's file for the excerpt: tabs shown as `→` (one column,
/// so the caret stays under the right character), other unprintable characters
/// as escapes.
fn excerpt(line: &str) -> String {
    printable(&line.replace('\t', "→")).into_owned()
}

/// The message's `` `code` `` parts, for a place that shows no Markdown (a
/// GitHub annotation): in quotation marks, the backticks dropped.
fn backticks_as_quotes(text: &str, lang: Language) -> String {
    let (open, close) = match lang {
        Language::Sv => ("”", "”"),
        Language::En => ("“", "”"),
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (part, inside) in code_parts(text) {
        if inside {
            out.push_str(open);
            out.push_str(part);
            out.push_str(close);
        } else {
            out.push_str(part);
        }
    }
    out
}

/// `text` split at its backticks: each part, and whether it is `` `code` ``.
/// An unpaired backtick is dropped.
fn code_parts(text: &str) -> Vec<(&str, bool)> {
    let parts: Vec<&str> = text.split('`').collect();
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| (part, i % 2 == 1 && !(n.is_multiple_of(2) && i == n - 1)))
        .collect()
}

/// The message as HTML (for `serve`'s error page): escaped, with its
/// `` `code` `` parts as `<code>`, unprintable characters as escapes.
pub fn message_html(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 16);
    for (part, inside) in code_parts(&text) {
        let escaped = crate::render::escape_html(part);
        if inside {
            out.push_str("<code>");
            out.push_str(&escaped);
            out.push_str("</code>");
        } else {
            out.push_str(&escaped);
        }
    }
    out
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
        // Everything from the site (file names, values quoted in messages,
        // excerpts) is printed with its control characters escaped.
        let file = printable(&d.file);
        let _ = writeln!(out, "{label}: {}", printable(&d.message));
        if d.line > 0 {
            let _ = writeln!(out, "  --> {file}:{}:{}", d.line, d.column);
        } else {
            let _ = writeln!(out, "  --> {file}");
        }
        if let Some(text) = &d.source_line {
            let num = d.line.to_string();
            let pad = " ".repeat(num.len());
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {}", excerpt(text));
            // The caret goes under the column as shown, after escapes.
            let col = usize::try_from(d.column.max(1) - 1).unwrap_or(0);
            let before: String = text.chars().take(col).collect();
            let width = excerpt(&before).chars().count();
            let _ = writeln!(out, "{pad} | {}^", " ".repeat(width.min(400)));
        }
        if let Some(hint) = &d.hint {
            let how = msg!(lang, "så rättar du", "how to fix");
            // A hint may span lines on purpose (a fix of several lines to
            // paste): each line is printed indented, escaped on its own.
            let mut lines = hint.split('\n');
            let first = lines.next().unwrap_or_default();
            let _ = writeln!(out, "   = {how}: {}", printable(first));
            for line in lines {
                let _ = writeln!(out, "     {}", printable(line));
            }
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

/// GitHub workflow commands: data must escape `%`, CR and LF; properties also
/// `:` and `,`. Other unprintable characters are written as visible escapes, and
/// the annotation shows no Markdown, so `` `code` `` is put in quotation marks.
fn render_github(diags: &[Diagnostic], lang: Language) -> String {
    fn data(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '%' => out.push_str("%25"),
                '\r' => out.push_str("%0D"),
                '\n' => out.push_str("%0A"),
                c if is_unprintable(c) => out.push_str(&printable(c.encode_utf8(&mut [0; 4]))),
                c => out.push(c),
            }
        }
        out
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
        let mut text = backticks_as_quotes(&d.message, lang);
        if let Some(h) = &d.hint {
            text.push_str(&msg!(lang, " Så rättar du: ", " How to fix: "));
            text.push_str(&backticks_as_quotes(h, lang));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprintable_characters_are_shown_as_escapes() {
        assert_eq!(printable("vanlig text å"), "vanlig text å");
        assert_eq!(
            printable("a\u{1b}[2J\nb\tc\u{202e}d\u{7f}"),
            r"a\u{1b}[2J\nb\tc\u{202e}d\u{7f}"
        );
        assert_eq!(excerpt("a:\tb\u{1b}"), r"a:→b\u{1b}");
    }

    #[test]
    fn backticks_become_quotes_in_annotations_and_code_on_the_error_page() {
        assert_eq!(
            backticks_as_quotes("Okänt fält `x`, menade du `y`?", Language::Sv),
            "Okänt fält ”x”, menade du ”y”?"
        );
        assert_eq!(
            backticks_as_quotes("Unknown `x` and a lone ` here", Language::En),
            "Unknown “x” and a lone  here"
        );
        assert_eq!(
            message_html("Fältet `<b>` saknas & \u{1b}"),
            r"Fältet <code>&lt;b&gt;</code> saknas &amp; \u{1b}"
        );
    }
}

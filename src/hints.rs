//! When the YAML parser gives up, it says where it gave up, in its own words.
//! Editors make a handful of mistakes again and again (Word's quotes, `: ` in a
//! text, a space too many, `status:pilot`, a forgotten closing quote): this
//! module reads the lines up to where the parser stopped, recognises those
//! mistakes, and says what is wrong where it is, with the fixed line to paste.

use crate::model::Language;
use crate::msg;

/// A located explanation of a parse error.
pub struct Explained {
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub hint: String,
}

/// Quotes that word processors put in, which YAML does not treat as quotes.
const TYPOGRAPHIC: &[char] = &['“', '”', '„', '‘', '’', '‚', '«', '»', '‹', '›'];

/// One line of the file, split the way the checks need it.
struct Line<'a> {
    /// 1-based.
    number: u64,
    text: &'a str,
    /// Leading spaces.
    indent: usize,
}

fn lines(source: &str) -> Vec<Line<'_>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    source
        .split('\n')
        .enumerate()
        .map(|(i, text)| {
            let text = text.strip_suffix('\r').unwrap_or(text);
            Line {
                number: i as u64 + 1,
                text,
                indent: text.len() - text.trim_start_matches(' ').len(),
            }
        })
        .collect()
}

/// 1-based character column of byte offset `byte` in `text`.
fn column(text: &str, byte: usize) -> u64 {
    text.get(..byte).map_or(0, |t| t.chars().count()) as u64 + 1
}

fn is_key(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// `key: value` (or `- key: value`) on a line: (key, byte offset of the value, value).
fn key_value(text: &str) -> Option<(&str, usize, &str)> {
    let trimmed = text.trim_start_matches(' ');
    let start = text.len() - trimmed.len();
    let (offset, body) = match trimmed.strip_prefix("- ") {
        Some(rest) => (start + 2, rest),
        None => (start, trimmed),
    };
    let colon = body.find(':')?;
    let key = &body[..colon];
    if !is_key(key) {
        return None;
    }
    let after = &body[colon + 1..];
    if !after.is_empty() && !after.starts_with(' ') {
        return None;
    }
    let value = after.trim_start_matches(' ');
    let value_at = offset + colon + 1 + (after.len() - value.len());
    Some((key, value_at, value.trim_end()))
}

/// A value as a quoted YAML text that means exactly the text written.
fn quoted(value: &str) -> String {
    if value.contains('"') || value.contains('\\') {
        format!("'{}'", value.replace('\'', "''"))
    } else {
        format!("\"{value}\"")
    }
}

/// Where a quoted text opened at byte `open` of `text` closes on the same line.
fn closes_on_line(text: &str, open: usize, quote: char) -> bool {
    let rest = &text[open + quote.len_utf8()..];
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
            }
            (q, c) if q == c => return true,
            _ => {}
        }
    }
    false
}

/// Whether a `[` or `{` list opened at the start of `value` closes on the line.
fn brackets_close(value: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in value.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, '#') if depth == 0 => break,
            _ => {}
        }
    }
    depth <= 0
}

/// The explanation of a parse error that the parser reported at `at_line`, if
/// the lines up to there hold one of the mistakes editors make.
pub fn explain(source: &str, at_line: u64, lang: Language) -> Option<Explained> {
    let lines = lines(source);
    // (indent of the `key: |` line, key) while inside a text block.
    let mut block: Option<(usize, &str)> = None;
    let mut block_started = false;
    // Indents of the open levels of fields; `opened` when the last key had no value.
    let mut levels: Vec<(usize, &str)> = vec![(0, "")];
    let mut opened: Option<(usize, &str)> = None;
    let mut last_key: Option<(&str, u64)> = None;
    for line in lines.iter().take_while(|l| l.number <= at_line) {
        let text = line.text;
        let trimmed = text.trim();
        if let Some((key_indent, key)) = block {
            let leading: &str = &text[..text.len() - text.trim_start_matches([' ', '\t']).len()];
            if trimmed.is_empty() {
                continue;
            }
            if leading.contains('\t') {
                let tab = leading.find('\t').unwrap_or(0);
                let spaces = " ".repeat(key_indent + 2);
                let n = key_indent + 2;
                let rest = text.trim_start_matches([' ', '\t']);
                return Some(Explained {
                    line: line.number,
                    column: column(text, tab),
                    message: msg!(
                        lang,
                        "Raden i textblocket under `{key}: |` är indragen med ett tabbtecken.",
                        "The line in the text block under `{key}: |` is indented with a tab."
                    ),
                    hint: msg!(
                        lang,
                        "Texten i ett block dras in med mellanslag, inte tabb. Byt tabben mot {n} mellanslag, som raderna ovanför: `{spaces}{rest}`",
                        "Text in a block is indented with spaces, not tabs. Replace the tab with {n} spaces, like the lines above: `{spaces}{rest}`"
                    ),
                });
            }
            if line.indent > key_indent {
                block_started = true;
                continue;
            }
            if !block_started && key_value(text).is_none() && !trimmed.starts_with('#') {
                let spaces = " ".repeat(key_indent + 2);
                let n = key_indent + 2;
                return Some(Explained {
                    line: line.number,
                    column: 1,
                    message: msg!(
                        lang,
                        "Texten under `{key}: |` är inte indragen.",
                        "The text under `{key}: |` is not indented."
                    ),
                    hint: msg!(
                        lang,
                        "Varje rad i texten ska börja med {n} mellanslag, så att den står till höger om `{key}:`: `{spaces}{trimmed}`",
                        "Every line of the text starts with {n} spaces, so that it stands to the right of `{key}:`: `{spaces}{trimmed}`"
                    ),
                });
            }
            block = None;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        if text.starts_with('\t') || text.trim_start_matches(' ').starts_with('\t') {
            // Tabs used for indentation: the parser's own message is right.
            return None;
        }
        let Some((key, value_at, value)) = key_value(text) else {
            // `status:pilot`: a known-looking key glued to its value.
            let body = text.trim_start_matches(' ');
            if let Some(colon) = body.find(':')
                && is_key(&body[..colon])
                && !body[colon + 1..].starts_with("//")
            {
                let key = &body[..colon];
                let rest = body[colon + 1..].trim_end();
                let indent = &text[..line.indent];
                return Some(Explained {
                    line: line.number,
                    column: column(text, line.indent + colon + 1),
                    message: msg!(
                        lang,
                        "Efter kolon i `{key}:` saknas ett mellanslag.",
                        "The colon after `{key}` is not followed by a space."
                    ),
                    hint: msg!(
                        lang,
                        "Skriv ett mellanslag mellan kolon och värdet: `{indent}{key}: {rest}`",
                        "Put a space between the colon and the value: `{indent}{key}: {rest}`"
                    ),
                });
            }
            continue;
        };
        let indent = if text.trim_start().starts_with("- ") {
            line.indent + 2
        } else {
            line.indent
        };
        // Indentation: the line must start where its siblings do, or open a level.
        if let Some((parent_indent, parent)) = opened.take()
            && indent > parent_indent
        {
            levels.push((indent, parent));
        }
        let mut popped = None;
        while levels.last().is_some_and(|(i, _)| *i > indent) {
            popped = levels.pop();
        }
        let top = levels.last().copied().unwrap_or((0, ""));
        if top.0 != indent {
            // Between two levels (the nearer one is meant; the deeper on a tie),
            // or deeper than the fields around it.
            // On a tie, the level where the field belongs wins: ` reviewed:`
            // under `contact:` is a top-level field one space off, not a field
            // of `contact`.
            let known = |parent: &str| {
                let path = if parent.is_empty() {
                    key.to_owned()
                } else {
                    format!("{parent}.{key}")
                };
                !crate::model::field_help(&path, lang).is_empty()
            };
            let (right, under) = match popped {
                Some(p) if p.0 - indent < indent.saturating_sub(top.0) => p,
                Some(p)
                    if p.0 - indent == indent.saturating_sub(top.0)
                        && (known(p.1) || !known(top.1)) =>
                {
                    p
                }
                _ => top,
            };
            let written = indent;
            let spaces = if written == 1 { "space" } else { "spaces" };
            let the_spaces = if written == 1 {
                "mellanslaget"
            } else {
                "mellanslagen"
            };
            let above = last_key.map(|(k, _)| k).unwrap_or("");
            let fixed = format!("{}{}", " ".repeat(right), text.trim_start());
            let (message, hint) = if under.is_empty() {
                (
                    msg!(
                        lang,
                        "Raden är indragen {written} mellanslag, men fälten på översta nivån börjar längst till vänster.",
                        "The line is indented by {written} {spaces}, but the top-level fields start at the left edge."
                    ),
                    msg!(
                        lang,
                        "Ta bort {the_spaces} före `{key}:`: `{fixed}`",
                        "Remove the {spaces} before `{key}:`: `{fixed}`"
                    ),
                )
            } else {
                (
                    msg!(
                        lang,
                        "Raden är indragen {written} mellanslag, men fälten under `{under}:` är indragna {right} mellanslag.",
                        "The line is indented by {written} {spaces}, but the fields under `{under}:` are indented by {right} spaces."
                    ),
                    msg!(
                        lang,
                        "Dra in `{key}:` exakt {right} mellanslag, som `{above}:` ovanför: `{fixed}`",
                        "Indent `{key}:` by exactly {right} spaces, like `{above}:` above: `{fixed}`"
                    ),
                )
            };
            return Some(Explained {
                line: line.number,
                column: 1,
                message,
                hint,
            });
        }
        last_key = Some((key, line.number));
        let first = value.chars().next();
        match first {
            None => opened = Some((indent, key)),
            Some('|' | '>') => {
                block = Some((indent, key));
                block_started = false;
            }
            Some('"' | '\'') => {
                let quote = first.unwrap_or('"');
                if !closes_on_line(text, value_at, quote) {
                    let col = column(text, value_at);
                    let line = line.number;
                    return Some(Explained {
                        line,
                        column: col,
                        message: msg!(
                            lang,
                            "Citattecknet `{quote}` som öppnas här, på rad {line} kolumn {col}, stängs aldrig.",
                            "The quote `{quote}` opened here, on line {line} column {col}, is never closed."
                        ),
                        hint: msg!(
                            lang,
                            "Sätt ett `{quote}` till sist i texten, på samma rad: `{text}{quote}`",
                            "Put a `{quote}` at the end of the text, on the same line: `{text}{quote}`"
                        ),
                    });
                }
            }
            Some('[' | '{') => {
                if !brackets_close(value) {
                    let open = first.unwrap_or('[');
                    let close = if open == '[' { ']' } else { '}' };
                    let col = column(text, value_at);
                    let line = line.number;
                    return Some(Explained {
                        line,
                        column: col,
                        message: msg!(
                            lang,
                            "Parentesen `{open}` som öppnas här, på rad {line} kolumn {col}, stängs aldrig.",
                            "The bracket `{open}` opened here, on line {line} column {col}, is never closed."
                        ),
                        hint: msg!(
                            lang,
                            "Avsluta listan med `{close}` på samma rad: `{text}{close}`",
                            "End the list with `{close}` on the same line: `{text}{close}`"
                        ),
                    });
                }
            }
            Some(c) if TYPOGRAPHIC.contains(&c) => {
                let inner = value.trim_matches(TYPOGRAPHIC);
                if value.contains(": ") || value.ends_with(':') {
                    let fixed = format!("{}{}", &text[..value_at], quoted(inner));
                    return Some(Explained {
                        line: line.number,
                        column: column(text, value_at),
                        message: msg!(
                            lang,
                            "Texten står inom typografiska citattecken (“ ”), som YAML inte räknar som citattecken, och den innehåller `: `.",
                            "The text is in typographic quotes (“ ”), which YAML does not count as quotes, and it contains `: `."
                        ),
                        hint: msg!(
                            lang,
                            "Använd raka citattecken `\"` (de som skrivs med Skift+2): `{fixed}`",
                            "Use straight quotes `\"`: `{fixed}`"
                        ),
                    });
                }
            }
            Some('&' | '*' | '!' | '%' | '@' | '`') => {}
            Some(_) => {
                let plain = value.split(" #").next().unwrap_or(value).trim_end();
                if let Some(at) = plain
                    .find(": ")
                    .or_else(|| plain.ends_with(':').then(|| plain.len() - 1))
                {
                    let fixed = format!("{}{}", &text[..value_at], quoted(plain));
                    return Some(Explained {
                        line: line.number,
                        column: column(text, value_at + at),
                        message: msg!(
                            lang,
                            "Kolon följt av mellanslag i texten till `{key}` gör att texten inte går att läsa: YAML tror att ett nytt fält börjar där.",
                            "A colon followed by a space in the text of `{key}` makes the text unreadable: YAML takes it for the start of a new field."
                        ),
                        hint: msg!(
                            lang,
                            "Sätt texten inom raka citattecken: `{fixed}`",
                            "Put the text in straight quotes: `{fixed}`"
                        ),
                    });
                }
            }
        }
    }
    None
}

/// The line of the first `key:` of a duplicate at `line`: the nearest line
/// above with the same key at the same indentation, within the same parent.
pub fn first_of_duplicate(source: &str, line: u64, key: &str) -> Option<u64> {
    let lines = lines(source);
    let at = lines.iter().find(|l| l.number == line)?;
    let indent = at.indent;
    for l in lines.iter().rev().filter(|l| l.number < line) {
        let trimmed = l.text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if l.indent == indent && key_value(l.text).is_some_and(|(k, ..)| k == key) {
            return Some(l.number);
        }
        if l.indent < indent && key_value(l.text).is_some() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colon_in_text_is_shown_with_the_fixed_line() {
        let e = explain("name: a\nsummary: Svar om: allt\n", 2, Language::Sv).unwrap();
        assert_eq!((e.line, e.column), (2, 17));
        assert!(
            e.hint.contains("`summary: \"Svar om: allt\"`"),
            "{}",
            e.hint
        );
    }

    #[test]
    fn quotes_inside_are_kept_when_fixing() {
        assert_eq!(quoted("a \"b\": c"), "'a \"b\": c'");
        assert_eq!(quoted("it's: x"), "\"it's: x\"");
    }

    #[test]
    fn a_valid_file_has_nothing_to_explain() {
        let src = "name: a\ndata:\n  personal_data: none\n  list:\n    - a: 1\n      b: 2\n  x: |\n    text: with colon\n\n    more\nrisk:\n  ai_act: high\n";
        assert!(explain(src, 99, Language::Sv).is_none());
    }

    #[test]
    fn the_first_of_a_duplicate_is_found_in_the_same_parent() {
        let src = "a:\n  x: 1\nb:\n  x: 2\n  y: 3\n  x: 4\n";
        assert_eq!(first_of_duplicate(src, 6, "x"), Some(4));
        assert_eq!(first_of_duplicate("x: 1\ny: 2\nx: 3\n", 3, "x"), Some(1));
    }
}

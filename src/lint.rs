//! Warnings about what a record's text holds, whatever the field: quotes pasted
//! from a word processor (published as part of the text), a personnummer or
//! samordningsnummer, and a person's e-mail address outside `contact`. The
//! record still builds; the editor is told before it is published.

use crate::fields::Doc;
use crate::msg;
use crate::yaml::{Node, Pos, ScalarKind, Spanned};

/// Checks every text of the record `node`.
pub fn record(doc: &mut Doc, node: &Spanned<Node>) {
    walk(doc, "", None, node);
}

fn walk(doc: &mut Doc, path: &str, key: Option<&str>, node: &Spanned<Node>) {
    match &node.value {
        Node::Map(entries) => {
            for (k, v) in entries {
                let child = if path.is_empty() {
                    k.value.clone()
                } else {
                    format!("{path}.{}", k.value)
                };
                walk(doc, &child, Some(&k.value), v);
            }
        }
        Node::Seq(items) => {
            for item in items {
                walk(doc, path, None, item);
            }
        }
        Node::Scalar {
            text,
            kind: ScalarKind::Str,
        } => {
            typographic_quotes(doc, key, text, node.pos);
            identity_numbers(doc, text, node.pos);
            if !path.starts_with("contact") {
                personal_emails(doc, path, text, node.pos);
            }
        }
        _ => {}
    }
}

const OPENING: &[char] = &['“', '”', '„', '‘', '’', '‚', '«', '»'];
const CLOSING: &[char] = &['”', '“', '’', '‘', '»', '«'];

fn typographic_quotes(doc: &mut Doc, key: Option<&str>, text: &str, pos: Pos) {
    let t = text.trim();
    let (Some(first), Some(last)) = (t.chars().next(), t.chars().last()) else {
        return;
    };
    if t.chars().count() < 2 || !OPENING.contains(&first) || !CLOSING.contains(&last) {
        return;
    }
    let inner = t
        .trim_start_matches(OPENING)
        .trim_end_matches(CLOSING)
        .trim();
    let fixed = match key {
        Some(k) => format!("{k}: {inner}"),
        None => format!("- {inner}"),
    };
    doc.warning(
        "typographic-quotes",
        pos,
        msg!(
            doc.lang,
            "Texten står inom typografiska citattecken ({first} {last}): de publiceras som en del av texten.",
            "The text is in typographic quotes ({first} {last}): they are published as part of the text."
        ),
        msg!(
            doc.lang,
            "Ta bort citattecknen: `{fixed}`. Behöver texten citattecken (den innehåller `: ` eller börjar med ett specialtecken), använd raka `\"`.",
            "Remove the quotes: `{fixed}`. If the text needs quotes (it holds `: ` or starts with a special character), use straight `\"`."
        ),
    );
}

/// Where `needle` stands in the source, searching from the value's line on (a
/// text block starts on the line after its key).
fn locate(doc: &Doc, pos: Pos, needle: &str) -> Pos {
    let start = usize::try_from(pos.line.saturating_sub(1)).unwrap_or(0);
    for (i, line) in doc.source.lines().enumerate().skip(start) {
        if let Some(byte) = line.find(needle) {
            return Pos {
                line: i as u64 + 1,
                column: line[..byte].chars().count() as u64 + 1,
            };
        }
    }
    pos
}

/// The Luhn check over the ten digits of a Swedish identity number.
/// A dash as Word and phones write it (en dash, non-breaking hyphen, minus…)
/// read as `-`, so a number written with one is still found.
pub fn plain_dash(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => '-',
        c => c,
    }
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `Some(true)` for a samordningsnummer, `Some(false)` for a personnummer, when
/// `ten` (YYMMDDNNNC) is one.
fn identity_kind(ten: &[u8]) -> Option<bool> {
    let month = ten[2] * 10 + ten[3];
    let day = ten[4] * 10 + ten[5];
    if !(1..=12).contains(&month) {
        return None;
    }
    let coordination = match day {
        1..=31 => false,
        61..=91 => true,
        _ => return None,
    };
    luhn(ten).then_some(coordination)
}

/// Identity numbers in `text`: (the number as written, is a samordningsnummer).
/// Forms: `YYMMDD-NNNN`, `YYMMDD+NNNN`, `YYYYMMDD-NNNN` and `YYYYMMDDNNNN`
/// (ten digits with no separator look too much like phone numbers).
pub fn find_identity_numbers(text: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().map(plain_dash).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_alphanumeric();
        if !boundary || !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let after = i + run;
        let digits = |from: usize, n: usize| -> Vec<u8> {
            chars[from..from + n]
                .iter()
                .map(|c| c.to_digit(10).unwrap_or(0) as u8)
                .collect()
        };
        let ends = |at: usize| at >= chars.len() || !chars[at].is_alphanumeric();
        let mut candidate: Option<(usize, Vec<u8>)> = None;
        if (run == 6 || run == 8)
            && after + 5 <= chars.len()
            && matches!(chars[after], '-' | '+')
            && chars[after + 1..after + 5].iter().all(char::is_ascii_digit)
            && ends(after + 5)
        {
            let mut ten = digits(i + run - 6, 6);
            ten.extend(digits(after + 1, 4));
            let century_ok = run == 6 || matches!(chars[i..i + 2], ['1', '8' | '9'] | ['2', '0']);
            if century_ok {
                candidate = Some((after + 5, ten));
            }
        } else if run == 12
            && ends(after)
            && matches!(chars[i..i + 2], ['1', '8' | '9'] | ['2', '0'])
        {
            candidate = Some((after, digits(i + 2, 10)));
        }
        match candidate {
            Some((end, ten)) => {
                if let Some(coordination) = identity_kind(&ten) {
                    found.push((chars[i..end].iter().collect(), coordination));
                }
                i = end;
            }
            None => i = after,
        }
    }
    found
}

fn identity_numbers(doc: &mut Doc, text: &str, pos: Pos) {
    for (number, coordination) in find_identity_numbers(text) {
        let at = locate(doc, pos, &number);
        let (sv, en) = if coordination {
            (
                "ett samordningsnummer",
                "a samordningsnummer (coordination number)",
            )
        } else {
            (
                "ett personnummer",
                "a personnummer (personal identity number)",
            )
        };
        let what = if doc.lang == crate::model::Language::Sv {
            sv
        } else {
            en
        };
        doc.warning(
            "identity-number",
            at,
            msg!(
                doc.lang,
                "Texten innehåller {what}, `{number}`: det är en personuppgift och ska inte publiceras.",
                "The text holds {what}, `{number}`: it is personal data and must not be published."
            ),
            msg!(
                doc.lang,
                "Ta bort numret och beskriv utan att peka ut en person, till exempel ”en sökande”. Registret är offentligt och finns kvar i öppna data och i historiken.",
                "Remove the number and describe it without pointing out a person, for example “an applicant”. The register is public and stays in the open data and the history."
            ),
        );
    }
}

/// E-mail addresses in `text` whose part before `@` looks like a person's name
/// (`anna.svensson@…`): a function's address (`kontaktcenter@…`) is fine.
pub fn find_personal_emails(text: &str) -> Vec<String> {
    let local_char = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    let domain_char = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let local_start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local_char(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let domain_end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| domain_char(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        let local = &text[local_start..at];
        let domain = text[at + 1..domain_end].trim_end_matches('.');
        if local.is_empty() || !domain.contains('.') {
            continue;
        }
        let parts: Vec<&str> = local.split(['.', '_']).collect();
        let named = parts.len() >= 2
            && parts
                .iter()
                .all(|p| p.chars().count() >= 2 && p.chars().all(char::is_alphabetic));
        if named {
            found.push(format!("{local}@{domain}"));
        }
    }
    found
}

fn personal_emails(doc: &mut Doc, path: &str, text: &str, pos: Pos) {
    for address in find_personal_emails(text) {
        let at = locate(doc, pos, &address);
        doc.warning(
            "personal-email",
            at,
            msg!(
                doc.lang,
                "`{path}` innehåller en persons e-postadress, `{address}`.",
                "`{path}` holds a person's e-mail address, `{address}`."
            ),
            msg!(
                doc.lang,
                "Texten publiceras på webbplatsen och i öppna data. Hänvisa till en funktionsadress (till exempel kontaktcenter@kommun.se) under `contact:` i stället för till en person.",
                "The text is published on the site and in the open data. Refer to a function's address (for example contact@municipality.se) under `contact:` instead of to a person."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_in_every_form_and_only_valid_ones() {
        let found = |t: &str| find_identity_numbers(t);
        assert_eq!(
            found("nr 19121212-1212."),
            vec![("19121212-1212".into(), false)]
        );
        assert_eq!(found("121212-1212"), vec![("121212-1212".into(), false)]);
        assert_eq!(found("121212+1212"), vec![("121212+1212".into(), false)]);
        assert_eq!(found("191212121212"), vec![("191212121212".into(), false)]);
        assert_eq!(found("701063-2391"), vec![("701063-2391".into(), true)]);
        // Word's en dash and a phone's non-breaking hyphen are dashes too.
        assert_eq!(
            found("19121212\u{2013}1212"),
            vec![("19121212-1212".into(), false)]
        );
        assert_eq!(
            found("121212\u{2011}1212"),
            vec![("121212-1212".into(), false)]
        );
        // Luhn fails, a phone number, a date and a count are not numbers of people.
        assert!(found("121212-1213").is_empty());
        assert!(found("0701234567 och 08-123 456 78").is_empty());
        assert!(found("2026-03-15, 1212121212").is_empty());
        assert!(found("x121212-1212").is_empty());
    }

    #[test]
    fn a_persons_address_is_found_a_functions_is_not() {
        assert_eq!(
            find_personal_emails("Skriv till anna.svensson@kommun.se."),
            vec!["anna.svensson@kommun.se".to_owned()]
        );
        assert!(find_personal_emails("kontaktcenter@kommun.se, ai-registret@kommun.se").is_empty());
    }
}

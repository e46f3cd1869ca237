//! Markdown written by editors, rendered so that nothing in it can run.
//!
//! The HTML is written here from Markdown's events, and only elements and
//! attributes of a short allow-list can be written at all: raw HTML becomes
//! visible text, links keep only allowed schemes (absolute ones as the parsed,
//! normalised URL), images become links so no page loads anything from another
//! site. The tests prove it against an HTML sanitiser (ammonia) with the same
//! policy: every rendered fragment comes out of it unchanged.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

/// Lower case with the same byte length as `text`, character by character.
fn same_length_lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars()
        .map(|c| match c.to_lowercase().next() {
            Some(l) if l.len_utf8() == c.len_utf8() => l,
            _ => c,
        })
        .collect()
}

/// Schemes an editor's link may use. Anything else is dropped and only the text stays.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// The scheme of a URL as a browser would read it (ignoring the characters browsers
/// strip, like tabs and newlines, and leading control characters), or `None` for a
/// relative URL.
pub fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = cleaned.find(':')?;
    let candidate = &cleaned[..colon];
    // A `/`, `?` or `#` before the colon makes it a relative path, not a scheme.
    if candidate.is_empty() || candidate.contains(['/', '?', '#']) {
        return None;
    }
    Some(candidate.to_ascii_lowercase())
}

/// Markdown has already decoded entities in link targets, so `javascript&colon;`
/// arrives here as `javascript:` and is caught.
pub fn is_allowed_url(url: &str) -> bool {
    match scheme_of(url) {
        Some(s) => ALLOWED_SCHEMES.contains(&s.as_str()),
        None => true,
    }
}

/// Terms explained on the glossary page, linked where they first appear on a page.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// Anchor id of each entry.
    ids: Vec<String>,
    /// Every stem of every entry, lower-cased, found in one pass over the text.
    stems: Option<aho_corasick::AhoCorasick>,
    /// For each stem: (its entry, its length in characters).
    stem_info: Vec<(usize, usize)>,
}

/// Which terms a page has already linked, so each is linked once per page.
pub type Linked = HashSet<usize>;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

impl Glossary {
    /// From the theme's `glossary` list: `[{id, stems: [...]}, ...]`. A stem
    /// matches at the start of a word; a short stem (under five letters, like
    /// "AI") only as a whole word; a longer one also with an ending ("personuppgifter").
    pub fn from_strings(list: &serde_json::Value) -> Self {
        let mut ids = Vec::new();
        let mut patterns = Vec::new();
        let mut stem_info = Vec::new();
        for item in list.as_array().into_iter().flatten() {
            let Some(id) = item["id"].as_str() else {
                continue;
            };
            let entry = ids.len();
            ids.push(id.to_owned());
            for stem in item["stems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
            {
                // The search ignores case in ASCII letters; for the others (å, ä,
                // ö, é…) the stem is searched as written in lower case, with a
                // capital first letter, and in capitals.
                let lower = same_length_lowercase(stem);
                let chars = lower.chars().count();
                let mut capital = lower.chars();
                let capital: String = capital
                    .next()
                    .map(|first| first.to_uppercase().chain(capital).collect())
                    .unwrap_or_default();
                let mut variants = vec![lower.to_uppercase(), capital, lower];
                variants.sort();
                variants.dedup();
                for variant in variants {
                    stem_info.push((entry, chars));
                    patterns.push(variant);
                }
            }
        }
        let stems = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok();
        Glossary {
            ids,
            stems,
            stem_info,
        }
    }

    /// Splits `text` into plain parts and links `(text, Some(anchor))`, linking
    /// each entry not yet in `linked` where it first appears, in one search.
    pub fn split<'t>(&self, text: &'t str, linked: &mut Linked) -> Vec<(&'t str, Option<&str>)> {
        let mut out = Vec::new();
        let Some(stems) = self.stems.as_ref() else {
            out.push((text, None));
            return out;
        };
        let mut emitted = 0; // where the last link ended
        for m in stems.find_iter(text) {
            if m.start() < emitted {
                continue;
            }
            let (entry, stem_chars) = self.stem_info[m.pattern().as_usize()];
            if linked.contains(&entry) {
                continue;
            }
            if text[..m.start()]
                .chars()
                .next_back()
                .is_some_and(is_word_char)
            {
                continue;
            }
            let mut end = m.end();
            let rest = &text[end..];
            if stem_chars < 5 {
                if rest.chars().next().is_some_and(is_word_char) {
                    continue;
                }
            } else {
                // Run on to the end of the word (Swedish endings).
                end += rest
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(rest.len());
            }
            linked.insert(entry);
            if m.start() > emitted {
                out.push((&text[emitted..m.start()], None));
            }
            out.push((&text[m.start()..end], Some(self.ids[entry].as_str())));
            emitted = end;
        }
        if emitted < text.len() {
            out.push((&text[emitted..], None));
        }
        out
    }

    /// Plain text (a theme string) as escaped HTML with its terms linked.
    pub fn link_plain(&self, text: &str, href_prefix: &str, linked: &mut Linked) -> String {
        let mut html = String::with_capacity(text.len() + 64);
        for (part, anchor) in self.split(text, linked) {
            // (Writing to a String cannot fail.)
            let _ = match anchor {
                Some(id) => {
                    html.push_str(r#"<a href=""#);
                    html.push_str(href_prefix);
                    html.push_str(id);
                    html.push_str(r#"">"#);
                    crate::render::write_escaped(&mut html, part).map(|()| html.push_str("</a>"))
                }
                None => crate::render::write_escaped(&mut html, part),
            };
        }
        html
    }
}

fn shift(level: HeadingLevel, by: u8) -> HeadingLevel {
    let n = (level as u8).saturating_add(by);
    match n {
        0 | 1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Renders editor Markdown to safe HTML. Headings are moved so that the highest
/// level the editor used becomes `h{top}`, keeping the page's outline without gaps.
pub fn render(markdown: &str, top: u8) -> String {
    render_with_terms(markdown, top, None)
}

/// Where glossary links point (`../../ordlista/#`), the glossary, and the terms
/// this page has linked so far.
pub type Terms<'a> = (&'a Glossary, &'a str, &'a mut Linked);

/// [`render`], linking glossary terms in ordinary text (not in links, headings or code).
pub fn render_with_terms(markdown: &str, top: u8, terms: Option<Terms>) -> String {
    render_in(markdown, top, terms, "")
}

/// A relative link (`../register.json`, `sida/`), not an absolute one, a path
/// from the root or a fragment.
fn is_relative(url: &str) -> bool {
    let scheme = url
        .find(':')
        .is_some_and(|colon| url.find(['/', '?', '#']).is_none_or(|end| colon < end));
    !url.is_empty() && !scheme && !url.starts_with(['/', '#', '?'])
}

/// Lists and quotes nested deeper than this are written flat: their text stays,
/// in order, but no more levels are opened. Real registers nest two or three
/// levels; this keeps a hostile record (30,000 `- ` in a row) from making pages
/// that no browser or checker can take, and keeps rendering linear.
pub const MAX_NESTING: usize = 100;

/// Bytes of a relative link that are written percent-encoded (as pulldown-cmark
/// writes them): controls, space, and the characters HTML or URLs treat
/// specially. Everything outside ASCII is encoded too.
const HREF_ENCODED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Text as HTML serialisers write it (the same escaping as html5ever, so that
/// an HTML sanitiser parsing the page finds exactly what we wrote): `&`, `<`,
/// `>` and no-break spaces as references (and `"` in attributes), line breaks
/// as `\n`.
fn push_text(out: &mut String, text: &str) {
    push_escaped(out, text, false);
}

/// An attribute value, to be written between double quotes.
fn push_attr(out: &mut String, text: &str) {
    push_escaped(out, text, true);
}

fn push_escaped(out: &mut String, text: &str, attribute: bool) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\u{a0}', '\r', '\0']) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or(' ');
        let mut next = i + c.len_utf8();
        match c {
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => {
                // A browser reads CR LF and a lone CR as one line break.
                out.push('\n');
                if rest[next..].starts_with('\n') {
                    next += 1;
                }
            }
            // A browser drops NUL from text; Markdown has already replaced it.
            '\0' => out.push('\u{fffd}'),
            other => out.push(other),
        }
        rest = &rest[next..];
    }
    out.push_str(rest);
}

/// Only `subject` and `body` may follow `?` in a `mailto:` link: other headers
/// (`attach`, `cc`, `bcc`, `to`…) would make the visitor's mail program send
/// something the visitor did not write.
pub fn mailto_headers_allowed(url: &url::Url) -> bool {
    url.query_pairs()
        .all(|(name, _)| matches!(name.to_ascii_lowercase().as_str(), "subject" | "body"))
}

/// The `href` a link is published with, or `None` if the link is dropped (only
/// its text stays): schemes outside the allow-list, absolute URLs a browser
/// could not read, URLs with credentials, `mailto:` with other headers than
/// subject and body. Absolute URLs are written as parsed and normalised, so the
/// link goes where the page says it goes; relative ones are rebased by `up`.
fn published_href(dest: &str, up: &str) -> Option<String> {
    if !is_allowed_url(dest) {
        return None;
    }
    if scheme_of(dest).is_none() {
        let rebased = if !up.is_empty() && is_relative(dest) {
            format!("{up}{dest}")
        } else {
            dest.to_owned()
        };
        return Some(percent_encoding::utf8_percent_encode(&rebased, HREF_ENCODED).to_string());
    }
    let url = url::Url::parse(dest).ok()?;
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    if url.scheme() == "mailto" && !mailto_headers_allowed(&url) {
        return None;
    }
    Some(url.as_str().to_owned())
}

/// What a start tag wrote, so that its end writes the matching close (or nothing).
#[derive(Clone, Copy)]
enum Open {
    Nothing,
    Link,
    List { ordered: bool },
    Item,
    Quote,
}

/// [`render_with_terms`] for a page of another language than the main one:
/// `up` (`../`) is put before relative links, which editors write from the
/// main language's page, so that they reach the same place from this one.
///
/// The HTML is written here, element by element, from the allow-list alone:
/// `p br em strong del code pre blockquote ul ol li a h2–h6 hr table thead tbody
/// tr th td`, with `href` + `rel` on links, `start` on lists and `text-align`
/// on table cells. Nothing else can appear, whatever the editor wrote; the
/// tests check every fragment against an HTML sanitiser with the same policy.
pub fn render_in(markdown: &str, top: u8, mut terms: Option<Terms>, up: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parsed: Vec<Event> = Parser::new_ext(markdown, options).collect();
    let highest = parsed
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as u8),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let by = top.saturating_sub(highest);
    let mut w = HtmlWriter {
        out: String::with_capacity(markdown.len() * 3 / 2),
        end_newline: true,
    };
    // What each open tag wrote; links open inside a link write nothing (no
    // nested `<a>`), and lists and quotes past MAX_NESTING are flat.
    let mut open: Vec<Open> = Vec::new();
    let mut links = 0usize;
    let mut nesting = 0usize;
    let mut alignments: Vec<pulldown_cmark::Alignment> = Vec::new();
    let mut in_head = false;
    let mut cell = 0usize;
    // Inside a link, heading or code block nothing more is linked.
    let mut no_terms = 0usize;
    for event in parsed {
        match event {
            Event::Start(tag) => {
                let opened = match tag {
                    Tag::Paragraph => {
                        w.block("<p>");
                        Open::Nothing
                    }
                    Tag::Heading { level, .. } => {
                        no_terms += 1;
                        let n = (shift(level, by) as u8).max(2);
                        w.block(&format!("<h{n}>"));
                        Open::Nothing
                    }
                    Tag::BlockQuote(_) => {
                        nesting += 1;
                        if nesting > MAX_NESTING {
                            Open::Nothing
                        } else {
                            w.block("<blockquote>\n");
                            Open::Quote
                        }
                    }
                    Tag::CodeBlock(_) => {
                        no_terms += 1;
                        if !w.end_newline {
                            w.write("\n");
                        }
                        w.write("<pre><code>");
                        Open::Nothing
                    }
                    Tag::List(start) => {
                        nesting += 1;
                        if nesting > MAX_NESTING {
                            Open::Nothing
                        } else {
                            match start {
                                Some(1) => w.block("<ol>\n"),
                                Some(n) => w.block(&format!("<ol start=\"{n}\">\n")),
                                None => w.block("<ul>\n"),
                            }
                            Open::List {
                                ordered: start.is_some(),
                            }
                        }
                    }
                    Tag::Item => {
                        if nesting > MAX_NESTING {
                            // Flat: items stay apart by a line break in the text.
                            if !w.end_newline {
                                w.write("\n");
                            }
                            Open::Nothing
                        } else {
                            w.block("<li>");
                            Open::Item
                        }
                    }
                    Tag::Table(a) => {
                        alignments = a;
                        w.write("<table>");
                        Open::Nothing
                    }
                    Tag::TableHead => {
                        in_head = true;
                        cell = 0;
                        w.write("<thead><tr>");
                        Open::Nothing
                    }
                    Tag::TableRow => {
                        cell = 0;
                        w.write("<tr>");
                        Open::Nothing
                    }
                    Tag::TableCell => {
                        w.write(if in_head { "<th" } else { "<td" });
                        w.write(match alignments.get(cell) {
                            Some(pulldown_cmark::Alignment::Left) => " style=\"text-align:left\">",
                            Some(pulldown_cmark::Alignment::Center) => {
                                " style=\"text-align:center\">"
                            }
                            Some(pulldown_cmark::Alignment::Right) => {
                                " style=\"text-align:right\">"
                            }
                            _ => ">",
                        });
                        Open::Nothing
                    }
                    Tag::Emphasis => {
                        w.write("<em>");
                        Open::Nothing
                    }
                    Tag::Strong => {
                        w.write("<strong>");
                        Open::Nothing
                    }
                    Tag::Strikethrough => {
                        w.write("<del>");
                        Open::Nothing
                    }
                    // An image would be a request to another site; it is shown
                    // as a link. Titles (tooltips) are dropped: they reach no one
                    // using a keyboard or a touch screen.
                    Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    }
                    | Tag::Image {
                        link_type,
                        dest_url,
                        ..
                    } => {
                        no_terms += 1;
                        let dest = match link_type {
                            pulldown_cmark::LinkType::Email => format!("mailto:{dest_url}"),
                            _ => dest_url.to_string(),
                        };
                        let href = if links == 0 {
                            published_href(&dest, up)
                        } else {
                            None
                        };
                        match href {
                            Some(href) => {
                                links += 1;
                                w.write("<a href=\"");
                                push_attr(&mut w.out, &href);
                                w.write("\" rel=\"noopener noreferrer\">");
                                Open::Link
                            }
                            None => Open::Nothing,
                        }
                    }
                    // Not enabled in the options above; their content is text.
                    _ => Open::Nothing,
                };
                open.push(opened);
            }
            Event::End(end) => {
                let opened = open.pop().unwrap_or(Open::Nothing);
                match end {
                    TagEnd::Paragraph => w.write("</p>\n"),
                    TagEnd::Heading(level) => {
                        no_terms = no_terms.saturating_sub(1);
                        let n = (shift(level, by) as u8).max(2);
                        w.write(&format!("</h{n}>\n"));
                    }
                    TagEnd::CodeBlock => {
                        no_terms = no_terms.saturating_sub(1);
                        w.write("</code></pre>\n");
                    }
                    TagEnd::BlockQuote(_) | TagEnd::List(_) => nesting = nesting.saturating_sub(1),
                    TagEnd::Link | TagEnd::Image => no_terms = no_terms.saturating_sub(1),
                    TagEnd::Table => w.write("</tbody></table>\n"),
                    TagEnd::TableHead => {
                        in_head = false;
                        w.write("</tr></thead><tbody>\n");
                    }
                    TagEnd::TableRow => w.write("</tr>\n"),
                    TagEnd::TableCell => {
                        w.write(if in_head { "</th>" } else { "</td>" });
                        cell += 1;
                    }
                    TagEnd::Emphasis => w.write("</em>"),
                    TagEnd::Strong => w.write("</strong>"),
                    TagEnd::Strikethrough => w.write("</del>"),
                    _ => {}
                }
                match opened {
                    Open::Nothing => {}
                    Open::Link => {
                        links = links.saturating_sub(1);
                        w.write("</a>");
                    }
                    Open::List { ordered: true } => w.write("</ol>\n"),
                    Open::List { ordered: false } => w.write("</ul>\n"),
                    Open::Item => w.write("</li>\n"),
                    Open::Quote => w.write("</blockquote>\n"),
                }
            }
            // Raw HTML from the editor is visible text, terms linked like any text.
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                match terms.as_mut() {
                    Some((glossary, prefix, linked)) if no_terms == 0 => {
                        for (part, anchor) in glossary.split(&text, linked) {
                            match anchor {
                                Some(id) => {
                                    w.out.push_str("<a href=\"");
                                    push_attr(&mut w.out, prefix);
                                    push_attr(&mut w.out, id);
                                    w.out.push_str("\" rel=\"noopener noreferrer\">");
                                    push_text(&mut w.out, part);
                                    w.out.push_str("</a>");
                                }
                                None => push_text(&mut w.out, part),
                            }
                        }
                    }
                    _ => push_text(&mut w.out, &text),
                }
                w.end_newline = text.ends_with('\n');
            }
            Event::Code(code) | Event::InlineMath(code) | Event::DisplayMath(code) => {
                w.write("<code>");
                push_text(&mut w.out, &code);
                w.write("</code>");
            }
            Event::FootnoteReference(name) => {
                push_text(&mut w.out, &name);
                w.end_newline = false;
            }
            Event::TaskListMarker(done) => w.write(if done { "[x] " } else { "[ ] " }),
            Event::SoftBreak => w.write("\n"),
            Event::HardBreak => w.write("<br>\n"),
            Event::Rule => w.block("<hr>\n"),
        }
    }
    w.out
}

/// Writes HTML and remembers whether it ended a line, as pulldown-cmark does,
/// so block elements start on their own line.
struct HtmlWriter {
    out: String,
    end_newline: bool,
}

impl HtmlWriter {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        if !s.is_empty() {
            self.end_newline = s.ends_with('\n');
        }
    }

    /// A block element's start: on a new line.
    fn block(&mut self, s: &str) {
        if !self.end_newline {
            self.write("\n");
        }
        self.write(s);
    }
}

/// Plain text of editor Markdown, for `<meta name="description">` and the feed.
pub fn plain(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_move_up_on_pages_of_other_languages() {
        let md = "[a](../register.json) [b](https://x.se/y) [c](#top) [d](/abs/) [e](mailto:a@b.se) [f](sida/)";
        let html = render_in(md, 2, None, "../");
        assert!(html.contains(r#"href="../../register.json""#), "{html}");
        assert!(html.contains(r#"href="../sida/""#), "{html}");
        for kept in ["https://x.se/y", "#top", "/abs/", "mailto:a@b.se"] {
            assert!(
                html.contains(&format!(r#"href="{kept}""#)),
                "{kept}: {html}"
            );
        }
        // The main language's pages keep links as written.
        assert!(render_in(md, 2, None, "").contains(r#"href="../register.json""#));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render("Hej <script>alert(1)</script> <b>fet</b>", 3);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn only_allowed_link_schemes_survive() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "javascript&#58;alert(1)",
            "javascript&colon;alert(1)",
        ] {
            let html = render(&format!("[klick]({bad}) och ![bild]({bad})"), 3);
            assert!(!html.contains("href"), "{bad} gave {html}");
            assert!(html.contains("klick"), "{html}");
        }
        let ok = render(
            "[a](https://x.se) [b](mailto:a@b.se) [c](tel:+4681234) [d](/om/)",
            3,
        );
        assert_eq!(ok.matches("href").count(), 4, "{ok}");
    }

    #[test]
    fn glossary_terms_are_linked_once_outside_links_and_headings() {
        let g = Glossary::from_strings(&serde_json::json!([
            {"id": "ai", "stems": ["AI"]},
            {"id": "pu", "stems": ["personuppgift"]},
            {"id": "kpu", "stems": ["känsliga personuppgift"]},
        ]));
        let mut linked = Linked::new();
        let html = render_with_terms(
            "# AI\n\n[AI](https://x.se) AIDS och AI:n. Känsliga personuppgifter, personuppgifterna, AI.",
            3,
            Some((&g, "../ordlista/#", &mut linked)),
        );
        assert!(html.contains("<h3>AI</h3>"), "{html}");
        assert!(
            html.contains(
                r#"AIDS och <a href="../ordlista/#ai" rel="noopener noreferrer">AI</a>:n."#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<a href="../ordlista/#kpu" rel="noopener noreferrer">Känsliga personuppgifter</a>"#), "{html}");
        assert!(
            html.contains(
                r#"<a href="../ordlista/#pu" rel="noopener noreferrer">personuppgifterna</a>, AI."#
            ),
            "{html}"
        );
        // A capital Swedish letter at the start of a sentence, or a term in capitals.
        let g = Glossary::from_strings(&serde_json::json!([
            {"id": "overklaga", "stems": ["överklaga"]},
            {"id": "hog", "stems": ["hög risk"]},
        ]));
        let mut linked = Linked::new();
        let parts = g.split("Överklagandet gäller HÖG RISK.", &mut linked);
        assert_eq!(
            parts,
            vec![
                ("Överklagandet", Some("overklaga")),
                (" gäller ", None),
                ("HÖG RISK", Some("hog")),
                (".", None)
            ]
        );
        // Editor HTML stays text even next to a term.
        let html = render_with_terms("<b>AI</b>", 3, Some((&g, "#", &mut Linked::new())));
        assert!(html.contains("&lt;b&gt;"), "{html}");
    }

    #[test]
    fn link_titles_are_dropped() {
        let html = render(
            "[ref]\n\n[ref]: https://x.se \"ä\"\n\n[a](https://y.se \"t\")",
            3,
        );
        assert!(!html.contains("title"), "{html}");
        assert!(html.contains(r#"href="https://x.se/""#), "{html}");
    }

    #[test]
    fn images_become_links_and_headings_shift() {
        let html = render("# Rubrik\n\n![Karta](https://example.org/k.png)", 3);
        assert!(html.contains("<h3>Rubrik</h3>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains(r#"href="https://example.org/k.png""#),
            "{html}"
        );
    }

    #[test]
    fn deep_nesting_is_written_flat_past_the_limit() {
        for unit in ["- ", "> ", "1. ", "- > "] {
            let md = format!("{}x", unit.repeat(3000));
            let html = render(&md, 3);
            let opened = html.matches("<ul>").count()
                + html.matches("<ol>").count()
                + html.matches("<blockquote>").count();
            assert!(opened <= MAX_NESTING, "{unit:?}: {opened} levels");
            assert!(opened >= MAX_NESTING / 2, "{unit:?}: {opened} levels");
            assert!(html.contains('x'), "{unit:?}");
            // Every element opened is closed.
            for tag in ["ul", "ol", "li", "blockquote", "p"] {
                assert_eq!(
                    html.matches(&format!("<{tag}>")).count(),
                    html.matches(&format!("</{tag}>")).count(),
                    "{unit:?} <{tag}>"
                );
            }
        }
    }

    #[test]
    fn absolute_links_are_published_parsed_and_without_credentials() {
        let html = render("[a](HTTPS://WWW.Kommun.SE) [b](https://x.se/a b)", 3);
        assert!(html.contains(r#"href="https://www.kommun.se/""#), "{html}");
        // A backslash is a slash to a browser: the href names the host it visits.
        let html = render(r"[a](https://evil.example\\@www.kommun.se/)", 3);
        assert!(
            html.contains(r#"href="https://evil.example/@www.kommun.se/""#),
            "{html}"
        );
        for dropped in [
            // (`\@` in Markdown is an escaped `@`: this is user `evil.example`.)
            r"https://evil.example\@www.kommun.se/",
            "https://user:pass@www.kommun.se/",
            "https://user@www.kommun.se/",
            "mailto:a@b.se?attach=/etc/passwd",
            "mailto:a@b.se?subject=x&bcc=c@d.se",
            "http://[::1",
        ] {
            let html = render(&format!("[text]({dropped})"), 3);
            assert!(!html.contains("href"), "{dropped}: {html}");
            assert!(html.contains("text"), "{dropped}: {html}");
        }
        let html = render("[a](mailto:a@b.se?subject=Hej&body=Text)", 3);
        assert!(
            html.contains(r#"href="mailto:a@b.se?subject=Hej&amp;body=Text""#),
            "{html}"
        );
    }

    #[test]
    fn email_autolinks_are_not_rebased() {
        let html = render_in("<a@b.se>", 3, None, "../");
        assert!(html.contains(r#"href="mailto:a@b.se""#), "{html}");
    }
}

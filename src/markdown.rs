//! Markdown written by editors, rendered so that nothing in it can run.
//!
//! Two layers: first the Markdown events are rewritten (raw HTML becomes visible
//! text, links keep only allowed schemes, images become links so no page loads
//! anything from another site), then ammonia cleans the HTML against an allow-list.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::OnceLock;

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

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "em",
            "strong",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "a",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::empty();
        b.tags(tags)
            .add_tag_attributes("a", ["href"])
            .add_tag_attributes("ol", ["start"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .filter_style_properties(["text-align"].into_iter().collect())
            .url_schemes(ALLOWED_SCHEMES.iter().copied().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        b
    })
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

/// [`render_with_terms`] for a page of another language than the main one:
/// `up` (`../`) is put before relative links, which editors write from the
/// main language's page, so that they reach the same place from this one.
pub fn render_in(markdown: &str, top: u8, mut terms: Option<Terms>, up: &str) -> String {
    fn rebase<'t>(url: CowStr<'t>, up: &str) -> CowStr<'t> {
        if up.is_empty() || !is_relative(&url) {
            url
        } else {
            CowStr::from(format!("{up}{url}"))
        }
    }
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
    let mut in_dropped_link = Vec::new();
    // Inside a link, heading or code block nothing more is linked.
    let mut no_terms = 0usize;
    let mut linked_events: Vec<Event> = Vec::with_capacity(parsed.len());
    for event in parsed {
        // Raw HTML from the editor becomes visible text, before anything else.
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        };
        match &event {
            Event::Start(
                Tag::Link { .. } | Tag::Image { .. } | Tag::Heading { .. } | Tag::CodeBlock(_),
            ) => no_terms += 1,
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                no_terms = no_terms.saturating_sub(1)
            }
            _ => {}
        }
        match (event, terms.as_mut()) {
            (Event::Text(text), Some((glossary, prefix, linked))) if no_terms == 0 => {
                let parts = glossary.split(&text, linked);
                // Most text has no term to link: it is kept as it is, not copied.
                if let [(_, None)] = parts.as_slice() {
                    linked_events.push(Event::Text(text));
                    continue;
                }
                for (part, anchor) in parts {
                    match anchor {
                        Some(id) => {
                            linked_events.push(Event::Html(CowStr::from(format!(
                                r#"<a href="{prefix}{id}">"#
                            ))));
                            linked_events.push(Event::Text(CowStr::from(part.to_owned())));
                            linked_events.push(Event::Html(CowStr::from("</a>")));
                        }
                        None => linked_events.push(Event::Text(CowStr::from(part.to_owned()))),
                    }
                }
            }
            (event, _) => linked_events.push(event),
        }
    }
    let events = linked_events.into_iter().filter_map(|event| match event {
        // Only the glossary links made above are HTML by now.
        Event::Html(ours) => Some(Event::Html(ours)),
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes: _,
            attrs: _,
        }) => Some(Event::Start(Tag::Heading {
            level: shift(level, by),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(shift(level, by)))),
        // An image would be a request to another site; it is shown as a link.
        Event::Start(
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }
            | Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            },
        ) => {
            let allowed = is_allowed_url(&dest_url);
            in_dropped_link.push(!allowed);
            // Titles (tooltips) are dropped: they reach no one using a keyboard or
            // a touch screen, and the allow-list has no `title`.
            let _ = title;
            allowed.then(|| {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: rebase(dest_url, up),
                    title: CowStr::Borrowed(""),
                    id,
                })
            })
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            let dropped = in_dropped_link.pop().unwrap_or(true);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        Event::FootnoteReference(name) => Some(Event::Text(name)),
        Event::InlineMath(m) | Event::DisplayMath(m) => Some(Event::Code(m)),
        Event::TaskListMarker(done) => Some(Event::Text(CowStr::from(if done {
            "[x] "
        } else {
            "[ ] "
        }))),
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    // Serialised straight into bytes (`to_string` would format a copy of them).
    let mut clean = Vec::with_capacity(html.len());
    if cleaner().clean(&html).write_to(&mut clean).is_err() {
        return String::new();
    }
    String::from_utf8(clean).unwrap_or_default()
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
        assert!(html.contains(r#"href="https://x.se""#), "{html}");
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
}

//! Markdown written by editors, rendered so that nothing in it can run.
//!
//! Two layers: first the Markdown events are rewritten (raw HTML becomes visible
//! text, links keep only allowed schemes, images become links so no page loads
//! anything from another site), then ammonia cleans the HTML against an allow-list.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::OnceLock;

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
    let events = parsed.into_iter().filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
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
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let allowed = is_allowed_url(&dest_url);
            in_dropped_link.push(!allowed);
            allowed.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => {
            let dropped = in_dropped_link.pop().unwrap_or(true);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        // An image would be a request to another site; show it as a link instead.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let allowed = is_allowed_url(&dest_url);
            in_dropped_link.push(!allowed);
            allowed.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Image) => {
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
    cleaner().clean(&html).to_string()
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

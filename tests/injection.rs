//! Nothing an editor writes can become active content: every tag and attribute in
//! the built site is one the theme or the Markdown allow-list puts there, and every
//! link uses an allowed scheme.

mod common;
use common::*;

const TAGS: &[&str] = &[
    // The statistics page's charts (inline SVG drawn by the theme).
    "svg",
    "text",
    "rect",
    "html",
    "head",
    "meta",
    "title",
    "link",
    "body",
    "a",
    // The filter box, closed until opened (the theme's, never a record's).
    "details",
    "summary",
    "header",
    "nav",
    "ul",
    "ol",
    "li",
    "main",
    "footer",
    "section",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "div",
    "span",
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "article",
    "time",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "hr",
    "br",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "href",
    "rel",
    "type",
    "title",
    "class",
    "id",
    "aria-label",
    // The label of a value in the list of systems, shown on narrow screens.
    "data-label",
    "aria-labelledby",
    "aria-current",
    "tabindex",
    "role",
    "scope",
    "datetime",
    "start",
    "style",
    // Chart geometry.
    "viewbox",
    "width",
    "height",
    "x",
    "y",
];

/// The search page (sok/): the theme's form, and its one script.
const SEARCH_TAGS: &[&str] = &[
    "form", "label", "input", "button", "noscript", "script", "div", "p", "ol",
];
const SEARCH_ATTRIBUTES: &[&str] = &[
    "class",
    "id",
    "role",
    "action",
    "method",
    "hidden",
    "for",
    "type",
    "name",
    "autocomplete",
    "spellcheck",
    "src",
    "defer",
];

/// The start page: the theme's form that combines the filters, and its script.
const FILTER_TAGS: &[&str] = &["form", "label", "select", "option", "div", "script"];
const FILTER_ATTRIBUTES: &[&str] = &[
    "class", "id", "role", "action", "method", "hidden", "for", "value", "src", "defer",
];

#[test]
fn hostile_content_everywhere_builds_into_inert_pages() {
    let site = site_copy("injection");
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let public = site.path().join("public");
    let mut pages = 0;
    for (path, bytes) in tree(&public) {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8(bytes).unwrap();
        for (tag, attrs) in tags(&html) {
            // The search page's form and script come from the theme, never from
            // a record: allowed there, and only in their exact shape.
            let search_page = path.ends_with("sok/index.html");
            if search_page && SEARCH_TAGS.contains(&tag.as_str()) {
                if tag == "script" {
                    let src = attrs
                        .iter()
                        .find(|(k, _)| k == "src")
                        .map(|(_, v)| v.as_str());
                    assert_eq!(src, Some("../static/search.js"), "{path}: a script");
                }
                for (attr, _) in &attrs {
                    assert!(
                        SEARCH_ATTRIBUTES.contains(&attr.as_str()) || attr.starts_with("data-"),
                        "{path}: <{tag} {attr}> is not allowed"
                    );
                }
                continue;
            }
            let start_page = path == "index.html" || path == "en/index.html";
            if start_page && FILTER_TAGS.contains(&tag.as_str()) {
                if tag == "script" {
                    let src = attrs
                        .iter()
                        .find(|(k, _)| k == "src")
                        .map(|(_, v)| v.as_str());
                    assert!(
                        matches!(src, Some("./static/filter.js" | "../static/filter.js")),
                        "{path}: a script {src:?}"
                    );
                }
                for (attr, _) in &attrs {
                    assert!(
                        FILTER_ATTRIBUTES.contains(&attr.as_str()) || attr.starts_with("data-"),
                        "{path}: <{tag} {attr}> is not allowed"
                    );
                }
                continue;
            }
            assert!(
                TAGS.contains(&tag.as_str()),
                "{path}: <{tag}> is not allowed"
            );
            for (attr, value) in attrs {
                assert!(
                    ATTRIBUTES.contains(&attr.as_str()),
                    "{path}: <{tag} {attr}> is not allowed"
                );
                if attr == "href" {
                    let scheme = value.split(':').next().unwrap_or("");
                    let relative = !value.contains(':') || value.find(':') > value.find('/');
                    assert!(
                        relative || ["http", "https", "mailto", "tel"].contains(&scheme),
                        "{path}: link to {value}"
                    );
                }
                if attr == "style" {
                    assert!(value.starts_with("text-align:"), "{path}: style={value}");
                }
            }
        }
        // Template syntax in content is shown, never run.
        assert!(
            !html.contains(">49<") && !html.contains(" 49 "),
            "{path} evaluated {{{{ 7*7 }}}}"
        );
    }
    assert!(pages >= 8);
    let page = read(&public.join("system/attack/index.html"));
    assert!(
        page.contains("{{ 7*7 }}"),
        "template syntax is shown as written"
    );
    assert!(
        page.contains("&lt;script&gt;alert('purpose')&lt;/script&gt;"),
        "raw HTML is shown as text"
    );
    assert!(page.contains(r#"<a href="https://ok.example/" rel="noopener noreferrer">ok</a>"#));
    // An image in Markdown becomes a link: no request to another site.
    assert!(
        page.contains(
            r#"<a href="https://evil.example/x.png" rel="noopener noreferrer">extern</a>"#
        )
    );
    // Department names become safe URL segments.
    assert!(
        public
            .join("forvaltning/img-src-x-onerror-alert-dept-etc/index.html")
            .is_file()
    );
    // Exports keep the text exactly as written (they are data, not HTML).
    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("register.json"))).unwrap();
    assert_eq!(
        json["systems"][0]["name"],
        "<script>alert('name')</script>{% raw %}"
    );
    let feed = read(&public.join("feed.xml"));
    assert!(!feed.contains("<script"), "{feed}");
}

/// Every string of the hostile corpus, rendered as Markdown for pages of both
/// languages, is unchanged by an HTML sanitiser with the renderer's policy.
#[test]
fn the_hostile_corpus_renders_to_fixpoints_of_the_sanitiser() {
    fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(m) => m.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let oracle = ammonia_oracle();
    let root = fixture("injection").join("register");
    let mut texts = vec![read(&root.join("pages/sida.md"))];
    for file in ["systems/attack.yaml", "site.yaml"] {
        let value: serde_json::Value = serde_saphyr::from_str(&read(&root.join(file))).unwrap();
        strings(&value, &mut texts);
    }
    texts.extend(
        [
            "[a](https://user:pass@www.kommun.se/)",
            "[a](https://evil.example\\@www.kommun.se/)",
            "[a](mailto:a@b.se?attach=/etc/passwd)",
            "[a](mailto:a@b.se?subject=Hej&body=x)",
            "[![bild](https://x.se/a.png)](https://y.se/)",
            "<a@b.se>",
            "| a | b |\n|:-|-:|\n| <b>c</b> | d |",
            "text\u{a0}&nbsp;\r\nrad\rrad",
        ]
        .map(str::to_owned),
    );
    assert!(texts.len() > 20, "the corpus was read: {}", texts.len());
    let glossary = insyn::markdown::Glossary::from_strings(&serde_json::json!([
        {"id": "ai", "stems": ["AI", "alert"]}
    ]));
    for text in &texts {
        for up in ["", "../"] {
            let mut linked = insyn::markdown::Linked::new();
            let html = insyn::markdown::render_in(
                text,
                3,
                Some((&glossary, "../ordlista/#", &mut linked)),
                up,
            );
            assert_fixpoint(&oracle, &html, text);
        }
    }
}

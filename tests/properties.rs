//! Property-based tests: for arbitrary input the loader returns records or
//! diagnostics and never panics, and rendered Markdown never contains an element,
//! attribute or URL scheme outside the allow-list.

mod common;
use common::*;
use insyn::model::Language;
use proptest::prelude::*;
use std::path::Path;

fn site_for_properties() -> tempfile::TempDir {
    site_copy("contract-only")
}

fn load_record(site: &Path, bytes: &[u8]) -> insyn::load::Loaded {
    std::fs::write(site.join("register/systems/kallelser.yaml"), bytes).unwrap();
    insyn::load::load(site, "2026-11-22".parse().unwrap())
}

/// A YAML value of any shape, written as JSON (which is YAML).
fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[ -~åäöÅÄÖ\\n\\t<>&\"'{}%#:]{0,40}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("2026-01-01"),
            Just("2026-02-30"),
            Just("2099-12-31"),
            Just("in_use"),
            Just("retired"),
            Just("automated"),
            Just("sensitive"),
            Just("outside_eu"),
            Just("high"),
            Just("dpia"),
            Just("fria"),
            Just("https://x.se/"),
            Just("a@b.se"),
            Just("javascript:alert(1)"),
            Just("08-123 45"),
            Just("prohibited"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names: mostly real ones (to get deep into validation), sometimes typos.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "name", "summary", "status", "department", "purpose", "decision_role",
            "human_oversight", "data", "risk", "contact", "reviewed", "technique",
            "how_it_works", "affected", "legal_basis", "appeal", "disclosure", "supplier",
            "assessments", "introduced", "retired", "next_review", "environment", "links",
            "tags", "translations", "personal_data", "description", "location",
            "used_for_training", "ai_act", "email", "phone", "url", "type", "date", "title",
            "in_house", "product", "en", "sv",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zåäö_]{1,12}",
    ]
}

fn record() -> impl Strategy<Value = String> {
    prop::collection::btree_map(key(), value(), 0..16).prop_map(|fields| {
        fields
            .into_iter()
            .map(|(k, v)| format!("{k}: {}\n", serde_json::to_string(&v).unwrap()))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,400}") {
        let _ = insyn::yaml::parse("x.yaml", &text, Language::Sv);
    }

    #[test]
    fn the_loader_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let site = site_for_properties();
        let loaded = load_record(site.path(), &bytes);
        prop_assert_eq!(loaded.register.is_some(), !loaded.diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn the_loader_returns_records_or_located_diagnostics(text in record()) {
        let site = site_for_properties();
        let loaded = load_record(site.path(), text.as_bytes());
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        match &loaded.register {
            Some(register) => {
                prop_assert!(errors.is_empty());
                prop_assert_eq!(register.systems.len(), 1);
            }
            None => {
                prop_assert!(!errors.is_empty());
                for d in &errors {
                    // Problems inside the record point at a place in it.
                    if d.file.ends_with("kallelser.yaml") && d.code != "empty-file" {
                        prop_assert!(d.line >= 1 && d.column >= 1, "{:?}", d);
                        prop_assert!(!d.message.is_empty());
                    }
                }
            }
        }
    }
}

/// Markdown made of pieces an attacker would try.
fn hostile_markdown() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "javascript:",
        "JaVaScRiPt:",
        "java\tscript:",
        " javascript:",
        "javascript&colon;",
        "java&#115;cript:",
        "&#106;avascript:",
        "data:text/html,",
        "vbscript:",
        "file:",
        "http:",
        "https:",
        "mailto:",
        "tel:",
        "",
        "//",
        "#",
    ]);
    let piece = prop_oneof![
        "[ -~åäö\\n]{0,30}",
        (scheme.clone(), "[a-z()1.]{0,12}").prop_map(|(s, r)| format!("[x]({s}{r})")),
        (scheme.clone(), "[a-z()1.]{0,12}").prop_map(|(s, r)| format!("![x]({s}{r})")),
        (scheme.clone(), "[a-z()1.]{0,12}").prop_map(|(s, r)| format!("<{s}{r}>")),
        (scheme, "[a-z()1.]{0,12}").prop_map(|(s, r)| format!("[ref]\n\n[ref]: {s}{r}\n")),
        prop::sample::select(vec![
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<iframe src=javascript:alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<div style=\"background:url(javascript:alert(1))\">",
            "<style>*{}</style>",
            "<!-- c -->",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "| a | b |\n|---|:-:|\n| <b>c</b> | d |",
            "```\n<script>\n```",
            "# <h1>x</h1>",
            "<details open ontoggle=alert(1)>",
            "<form action=javascript:alert(1)>",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

    #[test]
    fn rendered_markdown_stays_inside_the_allow_list(md in hostile_markdown()) {
        let html = insyn::markdown::render(&md, 3);
        for (tag, attrs) in tags(&html) {
            prop_assert!(MARKDOWN_TAGS.contains(&tag.as_str()), "<{}> from {:?}: {}", tag, md, html);
            for (attr, value) in attrs {
                prop_assert!(["href", "rel", "start", "style"].contains(&attr.as_str()), "{} on <{}> from {:?}", attr, tag, md);
                if attr == "href" {
                    let scheme = insyn::markdown::scheme_of(&value);
                    prop_assert!(
                        scheme.as_deref().is_none_or(|s| ["http", "https", "mailto", "tel"].contains(&s)),
                        "href {:?} from {:?}", value, md
                    );
                }
                if attr == "style" {
                    prop_assert!(value.starts_with("text-align:"), "style {:?}", value);
                }
            }
        }
    }
}

/// Inline Markdown: words with the characters HTML and URLs treat specially,
/// emphasis, code, links of every kind, raw HTML, entities and breaks.
fn inline_markdown() -> impl Strategy<Value = String> {
    let url = (
        prop::sample::select(vec![
            "https://",
            "http://",
            "HTTPS://",
            "mailto:",
            "tel:",
            "javascript:",
            "data:",
            "ftp:",
            "//",
            "/",
            "#",
            "?",
            "../",
            "",
            "https://user:pass@",
            "https://evil.example\\@",
            "mailto:a@b.se?attach=",
            "mailto:a@b.se?subject=",
            "https://[",
            "http://x:99999",
        ]),
        "[a-zåä0-9./?#&'\"()<>% @=:\\\\\u{a0}\t-]{0,16}",
    )
        .prop_map(|(s, r)| format!("{s}{r}"));
    let piece = prop_oneof![
        4 => "[ -~åäöÅÄÖ\u{a0}\u{200b}\r\t]{0,24}",
        1 => "[a-z ]{1,8}".prop_map(|t| format!("*{t}*")),
        1 => "[a-z ]{1,8}".prop_map(|t| format!("**{t}**")),
        1 => "[a-z ]{1,8}".prop_map(|t| format!("~~{t}~~")),
        1 => "[a-z <>&\"]{1,8}".prop_map(|t| format!("`{t}`")),
        2 => ("[a-z <*>]{0,8}", url.clone()).prop_map(|(t, u)| format!("[{t}]({u})")),
        1 => ("[a-z ]{0,8}", url.clone()).prop_map(|(t, u)| format!("[{t}](<{u}> \"t\")")),
        1 => ("[a-z ]{0,8}", url.clone()).prop_map(|(t, u)| format!("![{t}]({u})")),
        1 => ("[a-z]{1,4}", url.clone()).prop_map(|(t, u)| format!("[![{t}]({u})]({u})")),
        1 => url.clone().prop_map(|u| format!("<{u}>")),
        1 => "[a-z]{1,6}".prop_map(|t| format!("<{t}@example.se>")),
        1 => prop::sample::select(vec![
            "<script>alert(1)</script>", "<b>x</b>", "<!-- c -->", "<a href=x>y</a>",
            "&nbsp;", "&amp;", "&#0;", "&#x27;", "&lt;b&gt;", "&quot;", "\\*", "  \n", "\\\n",
            "<img src=x onerror=alert(1)>", "</p>", "<![CDATA[x]]>", "\u{0}", "&#65533;",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

/// A Markdown document: blocks of every kind, nested in lists and quotes.
fn markdown_document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => inline_markdown(),
        1 => (1..7usize, inline_markdown()).prop_map(|(n, t)| format!("{} {t}", "#".repeat(n))),
        1 => inline_markdown().prop_map(|t| format!("{t}\n===")),
        1 => "[ -~\n<>&]{0,30}".prop_map(|t| format!("```rust x\n{t}\n```")),
        1 => "[ -~<>&]{0,20}".prop_map(|t| format!("    {t}")),
        1 => (inline_markdown(), inline_markdown(), prop::sample::select(vec!["---", ":-:", "--:", ":--"]))
            .prop_map(|(a, b, al)| format!("| {a} | b |\n|{al}|---|\n| {b} | <i>c</i> |")),
        1 => Just("---".to_owned()),
        1 => "[ -~]{0,20}".prop_map(|t| format!("<div>\n{t}\n</div>")),
    ];
    let block = leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec!["- ", "* ", "1. ", "3) ", "> ", "- [ ] ", "- [x] "]),
                prop::collection::vec(inner.clone(), 1..4)
            )
                .prop_map(|(marker, items)| {
                    items
                        .iter()
                        .map(|i| format!("{marker}{}", i.replace('\n', "\n   ")))
                        .collect::<Vec<_>>()
                        .join("\n")
                }),
            prop::collection::vec(inner, 1..4).prop_map(|b| b.join("\n\n")),
        ]
    });
    prop::collection::vec(block, 0..4).prop_map(|b| b.join("\n\n"))
}

fn glossary() -> &'static insyn::markdown::Glossary {
    static GLOSSARY: std::sync::OnceLock<insyn::markdown::Glossary> = std::sync::OnceLock::new();
    GLOSSARY.get_or_init(|| {
        insyn::markdown::Glossary::from_strings(&serde_json::json!([
            {"id": "ai", "stems": ["AI"]}, {"id": "x\"&", "stems": ["risk"]}
        ]))
    })
}

fn oracle() -> &'static ammonia::Builder<'static> {
    static ORACLE: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    ORACLE.get_or_init(ammonia_oracle)
}

proptest! {
    // At least 10,000 generated documents per run (the project's rule), each
    // rendered for a page of the main language or of another one.
    #![proptest_config(ProptestConfig { cases: 10_000, .. ProptestConfig::default() })]

    #[test]
    fn rendered_markdown_is_a_fixpoint_of_the_sanitiser(md in markdown_document(), top in 2u8..4, up in prop::sample::select(vec!["", "../"])) {
        let mut linked = insyn::markdown::Linked::new();
        let html = insyn::markdown::render_in(&md, top, Some((glossary(), "../ordlista/#", &mut linked)), up);
        let cleaned = oracle().clean(&html).to_string();
        prop_assert_eq!(&cleaned, &html, "from {:?}", md);
    }
}

//! A register published in two languages: `languages: [sv, en]` gives a full
//! English site under `en/`, with people's translations, visible fallbacks and
//! links between the two versions of every page.

mod common;
use common::*;
use std::path::Path;

/// The example register (Swedish with English translations), built once per test.
fn example() -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = build_into(&repo(), &target);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (out, target)
}

/// The `(tag, attributes)` of every `<link rel="alternate" hreflang=…>`.
fn alternates(html: &str) -> Vec<(String, String)> {
    tags(html)
        .into_iter()
        .filter(|(tag, attrs)| {
            tag == "link" && attrs.iter().any(|(k, v)| k == "rel" && v == "alternate")
        })
        .filter_map(|(_, attrs)| {
            let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            Some((get("hreflang")?, get("href")?))
        })
        .collect()
}

/// Every page path (`system/x/`) under `dir`, relative to it, without `en/`.
fn pages(dir: &Path, skip: &str) -> Vec<String> {
    let mut out: Vec<String> = tree(dir)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n.ends_with("index.html") && !n.starts_with(skip))
        .map(|n| n.trim_end_matches("index.html").to_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn every_page_has_an_english_twin_linked_both_ways() {
    let (_out, site) = example();
    let swedish = pages(&site, "en/");
    let english = pages(&site.join("en"), "\u{0}");
    assert_eq!(swedish, english, "the same pages in both languages");
    assert!(swedish.len() > 30);

    for path in ["", "system/chattbot-webbplatsen/", "statistik/"] {
        let sv = read(&site.join(path).join("index.html"));
        let en = read(&site.join("en").join(path).join("index.html"));
        assert!(sv.contains("<html lang=\"sv\">"));
        assert!(en.contains("<html lang=\"en\">"));
        // hreflang alternates: both versions and the default, absolute.
        let expected = vec![
            (
                "sv".to_owned(),
                format!("https://ai.exempelkommun.se/{path}"),
            ),
            (
                "en".to_owned(),
                format!("https://ai.exempelkommun.se/en/{path}"),
            ),
            (
                "x-default".to_owned(),
                format!("https://ai.exempelkommun.se/{path}"),
            ),
        ];
        assert_eq!(alternates(&sv), expected, "{path}");
        assert_eq!(alternates(&en), expected, "en/{path}");
        // The switcher goes to the same page in the other language.
        let depth = path.matches('/').count();
        let up = "../".repeat(depth);
        let switch_sv = format!(
            "<a href=\"{}en/{path}\" hreflang=\"en\" lang=\"en\">English</a>",
            if depth == 0 {
                "./".to_owned()
            } else {
                up.clone()
            }
        );
        assert!(sv.contains(&switch_sv), "{path}: {switch_sv}");
        let switch_en =
            format!("<a href=\"../{up}{path}\" hreflang=\"sv\" lang=\"sv\">Svenska</a>");
        assert!(en.contains(&switch_en), "en/{path}: {switch_en}");
        // Shared files (style, exports) are linked from the site root.
        assert!(en.contains(&format!("href=\"../{up}static/style.css\"")));
    }
    // One not-found page (web hosts serve one), in both languages.
    let missing = read(&site.join("404.html"));
    assert!(missing.contains("<h1>Sidan finns inte</h1>"));
    assert!(missing.contains("<section lang=\"en\""));
    assert!(missing.contains("<a href=\"/en/\">Go to the home page</a>"));
    // Exports are made once, in the main language.
    assert!(!site.join("en/register.json").exists());
    assert!(!site.join("en/system/chattbot-webbplatsen.json").exists());
}

#[test]
fn english_pages_show_translations_and_mark_what_is_still_swedish() {
    let (_out, site) = example();
    let page = |p: &str| read(&site.join(p).join("index.html"));

    // A fully translated record: English everywhere, no note.
    let chat = page("en/system/chattbot-webbplatsen/");
    let main = main_of(&chat);
    assert!(main.contains("<h1>Chatbot on the municipality&#39;s website</h1>"));
    assert!(main.contains("talk to a person"));
    assert!(!main.contains("untranslated-note"));
    assert!(!main.contains("Chattboten fattar inga beslut"));
    // The department name the records give in English.
    assert!(main.contains(">Executive Office</a>"));

    // A partly translated record: translated fields in English, the rest in
    // Swedish with lang="sv", a note at the top and at each Swedish part.
    let heat = main_of(&page("en/system/energistyrning-fastigheter/"));
    assert!(heat.contains("<h1>Heating control in municipal buildings</h1>"));
    assert!(heat.contains("Parts of this page have not been translated and are shown in Swedish."));
    assert!(heat.contains("<div lang=\"sv\">\n<p>Drifttekniker ser alla ändringar"));
    assert!(heat.contains("This part has not been translated and is shown in Swedish."));
    // No department translation: the Swedish name, marked.
    assert!(heat.contains("lang=\"sv\">Fastighetsbolaget Exempelhem AB</a>"));

    // An untranslated record: one note, everything Swedish marked.
    let school = main_of(&page("en/system/las-app-grundskolan/"));
    assert!(
        school.contains("This system has not been translated yet. Its text is shown in Swedish.")
    );
    assert!(school.contains("<h1 lang=\"sv\">"));
    assert!(school.contains("<p class=\"lead\" lang=\"sv\">"));
    assert!(!school.contains("This part has not been translated"));

    // Listings use the English names, and mark the Swedish ones.
    let start = page("en/");
    assert!(start.contains(">Route planning in home care</a>"));
    assert!(start.contains("/las-app-grundskolan/\" lang=\"sv\">"));
    // The Swedish site is untouched by the translations.
    let sv = page("system/chattbot-webbplatsen/");
    assert!(main_of(&sv).contains("<h1>Chattbot på kommunens webbplats</h1>"));
    assert!(!sv.contains("untranslated-note"));

    // Markdown pages: a translation file, or the Swedish page with a note.
    let about = main_of(&page("en/om-registret/"));
    assert!(about.contains("<h1>About the AI register</h1>"));
    // Links written as on the Swedish page reach the same file from en/.
    assert!(about.contains("<a href=\"../../register.json\" rel=\"noopener noreferrer\">JSON</a>"));
    let policy = main_of(&page("en/ai-policy/"));
    assert!(policy.contains("This page has not been translated yet."));
    assert!(policy.contains("<h1 lang=\"sv\">Så får kommunen använda AI</h1>"));

    // Site title and accessibility statement from site.yaml's translations.
    let statement = page("en/tillganglighet/");
    assert!(
        statement
            .contains("<title>Accessibility statement – Exempelkommun&#39;s AI register</title>")
    );
    // The English issue, with the criterion the Swedish one gives.
    assert!(statement.contains(
        "<li><span>Documents linked from the departments (for example impact assessments as PDF) are not always accessible.</span> <span class=\"count\">(WCAG criterion 1.3.1 Information och relationer)</span></li>"
    ));
    assert!(statement.contains("You will get an answer within <span>five working days</span>."));
    assert!(statement.contains("first made on 2026-03-01"));
    // Every UI text is English: none of the Swedish interface strings remain.
    for swedish in [
        "Hoppa till innehållet",
        "Alla AI-system",
        "Tillgänglighetsredogörelse",
    ] {
        assert!(!chat.contains(swedish), "{swedish}");
    }
}

#[test]
fn a_text_missing_from_one_language_fails_the_build_and_names_it() {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("register"), &site.path().join("register"));
    // A theme adds a text in Swedish only.
    let theme = site.path().join("themes/egen");
    std::fs::create_dir_all(theme.join("i18n")).unwrap();
    std::fs::write(theme.join("i18n/sv.yaml"), "ui:\n  extra_note: Ny text\n").unwrap();
    edit(
        &site.path().join("register/site.yaml"),
        "  languages: [sv, en]",
        "  languages: [sv, en]\n  theme: egen",
    );
    let out = site.path().join("public");
    let run = build_into(site.path(), &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`ui.extra_note`"), "{}", run.stderr);
    assert!(run.stderr.contains("i18n/en.yaml"), "{}", run.stderr);
    assert!(!out.exists(), "nothing is published");

    // With the English text too, it builds.
    std::fs::write(theme.join("i18n/en.yaml"), "ui:\n  extra_note: New text\n").unwrap();
    let run = build_into(site.path(), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_page_translation_without_its_page_is_an_error() {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("register"), &site.path().join("register"));
    std::fs::write(
        site.path().join("register/pages/kontakt.en.md"),
        "# Contact\n\nWrite to us.\n",
    )
    .unwrap();
    let run = insyn(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let run = Run {
        stderr: format!("{}{}", run.stdout, run.stderr),
        ..run
    };
    assert!(
        run.stderr.contains("register/pages/kontakt.en.md"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`kontakt.md`"), "{}", run.stderr);
}

#[test]
fn a_single_language_site_has_no_switcher_and_no_english_folder() {
    let site = site_copy("contract-only");
    let out = site.path().join("public");
    let run = build_into(site.path(), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!out.join("en").exists());
    let start = read(&out.join("index.html"));
    assert!(!start.contains("hreflang"));
    assert!(!start.contains("language-switch"));
}

#[test]
fn the_search_index_of_each_language_finds_every_record_by_its_name() {
    let (_out, site) = example();
    for (lang, prefix) in [("sv", ""), ("en", "en/")] {
        let dir = site.join("search").join(lang);
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&dir.join("index.json"))).unwrap();
        let per_file = manifest["per_file"].as_u64().unwrap() as usize;
        let chunks: Vec<String> = manifest["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert!(chunks.windows(2).all(|w| w[0] < w[1]), "chunks in order");
        // Every word with its postings, gaps turned back into record numbers.
        let mut index: std::collections::BTreeMap<String, Vec<(u64, u64)>> = Default::default();
        for (k, first_word) in chunks.iter().enumerate() {
            let chunk: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&read(&dir.join(format!("w{k}.json")))).unwrap();
            let first = chunk.keys().min().unwrap();
            assert_eq!(
                first, first_word,
                "the manifest names each chunk's first word"
            );
            for (word, list) in chunk {
                let postings: Vec<(u64, u64)> =
                    insyn::search::decode_postings(list.as_str().unwrap())
                        .into_iter()
                        .map(|(doc, weight)| (u64::from(doc), u64::from(weight)))
                        .collect();
                index.insert(word, postings);
            }
        }
        let docs = manifest["docs"].as_u64().unwrap() as usize;
        assert_eq!(docs, 13);
        for n in 0..docs {
            let file: serde_json::Value =
                serde_json::from_str(&read(&dir.join(format!("d{}.json", n / per_file)))).unwrap();
            let row = &file[n % per_file];
            let (id, name) = (row[0].as_str().unwrap(), row[1].as_str().unwrap());
            // The page the result links to exists in this language.
            assert!(
                site.join(prefix)
                    .join("system")
                    .join(id)
                    .join("index.html")
                    .is_file()
            );
            // Each word of the name leads back to this record, weighted as a name.
            for word in name
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 2)
            {
                let word = word.to_lowercase();
                let hits = index
                    .get(&word)
                    .unwrap_or_else(|| panic!("{lang}: no `{word}`"));
                assert!(
                    hits.iter().any(|&(d, weight)| d == n as u64 && weight == 8),
                    "{lang}: `{word}` does not lead to {id}"
                );
            }
        }
        // The English index holds the English names.
        if lang == "en" {
            assert!(index.contains_key("chatbot"));
            assert!(
                index.contains_key("grundskolan"),
                "untranslated records are searchable too"
            );
        }
    }
    // The search page: a form hidden until the script runs, and without
    // JavaScript a way to the filter pages.
    let page = read(&site.join("sok/index.html"));
    assert!(page.contains(
        "<form class=\"search-form\" role=\"search\" action=\"./\" method=\"get\" hidden"
    ));
    assert!(page.contains("<noscript>"));
    assert!(page.contains("data-search=\"../search/sv/\""));
    let page = read(&site.join("en/sok/index.html"));
    assert!(page.contains("data-search=\"../../search/en/\""));
}

//! `insyn build` end to end on fixture sites and on the example register.

mod common;
use common::*;

#[test]
fn example_register_builds_a_page_for_every_record() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = insyn(&[
        "build",
        "--root",
        repo().to_str().unwrap(),
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let records: Vec<String> = std::fs::read_dir(repo().join("register/systems"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        records.len() >= 12,
        "the example register has at least 12 records"
    );

    let json: serde_json::Value =
        serde_json::from_str(&read(&target.join("register.json"))).unwrap();
    let systems = json["systems"].as_array().unwrap();
    assert_eq!(systems.len(), records.len());
    assert_eq!(json["schema_version"], "1.0");
    assert_eq!(json["organisation"]["name"], "Exempelkommun");
    for id in &records {
        let page = target.join("system").join(id).join("index.html");
        assert!(page.is_file(), "no page for {id}");
        let entry = systems.iter().find(|s| s["id"] == id.as_str()).unwrap();
        assert_eq!(
            entry["url"],
            format!("https://ai.exempelkommun.se/system/{id}/")
        );
        // Every field under the same name as in the YAML, dates as strings.
        let yaml = read(&repo().join("register/systems").join(format!("{id}.yaml")));
        for line in yaml
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '-']) && l.contains(':'))
        {
            let key = line.split(':').next().unwrap();
            assert!(
                entry.get(key).is_some(),
                "{id}: `{key}` missing from register.json"
            );
        }
        assert!(entry["reviewed"].as_str().unwrap().len() == 10);
    }

    // The example covers every value of every closed list.
    for (field, values) in [
        ("status", &["planned", "pilot", "in_use", "retired"][..]),
        (
            "decision_role",
            &["none", "support", "automated_with_review", "automated"][..],
        ),
    ] {
        for v in values {
            assert!(
                systems.iter().any(|s| s[field] == *v),
                "no example with {field}: {v}"
            );
        }
    }
    for v in ["none", "personal", "sensitive"] {
        assert!(
            systems.iter().any(|s| s["data"]["personal_data"] == v),
            "no example with personal_data {v}"
        );
    }
    for v in ["minimal", "limited", "high"] {
        assert!(
            systems.iter().any(|s| s["risk"]["ai_act"] == v),
            "no example with ai_act {v}"
        );
    }

    for file in [
        "index.html",
        "404.html",
        "tillganglighet/index.html",
        "forvaltning/index.html",
        "om-registret/index.html",
        "ai-policy/index.html",
        "sitemap.xml",
        "robots.txt",
        "register.csv",
        "feed.xml",
        "static/style.css",
    ] {
        assert!(target.join(file).is_file(), "{file} was not written");
    }
    // The record schema is published, versioned, and is the one `insyn schema` prints.
    let published = read(&target.join("schema/record-v1.json"));
    assert_eq!(published, insyn(&["schema"]).stdout);
    // One page per department, linked from the start page.
    let index = read(&target.join("index.html"));
    for dept in [
        "socialforvaltningen",
        "utbildningsforvaltningen",
        "fastighetsbolaget-exempelhem-ab",
    ] {
        assert!(
            target
                .join("forvaltning")
                .join(dept)
                .join("index.html")
                .is_file(),
            "{dept}"
        );
        assert!(
            index.contains(&format!("forvaltning/{dept}/")),
            "start page links {dept}"
        );
    }
}

#[test]
fn a_register_with_only_the_contract_fields_builds() {
    let site = site_copy("contract-only");
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let public = site.path().join("public");
    let page = read(&public.join("system/kallelser/index.html"));
    // A default title is derived from the organisation.
    assert!(page.contains(
        "<title>Automatisk sortering av kallelser – AI-registret – Småby kommun</title>"
    ));
    // base_url with a path: absolute links keep the path.
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://ai.smaby.example/register/system/kallelser/</loc>"),
        "{sitemap}"
    );
    // 404.html is served at any depth, so it links absolutely under the base path.
    let not_found = read(&public.join("404.html"));
    assert!(
        not_found.contains(r#"href="/register/static/style.css""#),
        "{not_found}"
    );
    insta::assert_snapshot!("contract_only_system_main", main_of(&page));
}

#[test]
fn every_page_links_the_accessibility_statement_and_uses_no_other_origin() {
    let site = site_copy("contract-only");
    assert_eq!(
        insyn(&["build", "--root", site.path().to_str().unwrap()]).code,
        0
    );
    for (path, bytes) in tree(&site.path().join("public")) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        assert!(
            html.contains("tillganglighet/\""),
            "{path} does not link the accessibility statement"
        );
        for attr in ["src=\"http", "href=\"//", "src=\"//", "<img", "<iframe"] {
            assert!(!html.contains(attr), "{path} contains {attr}");
        }
        // The only scripts: the theme's own search, on the search page, and
        // its filters, on the start page.
        let search = "<script src=\"../static/search.js\" defer></script>";
        let filter = "<script src=\"./static/filter.js\" defer></script>";
        let expected = usize::from(path == "sok/index.html");
        let start = usize::from(path == "index.html");
        assert_eq!(html.matches("<script").count(), expected + start, "{path}");
        assert_eq!(html.matches(search).count(), expected, "{path}");
        assert_eq!(html.matches(filter).count(), start, "{path}");
        let stylesheets = html.matches("rel=\"stylesheet\" href=\"http").count();
        assert_eq!(
            stylesheets, 0,
            "{path} loads a stylesheet from another origin"
        );
    }
    let statement = read(&site.path().join("public/tillganglighet/index.html"));
    for required in [
        "helt förenlig med lagen",
        "https://www.digg.se/tdosanmalan",
        "2026-01-15",
        "en egen granskning",
        "mailto:info@smaby.example",
    ] {
        assert!(statement.contains(required), "statement lacks {required}");
    }
}

#[test]
fn building_twice_gives_byte_identical_output() {
    let out = tempfile::tempdir().unwrap();
    let a = out.path().join("a");
    let b = out.path().join("b");
    let root = repo();
    assert_eq!(build_into(&root, &a).code, 0);
    assert_eq!(build_into(&root, &b).code, 0);
    let (ta, tb) = (tree(&a), tree(&b));
    assert!(ta.len() > 30);
    assert_eq!(ta.len(), tb.len());
    for ((pa, ba), (pb, bb)) in ta.iter().zip(tb.iter()) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{pa} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_published_site_untouched() {
    let site = site_copy("contract-only");
    let root = site.path().to_str().unwrap();
    assert_eq!(insyn(&["build", "--root", root]).code, 0);
    let public = site.path().join("public");
    let before = tree(&public);

    let record = site.path().join("register/systems/kallelser.yaml");
    let text = read(&record).replace("status: in_use", "status: anvands");
    std::fs::write(&record, text).unwrap();
    let run = insyn(&["build", "--root", root]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("`anvands` är inte ett tillåtet värde för `status`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Inget publicerades"), "{}", run.stderr);
    assert_eq!(tree(&public), before, "the published site changed");
    // No staging folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("insyn-"))
        // (The lock file stays: removing it would let two builds hold two locks.)
        .filter(|e| e.file_name() != ".public.insyn-lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A broken theme template also fails before anything is published.
    std::fs::write(
        &record,
        read(&fixture("contract-only").join("register/systems/kallelser.yaml")),
    )
    .unwrap();
    site_setting(site.path(), "theme: trasig");
    std::fs::create_dir_all(site.path().join("themes/trasig/templates")).unwrap();
    std::fs::write(
        site.path().join("themes/trasig/templates/system.html"),
        "{% extends \"base.html\" %}{% block main %}{{ s.nonexistent.deeper }}{% endblock %}",
    )
    .unwrap();
    let run = insyn(&["build", "--root", root]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("themes/trasig/templates/system.html"),
        "{}",
        run.stderr
    );
    assert_eq!(tree(&public), before, "the published site changed");
}

#[test]
fn build_refuses_to_replace_a_folder_it_did_not_make() {
    let site = site_copy("contract-only");
    let other = site.path().join("mina-filer");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("viktigt.txt"), "behåll mig").unwrap();
    let run = insyn(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        other.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("innehåller filer som inte kommer från insyn"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&other.join("viktigt.txt")), "behåll mig");
    let run = insyn(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        site.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(site.path().join("register/site.yaml").is_file());
}

#[test]
fn a_theme_overrides_templates_strings_and_static_files_file_by_file() {
    let site = site_copy("contract-only");
    site_setting(site.path(), "theme: eget");
    let theme = site.path().join("themes/eget");
    std::fs::create_dir_all(theme.join("i18n")).unwrap();
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(
        theme.join("i18n/sv.yaml"),
        "ui:\n  skip: Direkt till innehållet\n",
    )
    .unwrap();
    std::fs::write(theme.join("static/extra.txt"), "egen fil").unwrap();
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let index = read(&site.path().join("public/index.html"));
    assert!(index.contains("Direkt till innehållet"));
    // Keys the theme does not override still come from the built-in theme.
    assert!(index.contains("Alla AI-system"));
    assert_eq!(
        read(&site.path().join("public/static/extra.txt")),
        "egen fil"
    );
    assert!(site.path().join("public/static/style.css").is_file());
}

#[test]
fn an_english_site_is_built_with_english_texts() {
    let site = site_copy("contract-only");
    site_setting(site.path(), "language: en");
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(&site.path().join("public/system/kallelser/index.html"));
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(
        page.contains(
            "<title>Automatisk sortering av kallelser – AI register – Småby kommun</title>"
        )
    );
    assert!(page.contains("Who checks what the AI does?"));
    assert!(page.contains("Not used for decisions about individuals"));
    assert!(!page.contains("Vem kontrollerar"));
}

#[test]
fn the_statistics_page_counts_the_register_in_charts_and_tables() {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("register"), &site.path().join("register"));
    // One record overdue for review (its next check was before "today").
    let record = site
        .path()
        .join("register/systems/las-app-grundskolan.yaml");
    let text = read(&record);
    let text = match text.lines().find(|l| l.starts_with("next_review:")) {
        Some(line) => text.replace(line, "next_review: 2026-01-15"),
        None => format!("{text}next_review: 2026-01-15\n"),
    };
    std::fs::write(&record, text).unwrap();
    let out = site.path().join("public");
    let run = build_into(site.path(), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(&out.join("statistik/index.html"));

    // The counts come from register.json, not from the page's own code.
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("register.json"))).unwrap();
    let systems = json["systems"].as_array().unwrap();
    for (value, slug, label) in [
        ("in_use", "in-use", "Används"),
        ("pilot", "pilot", "Testas"),
        ("planned", "planned", "Planeras"),
    ] {
        let n = systems.iter().filter(|s| s["status"] == value).count();
        let row = format!(
            r#"<th scope="row"><a href="../status/{slug}/">{label}</a></th><td class="number">{n}</td>"#
        );
        assert!(page.contains(&row), "{row}\n{page}");
        // The chart says the same in its text alternative.
        assert!(
            page.contains(&format!("{label} {n};")) || page.contains(&format!("{label} {n}.")),
            "{label} {n}"
        );
    }
    let high = systems
        .iter()
        .filter(|s| s["risk"]["ai_act"] == "high")
        .count();
    assert!(page.contains(&format!(
        r#"<a href="../risk/high/">Hög risk</a></th><td class="number">{high}</td>"#
    )));
    // Every chart is an image with a text alternative, followed by a table.
    let charts = page
        .matches(r#"role="img" aria-labelledby="diagram-"#)
        .count();
    assert_eq!(
        charts, 6,
        "status, department, risk, decision role, personal data, review"
    );
    assert_eq!(page.matches("<table>").count(), 6);
    assert_eq!(page.matches("<title id=\"diagram-").count(), 6);
    // The overdue record is counted and linked.
    assert!(
        page.contains(r#"<th scope="row">Försenad kontroll</th><td class="number">1</td>"#),
        "{page}"
    );
    assert!(page.contains(r#"<a href="../system/las-app-grundskolan/">"#));
    // Linked from every page's footer.
    assert!(read(&out.join("index.html")).contains(r#"href="./statistik/""#));
}

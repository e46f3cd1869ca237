//! A link checker over the built site: every internal link and anchor resolves,
//! also when the site is published under a sub-path (`https://x.github.io/ai/`).
//! And the open data validates against the schema the site publishes.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every id in every page, by page path.
fn anchors(pages: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    pages
        .iter()
        .map(|(path, html)| {
            let ids = tags(html)
                .into_iter()
                .flat_map(|(_, attrs)| attrs.into_iter().filter(|(a, _)| a == "id").map(|(_, v)| v))
                .collect();
            (path.clone(), ids)
        })
        .collect()
}

/// Resolves `href` from the page at `page` (a path like `system/x/index.html`).
fn resolve(page: &str, href: &str) -> (String, Option<String>) {
    let (target, fragment) = match href.split_once('#') {
        Some((t, f)) => (t, Some(f.to_owned())),
        None => (href, None),
    };
    if target.is_empty() {
        return (page.to_owned(), fragment);
    }
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if target.ends_with('/') || path.is_empty() {
        path = if path.is_empty() {
            "index.html".into()
        } else {
            format!("{path}/index.html")
        };
    }
    (path, fragment)
}

fn check_links(public: &Path, base_path: &str) -> usize {
    let files: BTreeMap<String, Vec<u8>> = tree(public).into_iter().collect();
    let pages: BTreeMap<String, String> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p.clone(), String::from_utf8(b.clone()).unwrap()))
        .collect();
    let ids = anchors(&pages);
    let mut checked = 0;
    let mut broken = Vec::new();
    for (page, html) in &pages {
        for (_, attrs) in tags(html) {
            for (attr, href) in attrs {
                if attr != "href" || href.contains(':') || href.starts_with("//") {
                    continue;
                }
                // 404.html is served at any depth, so it links from the base path.
                let (target, fragment) = if let Some(rest) = href.strip_prefix(base_path) {
                    resolve("index.html", rest)
                } else {
                    assert!(
                        !href.starts_with('/'),
                        "{page}: {href} is absolute but not under {base_path}"
                    );
                    resolve(page, &href)
                };
                checked += 1;
                if !files.contains_key(&target) {
                    broken.push(format!("{page}: {href} → {target} does not exist"));
                    continue;
                }
                if let Some(f) = fragment
                    && !ids.get(&target).is_some_and(|set| set.contains(&f))
                {
                    broken.push(format!("{page}: {href} → no #{f} in {target}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
    checked
}

#[test]
fn every_internal_link_and_anchor_resolves_under_a_sub_path() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("register"), &dir.path().join("register"));
    let site_yaml = dir.path().join("register/site.yaml");
    edit(
        &site_yaml,
        "https://ai.exempelkommun.se/",
        "https://x.github.io/ai/",
    );
    let run = insyn(&["build", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let public = dir.path().join("public");
    let checked = check_links(&public, "/ai/");
    assert!(checked > 500, "only {checked} links checked");
    // Absolute URLs carry the sub-path.
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://x.github.io/ai/system/chattbot-webbplatsen/</loc>"));
    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("register.json"))).unwrap();
    assert!(json["systems"].as_array().unwrap().iter().all(|s| {
        s["url"]
            .as_str()
            .unwrap()
            .starts_with("https://x.github.io/ai/system/")
    }));
    assert!(read(&public.join("dcat.jsonld")).contains("https://x.github.io/ai/register.csv"));
}

#[test]
fn the_link_checker_finds_a_broken_link() {
    let site = site_copy("contract-only");
    std::fs::create_dir_all(site.path().join("register/pages")).unwrap();
    std::fs::write(
        site.path().join("register/pages/trasig.md"),
        "# Trasig\n\n[finns inte](../finns-inte/) [ankare](../ordlista/#saknas)\n",
    )
    .unwrap();
    assert_eq!(
        insyn(&["build", "--root", site.path().to_str().unwrap()]).code,
        0
    );
    let outcome =
        std::panic::catch_unwind(|| check_links(&site.path().join("public"), "/register/"));
    let message = match outcome {
        Err(e) => e.downcast_ref::<String>().cloned().unwrap_or_default(),
        Ok(_) => panic!("the broken links were not found"),
    };
    assert!(message.contains("2 broken links"), "{message}");
}

#[test]
fn the_exports_validate_against_the_published_schemas() {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    assert_eq!(build_into(&repo(), &public).code, 0);
    let schema: serde_json::Value =
        serde_json::from_str(&read(&public.join("schema/register-v1.json"))).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("a valid draft-07 schema");
    let register: serde_json::Value =
        serde_json::from_str(&read(&public.join("register.json"))).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&register)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = register.clone();
    broken["systems"][0]["status"] = "active".into();
    assert!(!validator.is_valid(&broken));
    // Each system's own file is the same object as in register.json.
    for system in register["systems"].as_array().unwrap() {
        let id = system["id"].as_str().unwrap();
        let own: serde_json::Value =
            serde_json::from_str(&read(&public.join(format!("system/{id}.json")))).unwrap();
        assert_eq!(&own, system);
    }
    // CSV: a byte order mark, one row per system plus the header, å ä ö intact.
    let csv = std::fs::read(public.join("register.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), register["systems"].as_array().unwrap().len());
    let header = reader.headers().unwrap().clone();
    let purpose = header.iter().position(|h| h == "purpose").unwrap();
    let first = &register["systems"][0];
    let row = rows
        .iter()
        .find(|r| &r[0] == first["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        &row[purpose],
        first["purpose"].as_str().unwrap(),
        "multi-line text survives"
    );
}

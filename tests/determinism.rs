//! Same input, same output (issue 15, item 6): departments whose names make
//! the same slug each get their own page with their own systems, build after
//! build; names that differ only in Unicode form are one name, and names that
//! only look alike are warned about.

mod common;
use common::*;
use std::path::Path;

fn site_with_departments(departments: &[&str]) -> tempfile::TempDir {
    let site = site_copy("contract-only");
    let systems = site.path().join("register/systems");
    let record = read(&systems.join("kallelser.yaml"));
    std::fs::remove_file(systems.join("kallelser.yaml")).unwrap();
    for (i, dept) in departments.iter().enumerate() {
        let text = record
            .replace(
                "department: Kommunkansliet",
                &format!("department: \"{dept}\""),
            )
            .replace(
                "name: Automatisk sortering av kallelser",
                &format!("name: System nummer {i}"),
            );
        assert!(text.contains(dept));
        std::fs::write(systems.join(format!("system-{i}.yaml")), text).unwrap();
    }
    site
}

fn department_pages(public: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(public.join("forvaltning"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("index.html").is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                read(&e.path().join("index.html")),
            )
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn departments_with_the_same_slug_each_get_their_own_page_every_time() {
    let names = [
        "Socialförvaltningen",
        "Socialforvaltningen",
        "Socialförvaltningen 2",
    ];
    let site = site_with_departments(&names);
    let first = site.path().join("first");
    let again = site.path().join("again");
    assert_eq!(build_into(site.path(), &first).code, 0);
    assert_eq!(build_into(site.path(), &again).code, 0);
    assert_eq!(tree(&first), tree(&again), "two builds differ");
    let pages = department_pages(&first);
    assert_eq!(
        pages.len(),
        3,
        "{:?}",
        pages.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    for (i, name) in names.iter().enumerate() {
        let page = pages
            .iter()
            .find(|(_, html)| html.contains(&format!(" {name}</h1>")))
            .unwrap_or_else(|| panic!("no page for {name}"));
        assert!(
            page.1.contains(&format!("System nummer {i}")),
            "{name} lists not its system"
        );
        for (j, _) in names.iter().enumerate().filter(|(j, _)| *j != i) {
            assert!(
                !page.1.contains(&format!("System nummer {j}<")),
                "{name} lists {j}"
            );
        }
    }
}

#[test]
fn names_in_another_unicode_form_are_one_name_and_look_alikes_are_warned_about() {
    // `ö` as one character and as `o` + combining diaeresis.
    let site = site_with_departments(&["Socialförvaltningen", "Socialfo\u{308}rvaltningen"]);
    let public = site.path().join("public");
    assert_eq!(build_into(site.path(), &public).code, 0);
    assert_eq!(department_pages(&public).len(), 1);
    let json = read(&public.join("register.json"));
    assert!(!json.contains('\u{308}'), "text is published in NFC");

    let site = site_with_departments(&[
        "Socialförvaltningen",
        "Social\u{200b}förvaltningen",
        "Sоcialförvaltningen",
    ]);
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let warnings: Vec<_> = diagnostics(&run)
        .into_iter()
        .filter(|d| d["code"] == "lookalike-department")
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
}

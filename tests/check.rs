//! `insyn check`: every mistake at once, located, in plain Swedish, three formats.

mod common;
use common::*;

fn check_invalid(format: &str) -> Run {
    let root = fixture("invalid");
    insyn(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        format,
    ])
}

#[test]
fn human_output_lists_every_error_with_file_line_column_and_fix() {
    let run = check_invalid("human");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("invalid_human", run.stdout);
}

#[test]
fn each_kind_of_mistake_is_reported_where_it_is() {
    let run = check_invalid("json");
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diags = doc["diagnostics"].as_array().unwrap();
    let find = |file: &str, code: &str| -> (u64, u64, String, String) {
        let d = diags
            .iter()
            .find(|d| d["file"] == format!("register/systems/{file}") && d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {file}: {diags:#?}"));
        (
            d["line"].as_u64().unwrap(),
            d["column"].as_u64().unwrap(),
            d["message"].as_str().unwrap().to_owned(),
            d["hint"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // Unknown field: located, with the closest known field.
    let (l, c, m, h) = find("chattbot.yaml", "unknown-field");
    assert_eq!((l, c), (3, 1));
    assert!(
        m.contains("`sumary`") && h.contains("Menade du `summary`?"),
        "{m} {h}"
    );
    // Bad enum value: the allowed values, and a suggestion for a casing slip.
    let status = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`active`"))
        .unwrap();
    assert_eq!(
        (status["line"].as_u64(), status["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert!(
        status["hint"]
            .as_str()
            .unwrap()
            .contains("`planned`, `pilot`, `in_use`, `retired`")
    );
    let role = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`Support`"))
        .unwrap();
    assert!(
        role["hint"]
            .as_str()
            .unwrap()
            .contains("Menade du `support`?")
    );
    // Missing (empty) field: which, and what it is for.
    let empty = diags
        .iter()
        .find(|d| d["message"] == "Fältet `human_oversight` är tomt.")
        .unwrap();
    assert_eq!(empty["line"], 8);
    assert!(
        empty["hint"]
            .as_str()
            .unwrap()
            .contains("vem som kontrollerar")
    );
    let (_, _, _, h) = find("utan-kontakt.yaml", "missing-contact");
    assert!(h.contains("email"));
    // Dates: real calendar dates, not in the future.
    let (l, _, m, _) = find("chattbot.yaml", "date-in-future");
    assert_eq!(l, 20);
    assert!(m.contains("2099-01-01"));
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("`2020-02-30`"))
    );
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("`2026-13-01`"))
    );
    // Contact channels are validated.
    assert!(diags.iter().any(|d| d["code"] == "invalid-email"));
    assert!(
        diags.iter().any(|d| d["code"] == "invalid-url"
            && d["message"].as_str().unwrap().contains("www.kommun.se"))
    );
    // Prohibited AI cannot be registered.
    let (l, c, _, _) = find("chattbot.yaml", "prohibited-ai");
    assert_eq!((l, c), (15, 11));
    // Retired needs a retirement date; the summary has a length limit.
    assert!(
        diags
            .iter()
            .any(|d| d["file"] == "register/systems/utan-kontakt.yaml"
                && d["message"].as_str().unwrap().contains("`retired` saknas"))
    );
    find("utan-kontakt.yaml", "summary-too-long");
    // Unknown nested field, wrong shape of a map.
    assert!(
        diags
            .iter()
            .any(|d| d["message"] == "Okänt fält `risk.extra`.")
    );
    assert!(diags.iter().any(|d| {
        d["file"] == "register/systems/utan-kontakt.yaml"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("`data` ska innehålla egna fält")
    }));
    // Broken YAML, tabs, duplicate keys, a list at the top, Latin-1, empty file.
    let (l, _, _, _) = find("oavslutad.yaml", "yaml-syntax");
    assert!(l >= 1);
    let (l, c, m, _) = find("tabb.yaml", "yaml-syntax");
    assert_eq!((l, c), (3, 1));
    assert!(m.contains("tabbtecken"), "{m}");
    let (l, _, m, _) = find("dubbel.yaml", "yaml-syntax");
    assert_eq!(l, 2);
    assert!(
        m.contains("`name` står två gånger: första gången på rad 1"),
        "{m}"
    );
    find("lista.yaml", "wrong-type");
    let (l, c, _, _) = find("latin1.yaml", "not-utf8");
    assert_eq!((l, c), (1, 8));
    find("tom.yaml", "empty-file");
    // File names: not a slug, and the same id twice (.yml beside .yaml).
    let (_, _, _, h) = find("Versaler.yaml", "invalid-id");
    assert!(h.contains("`versaler.yaml`"), "{h}");
    find("dubblett.yml", "duplicate-id");
    find("dubblett.yaml", "duplicate-id");
    // Other files are not read, and the editor is told so.
    let (_, _, _, _) = find("anteckning.txt", "ignored");
    assert!(doc["errors"].as_u64().unwrap() >= 30);
}

#[test]
fn github_format_prints_one_annotation_per_problem() {
    let run = check_invalid("github");
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::error ") || l.starts_with("::warning ")),
        "{}",
        run.stdout
    );
    assert!(lines.contains(&"::error file=register/systems/chattbot.yaml,line=3,col=1,title=unknown-field::Okänt fält ”sumary”. Så rättar du: Menade du ”summary”? Det fältet krävs och saknas, så rätta stavningen till ”summary”."), "{}", run.stdout);
    assert!(
        lines.iter().any(
            |l| l.starts_with("::warning file=register/systems/anteckning.txt,title=ignored::")
        )
    );
    let json = check_invalid("json");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), lines.len());
}

#[test]
fn warnings_alone_exit_zero_and_a_clean_register_says_so() {
    let site = site_copy("contract-only");
    let root = site.path().to_str().unwrap();
    let run = insyn(&["check", "--root", root]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "Inga fel: 1 system kontrollerade.\n")
    );

    let record = site.path().join("register/systems/kallelser.yaml");
    std::fs::write(&record, read(&record) + "next_review: 2026-01-01\n").unwrap();
    let run = insyn(&["check", "--root", root]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("varning: Posten skulle ha granskats senast 2026-01-01"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("0 fel, 1 varning."));
    // ...and a build with only warnings publishes.
    assert_eq!(insyn(&["build", "--root", root]).code, 0);
}

#[test]
fn a_folder_without_a_register_is_explained() {
    let empty = tempfile::tempdir().unwrap();
    let run = insyn(&["check", "--root", empty.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("Det finns ingen mapp `register`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("insyn init"));
}

#[test]
fn site_yaml_mistakes_are_located_too() {
    let site = site_copy("contract-only");
    std::fs::write(
        site.path().join("register/site.yaml"),
        "organisation:\n  name: X\n  contact:\n    email: x@x.se\nsite:\n  base_url: ftp://x.se/\n  language: de\naccessibility:\n  compliance: mostly\n  assessed: 2026-01-01\n  method: self-assessment\npolicy: []\n",
    )
    .unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<(u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "register/site.yaml")
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                format!("{} {}", d["message"], d["hint"]),
            )
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("ftp://x.se/")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|(l, m)| *l == 7 && m.contains("`de`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == 9 && m.contains("`mostly`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == 12 && m.contains("Menade du `policies`?")),
        "{messages:?}"
    );
}

#[test]
fn an_english_site_gets_its_messages_in_english() {
    let site = site_copy("contract-only");
    let site_yaml = site.path().join("register/site.yaml");
    site_setting(site.path(), "language: en");
    let record = site.path().join("register/systems/kallelser.yaml");
    edit(&record, "status: in_use", "status: anvands");
    edit(&record, "purpose:", "purpse:");
    let run = insyn(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("english_human", run.stdout);
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "github",
    ]);
    assert!(run.stdout.contains("::error file=register/systems/kallelser.yaml,line=3,col=9,title=invalid-value::“anvands” is not an allowed value for “status”. How to fix: Write one of “planned”, “pilot”, “in_use”, “retired” (in lower case, exactly so)."), "{}", run.stdout);
    // Even a broken site.yaml is explained in the site's language.
    edit(&site_yaml, "compliance: full", "compliance: mostly");
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert!(
        run.stderr
            .contains("`mostly` is not an allowed value for `accessibility.compliance`."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Nothing was published"),
        "{}",
        run.stderr
    );
}

#[test]
fn warnings_keep_the_register_honest_and_say_why() {
    let site = site_copy("contract-only");
    let record = site.path().join("register/systems/kallelser.yaml");
    // In use, automated, personal data outside the EU, high risk, reviewed long ago,
    // without legal basis, DPIA or FRIA (without `appeal` it is an error, below).
    let text = read(&record)
        .replace(
            "decision_role: none",
            "decision_role: automated\nappeal: Begär omprövning hos nämnden.",
        )
        .replace("personal_data: none", "personal_data: sensitive")
        .replace("location: sweden", "location: outside_eu")
        .replace("ai_act: minimal", "ai_act: high")
        .replace("reviewed: 2026-05-01", "reviewed: 2025-06-01");
    std::fs::write(&record, &text).unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "warnings alone do not fail: {}", run.stdout);
    let diags = diagnostics(&run);
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1;
    for (code, line, why) in [
        ("review-old", line_of("reviewed:"), "lita på"),
        (
            "automated-without-safeguards",
            line_of("decision_role:"),
            "förvaltningslagen 28 §",
        ),
        ("no-dpia", line_of("personal_data:"), "artikel 35"),
        (
            "personal-data-outside-eu",
            line_of("location:"),
            "kapitel V",
        ),
        ("no-fria", line_of("ai_act:"), "artikel 27"),
    ] {
        let d = diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code}: {diags:#?}"));
        assert_eq!(d["severity"], "warning");
        assert_eq!(d["line"], line, "{code}");
        assert!(d["hint"].as_str().unwrap().contains(why), "{code}: {d}");
    }
    assert!(
        diags
            .iter()
            .find(|d| d["code"] == "automated-without-safeguards")
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("saknar `legal_basis`.")
    );

    // With the safeguards written down, the warnings go away.
    let fixed = text.clone()
        + "legal_basis: Förvaltningslagen 28 §.\nassessments:\n  - type: dpia\n  - type: fria\n";
    std::fs::write(
        &record,
        fixed.replace("reviewed: 2025-06-01", "reviewed: 2026-11-01"),
    )
    .unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let codes: Vec<String> = diagnostics(&run)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        vec!["personal-data-outside-eu"],
        "only the transfer warning remains"
    );

    // A retired system is history: no policy warnings.
    std::fs::write(
        &record,
        text.replace("status: in_use", "status: retired\nretired: 2026-01-01"),
    )
    .unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(diagnostics(&run).is_empty(), "{}", run.stdout);
}

/// A system that decides about people with no person reviewing first must say
/// how to complain: without `appeal` the record is an error, at `decision_role`,
/// and the example in the hint, pasted as it stands, makes the record valid.
#[test]
fn automated_decisions_without_appeal_are_an_error() {
    let site = site_copy("contract-only");
    let record = site.path().join("register/systems/kallelser.yaml");
    let text = read(&record).replace("decision_role: none", "decision_role: automated");
    std::fs::write(&record, &text).unwrap();
    let root = site.path().to_str().unwrap();
    let run = insyn(&["check", "--root", root, "--format", "json"]);
    assert_ne!(run.code, 0, "must fail: {}", run.stdout);
    let diags = diagnostics(&run);
    let d = diags
        .iter()
        .find(|d| d["code"] == "automated-without-appeal")
        .unwrap_or_else(|| panic!("no automated-without-appeal: {diags:#?}"));
    assert_eq!(d["severity"], "error");
    let line = text
        .lines()
        .position(|l| l.contains("decision_role:"))
        .unwrap() as u64
        + 1;
    assert_eq!(d["line"], line);
    let hint = d["hint"].as_str().unwrap();
    assert!(d["message"].as_str().unwrap().contains("`appeal`"), "{d}");
    // The example line of the hint, pasted into the record, fixes it.
    let example = hint
        .lines()
        .find(|l| l.trim_start().starts_with("appeal:"))
        .unwrap();
    std::fs::write(&record, format!("{text}{}\n", example.trim_start())).unwrap();
    let run = insyn(&["check", "--root", root, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        !diagnostics(&run)
            .iter()
            .any(|d| d["code"] == "automated-without-appeal")
    );
}

/// One mistake in site.yaml is one message: the records' translations are not
/// also reported as unused because the site's languages could not be read.
#[test]
fn an_error_in_site_yaml_does_not_bring_warnings_about_every_translation() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("register"), &dir.path().join("register"));
    edit(
        &dir.path().join("register/site.yaml"),
        "base_url: https://ai.exempelkommun.se/",
        "base_url: \"https://ai.exempelkommun.se/?x=1\"",
    );
    let run = insyn(&[
        "check",
        "--root",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let diags: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<&str> = diags
        .as_array()
        .or_else(|| diags["diagnostics"].as_array())
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"base-url-query"), "{codes:?}");
    assert!(!codes.contains(&"unused-translation"), "{codes:?}");
}

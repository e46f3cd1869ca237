//! The public record cannot be forged or injected (issue 15, item 5): URLs are
//! published as parsed, spreadsheets never run a cell, and nothing from the
//! site reaches a terminal or a CI log as a control sequence or a forged line.

mod common;
use common::*;

fn check_json(root: &std::path::Path) -> (Run, Vec<serde_json::Value>) {
    let run = insyn(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let diags = diagnostics(&run);
    (run, diags)
}

fn has_error(diags: &[serde_json::Value], code: &str, file: &str) -> bool {
    diags.iter().any(|d| {
        d["code"] == code
            && d["severity"] == "error"
            && d["file"] == file
            && d["line"].as_u64() > Some(0)
    })
}

#[test]
fn a_base_url_with_a_line_break_query_or_fragment_is_an_error() {
    for (value, code) in [
        (
            "\"https://ai.smaby.example/\\nDisallow: /\"",
            "misleading-url",
        ),
        ("https://ai.smaby.example/?x=1", "base-url-query"),
        ("https://ai.smaby.example/#top", "base-url-query"),
    ] {
        let site = site_copy("contract-only");
        edit(
            &site.path().join("register/site.yaml"),
            "base_url: https://ai.smaby.example/register",
            &format!("base_url: {value}"),
        );
        let (run, diags) = check_json(site.path());
        assert_eq!(run.code, 1, "{value}: {}", run.stdout);
        assert!(
            has_error(&diags, code, "register/site.yaml"),
            "{value}: {diags:#?}"
        );
        let out = site.path().join("public");
        let build = build_into(site.path(), &out);
        assert_eq!(build.code, 1, "{value}");
        assert!(!out.join("robots.txt").exists(), "{value}");
    }
}

#[test]
fn urls_with_credentials_or_a_backslash_are_errors_and_others_are_normalised() {
    let record = |url: &str| {
        let site = site_copy("contract-only");
        edit(
            &site.path().join("register/systems/kallelser.yaml"),
            "  phone: \"0500-12 34 56\"",
            &format!("  phone: \"0500-12 34 56\"\n  url: '{url}'"),
        );
        site
    };
    for (url, code) in [
        (r"https://evil.example\@www.kommun.se/", "misleading-url"),
        ("https://user:pass@www.kommun.se/", "url-credentials"),
        ("https://www.kommun.se@evil.example/", "url-credentials"),
    ] {
        let site = record(url);
        let (run, diags) = check_json(site.path());
        assert_eq!(run.code, 1, "{url}");
        assert!(
            has_error(&diags, code, "register/systems/kallelser.yaml"),
            "{url}: {diags:#?}"
        );
        let message = diags.iter().find(|d| d["code"] == code).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned();
        // The message names the host a browser would really visit.
        assert!(
            message.contains("evil.example") || message.contains("www.kommun.se"),
            "{message}"
        );
    }
    // A good address is published as parsed: lower-case host, a path.
    let site = record("HTTPS://WWW.Kommun.SE");
    let out = site.path().join("public");
    assert_eq!(build_into(site.path(), &out).code, 0);
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("register.json"))).unwrap();
    assert_eq!(
        json["systems"][0]["contact"]["url"],
        "https://www.kommun.se/"
    );
}

#[test]
fn no_csv_cell_can_run_as_a_formula_and_json_stays_exact() {
    let site = site_copy("contract-only");
    let path = site.path().join("register/systems/kallelser.yaml");
    edit(&path, "\"0500-12 34 56\"", "\"+46 500 12 34 56\"");
    edit(
        &path,
        "summary: Sorterar inkommande kallelser.",
        "summary: \"=HYPERLINK(\\\"https://evil.example\\\",\\\"x\\\")\"",
    );
    edit(&path, "purpose: Spara tid.", "purpose: \"@SUM(1+1)\"");
    edit(
        &path,
        "human_oversight: Registrator kontrollerar.",
        "human_oversight: \"-2+3\"",
    );
    edit(
        &path,
        "description: Felsortering.",
        "description: \"'=1+1\"",
    );
    let out = site.path().join("public");
    let run = build_into(site.path(), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let csv = read(&out.join("register.csv"));
    let csv = csv.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| {
        row.get(header.iter().position(|h| h == name).unwrap())
            .unwrap()
    };
    assert_eq!(cell("contact.phone"), "'+46 500 12 34 56");
    assert_eq!(
        cell("summary"),
        "'=HYPERLINK(\"https://evil.example\",\"x\")"
    );
    assert_eq!(cell("purpose"), "'@SUM(1+1)");
    assert_eq!(cell("human_oversight"), "'-2+3");
    assert_eq!(cell("risk.description"), "''=1+1");
    assert_eq!(cell("status"), "in_use");
    for value in row.iter() {
        assert!(
            !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{value:?}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("register.json"))).unwrap();
    assert_eq!(json["systems"][0]["contact"]["phone"], "+46 500 12 34 56");
    assert_eq!(json["systems"][0]["risk"]["description"], "'=1+1");
}

#[test]
fn control_characters_never_reach_the_terminal_or_forge_a_ci_line() {
    let site = site_copy("contract-only");
    // An escape sequence in a value, and a file name with a line break that
    // tries to add an annotation of its own.
    edit(
        &site.path().join("register/systems/kallelser.yaml"),
        "status: in_use",
        "status: \"in_use\\e[2J\\e]0;pwned\\a\"",
    );
    std::fs::write(
        site.path()
            .join("register/systems/x\n::error file=forged.yaml::forged\n.yaml"),
        "name: [\n",
    )
    .unwrap();
    let root = site.path().to_str().unwrap();
    let human = insyn(&["check", "--root", root]);
    assert_eq!(human.code, 1);
    let github = insyn(&["check", "--root", root, "--format", "github"]);
    assert_eq!(github.code, 1);
    for (format, out) in [("human", &human.stdout), ("github", &github.stdout)] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: {out:?}"
        );
        assert!(
            !out.lines().any(|l| l.starts_with("::error file=forged")),
            "{format}: {out}"
        );
    }
    assert!(human.stdout.contains(r"\u{1b}[2J"), "{}", human.stdout);
    assert!(human.stdout.contains(r"x\n::error"), "{}", human.stdout);
    // Every line of the GitHub format is one annotation.
    for line in github.stdout.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line}"
        );
        assert!(!line.contains('`'), "backticks shown raw: {line}");
    }
    // JSON keeps the exact text.
    let json = insyn(&["check", "--root", root, "--format", "json"]);
    assert!(json.stdout.contains(r"\u001b[2J"), "{}", json.stdout);
}

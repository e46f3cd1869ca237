//! Input no editor means to write, but which must never crash or hang insyn:
//! each gets a located message and exit code 1 (or builds, where it is fine).

mod common;
use common::*;

/// Writes `bytes` as a record in a copy of the contract-only site and checks it.
fn check_record(bytes: &[u8]) -> (tempfile::TempDir, Run) {
    let site = site_copy("contract-only");
    std::fs::write(site.path().join("register/systems/fientlig.yaml"), bytes).unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    (site, run)
}

fn assert_rejected(bytes: &[u8], code: &str) -> serde_json::Value {
    let (_site, run) = check_record(bytes);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let diags = diagnostics(&run);
    diags
        .iter()
        .find(|d| d["file"] == "register/systems/fientlig.yaml" && d["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("no {code}: {diags:#?}"))
}

fn valid_record() -> String {
    read(&fixture("contract-only").join("register/systems/kallelser.yaml"))
}

#[test]
fn an_alias_bomb_is_refused() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let d = assert_rejected(bomb.as_bytes(), "yaml-syntax");
    assert!(d["message"].as_str().unwrap().contains("ankare"), "{d}");
}

#[test]
fn extreme_nesting_is_refused() {
    let flow = format!("name: {}", "[".repeat(100_000));
    assert_rejected(flow.as_bytes(), "yaml-syntax");
    let mut block = String::from("name:\n");
    for depth in 0..5_000 {
        block.push_str(&" ".repeat(depth));
        block.push_str("- \n");
    }
    let (_site, run) = check_record(block.as_bytes());
    assert_eq!(run.code, 1);
}

#[test]
fn a_huge_file_is_refused_without_reading_it() {
    let mut huge = valid_record();
    huge.push_str("tags:\n");
    while huge.len() < 50 * 1024 * 1024 {
        huge.push_str("  - en tagg som upprepas för att göra filen mycket stor\n");
    }
    let d = assert_rejected(huge.as_bytes(), "file-too-large");
    assert!(d["message"].as_str().unwrap().contains("högst 1 MB"));
}

#[test]
fn encodings_other_than_utf8_are_explained() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(valid_record().encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let d = assert_rejected(&utf16, "not-utf8");
    assert!(d["message"].as_str().unwrap().contains("UTF-16"));
    let mut latin1 = b"name: Sm\xe5by\n".to_vec();
    latin1.extend_from_slice(valid_record().as_bytes());
    let d = assert_rejected(&latin1, "not-utf8");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(9))
    );
    let d = assert_rejected(b"name: a\0b\n", "binary-content");
    assert_eq!(d["line"], 1);
}

#[test]
fn byte_order_mark_and_any_line_ending_are_fine() {
    let record = valid_record();
    for (what, text) in [
        ("BOM", format!("\u{feff}{record}")),
        ("CRLF", record.replace('\n', "\r\n")),
        (
            "BOM+CRLF",
            format!("\u{feff}{}", record.replace('\n', "\r\n")),
        ),
        ("lone CR", record.replace('\n', "\r")),
    ] {
        let (_site, run) = check_record(text.as_bytes());
        assert_eq!(run.code, 0, "{what}: {}", run.stdout);
    }
    // Positions stay right with CRLF: an error on line 3 is reported on line 3.
    let broken = record
        .replace("status: in_use", "status: fel")
        .replace('\n', "\r\n");
    let d = assert_rejected(broken.as_bytes(), "invalid-value");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(9))
    );
}

#[test]
fn wrong_types_in_every_field_are_reported_not_crashed_on() {
    let record = valid_record();
    let fields: Vec<&str> = record
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(':'))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    for field in fields {
        for replacement in ["[1, 2]", "{a: b}", "12", "true", "~", "\"\""] {
            let mut out = String::new();
            let mut skipping = false;
            for line in record.lines() {
                if line.starts_with(&format!("{field}:")) {
                    out.push_str(&format!("{field}: {replacement}\n"));
                    skipping = true;
                } else if skipping && line.starts_with(' ') {
                    continue;
                } else {
                    skipping = false;
                    out.push_str(line);
                    out.push('\n');
                }
            }
            let (_site, run) = check_record(out.as_bytes());
            // Some replacements are valid (`12` as a name); none may crash.
            assert!(run.code == 0 || run.code == 1, "{field}: {replacement}");
            if run.code == 1 {
                let diags = diagnostics(&run);
                assert!(
                    diags.iter().all(|d| d["line"].as_u64().unwrap() > 0),
                    "{field}={replacement}: {diags:#?}"
                );
            }
        }
    }
}

#[test]
fn odd_files_and_folders_in_systems_do_not_stop_the_check() {
    let site = site_copy("contract-only");
    let systems = site.path().join("register/systems");
    std::fs::write(systems.join(".#kallelser.yaml"), "editor lock").unwrap();
    std::fs::write(systems.join("kallelser.yaml~"), "backup").unwrap();
    std::fs::create_dir(systems.join("arkiv")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&systems, systems.join("loop")).unwrap();
    let run = insyn(&["check", "--root", site.path().to_str().unwrap()]);
    // Editor leftovers are skipped silently; a folder gets a warning.
    assert!(
        !run.stdout.contains(".#kallelser") && !run.stdout.contains("yaml~"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("register/systems/arkiv"),
        "{}",
        run.stdout
    );
    // The loop is an error, located at the link.
    #[cfg(unix)]
    {
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(run.stdout.contains("pekar i en cirkel"), "{}", run.stdout);
        assert!(
            run.stdout.contains("--> register/systems/loop"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn names_that_differ_only_by_case_or_extension_are_caught() {
    let site = site_copy("contract-only");
    let systems = site.path().join("register/systems");
    let record = valid_record();
    std::fs::write(systems.join("Kallelser.yaml"), &record).unwrap();
    std::fs::write(systems.join("kallelser.YML"), &record).unwrap();
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let diags = diagnostics(&run);
    for file in ["kallelser.yaml", "Kallelser.yaml", "kallelser.YML"] {
        assert!(
            diags
                .iter()
                .any(|d| d["file"] == format!("register/systems/{file}")
                    && d["code"] == "duplicate-id"),
            "{file} not reported as a duplicate: {diags:#?}"
        );
    }
}

#[test]
fn empty_folders_build_an_empty_register_and_a_missing_site_yaml_is_explained() {
    let site = site_copy("contract-only");
    std::fs::remove_file(site.path().join("register/systems/kallelser.yaml")).unwrap();
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        read(&site.path().join("public/index.html"))
            .contains("Registret innehåller inga system ännu.")
    );
    std::fs::remove_file(site.path().join("register/site.yaml")).unwrap();
    let run = insyn(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("Filen `register/site.yaml` saknas."),
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn records_that_cannot_be_read_are_reported_and_a_pipe_never_hangs() {
    let site = site_copy("contract-only");
    let systems = site.path().join("register/systems");
    std::os::unix::fs::symlink(
        site.path().join("finns-inte.yaml"),
        systems.join("trasig-lank.yaml"),
    )
    .unwrap();
    std::fs::create_dir(systems.join("mapp.yaml")).unwrap();
    let fifo = systems.join("ror.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let run = insyn(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let diags = diagnostics(&run);
    let reported = |file: &str| {
        diags
            .iter()
            .any(|d| d["file"] == format!("register/systems/{file}") && d["severity"] == "error")
    };
    assert!(reported("trasig-lank.yaml"), "{diags:#?}");
    // A broken link is called one, not a question of permissions.
    assert!(
        diags
            .iter()
            .any(|d| d["file"] == "register/systems/trasig-lank.yaml"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Länken pekar på"))),
        "{diags:#?}"
    );
    if made {
        assert!(reported("ror.yaml"), "{diags:#?}");
    }
    // A folder with a record's name is not read, and says so.
    assert!(
        diags
            .iter()
            .any(|d| d["file"] == "register/systems/mapp.yaml"),
        "{diags:#?}"
    );
}

/// 30,000 nested list items or quotes in one field (a 60 KB record) used to
/// take minutes to build while `check` passed at once, so one pull request could
/// stall CI. Now check and build agree, the build takes well under a second, and
/// the page keeps the text with at most 100 levels opened.
#[test]
fn deeply_nested_markdown_builds_quickly_and_flat_past_the_limit() {
    for unit in ["- ", "> "] {
        let record = valid_record().replace(
            "purpose: Spara tid.",
            &format!("purpose: \"{}slutet\"", unit.repeat(30_000)),
        );
        assert!(record.contains("slutet"));
        let (site, run) = check_record(record.as_bytes());
        assert_eq!(run.code, 0, "check: {}", run.stdout);
        let out = site.path().join("public");
        let started = std::time::Instant::now();
        let run = build_into(site.path(), &out);
        assert_eq!(run.code, 0, "build: {}", run.stderr);
        let page = read(&out.join("system/fientlig/index.html"));
        let levels = page.matches("<ul>").count() + page.matches("<blockquote>").count();
        assert!(levels <= 110, "{unit:?}: {levels} levels");
        assert!(page.contains("slutet"), "{unit:?}");
        // A guard against the quadratic build (minutes), not a measurement.
        assert!(
            started.elapsed().as_secs() < 30,
            "{unit:?}: {:?}",
            started.elapsed()
        );
    }
}

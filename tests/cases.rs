//! The editor corpus: the mistakes people really make, one per fixture in
//! `tests/cases/editor/` (a `.yaml` file is one record; a folder holds several),
//! each with its full message, in Swedish and English, as a snapshot beside it.
//! Adding a case is adding a file (and reviewing its new snapshot).

mod common;
use common::*;
use std::path::{Path, PathBuf};

const SITE: &str = "organisation:
  name: Exempelkommun
  contact:
    email: info@exempelkommun.se
site:
  base_url: https://ai.exempelkommun.se/
accessibility:
  compliance: full
  assessed: 2026-01-15
  method: self-assessment
  first_published: 2026-01-15
  response_time: fem arbetsdagar
";

fn cases() -> Vec<PathBuf> {
    let dir = repo().join("tests/cases/editor");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cases/editor exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") || p.is_dir())
        .filter(|p| p.file_name().is_some_and(|n| n != "snapshots"))
        .collect();
    cases.sort();
    cases
}

/// A site holding the case's record(s), in `lang`.
fn site_of(case: &Path, lang: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let systems = dir.path().join("register/systems");
    std::fs::create_dir_all(&systems).unwrap();
    let site = SITE.replace("site:\n", &format!("site:\n  language: {lang}\n"));
    std::fs::write(dir.path().join("register/site.yaml"), site).unwrap();
    if case.is_dir() {
        copy_dir(case, &systems);
    } else {
        std::fs::copy(case, systems.join(case.file_name().unwrap())).unwrap();
    }
    dir
}

fn check(root: &Path, format: &str) -> Run {
    insyn(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        format,
    ])
}

fn name_of(case: &Path) -> String {
    case.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_case_gets_its_own_message_in_swedish_and_english() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo().join("tests/cases/editor/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for case in cases() {
        let name = name_of(&case);
        let mut text = String::new();
        for lang in ["sv", "en"] {
            let site = site_of(&case, lang);
            let run = check(site.path(), "human");
            text.push_str(&format!(
                "$ insyn check   # site.language: {lang}, exit code {}\n{}\n",
                run.code, run.stdout
            ));
        }
        insta::assert_snapshot!(name, text);
    }
}

/// Library wording an editor cannot act on, that must never reach a message.
const LIBRARY_WORDS: &[&str] = &[
    "DuplicateKeyPolicy",
    "Options",
    "serde",
    "saphyr",
    "granit",
    "mapping",
    "scalar",
    "deserializ",
    "invalid type",
    "unexpected",
    "while parsing",
    "while scanning",
    "did not find",
    "could not find",
    "Teknisk beskrivning",
    "Technical description",
    "kolon-tecknen",
];

#[test]
fn no_message_of_the_corpus_holds_library_wording() {
    let mut cases = cases();
    // The older fixture of mistakes too.
    let invalid = fixture("invalid");
    for case in cases.drain(..).chain(std::iter::once(invalid.clone())) {
        for lang in ["sv", "en"] {
            let site;
            let root = if case == invalid {
                invalid.as_path()
            } else {
                site = site_of(&case, lang);
                site.path()
            };
            let run = check(root, "json");
            for d in diagnostics(&run) {
                let text = format!("{} {}", d["message"], d["hint"]);
                for word in LIBRARY_WORDS {
                    assert!(
                        !text.to_lowercase().contains(&word.to_lowercase()),
                        "{}: library wording {word:?} in {text}",
                        case.display()
                    );
                }
            }
        }
    }
}

/// `insyn check` run in `dir` (the way an editor's terminal runs it), no `--root`.
fn check_in(dir: &Path) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_insyn"))
        .arg("check")
        .current_dir(dir)
        .env("INSYN_TODAY", TODAY)
        .output()
        .expect("insyn runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn check_inside_the_register_finds_the_site_above_and_names_the_folder_when_there_is_none() {
    let site = site_of(&repo().join("tests/cases/editor/kolon-i-text.yaml"), "sv");
    let systems = site.path().join("register/systems");
    let run = check_in(&systems);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("--> register/systems/kolon-i-text.yaml:2:29"),
        "{}",
        run.stdout
    );
    // From the register folder too.
    assert_eq!(check_in(&site.path().join("register")).code, 1);

    let empty = tempfile::tempdir().unwrap();
    let run = check_in(empty.path());
    assert_eq!(run.code, 1);
    let absolute = std::fs::canonicalize(empty.path()).unwrap();
    assert!(
        run.stdout.contains(&format!(
            "Det finns ingen mapp `register` i {} eller i mapparna ovanför.",
            absolute.display()
        )) || run.stdout.contains(&format!(
            "Det finns ingen mapp `register` i {} eller i mapparna ovanför.",
            empty.path().display()
        )),
        "{}",
        run.stdout
    );
}

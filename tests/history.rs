//! Change history from git, in a repository the test makes: record pages list
//! what changed in each version (newest first), earlier versions and removed
//! records have pages, and no commit message is published unless the site
//! asks, and then never a git host's default one or one holding personal data.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str], date: &str) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Anna Redaktör")
        .env("GIT_AUTHOR_EMAIL", "anna.redaktor@exempelkommun.se")
        .env("GIT_COMMITTER_NAME", "Anna Redaktör")
        .env("GIT_COMMITTER_EMAIL", "anna.redaktor@exempelkommun.se")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Makes `root` a repository whose first commit, at `date`, adds the register.
fn first_commit(root: &Path, message: &str, date: &str) {
    git(
        root,
        &["init", "-q", "-b", "main"],
        "2026-01-01T09:00:00+01:00",
    );
    git(root, &["add", "register"], "2026-01-01T09:00:00+01:00");
    git(root, &["commit", "-q", "-m", message], date);
}

fn commit(root: &Path, message: &str, date: &str) {
    git(root, &["add", "-A", "register"], date);
    git(root, &["commit", "-q", "-m", message], date);
}

fn build(root: &Path) -> std::path::PathBuf {
    let run = insyn(&["build", "--root", root.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    root.join("public")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// The history block of a record's page.
fn history_of(page: &str) -> &str {
    let at = page.find("id=\"historik\"").expect("a history section");
    &page[at..at + page[at..].find("</section>").unwrap()]
}

/// A register with one record, committed, then its status changed from
/// pilot to in_use and its human oversight rewritten, then a comment added.
fn changed_register() -> tempfile::TempDir {
    let site = site_copy("contract-only");
    let root = site.path();
    let record = root.join("register/systems/kallelser.yaml");
    edit(&record, "status: in_use", "status: pilot");
    first_commit(root, "Add files via upload", "2026-03-02T09:00:00+01:00");
    edit(&record, "status: pilot", "status: in_use");
    edit(
        &record,
        "human_oversight: Registrator kontrollerar.",
        "human_oversight: Registrator kontrollerar varje kallelse.",
    );
    commit(root, "Update kallelser.yaml", "2026-06-15T14:30:00+02:00");
    // Only a comment and blank lines: not a version.
    edit(&record, "reviewed:", "# granskad av nämnden\n\nreviewed:");
    commit(root, "Kommentar", "2026-07-01T10:00:00+02:00");
    site
}

#[test]
fn a_status_change_shows_old_and_new_value_everywhere() {
    let site = changed_register();
    let public = build(site.path());
    let page = read(&public.join("system/kallelser/index.html"));
    let history = history_of(&page);
    let newest = history
        .find("Status ändrades från Testas till Används")
        .unwrap_or_else(|| panic!("{history}"));
    let oldest = history.find("Posten skapades").expect("first version");
    assert!(newest < oldest, "newest first");
    assert!(history.contains("Texten om mänsklig kontroll ändrades"));
    assert!(
        history.contains("<dd>Registrator kontrollerar.</dd>")
            && history.contains("<dd>Registrator kontrollerar varje kallelse.</dd>"),
        "old and new text behind <details>: {history}"
    );
    assert!(
        history.contains(r#"<time datetime="2026-06-15T14:30:00+02:00">2026-06-15</time>"#),
        "{history}"
    );
    assert_eq!(
        history.matches("<time").count(),
        2,
        "a comment-only change is not a version: {history}"
    );
    assert!(!page.contains("Update kallelser.yaml") && !page.contains("Add files via upload"));
    assert!(!page.contains("anna.redaktor@") && !page.contains("Anna Redaktör"));

    let register = json(&public.join("register.json"));
    let system = &register["systems"][0];
    assert_eq!(system["updated"], "2026-06-15T14:30:00+02:00");
    let versions = system["history"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["change"], "created");
    assert_eq!(versions[1]["date"], "2026-06-15");
    assert_eq!(
        versions[1]["fields"],
        serde_json::json!(["status", "human_oversight"])
    );
    assert_eq!(
        versions[1]["values"]["status"],
        serde_json::json!({"old": "pilot", "new": "in_use"})
    );
    assert_eq!(json(&public.join("system/kallelser.json")), *system);

    let feed = read(&public.join("feed.xml"));
    assert_eq!(feed.matches("<entry>").count(), 2, "one entry per change");
    assert!(feed.contains("<summary>Status ändrades från Testas till Används. Texten om mänsklig kontroll ändrades.</summary>"), "{feed}");
    assert!(feed.contains("<updated>2026-06-15T14:30:00+02:00</updated>"));

    let changes = read(&public.join("andringar/index.html"));
    assert!(changes.contains("Status ändrades från Testas till Används"));
    assert!(
        changes.contains(r#"<a href="../system/kallelser/">Automatisk sortering av kallelser</a>"#),
        "{changes}"
    );
}

#[test]
fn an_earlier_version_has_its_own_page_kept_out_of_search_engines() {
    let site = changed_register();
    let public = build(site.path());
    let page = read(&public.join("system/kallelser/version/1/index.html"));
    assert!(page.contains(r#"<meta name="robots" content="noindex">"#));
    assert!(
        page.contains("Den gällde från 2026-03-02 till 2026-06-15"),
        "validity period: {page}"
    );
    assert!(
        page.contains(r#"<a href="../../../../system/kallelser/">Läs den nuvarande versionen</a>"#)
    );
    // The record as it was: the old status and text.
    let main = main_of(&page);
    assert!(main.contains("Testas"), "{main}");
    assert!(main.contains("Registrator kontrollerar.</"));
    // The current version is the record's own page, not a version page.
    assert!(!public.join("system/kallelser/version/2").exists());
    let current = read(&public.join("system/kallelser/index.html"));
    assert!(!current.contains("noindex"));
    assert!(current.contains(r#"<a href="../../system/kallelser/version/1/">Läs version 1</a>"#));
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(!sitemap.contains("version/"), "{sitemap}");
}

#[test]
fn a_removed_record_answers_at_its_address() {
    let site = changed_register();
    let root = site.path();
    // Another record first (in a commit of its own: the same text added where
    // a file goes would be a rename to git), so that the register is not empty.
    std::fs::write(
        root.join("register/systems/annan.yaml"),
        read(&fixture("contract-only").join("register/systems/kallelser.yaml"))
            .replace("Automatisk sortering av kallelser", "Annan tjänst"),
    )
    .unwrap();
    commit(root, "Ny post", "2026-07-15T10:00:00+02:00");
    git(
        root,
        &["rm", "-q", "register/systems/kallelser.yaml"],
        "2026-08-01T10:00:00+02:00",
    );
    commit(root, "Ta bort kallelser", "2026-08-01T10:00:00+02:00");
    let public = build(root);
    let page = read(&public.join("system/kallelser/index.html"));
    assert!(page.contains("Borttaget ur registret"), "{page}");
    assert!(page.contains("Systemet togs bort ur registret 2026-08-01."));
    assert!(
        main_of(&page).contains("Automatisk sortering av kallelser"),
        "the last version is readable"
    );
    assert!(page.contains("noindex"));
    assert!(
        public
            .join("system/kallelser/version/1/index.html")
            .is_file()
    );
    let register = json(&public.join("register.json"));
    assert_eq!(
        register["removed"],
        serde_json::json!([{
            "id": "kallelser",
            "url": "https://ai.smaby.example/register/system/kallelser/",
            "removed": "2026-08-01",
            "time": "2026-08-01T10:00:00+02:00",
        }])
    );
    assert_eq!(register["systems"].as_array().unwrap().len(), 1);
    let changes = read(&public.join("andringar/index.html"));
    assert!(
        changes.contains("Automatisk sortering av kallelser (borttaget ur registret)"),
        "{changes}"
    );
    let feed = read(&public.join("feed.xml"));
    assert!(feed.contains("<id>https://ai.smaby.example/register/system/kallelser/#removed</id>"));
    assert!(!read(&public.join("sitemap.xml")).contains("system/kallelser/"));
}

#[test]
fn a_renamed_file_keeps_its_history_and_previous_ids_join_one() {
    let site = changed_register();
    let root = site.path();
    git(
        root,
        &[
            "mv",
            "register/systems/kallelser.yaml",
            "register/systems/sortering-av-kallelser.yaml",
        ],
        "2026-08-01T10:00:00+02:00",
    );
    commit(root, "Byt namn", "2026-08-01T10:00:00+02:00");
    let public = build(root);
    let page = read(&public.join("system/sortering-av-kallelser/index.html"));
    assert!(
        history_of(&page).contains("Status ändrades från Testas till Används"),
        "git's rename detection follows the file"
    );
    assert!(
        !public.join("system/kallelser").exists(),
        "not removed: renamed"
    );

    // Rewritten so much that git sees a new file: `previous_ids` says it is one.
    let record = root.join("register/systems/sortering-av-kallelser.yaml");
    std::fs::remove_file(&record).unwrap();
    std::fs::write(
        root.join("register/systems/kallelsesortering.yaml"),
        "name: Kallelsesortering\nsummary: Helt ny text om kallelser och hur de sorteras nu.\nstatus: in_use\ndepartment: Kommunkansliet\npurpose: Mindre manuellt arbete i registraturen varje vecka.\ndecision_role: none\nhuman_oversight: Registratorn ser över varje sorterad kallelse.\ndata:\n  personal_data: none\n  description: Kallelser till möten.\n  location: sweden\nrisk:\n  ai_act: minimal\n  description: Att en kallelse hamnar fel.\ncontact:\n  phone: \"0500-12 34 56\"\nreviewed: 2026-05-01\nprevious_ids: [sortering-av-kallelser]\nchange_note: Posten skrevs om efter en ny upphandling.\n",
    )
    .unwrap();
    commit(root, "Skriv om", "2026-09-01T10:00:00+02:00");
    let public = build(root);
    let page = read(&public.join("system/kallelsesortering/index.html"));
    let history = history_of(&page);
    assert!(
        history.contains("Status ändrades från Testas till Används"),
        "{history}"
    );
    assert!(history.contains("Posten skrevs om efter en ny upphandling."));
    assert!(!public.join("system/sortering-av-kallelser").exists());
}

#[test]
fn commit_messages_are_only_published_when_asked_and_never_personal_data() {
    let site = changed_register();
    let root = site.path();
    let record = root.join("register/systems/kallelser.yaml");
    edit(
        &record,
        "purpose: Spara tid.",
        "purpose: Spara tid åt registratorn.",
    );
    commit(
        root,
        "Tog bort personnumret 19801212-1235 som Kalle klistrat in",
        "2026-08-01T10:00:00+02:00",
    );
    edit(&record, "ai_act: minimal", "ai_act: limited");
    commit(
        root,
        "Riskklassen ändrad efter nämndens beslut <b>",
        "2026-08-02T10:00:00+02:00",
    );
    edit(&record, "ai_act: limited", "ai_act: high");
    commit(
        root,
        "Merge pull request #3 from kommun/patch-1",
        "2026-08-03T10:00:00+02:00",
    );
    // Off by default: no message at all.
    let public = build(root);
    let everything = |public: &Path| {
        [
            "system/kallelser/index.html",
            "andringar/index.html",
            "feed.xml",
            "register.json",
        ]
        .iter()
        .map(|f| read(&public.join(f)))
        .collect::<String>()
    };
    let all = everything(&public);
    assert!(
        !all.contains("nämndens beslut"),
        "messages are off by default"
    );
    assert!(
        !all.contains("19801212") && !all.contains("Kalle klistrat"),
        "{all}"
    );

    edit(
        &root.join("register/site.yaml"),
        "accessibility:",
        "history:\n  messages: true\naccessibility:",
    );
    let public = build(root);
    let all = everything(&public);
    assert!(
        all.contains("Riskklassen ändrad efter nämndens beslut &lt;b&gt;"),
        "opted in, escaped"
    );
    for left_out in [
        "19801212",
        "Kalle klistrat",
        "personnumret",
        "Merge pull request",
        "Update kallelser",
        "Add files via upload",
    ] {
        assert!(!all.contains(left_out), "{left_out} published");
    }
    let check = insyn(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(check.code, 0, "a warning, not an error: {}", check.stderr);
    let out = check.stdout + &check.stderr;
    assert!(
        out.contains("innehåller ett personnummer. Det publiceras inte."),
        "{out}"
    );
    assert!(
        !out.contains("19801212"),
        "the warning does not repeat it: {out}"
    );
}

#[test]
fn a_subject_with_record_separators_cannot_forge_a_date() {
    let site = changed_register();
    let root = site.path();
    edit(
        &root.join("register/site.yaml"),
        "accessibility:",
        "history:\n  messages: true\naccessibility:",
    );
    let record = root.join("register/systems/kallelser.yaml");
    edit(&record, "purpose: Spara tid.", "purpose: Spara mer tid.");
    commit(
        root,
        "Syfte\u{1e}abc1234\u{1f}2099-13-45T00:00:00Z\u{1f}Falsk ändring",
        "2026-08-01T10:00:00+02:00",
    );
    let public = build(root);
    for file in [
        "system/kallelser/index.html",
        "andringar/index.html",
        "feed.xml",
    ] {
        let text = read(&public.join(file));
        assert!(
            !text.contains("datetime=\"2099") && !text.contains(">2099-13-45<"),
            "{file}: {text}"
        );
        assert!(
            !text.contains('\u{1e}') && !text.contains('\u{1f}'),
            "no control characters"
        );
    }
    let feed = read(&public.join("feed.xml"));
    assert!(!feed.contains("<updated>2099"), "{feed}");
    let register = json(&public.join("register.json"));
    assert_eq!(
        register["systems"][0]["updated"],
        "2026-08-01T10:00:00+02:00"
    );
}

#[test]
fn without_git_the_reviewed_date_is_used_and_nothing_fails() {
    let site = site_copy("contract-only");
    let run = insyn(&["build", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0);
    let public = site.path().join("public");
    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("register.json"))).unwrap();
    assert_eq!(json["systems"][0]["updated"], "2026-05-01T00:00:00Z");
    assert!(
        read(&public.join("andringar/index.html")).contains("Det finns ingen ändringshistorik")
    );
}

#[test]
fn serve_keeps_the_history_until_a_commit_moves_head() {
    // `insyn serve` reads the history again only when HEAD names another
    // commit; a commit made while it runs shows at the next rebuild.
    use insyn::history::{Head, head};
    let site = site_copy("contract-only");
    let root = site.path();
    assert!(matches!(head(root), Head::NoRepository));
    first_commit(root, "Första", "2026-01-01T09:00:00+01:00");
    let Head::Commit(first) = head(root) else {
        panic!("a repository with a commit has a known HEAD")
    };
    assert!(
        matches!(head(&root.join("register")), Head::Commit(c) if c == first),
        "found from a folder inside the repository too"
    );
    edit(
        &root.join("register/systems/kallelser.yaml"),
        "reviewed:",
        "# ändrad\nreviewed:",
    );
    assert!(
        matches!(head(root), Head::Commit(c) if c == first),
        "an edit is not a commit"
    );
    git(
        root,
        &["commit", "-q", "-am", "Andra"],
        "2026-01-02T09:00:00+01:00",
    );
    assert!(matches!(head(root), Head::Commit(c) if c != first));
    // Packed references (after `git gc`) are read too.
    git(root, &["pack-refs", "--all"], "2026-01-02T09:00:00+01:00");
    assert!(matches!(head(root), Head::Commit(c) if c.contains("refs/heads/main")));
}

/// A history repository named in site.yaml that is a link to a repository
/// outside the site, or that borrows another repository's objects, is not
/// read: nothing of what lies outside the site is published.
#[cfg(unix)]
#[test]
fn a_history_repository_outside_the_site_is_not_read() {
    let outside = changed_register();
    let outside_git = outside.path().join(".git");
    for how in ["link", "alternates", "commondir", "objects-link"] {
        let site = site_copy("contract-only");
        let root = site.path();
        let site_yaml = root.join("register/site.yaml");
        let text = read(&site_yaml);
        std::fs::write(
            &site_yaml,
            format!("{text}history:\n  repository: historik.git\n"),
        )
        .unwrap();
        let named = root.join("historik.git");
        match how {
            "link" => std::os::unix::fs::symlink(&outside_git, &named).unwrap(),
            "commondir" | "objects-link" => {
                // Plain files a pull request can commit: a bare repository
                // whose objects and refs are another repository's.
                std::fs::create_dir(&named).unwrap();
                std::fs::write(named.join("HEAD"), "ref: refs/heads/main\n").unwrap();
                if how == "commondir" {
                    std::fs::write(
                        named.join("commondir"),
                        format!("{}\n", outside_git.display()),
                    )
                    .unwrap();
                } else {
                    std::os::unix::fs::symlink(outside_git.join("objects"), named.join("objects"))
                        .unwrap();
                    std::os::unix::fs::symlink(outside_git.join("refs"), named.join("refs"))
                        .unwrap();
                }
            }
            _ => {
                // A bare repository of its own that borrows every object.
                git(
                    root,
                    &["init", "-q", "--bare", "historik.git"],
                    "2026-01-01T09:00:00+01:00",
                );
                std::fs::write(
                    named.join("objects/info/alternates"),
                    format!("{}\n", outside_git.join("objects").display()),
                )
                .unwrap();
                let head = Command::new("git")
                    .args(["rev-parse", "HEAD"])
                    .current_dir(outside.path())
                    .output()
                    .unwrap();
                std::fs::write(named.join("refs/heads/main"), head.stdout).unwrap();
                std::fs::write(named.join("HEAD"), "ref: refs/heads/main\n").unwrap();
            }
        }
        let public = build(root);
        let page = read(&public.join("system/kallelser/index.html"));
        assert!(
            !page.contains("Status ändrades"),
            "{how}: the outside repository's history was published"
        );
        let register = read(&public.join("register.json"));
        assert!(!register.contains("2026-06-15"), "{how}: {register}");
    }
}

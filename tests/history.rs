//! Change history from git, in a repository the test makes: record pages list
//! each change (date and message, newest first, no e-mail addresses), and the
//! feed, `updated` and the "recent changes" page follow the commits.

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

#[test]
fn record_pages_feed_and_changes_come_from_git() {
    let site = site_copy("contract-only");
    let root = site.path();
    first_commit(
        root,
        "Lägg till sortering av kallelser",
        "2026-03-02T09:00:00+01:00",
    );
    let record = root.join("register/systems/kallelser.yaml");
    edit(
        &record,
        "purpose: Spara tid.",
        "purpose: Spara tid åt registratorn.",
    );
    git(
        root,
        &[
            "commit",
            "-q",
            "-am",
            "Förtydliga syftet <script>alert(1)</script>",
        ],
        "2026-06-15T14:30:00+02:00",
    );
    // A change to another file does not show in this record's history.
    std::fs::write(
        root.join("register/site.yaml"),
        read(&root.join("register/site.yaml")) + "\n",
    )
    .unwrap();
    git(
        root,
        &["commit", "-q", "-am", "Ändra webbplatsen"],
        "2026-07-01T10:00:00+02:00",
    );

    let run = insyn(&["build", "--root", root.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let public = root.join("public");
    let page = read(&public.join("system/kallelser/index.html"));
    let history = &page[page.find("id=\"historik\"").unwrap()..];
    let newest = history
        .find("Förtydliga syftet")
        .expect("second commit listed");
    let oldest = history
        .find("Lägg till sortering av kallelser")
        .expect("first commit listed");
    assert!(newest < oldest, "newest first");
    assert!(
        history.contains(r#"<time datetime="2026-06-15T14:30:00+02:00">2026-06-15</time>"#),
        "{history}"
    );
    assert!(!history.contains("Ändra webbplatsen"));
    assert!(
        history.contains("&lt;script&gt;"),
        "commit messages are escaped"
    );
    assert!(
        !page.contains("anna.redaktor@"),
        "no author e-mail addresses"
    );
    assert!(!page.contains("Anna Redaktör"), "no author names");

    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("register.json"))).unwrap();
    assert_eq!(json["systems"][0]["updated"], "2026-06-15T14:30:00+02:00");
    let own: serde_json::Value =
        serde_json::from_str(&read(&public.join("system/kallelser.json"))).unwrap();
    assert_eq!(own, json["systems"][0]);
    let feed = read(&public.join("feed.xml"));
    assert!(
        feed.contains("<updated>2026-06-15T14:30:00+02:00</updated>"),
        "{feed}"
    );

    let changes = read(&public.join("andringar/index.html"));
    assert!(changes.contains("Förtydliga syftet"));
    assert!(
        changes.contains(r#"<a href="../system/kallelser/">Automatisk sortering av kallelser</a>"#),
        "{changes}"
    );
    assert!(
        !changes.contains("Ändra webbplatsen"),
        "only changes to records are listed"
    );

    // A removed record stays in the list of changes, marked as removed.
    git(
        root,
        &["rm", "-q", "register/systems/kallelser.yaml"],
        "2026-08-01T10:00:00+02:00",
    );
    git(
        root,
        &["commit", "-q", "-m", "Ta bort kallelser"],
        "2026-08-01T10:00:00+02:00",
    );
    assert_eq!(insyn(&["build", "--root", root.to_str().unwrap()]).code, 0);
    let changes = read(&public.join("andringar/index.html"));
    assert!(
        changes.contains("kallelser (borttaget ur registret)"),
        "{changes}"
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

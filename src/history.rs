//! Change history from git: when the site folder is in a git repository, every
//! record gets the list of commits that changed its file, and the register gets a
//! list of recent changes. One `git log` call reads everything, however long the
//! history. Without git (or outside a repository) there is simply no history.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// One commit that changed a record. No author names or addresses are kept.
#[derive(Debug, Clone, Hash, serde::Serialize)]
pub struct Change {
    /// Short commit hash.
    pub commit: String,
    /// Commit time, RFC 3339 (`2026-10-12T09:30:00+02:00`).
    pub time: String,
    /// The day part of `time`, for display.
    pub date: String,
    /// First line of the commit message.
    pub message: String,
}

#[derive(Debug, Default)]
pub struct History {
    /// Record file (relative to the site root, `register/systems/x.yaml`) → its
    /// changes, newest first.
    pub by_file: HashMap<String, Vec<Change>>,
    /// Commits that changed records, newest first, with the files each changed.
    pub commits: Vec<(Change, Vec<String>)>,
}

/// Separators git never prints in a subject line: record and unit separators.
const RECORD: char = '\u{1e}';
const UNIT: char = '\u{1f}';

/// What the history depends on, read without running git: the commit the
/// repository's HEAD points at. `None` when that cannot be told this way (a
/// worktree, `GIT_DIR` set): then git has to be asked each time.
pub enum Head {
    /// No repository around `root`: no history.
    NoRepository,
    Commit(String),
    Unknown,
}

/// Finds the `.git` folder above `root` and the commit HEAD names (a few small
/// file reads, for `insyn serve` to skip `git log` when nothing was committed).
pub fn head(root: &Path) -> Head {
    if std::env::var_os("GIT_DIR").is_some() {
        return Head::Unknown;
    }
    let Ok(start) = root.canonicalize() else {
        return Head::Unknown;
    };
    for dir in start.ancestors() {
        let git = dir.join(".git");
        if git.is_file() {
            return Head::Unknown;
        }
        if !git.is_dir() {
            continue;
        }
        let Ok(head) = std::fs::read_to_string(git.join("HEAD")) else {
            return Head::Unknown;
        };
        let Some(reference) = head.trim().strip_prefix("ref: ") else {
            return Head::Commit(head.trim().to_owned());
        };
        // The branch's own file, or else the packed list of references.
        let commit = std::fs::read_to_string(git.join(reference))
            .or_else(|_| std::fs::read_to_string(git.join("packed-refs")))
            .unwrap_or_default();
        return Head::Commit(format!("{reference} {}", commit.trim()));
    }
    Head::NoRepository
}

/// Reads the history of `register/systems` under `root`, or an empty history when
/// `root` is not in a git repository or git is not installed.
pub fn read(root: &Path) -> History {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "log",
            "--no-renames",
            "--relative",
            "--no-color",
            "--format=%x1e%h%x1f%cI%x1f%s",
            "--name-only",
            "--",
            "register/systems",
        ])
        .env("GIT_PAGER", "cat")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(out) if out.status.success() => parse(&String::from_utf8_lossy(&out.stdout)),
        _ => History::default(),
    }
}

fn parse(log: &str) -> History {
    let mut history = History::default();
    for record in log.split(RECORD).filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let Some(header) = lines.next() else { continue };
        let mut fields = header.split(UNIT);
        let (Some(commit), Some(time), Some(message)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let change = Change {
            commit: commit.to_owned(),
            date: time.get(..10).unwrap_or(time).to_owned(),
            time: time.to_owned(),
            message: message.trim().to_owned(),
        };
        let files: Vec<String> = lines
            .map(str::trim)
            .filter(|l| l.ends_with(".yaml") || l.ends_with(".yml"))
            .map(str::to_owned)
            .collect();
        for file in &files {
            history
                .by_file
                .entry(file.clone())
                .or_default()
                .push(change.clone());
        }
        history.commits.push((change, files));
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_pass_of_git_log() {
        let log = "\u{1e}abc1234\u{1f}2026-10-12T09:30:00+02:00\u{1f}Uppdatera chattbot\n\nregister/systems/chattbot.yaml\nregister/systems/ruttplanering.yaml\n\
                   \u{1e}def5678\u{1f}2026-09-01T08:00:00+02:00\u{1f}Lägg till chattbot\n\nregister/systems/chattbot.yaml\n";
        let h = parse(log);
        assert_eq!(h.commits.len(), 2);
        let chattbot = &h.by_file["register/systems/chattbot.yaml"];
        assert_eq!(chattbot.len(), 2);
        assert_eq!(chattbot[0].message, "Uppdatera chattbot");
        assert_eq!(chattbot[0].date, "2026-10-12");
        assert_eq!(h.by_file["register/systems/ruttplanering.yaml"].len(), 1);
    }
}

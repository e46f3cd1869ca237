//! Change history from git: when the site folder is in a git repository (or
//! `history.repository` in `site.yaml` names one inside the site), every record
//! gets the list of commits that changed its file, and the register gets a list
//! of recent changes. Two git processes read everything, however long the
//! history: one `git log` for which files changed in which commit, one
//! `git cat-file --batch` for the contents of those files. Without git (or
//! outside a repository) there is simply no history.
//!
//! What git prints is not trusted: fields are NUL-separated (a commit subject
//! cannot hold a NUL, so it cannot forge another field), every commit time is
//! checked to be a real RFC 3339 time, and no author name or address is read.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

/// One commit that changed a record. No author names or addresses are kept.
#[derive(Debug, Clone, Hash, serde::Serialize)]
pub struct Change {
    /// Short commit hash.
    pub commit: String,
    /// Commit time, RFC 3339 (`2026-10-12T09:30:00+02:00`), checked.
    pub time: String,
    /// The day part of `time`, for display.
    pub date: String,
    /// First line of the commit message, as written: never published as it is
    /// (see [`crate::versions::public_message`]).
    #[serde(skip)]
    pub message: String,
}

/// What one commit did to one record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// The file was added or changed: its path and the id of its new content.
    Written {
        path: String,
        blob: String,
    },
    /// The file was renamed (git's rename detection: content mostly the same).
    Renamed {
        from: String,
        path: String,
        blob: String,
    },
    Deleted {
        path: String,
    },
}

impl FileChange {
    pub fn path(&self) -> &str {
        match self {
            FileChange::Written { path, .. }
            | FileChange::Renamed { path, .. }
            | FileChange::Deleted { path } => path,
        }
    }
}

#[derive(Debug, Default)]
pub struct History {
    /// Record file (relative to the site root, `register/systems/x.yaml`) → its
    /// changes, newest first.
    pub by_file: HashMap<String, Vec<Change>>,
    /// Commits that changed records, newest first, with the files each changed.
    pub commits: Vec<(Change, Vec<String>)>,
    /// The same commits, newest first, with what each did to each record file.
    pub changes: Vec<(Change, Vec<FileChange>)>,
    /// The text of each version of a record file, by blob id: those with an
    /// earlier or later version to compare with (see [`History::more_blobs`]).
    pub blobs: HashMap<String, Arc<str>>,
    /// Where it was read from.
    pub source: Option<Source>,
}

impl History {
    /// The texts of blobs not read with the history (a file written once,
    /// that a record's `previous_ids` joins to another's history).
    pub fn more_blobs(&self, ids: &[String]) -> HashMap<String, Arc<str>> {
        match &self.source {
            Some(source) if !ids.is_empty() => read_blobs(source, ids),
            _ => HashMap::new(),
        }
    }
}

/// What the history depends on, read without running git: the commit the
/// repository's HEAD points at. `None` when that cannot be told this way (a
/// worktree, `GIT_DIR` set): then git has to be asked each time.
pub enum Head {
    /// No repository around `root`: no history.
    NoRepository,
    Commit(String),
    Unknown,
}

/// Where the history is read from: the repository around the site folder, or a
/// repository the site names (a folder inside it, `history.repository`).
#[derive(Debug, Clone)]
pub enum Source {
    Around(PathBuf),
    GitDir(PathBuf),
    /// A named repository that is not read: it leads out of the site (a link)
    /// or borrows objects from another repository (`objects/info/alternates`),
    /// either of which would publish what lies outside the site.
    Refused,
}

impl Source {
    /// The source for a site at `root` with `repository` from `site.yaml`
    /// (checked to be a relative path inside the site when it was read).
    pub fn of(root: &Path, repository: Option<&str>) -> Source {
        match repository {
            Some(rel) => {
                let dir = root.join(rel);
                let inside =
                    crate::confine::resolves_inside(&crate::confine::canonical_root(root), &dir);
                if inside && self_contained(&dir) {
                    Source::GitDir(dir)
                } else {
                    Source::Refused
                }
            }
            None => Source::Around(root.to_path_buf()),
        }
    }

    fn git(&self) -> Command {
        let mut git = Command::new("git");
        match self {
            Source::Around(root) => git.arg("-C").arg(root),
            Source::GitDir(dir) => git.arg("--git-dir").arg(dir),
            // (Never run: nothing is read from a refused source.)
            Source::Refused => git.arg("--git-dir=/nonexistent"),
        };
        // Nothing from the user's configuration changes what is printed.
        git.args([
            "-c",
            "log.showSignature=false",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.quotePath=false",
        ])
        .env("GIT_PAGER", "cat")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
        git
    }
}

/// Whether the bare repository `dir` holds all it reads itself: no link
/// anywhere inside it (`objects`, `refs`, `HEAD` pointing elsewhere), no
/// `commondir` (another repository's objects and refs) and no
/// `objects/info/alternates` (another repository's objects). Each of these
/// would let a file committed to the site publish what lies outside it.
fn self_contained(dir: &Path) -> bool {
    if dir.join("commondir").exists() || dir.join("objects/info/alternates").exists() {
        return false;
    }
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .all(|e| e.is_ok_and(|e| !e.path_is_symlink()))
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
        if git.is_dir() {
            return head_of(&git);
        }
    }
    Head::NoRepository
}

/// [`head`] for a history [`Source`].
pub fn head_of_source(source: &Source) -> Head {
    match source {
        Source::Around(root) => head(root),
        Source::GitDir(dir) if dir.join("HEAD").is_file() => head_of(dir),
        Source::GitDir(_) | Source::Refused => Head::NoRepository,
    }
}

fn head_of(git: &Path) -> Head {
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
    Head::Commit(format!("{reference} {}", commit.trim()))
}

/// Marks the start of a commit in the log (a field of its own, so no subject
/// can be taken for it).
const COMMIT: &str = "insyn-commit";

/// Reads the history of `register/systems` under `root`, or an empty history when
/// `root` is not in a git repository or git is not installed.
pub fn read(root: &Path) -> History {
    read_from(&Source::Around(root.to_path_buf()))
}

/// [`read`] from a history [`Source`].
pub fn read_from(source: &Source) -> History {
    match source {
        Source::GitDir(dir) if !dir.join("HEAD").is_file() => return History::default(),
        Source::Refused => return History::default(),
        _ => {}
    }
    let mut log = source.git();
    log.args([
        "log",
        "-z",
        "--first-parent",
        "-M",
        "--raw",
        "--no-abbrev",
        "--no-color",
        "--format=%x00insyn-commit%x00%H%x00%cI%x00%s",
    ]);
    // No pathspec: matching one costs git more than it saves on a flat folder
    // of 10,000 records (1.4 s against 0.7 s of CPU for 1,000 commits); the
    // paths are filtered here instead.
    if let Source::Around(_) = source {
        log.arg("--relative");
    }
    let mut history = match log.output() {
        Ok(out) if out.status.success() => parse(&String::from_utf8_lossy(&out.stdout)),
        _ => return History::default(),
    };
    // Only versions there is something to compare with are read: a file
    // written once and never renamed or deleted is the record on disk.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for f in history.changes.iter().flat_map(|(_, files)| files) {
        *seen.entry(f.path()).or_default() += 1;
        if let FileChange::Renamed { from, .. } = f {
            *seen.entry(from.as_str()).or_default() += 2;
        }
    }
    let mut wanted: Vec<&str> = history
        .changes
        .iter()
        .flat_map(|(_, files)| files)
        .filter(|f| seen.get(f.path()).is_some_and(|n| *n > 1))
        .filter_map(|f| match f {
            FileChange::Written { blob, .. } | FileChange::Renamed { blob, .. } => {
                Some(blob.as_str())
            }
            FileChange::Deleted { .. } => None,
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let wanted: Vec<String> = wanted.into_iter().map(str::to_owned).collect();
    history.blobs = read_blobs(source, &wanted);
    history.source = Some(source.clone());
    history
}

/// Larger versions are not read (a record file is far smaller).
const MAX_BLOB: usize = 1 << 20;

/// The text of each blob in `ids`, from one `git cat-file --batch`.
fn read_blobs(source: &Source, ids: &[String]) -> HashMap<String, Arc<str>> {
    let mut blobs = HashMap::new();
    if ids.is_empty() {
        return blobs;
    }
    let mut cat = source.git();
    cat.args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let Ok(mut child) = cat.spawn() else {
        return blobs;
    };
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return blobs;
    };
    let request: String = ids.iter().map(|id| format!("{id}\n")).collect();
    // Written on its own thread: git answers as it reads, and a full pipe
    // either way would otherwise stop both.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(request.as_bytes());
    });
    let mut out = std::io::BufReader::new(stdout);
    let mut header = String::new();
    for id in ids {
        header.clear();
        if out.read_line(&mut header).unwrap_or(0) == 0 {
            break;
        }
        let mut parts = header.split_whitespace();
        let (Some(got), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            // `<id> missing`: nothing follows.
            continue;
        };
        let Ok(size) = size.parse::<usize>() else {
            break;
        };
        let mut bytes = vec![0; size];
        if out.read_exact(&mut bytes).is_err() {
            break;
        }
        let mut newline = [0u8; 1];
        if out.read_exact(&mut newline).is_err() {
            break;
        }
        if got == id
            && kind == "blob"
            && size <= MAX_BLOB
            && let Ok(text) = String::from_utf8(bytes)
        {
            blobs.insert(id.clone(), Arc::from(text));
        }
    }
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    blobs
}

fn is_record(path: &str) -> bool {
    path.starts_with("register/systems/") && (path.ends_with(".yaml") || path.ends_with(".yml"))
}

/// A commit id as git prints it in full: 40 (SHA-1) or 64 (SHA-256) hex digits.
fn is_object_id(id: &str) -> bool {
    matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The time and its day when `time` is a real RFC 3339 time, else `None`.
fn checked_time(time: &str) -> Option<(String, String)> {
    time.parse::<jiff::Timestamp>().ok()?;
    let day = time.get(..10)?;
    day.parse::<jiff::civil::Date>().ok()?;
    Some((time.to_owned(), day.to_owned()))
}

/// Reads the output of `git log -z --raw` with [`read_from`]'s format: each
/// commit is `\0insyn-commit\0<id>\0<time>\0<subject>\0`, then its raw entries
/// (`:<modes> <ids> <status>\0<path>\0`, a second path for a rename).
fn parse(log: &str) -> History {
    let mut history = History::default();
    let mut fields = log.split('\0').map(|f| f.trim_start_matches('\n'));
    let mut current: Option<(Change, Vec<FileChange>)> = None;
    let finish = |history: &mut History, done: Option<(Change, Vec<FileChange>)>| {
        let Some((change, files)) = done else { return };
        if files.is_empty() {
            return;
        }
        let paths: Vec<String> = files.iter().map(|f| f.path().to_owned()).collect();
        for path in &paths {
            history
                .by_file
                .entry(path.clone())
                .or_default()
                .push(change.clone());
        }
        history.commits.push((change.clone(), paths));
        history.changes.push((change, files));
    };
    while let Some(field) = fields.next() {
        if field == COMMIT {
            finish(&mut history, current.take());
            let (Some(id), Some(time), Some(subject)) =
                (fields.next(), fields.next(), fields.next())
            else {
                break;
            };
            // A commit whose id or time is not what git prints is skipped whole.
            current = match (is_object_id(id), checked_time(time)) {
                (true, Some((time, date))) => Some((
                    Change {
                        commit: id[..10].to_owned(),
                        time,
                        date,
                        message: subject.trim().to_owned(),
                    },
                    Vec::new(),
                )),
                _ => None,
            };
            continue;
        }
        let Some(raw) = field.strip_prefix(':') else {
            continue;
        };
        let parts: Vec<&str> = raw.split(' ').collect();
        let [_, new_mode, _, new_blob, status] = parts[..] else {
            continue;
        };
        let renamed = status.starts_with('R') || status.starts_with('C');
        let Some(first) = fields.next() else { break };
        let second = if renamed { fields.next() } else { None };
        let Some((_, files)) = current.as_mut() else {
            continue;
        };
        // Only ordinary files (not links or submodules) that are records.
        let file = new_mode == "100644" || new_mode == "100755";
        let change = match (status.chars().next(), second) {
            (Some('R'), Some(path)) if file && is_record(path) && is_object_id(new_blob) => {
                if is_record(first) {
                    FileChange::Renamed {
                        from: first.to_owned(),
                        path: path.to_owned(),
                        blob: new_blob.to_owned(),
                    }
                } else {
                    FileChange::Written {
                        path: path.to_owned(),
                        blob: new_blob.to_owned(),
                    }
                }
            }
            (Some('D'), None) if is_record(first) => FileChange::Deleted {
                path: first.to_owned(),
            },
            (Some('A' | 'M' | 'T'), None) if file && is_record(first) && is_object_id(new_blob) => {
                FileChange::Written {
                    path: first.to_owned(),
                    blob: new_blob.to_owned(),
                }
            }
            _ => continue,
        };
        files.push(change);
    }
    finish(&mut history, current.take());
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn raw(status: &str, blob: &str, paths: &[&str]) -> String {
        let mut s = format!(":100644 100644 {A} {blob} {status}");
        for p in paths {
            s.push('\0');
            s.push_str(p);
        }
        s.push('\0');
        s
    }

    #[test]
    fn parses_one_pass_of_git_log() {
        let log = format!(
            "\0insyn-commit\0{A}\x002026-10-12T09:30:00+02:00\0Uppdatera chattbot\0\n{}{}\0insyn-commit\0{B}\x002026-09-01T08:00:00+02:00\0Lägg till chattbot\0\n{}",
            raw("M", B, &["register/systems/chattbot.yaml"]),
            raw(
                "R090",
                B,
                &[
                    "register/systems/rutt.yaml",
                    "register/systems/ruttplanering.yaml"
                ]
            ),
            raw("A", A, &["register/systems/chattbot.yaml"]),
        );
        let h = parse(&log);
        assert_eq!(h.commits.len(), 2);
        let chattbot = &h.by_file["register/systems/chattbot.yaml"];
        assert_eq!(chattbot.len(), 2);
        assert_eq!(chattbot[0].message, "Uppdatera chattbot");
        assert_eq!(chattbot[0].date, "2026-10-12");
        assert_eq!(h.by_file["register/systems/ruttplanering.yaml"].len(), 1);
        assert_eq!(
            h.changes[0].1[1],
            FileChange::Renamed {
                from: "register/systems/rutt.yaml".into(),
                path: "register/systems/ruttplanering.yaml".into(),
                blob: B.into()
            }
        );
    }

    #[test]
    fn a_subject_with_separators_cannot_forge_a_date() {
        // What the old format (U+001E/U+001F separated lines) took for a second
        // commit dated 2099-13-45 is one subject here.
        let subject = "Ändra\u{1e}abc1234\u{1f}2099-13-45T00:00:00Z\u{1f}Falsk\ninsyn-commit";
        let log = format!(
            "\0insyn-commit\0{A}\x002026-10-12T09:30:00+02:00\0{subject}\0\n{}",
            raw("M", B, &["register/systems/chattbot.yaml"]),
        );
        let h = parse(&log);
        assert_eq!(h.commits.len(), 1);
        assert_eq!(h.commits[0].0.date, "2026-10-12");
        // An invalid time from git itself drops the commit rather than show it.
        let log = format!(
            "\0insyn-commit\0{A}\x002099-13-45T00:00:00Z\0x\0\n{}",
            raw("M", B, &["register/systems/chattbot.yaml"]),
        );
        assert!(parse(&log).commits.is_empty());
    }
}

//! Helpers shared by the integration tests: run the real binary, copy fixture
//! sites, read built pages.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The day every test runs on, so date rules give the same answer every day.
pub const TODAY: &str = "2026-11-22";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// Runs `insyn` with `args`. A run that takes longer than a minute is a hang:
/// it is killed and the test fails (a guard, not a timing measurement).
pub fn insyn(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_insyn"))
        .args(args)
        .env("INSYN_TODAY", TODAY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the insyn binary starts");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait works").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("insyn {args:?} hung for a minute");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("output is readable");
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "insyn {args:?} panicked:\n{stderr}"
    );
    Run {
        code,
        stdout,
        stderr,
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("fixture is readable");
        let rel = entry.path().strip_prefix(from).expect("inside fixture");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A fresh copy of a fixture site in a temporary folder.
pub fn site_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture(name), dir.path());
    dir
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside dir")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `<main>` element of a page: the part that matters for snapshots.
pub fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("page has <main>");
    let end = html.find("</main>").expect("page closes </main>") + "</main>".len();
    html[start..end].to_owned()
}

/// `insyn build --root ROOT --output OUT`.
pub fn build_into(root: &Path, out: &Path) -> Run {
    insyn(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// The diagnostics of a `--format json` run.
pub fn diagnostics(run: &Run) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    doc["diagnostics"]
        .as_array()
        .expect("a diagnostics list")
        .clone()
}

/// Every `<tag attr="value">` in `html`, as (tag, [(attr, value)]).
pub fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let inner = &rest[..end];
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut attrs = Vec::new();
        let mut s = inner[name.len()..].trim_start();
        while !s.is_empty() && s != "/" {
            let attr: String = s
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '=')
                .collect();
            s = &s[attr.len()..];
            let value = if let Some(v) = s.strip_prefix("=\"") {
                let close = v.find('"').unwrap_or(v.len());
                s = v.get(close + 1..).unwrap_or("");
                v[..close].to_owned()
            } else if let Some(v) = s.strip_prefix('=') {
                // Unquoted or single-quoted: never written by the theme; keep it to fail on.
                let end = v.find(char::is_whitespace).unwrap_or(v.len());
                s = &v[end..];
                v[..end].to_owned()
            } else {
                String::new()
            };
            if attr.is_empty() && value.is_empty() {
                let skip = s.chars().next().map_or(1, char::len_utf8);
                s = s.get(skip..).unwrap_or("");
                continue;
            }
            attrs.push((attr.to_lowercase(), value));
            s = s.trim_start();
        }
        out.push((name.to_lowercase(), attrs));
        rest = &rest[end..];
    }
    out
}

/// Replaces `from` with `to` in the file at `path`. The text must be there: an
/// edit that silently changes nothing would make the test prove nothing.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = read(path);
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    // The first occurrence: a record's `translations` repeat its field names.
    std::fs::write(path, text.replacen(from, to, 1)).expect("the file is writable");
}

/// Adds a setting under `site:` in a fixture's `register/site.yaml`, e.g. `language: en`.
pub fn site_setting(root: &Path, line: &str) {
    edit(
        &root.join("register/site.yaml"),
        "base_url:",
        &format!("{line}\n  base_url:"),
    );
}

/// Every element insyn's Markdown may write: the policy of [`ammonia_oracle`].
pub const MARKDOWN_TAGS: &[&str] = &[
    "p",
    "br",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

/// The HTML sanitiser that used to clean every rendered Markdown fragment, with
/// the same policy, now the tests' oracle: a fragment insyn writes must come out
/// of it unchanged (a fixpoint), which proves it holds only allowed elements,
/// attributes and URL schemes, in a form browsers parse as written.
pub fn ammonia_oracle() -> ammonia::Builder<'static> {
    let tags: std::collections::HashSet<&str> = MARKDOWN_TAGS.iter().copied().collect();
    let mut b = ammonia::Builder::empty();
    b.tags(tags)
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(["text-align"].into_iter().collect())
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
}

/// Panics unless `html` is unchanged by [`ammonia_oracle`].
pub fn assert_fixpoint(oracle: &ammonia::Builder, html: &str, from: &str) {
    let cleaned = oracle.clean(html).to_string();
    assert_eq!(
        cleaned, html,
        "not a fixpoint of the sanitiser, from {from:?}"
    );
}

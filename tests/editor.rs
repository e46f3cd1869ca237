//! The editor's day through the real binary: init, new, serve (start, edit,
//! broken save, recovery), and what serve refuses.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[test]
fn init_creates_a_site_that_builds_at_once_and_new_adds_a_guided_record() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("mitt-register");
    let run = insyn(&["init", site.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("insyn new"), "{}", run.stdout);
    assert!(site.join("schema/record-v1.json").is_file());
    // Publishing on merge: a GitHub Actions workflow and a GitLab CI equivalent.
    let workflow = read(&site.join(".github/workflows/ai-registret.yml"));
    assert!(
        workflow.contains("insyn check --format github")
            && workflow.contains("actions/deploy-pages")
    );
    assert!(read(&site.join(".gitlab-ci.yml")).contains("pages:"));
    let run = insyn(&["check", "--root", site.to_str().unwrap()]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "Inga fel: 1 system kontrollerade.\n")
    );
    assert_eq!(insyn(&["build", "--root", site.to_str().unwrap()]).code, 0);
    assert!(
        site.join("public/system/chattbot-webbplatsen/index.html")
            .is_file()
    );
    // init never overwrites a register.
    let again = insyn(&["init", site.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("inget skrivs över"),
        "{}",
        again.stderr
    );

    // new: the id comes from the name, with å ä ö transliterated.
    let run = insyn(&[
        "new",
        "Röststyrd journalföring i äldreomsorgen",
        "--root",
        site.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record = site.join("register/systems/roststyrd-journalforing-i-aldreomsorgen.yaml");
    let text = read(&record);
    assert!(text.starts_with("# yaml-language-server: $schema=../../schema/record-v1.json"));
    assert!(text.contains("name: \"Röststyrd journalföring i äldreomsorgen\""));
    // The new record is not finished: check lists what to fill in, at the right lines.
    let run = insyn(&[
        "check",
        "--root",
        site.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let diags = diagnostics(&run);
    let summary = diags
        .iter()
        .find(|d| d["message"] == "Fältet `summary` är tomt.")
        .expect("summary reported");
    let line = summary["line"].as_u64().unwrap() as usize;
    assert_eq!(text.lines().nth(line - 1), Some("summary:"));
    assert!(
        summary["hint"]
            .as_str()
            .unwrap()
            .contains("högst 300 tecken")
    );
    // ...and it never overwrites.
    std::fs::write(&record, "name: ändrad\n").unwrap();
    let run = insyn(&[
        "new",
        "Röststyrd journalföring i äldreomsorgen",
        "--root",
        site.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(read(&record), "name: ändrad\n");
}

/// `insyn serve --port 0` on a copy of a site; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    /// Its temporary folder (`TMPDIR`), where it makes its own private one.
    tmp: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(root: &std::path::Path) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_insyn"))
        .args(["serve", "--port", "0", "--root", root.to_str().unwrap()])
        .env("INSYN_TODAY", TODAY)
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("serve prints its address");
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server { child, port, tmp }
}

/// A plain HTTP/1.1 GET: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(40)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The site version now, then the version after the next rebuild (long poll).
fn version(port: u16) -> String {
    get(port, "/_insyn/wait?v=none").1.trim().to_owned()
}

fn edit_and_wait(port: u16, file: &std::path::Path, from: &str, to: &str) -> String {
    let before = version(port);
    let waiter = std::thread::spawn(move || get(port, &format!("/_insyn/wait?v={before}")).1);
    std::thread::sleep(Duration::from_millis(200));
    edit(file, from, to);
    waiter.join().unwrap().trim().to_owned()
}

#[test]
fn serve_rebuilds_on_save_shows_errors_in_the_browser_and_recovers() {
    let site = site_copy("contract-only");
    let server = serve(site.path());
    let port = server.port;

    let (status, page) = get(port, "/system/kallelser/");
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Automatisk sortering av kallelser</h1>"));
    assert!(
        page.contains("<script src=\"/_insyn/reload.js?v="),
        "the reload script is injected"
    );
    let (status, script) = get(port, "/_insyn/reload.js");
    assert_eq!(status, 200);
    assert!(script.contains("location.reload()"));
    // Nothing changes on its own: the version is stable while files are untouched.
    let v = version(port);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(version(port), v);

    // An edit is rebuilt and announced to waiting browsers.
    let record = site.path().join("register/systems/kallelser.yaml");
    let after = edit_and_wait(
        port,
        &record,
        "name: Automatisk sortering av kallelser",
        "name: Sortering av kallelser",
    );
    assert_ne!(after, v);
    let page = get(port, "/system/kallelser/").1;
    assert!(page.contains("<h1>Sortering av kallelser</h1>"), "{page}");

    // A broken save: the page shows the located error, the server keeps running.
    edit_and_wait(port, &record, "status: in_use", "status: anvands");
    let (status, page) = get(port, "/system/kallelser/");
    assert_eq!(status, 500);
    assert!(
        page.contains("<code>anvands</code> är inte ett tillåtet värde för <code>status</code>."),
        "{page}"
    );
    assert!(
        page.contains("register/systems/kallelser.yaml:3:9"),
        "{page}"
    );
    assert!(
        page.contains("status: anvands"),
        "the offending line is shown"
    );
    assert!(
        page.contains("/_insyn/reload.js"),
        "the error page reloads itself too"
    );

    // Fixed: back to the site.
    edit_and_wait(port, &record, "status: anvands", "status: in_use");
    let (status, page) = get(port, "/system/kallelser/");
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Sortering av kallelser</h1>"));

    // Editor save patterns: a temp file renamed over the record, a deleted file.
    let temp = site.path().join("register/systems/.kallelser.yaml.swp");
    std::fs::write(
        &temp,
        read(&record).replace("Sortering av kallelser", "Kallelser"),
    )
    .unwrap();
    let before = version(port);
    let waiter = std::thread::spawn(move || get(port, &format!("/_insyn/wait?v={before}")).1);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::rename(&temp, &record).unwrap();
    waiter.join().unwrap();
    assert!(
        get(port, "/system/kallelser/")
            .1
            .contains("<h1>Kallelser</h1>")
    );

    // Not found, and paths outside the site.
    assert_eq!(get(port, "/finns-inte/").0, 404);
    for bad in [
        "/../register/site.yaml",
        "/%2e%2e/register/site.yaml",
        "/system/..%2f..%2fregister%2fsite.yaml",
    ] {
        let (status, body) = get(port, bad);
        assert!(
            status == 403 || status == 404 || status == 400,
            "{bad}: {status}"
        );
        assert!(!body.contains("organisation:"), "{bad} leaked a file");
    }
    // public/ is never touched by serve.
    assert!(!site.path().join("public").exists());
}

/// The folder `insyn serve` (process `pid`) builds into.
/// The folder `serve` builds into: the one private folder it made in its `TMPDIR`.
fn served_dir(server: &Server) -> std::path::PathBuf {
    let made: Vec<_> = std::fs::read_dir(server.tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    made[0].join("public")
}

#[test]
fn serve_rebuilds_only_what_changed_and_ends_up_with_exactly_the_full_build() {
    // The example register, edited in every way an editor can while serve runs:
    // a name (listings change), a text (one page changes), a record removed, a
    // record added, the site's title (every page changes).
    let site = tempfile::tempdir().unwrap();
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("register"),
        &site.path().join("register"),
    );
    let server = serve(site.path());
    let port = server.port;
    let systems = site.path().join("register/systems");
    let chattbot = systems.join("chattbot-webbplatsen.yaml");
    let name = read(&chattbot)
        .lines()
        .find_map(|l| l.strip_prefix("name: ").map(str::to_owned))
        .unwrap();
    edit_and_wait(
        port,
        &chattbot,
        &format!("name: {name}"),
        "name: Aaa chattbot",
    );
    let start = get(port, "/").1;
    assert!(
        start.contains("Aaa chattbot"),
        "the start page lists the new name"
    );
    assert!(!start.contains(&format!(">{name}<")), "and not the old one");

    let copilot = systems.join("copilot-for-medarbetare.yaml");
    let text = read(&copilot);
    let purpose_line = text
        .lines()
        .find(|l| l.starts_with("purpose:"))
        .unwrap()
        .to_owned();
    edit_and_wait(
        port,
        &copilot,
        &purpose_line,
        &format!("{purpose_line}\n  Nytt stycke om syftet.\n"),
    );
    assert!(
        get(port, "/system/copilot-for-medarbetare/")
            .1
            .contains("Nytt stycke om syftet.")
    );

    let before = version(port);
    let waiter = std::thread::spawn(move || get(port, &format!("/_insyn/wait?v={before}")).1);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::remove_file(systems.join("trafikrakning-kameror.yaml")).unwrap();
    waiter.join().unwrap();
    assert_eq!(get(port, "/system/trafikrakning-kameror/").0, 404);

    let before = version(port);
    let waiter = std::thread::spawn(move || get(port, &format!("/_insyn/wait?v={before}")).1);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(systems.join("ny-chattbot.yaml"), read(&chattbot)).unwrap();
    waiter.join().unwrap();
    assert_eq!(get(port, "/system/ny-chattbot/").0, 200);

    // A burst of saves, faster than a build: each build that is overtaken
    // stops after its pages, and the last one leaves everything in place.
    let felanmalan = systems.join("felanmalan-sortering.yaml");
    for n in 0..5 {
        edit(&felanmalan, "name: ", &format!("name: {n} "));
        std::thread::sleep(Duration::from_millis(40));
    }
    let settled = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        get(port, "/system/felanmalan-sortering/")
            .1
            .contains("<h1>4 3 2 1 0 Sortering")
    });
    assert!(settled, "the last save is served");

    let site_yaml = site.path().join("register/site.yaml");
    let title = read(&site_yaml)
        .lines()
        .find_map(|l| l.trim().strip_prefix("title: ").map(str::to_owned))
        .unwrap();
    edit_and_wait(
        port,
        &site_yaml,
        &format!("title: {title}"),
        "title: Nytt namn på registret",
    );
    // (A build still due from the burst may answer the wait first.)
    let renamed = (0..100).any(|_| {
        let found = get(port, "/system/las-app-grundskolan/")
            .1
            .contains("Nytt namn på registret");
        if !found {
            std::thread::sleep(Duration::from_millis(50));
        }
        found
    });
    assert!(renamed, "the new title is served");

    // The exports follow the pages; then the served folder is byte for byte
    // what a full build of the same files gives.
    let fresh = tempfile::tempdir().unwrap();
    let out = fresh.path().join("public");
    assert_eq!(build_into(site.path(), &out).code, 0);
    let expected = tree(&out);
    let served = served_dir(&server);
    let mut last = Vec::new();
    for _ in 0..100 {
        last = tree(&served);
        if last == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&last), names(&expected), "the same files");
    for ((name, got), (_, want)) in last.iter().zip(&expected) {
        assert!(got == want, "{name} differs from a full build");
    }
}

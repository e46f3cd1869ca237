//! The build machine's trust (issue 15, items 1, 2, 3, 7, 8), tried as an
//! attacker would, through the real binary: nothing outside the site is read,
//! nothing of anyone's is replaced, one build at a time publishes one whole
//! site, `serve` is safe on a shared machine, and the smaller promises.
#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a secret on the build machine holds: it must never appear anywhere.
const SECRET: &str = "HEMLIGT-15A-sk_live_4242";

/// The binary under test (`INSYN_BIN` runs the same tests against another
/// build of insyn, to see them fail on an older one).
fn bin() -> PathBuf {
    std::env::var_os("INSYN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_insyn")))
}

/// Runs insyn with `args` in `dir`, with `env` set; killed after a minute.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env("INSYN_TODAY", TODAY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("insyn starts");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("insyn {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("output");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn run(args: &[&str]) -> Run {
    run_in(Path::new("."), args, &[])
}

/// `insyn build --root ROOT --output OUT` (of [`bin`]; shadows the common helper).
fn build_into(root: &Path, out: &Path) -> Run {
    run(&["build", "--root", s(root), "--output", s(out)])
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A small site that builds, in `dir/site`, and a secret beside it (outside the site).
fn site_and_secret() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    copy_dir(&fixture("contract-only"), &root);
    std::fs::create_dir_all(root.join("register/pages")).unwrap();
    let secret = dir.path().join("secret.md");
    std::fs::write(&secret, format!("# {SECRET}\n\n{SECRET}\nkey: {SECRET}\n")).unwrap();
    (dir, root, secret)
}

fn check_all_formats(root: &Path) -> Vec<Run> {
    ["human", "json", "github"]
        .iter()
        .map(|f| run(&["check", "--root", s(root), "--format", f]))
        .collect()
}

fn no_secret_in(dir: &Path) {
    for (path, bytes) in tree(dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "the secret was published in {path}"
        );
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

// ----- 1. Nothing outside the site is read -----

#[test]
fn links_out_of_the_site_are_refused_by_name_and_their_content_is_shown_nowhere() {
    let (dir, root, secret) = site_and_secret();
    symlink(&secret, root.join("register/pages/hemlig.md")).unwrap();
    symlink(&secret, root.join("register/systems/nyckel.yaml")).unwrap();
    // A link that stays inside the site keeps working.
    std::fs::write(root.join("om.md"), "# Om registret\n\nText.\n").unwrap();
    symlink(root.join("om.md"), root.join("register/pages/om.md")).unwrap();
    for check in check_all_formats(&root) {
        assert_eq!(check.code, 1, "{}", check.stdout);
        let all = format!("{}{}", check.stdout, check.stderr);
        assert!(!all.contains(SECRET), "the secret was printed:\n{all}");
        assert!(all.contains("register/pages/hemlig.md"), "{all}");
        assert!(all.contains("register/systems/nyckel.yaml"), "{all}");
        assert!(all.contains("link-outside") || all.contains("utanför webbplatsens mapp"));
        assert!(!all.contains("register/pages/om.md"), "{all}");
    }
    let out = dir.path().join("out");
    let build = build_into(&root, &out);
    assert_eq!(build.code, 1);
    assert!(!build.stderr.contains(SECRET), "{}", build.stderr);
    assert!(!out.exists());
    // Without the links out, the link inside publishes its page.
    std::fs::remove_file(root.join("register/pages/hemlig.md")).unwrap();
    std::fs::remove_file(root.join("register/systems/nyckel.yaml")).unwrap();
    let build = build_into(&root, &out);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(out.join("om/index.html").is_file());
}

#[test]
fn a_theme_reads_nothing_outside_the_site_publishes_no_leftovers_and_never_waits_on_a_pipe() {
    let (dir, root, secret) = site_and_secret();
    site_setting(&root, "theme: egen");
    let theme = root.join("themes/egen");
    let stat = theme.join("static");
    std::fs::create_dir_all(stat.join(".git")).unwrap();
    std::fs::write(stat.join("egen.css"), "body { color: black }\n").unwrap();
    for leftover in [
        ".env",
        ".git/config",
        "egen.css.swp",
        "egen.css~",
        "#egen.css#",
        ".DS_Store",
    ] {
        std::fs::write(stat.join(leftover), SECRET).unwrap();
    }
    let out = dir.path().join("out");
    let build = build_into(&root, &out);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(out.join("static/egen.css").is_file());
    no_secret_in(&out);

    // A link out of the site in static/, templates/ or i18n/, and the theme
    // folder itself as a link out: refused by name, the content nowhere.
    let cases: Vec<(PathBuf, &str)> = vec![
        (stat.join("leak.css"), "themes/egen/static/leak.css"),
        (theme.join("i18n/sv.yaml"), "themes/egen/i18n/sv.yaml"),
        (
            theme.join("templates/base.html"),
            "themes/egen/templates/base.html",
        ),
    ];
    for (link, shown) in &cases {
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(&secret, link).unwrap();
        let build = build_into(&root, &out);
        assert_eq!(build.code, 1, "{shown}: {}", build.stderr);
        assert!(build.stderr.contains(shown), "{shown}: {}", build.stderr);
        assert!(!build.stderr.contains(SECRET), "{}", build.stderr);
        no_secret_in(&out);
        std::fs::remove_file(link).unwrap();
    }
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("static")).unwrap();
    std::fs::write(elsewhere.join("static/x.css"), SECRET).unwrap();
    std::fs::rename(&theme, dir.path().join("egen-real")).unwrap();
    symlink(&elsewhere, &theme).unwrap();
    let build = build_into(&root, &out);
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(build.stderr.contains("themes/egen"), "{}", build.stderr);
    no_secret_in(&out);
    std::fs::remove_file(&theme).unwrap();
    std::fs::rename(dir.path().join("egen-real"), &theme).unwrap();

    // A pipe in the theme is an error, not a build that waits forever.
    mkfifo(&stat.join("pipe.css"));
    let build = build_into(&root, &out);
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(
        build.stderr.contains("themes/egen/static/pipe.css"),
        "{}",
        build.stderr
    );
}

#[test]
fn a_systems_or_pages_folder_linked_out_of_the_site_is_not_even_listed() {
    for folder in ["systems", "pages"] {
        let (dir, root, _) = site_and_secret();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join(format!("{SECRET}.txt")), SECRET).unwrap();
        std::fs::write(
            elsewhere.join(format!("{SECRET}.md")),
            format!("# {SECRET}\n"),
        )
        .unwrap();
        std::fs::write(elsewhere.join(format!("{SECRET}.yaml")), "name: x\n").unwrap();
        let at = root.join("register").join(folder);
        std::fs::remove_dir_all(&at).unwrap();
        symlink(&elsewhere, &at).unwrap();
        for check in check_all_formats(&root) {
            let all = format!("{}{}", check.stdout, check.stderr);
            assert_eq!(check.code, 1, "{folder}: {all}");
            assert!(!all.contains(SECRET), "{folder}: {all}");
            assert!(all.contains(&format!("register/{folder}")), "{all}");
        }
    }
}

#[test]
fn a_pipe_among_the_pages_is_an_error_not_a_wait() {
    let (dir, root, _) = site_and_secret();
    mkfifo(&root.join("register/pages/ror.md"));
    let build = build_into(&root, &dir.path().join("out"));
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(
        build.stderr.contains("register/pages/ror.md"),
        "{}",
        build.stderr
    );
}

#[test]
fn site_theme_is_a_name_not_a_path() {
    for bad in ["../../etc", "/etc", "egen/../../x"] {
        let (dir, root, _) = site_and_secret();
        site_setting(&root, &format!("theme: \"{bad}\""));
        let check = run(&["check", "--root", s(&root), "--format", "json"]);
        assert_eq!(check.code, 1, "{bad}: {}", check.stdout);
        let diags = diagnostics(&check);
        let d = diags
            .iter()
            .find(|d| d["code"] == "invalid-theme")
            .unwrap_or_else(|| panic!("{bad}: {diags:?}"));
        assert_eq!(d["file"], "register/site.yaml");
        assert!(d["line"].as_u64().unwrap_or(0) > 0, "{d}");
        let build = build_into(&root, &dir.path().join("out"));
        assert_eq!(build.code, 1);
    }
}

// ----- 2. Nothing of anyone's is replaced -----

#[test]
fn an_output_that_is_not_a_folder_is_refused_and_left_as_it_was() {
    let (dir, root, _) = site_and_secret();
    let file = dir.path().join("fil.txt");
    std::fs::write(&file, "mine\n").unwrap();
    let fifo = dir.path().join("ror");
    mkfifo(&fifo);
    let socket = dir.path().join("uttag");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut outputs = vec![file.clone(), fifo.clone(), socket.clone()];
    // A device (as /dev/null is), made here so that nothing real is at stake.
    let device = dir.path().join("null");
    let made = Command::new("mknod")
        .args([s(&device), "c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        outputs.push(device.clone());
    }
    for out in &outputs {
        let before = std::fs::symlink_metadata(out).unwrap().file_type();
        let build = build_into(&root, out);
        assert_eq!(build.code, 1, "{}: {}", out.display(), build.stderr);
        assert!(build.stderr.contains("mapp"), "{}", build.stderr);
        let after = std::fs::symlink_metadata(out).unwrap().file_type();
        assert_eq!(before, after, "{} was changed", out.display());
    }
    assert_eq!(read(&file), "mine\n");
    // Nothing was made beside them either.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("insyn")), "{names:?}");
}

#[test]
fn a_folder_is_replaced_only_when_insyn_built_it() {
    let (dir, root, _) = site_and_secret();
    // Somebody's folder with a downloaded register.json in it.
    let theirs = dir.path().join("nedladdat");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("register.json"), "{}\n").unwrap();
    std::fs::write(theirs.join("rapport.docx"), "mine\n").unwrap();
    for _ in 0..2 {
        let build = build_into(&root, &theirs);
        assert_eq!(build.code, 1, "{}", build.stderr);
        assert!(build.stderr.contains(".insyn-output"), "{}", build.stderr);
    }
    assert_eq!(read(&theirs.join("rapport.docx")), "mine\n");
    assert_eq!(read(&theirs.join("register.json")), "{}\n");
    // A folder insyn built carries the marker, with the version, and is rebuilt.
    let out = dir.path().join("public");
    for _ in 0..3 {
        let build = build_into(&root, &out);
        assert_eq!(build.code, 0, "{}", build.stderr);
    }
    assert!(read(&out.join(".insyn-output")).starts_with("insyn "));
    // An empty folder is fine too.
    let empty = dir.path().join("tom");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(build_into(&root, &empty).code, 0);
}

#[test]
fn an_output_inside_the_register_or_the_themes_is_refused() {
    let (_dir, root, _) = site_and_secret();
    std::fs::create_dir_all(root.join("themes/egen")).unwrap();
    for inside in ["register/public", "register/pages/x", "themes/egen/public"] {
        let build = build_into(&root, &root.join(inside));
        assert_eq!(build.code, 1, "{inside}: {}", build.stderr);
        assert!(!root.join(inside).exists(), "{inside} was made");
    }
}

#[test]
fn an_output_that_is_a_link_keeps_the_link_and_builds_the_folder_it_points_to() {
    let (dir, root, _) = site_and_secret();
    let real = dir.path().join("releases/current");
    std::fs::create_dir_all(&real).unwrap();
    let link = dir.path().join("www");
    symlink(&real, &link).unwrap();
    for _ in 0..2 {
        let build = build_into(&root, &link);
        assert_eq!(build.code, 0, "{}", build.stderr);
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(real.join("index.html").is_file());
    }
    // A link to nowhere is refused.
    let broken = dir.path().join("broken");
    symlink(dir.path().join("nowhere"), &broken).unwrap();
    assert_eq!(build_into(&root, &broken).code, 1);
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn a_backup_that_shares_hard_links_with_the_site_is_never_changed() {
    let (dir, root, _) = site_and_secret();
    let out = dir.path().join("public");
    let backup = dir.path().join("backup");
    assert_eq!(build_into(&root, &out).code, 0);
    // A second build makes the spare copy that later builds write into.
    assert_eq!(build_into(&root, &out).code, 0);
    // `cp -al public backup`, of the published site and of the spare one.
    for from in [out.clone(), dir.path().join(".public.insyn-spare")] {
        for (rel, _) in tree(&from) {
            let to = backup.join(from.file_name().unwrap()).join(&rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::hard_link(from.join(&rel), &to).unwrap();
        }
    }
    let saved = tree(&backup);
    let record = root.join("register/systems/kallelser.yaml");
    for round in 0..3 {
        let text = read(&record);
        let text = text.replacen("name: ", &format!("name: Ändrad {round} "), 1);
        std::fs::write(&record, text).unwrap();
        let build = build_into(&root, &out);
        assert_eq!(build.code, 0, "{}", build.stderr);
        assert!(read(&out.join("register.json")).contains(&format!("Ändrad {round}")));
    }
    assert!(tree(&backup) == saved, "the backup was changed");
}

#[test]
fn nothing_is_written_through_a_link_planted_in_the_spare_copy() {
    let (dir, root, _) = site_and_secret();
    let out = dir.path().join("public");
    assert_eq!(build_into(&root, &out).code, 0);
    assert_eq!(build_into(&root, &out).code, 0);
    let spare = dir.path().join(".public.insyn-spare");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "mine\n").unwrap();
    std::fs::remove_file(spare.join("index.html")).unwrap();
    symlink(&victim, spare.join("index.html")).unwrap();
    let build = build_into(&root, &out);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert_eq!(read(&victim), "mine\n");
    assert!(read(&out.join("index.html")).contains("<html"));
}

#[test]
fn a_mount_point_is_refused_when_one_can_be_made() {
    let (dir, root, _) = site_and_secret();
    let volume = dir.path().join("volym");
    std::fs::create_dir(&volume).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "none", s(&volume)])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("(cannot mount here: not tested)");
        return;
    }
    let build = build_into(&root, &volume);
    let inside = build_into(&root, &volume.join("site"));
    let _ = Command::new("umount").arg(&volume).status();
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(build.stderr.contains("monterad volym"), "{}", build.stderr);
    assert_eq!(inside.code, 0, "{}", inside.stderr);
}

// ----- 3. One build at a time -----

#[test]
fn two_builds_at_once_into_one_output_publish_one_whole_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    // Two registers whose every page says which one it is.
    let roots: Vec<PathBuf> = ["ETTAN", "TVAAN"]
        .iter()
        .map(|mark| {
            let root = dir.path().join(mark);
            copy_dir(&repo().join("register"), &root.join("register"));
            edit(
                &root.join("register/site.yaml"),
                "title: ",
                &format!("title: {mark} "),
            );
            root
        })
        .collect();
    for round in 0..4 {
        let children: Vec<_> = roots
            .iter()
            .map(|root| {
                Command::new(bin())
                    .args(["build", "--root", s(root), "--output", s(&out)])
                    .env("INSYN_TODAY", TODAY)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let done = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&done.stderr);
            assert!(done.status.success(), "round {round}: {stderr}");
        }
        let mut marks = std::collections::BTreeSet::new();
        for (path, bytes) in tree(&out) {
            let text = String::from_utf8_lossy(&bytes);
            for mark in ["ETTAN", "TVAAN"] {
                if text.contains(mark) {
                    marks.insert((mark, path.clone()));
                }
            }
        }
        let builds: std::collections::BTreeSet<_> = marks.iter().map(|(m, _)| *m).collect();
        assert_eq!(
            builds.len(),
            1,
            "round {round}: a mix of both builds: {marks:?}"
        );
    }
}

// ----- 7. serve on a shared machine -----

struct Served {
    child: std::process::Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(root: &Path, tmp: &Path) -> Served {
    let mut child = Command::new(bin())
        .args(["serve", "--root", s(root), "--port", "0"])
        .env("INSYN_TODAY", TODAY)
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let port = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Served { child, port }
}

/// Sends a GET for `path` with `Host: host`, and reads nothing yet.
fn send(port: u16, path: &str, host: &str) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Sends a GET for `path` with `Host: host`; the status code (and the stream, kept open).
fn get(port: u16, path: &str, host: &str) -> (u16, std::net::TcpStream) {
    use std::io::Read;
    let mut stream = send(port, path, host);
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    let code = String::from_utf8_lossy(&head[9..12]).parse().unwrap();
    (code, stream)
}

/// A served site and the temporary folder it was given.
fn served() -> (tempfile::TempDir, PathBuf, Served) {
    let (dir, root, _) = site_and_secret();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let served = serve(&root, &tmp);
    (dir, tmp, served)
}

#[test]
fn serve_builds_into_a_private_folder() {
    let (_dir, tmp, served) = served();

    // A private folder: not named after the process, readable by its owner only.
    let made: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let name = made[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_ne!(name, format!("insyn-serve-{}", served.child.id()));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::symlink_metadata(&made[0])
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
}

#[test]
fn serve_answers_only_requests_for_its_own_address() {
    let (_dir, _tmp, served) = served();
    let port = served.port;
    // Its own address answers; a name that only resolves to it does not (DNS rebinding).
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(get(port, "/", &host).0, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (code, _) = get(port, "/", &host);
        assert!(code == 421 || code == 403, "{host}: {code}");
        let (code, _) = get(port, "/_insyn/wait?v=x", &host);
        assert!(code == 421 || code == 403, "{host}: {code}");
    }
}

#[test]
fn serves_error_page_shows_nothing_of_a_link_out_of_the_site() {
    let (dir, root, secret) = site_and_secret();
    symlink(&secret, root.join("register/systems/nyckel.yaml")).unwrap();
    symlink(&secret, root.join("register/pages/hemlig.md")).unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let served = serve(&root, &tmp);
    let (code, mut page) = get(served.port, "/", &format!("127.0.0.1:{}", served.port));
    let mut body = Vec::new();
    page.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let _ = std::io::Read::read_to_end(&mut page, &mut body);
    let body = String::from_utf8_lossy(&body);
    assert_eq!(code, 500, "{body}");
    assert!(body.contains("register/systems/nyckel.yaml"), "{body}");
    assert!(!body.contains(SECRET), "{body}");
}

#[test]
fn ctrl_c_stops_serve_at_once_even_with_a_browser_tab_waiting() {
    let (_dir, tmp, mut served) = served();
    let port = served.port;
    // A browser tab waiting for a reload does not keep Ctrl+C from stopping it.
    let (_, html) = get(port, "/", &format!("127.0.0.1:{port}"));
    drop(html);
    let _waiting = {
        // The current version, so that the request really waits.
        use std::io::Read;
        let mut now = send(port, "/_insyn/wait?v=none", &format!("127.0.0.1:{port}"));
        let mut reply = [0u8; 1024];
        let n = now.read(&mut reply).unwrap_or(0);
        let reply = String::from_utf8_lossy(&reply[..n]).into_owned();
        let version = reply
            .rsplit("\r\n\r\n")
            .next()
            .unwrap_or("0")
            .trim()
            .to_owned();
        assert!(version.parse::<u64>().is_ok(), "{reply}");
        send(
            port,
            &format!("/_insyn/wait?v={version}"),
            &format!("127.0.0.1:{port}"),
        )
    };
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: sends SIGINT to the child we started; no memory is involved.
    unsafe { libc::kill(served.child.id() as i32, libc::SIGINT) };
    let started = Instant::now();
    let exited = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(5) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    assert!(exited.is_some(), "still running 5 s after Ctrl+C");
    eprintln!("Ctrl+C with a reload request waiting: stopped in {took:?}");
    assert!(took < Duration::from_millis(1500), "Ctrl+C took {took:?}");
    // And its folder is gone.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

// ----- 8. Smaller promises -----

#[test]
fn insyn_new_never_writes_through_a_link() {
    let (dir, root, _) = site_and_secret();
    let victim = dir.path().join("victim.yaml");
    // A link to nowhere (yet) and a link to an existing file, with the new record's name.
    symlink(&victim, root.join("register/systems/ny-post.yaml")).unwrap();
    let new = run(&["new", "Ny post", "--root", s(&root)]);
    assert_ne!(new.code, 0, "{}", new.stdout);
    assert!(!victim.exists(), "written through the link");
    // The schema file it writes beside, as a link to somebody's file.
    std::fs::remove_file(root.join("register/systems/ny-post.yaml")).unwrap();
    std::fs::write(&victim, "mine\n").unwrap();
    std::fs::create_dir_all(root.join("schema")).unwrap();
    symlink(&victim, root.join("schema/record-v1.json")).unwrap();
    let _ = run(&["new", "Ny post", "--root", s(&root)]);
    assert_eq!(read(&victim), "mine\n");
    // The systems folder as a link out of the site.
    let (dir2, root2, _) = site_and_secret();
    let elsewhere = dir2.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(root2.join("register/systems")).unwrap();
    symlink(&elsewhere, root2.join("register/systems")).unwrap();
    let new = run(&["new", "Ny post", "--root", s(&root2)]);
    assert_ne!(new.code, 0, "{}", new.stdout);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_page_twice_in_the_main_language_is_an_error() {
    let (_dir, root, _) = site_and_secret();
    let pages = root.join("register/pages");
    std::fs::write(pages.join("om.md"), "# Om\n\nEtt.\n").unwrap();
    std::fs::write(pages.join("om.sv.md"), "# Om\n\nTvå.\n").unwrap();
    let check = run(&["check", "--root", s(&root), "--format", "json"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    let diags = diagnostics(&check);
    assert!(
        diags.iter().any(|d| d["file"] == "register/pages/om.sv.md"),
        "{diags:?}"
    );
}

#[test]
fn an_underlined_heading_is_a_page_title() {
    let (dir, root, _) = site_and_secret();
    std::fs::write(
        root.join("register/pages/om.md"),
        "Om registret\n============\n\nText om registret.\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let build = build_into(&root, &out);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let page = read(&out.join("om/index.html"));
    assert!(page.contains("<h1>Om registret</h1>") || page.contains(">Om registret</h1>"));
    assert!(!page.contains("===="));
}

#[test]
fn an_invalid_insyn_today_is_an_error() {
    let (_dir, root, _) = site_and_secret();
    for bad in ["2026-13-45", "igår", "2026-11-22x"] {
        let check = run_in(
            Path::new("."),
            &["check", "--root", s(&root)],
            &[("INSYN_TODAY", bad)],
        );
        assert!(check.code == 1 || check.code == 2, "{bad}: {}", check.code);
        assert!(
            check.stderr.contains("INSYN_TODAY"),
            "{bad}: {}",
            check.stderr
        );
    }
}

#[test]
fn a_themes_strings_error_names_the_themes_file() {
    let (dir, root, _) = site_and_secret();
    site_setting(&root, "theme: egen");
    let i18n = root.join("themes/egen/i18n");
    std::fs::create_dir_all(&i18n).unwrap();
    for text in ["ui: 5\n", "[a, b]\n", "ui:\n  skip: [\n"] {
        std::fs::write(i18n.join("sv.yaml"), text).unwrap();
        let build = build_into(&root, &dir.path().join("out"));
        assert_eq!(build.code, 1, "{text}: {}", build.stderr);
        assert!(
            build.stderr.contains("themes/egen/i18n/sv.yaml"),
            "{text}: {}",
            build.stderr
        );
    }
}

/// A page named like one of the site's own (the complaint page, the start
/// page, the 404 page) is an error, not silently replaced or dropped.
#[test]
fn a_page_named_like_the_sites_own_is_an_error() {
    for name in ["klaga", "index", "404"] {
        let (_dir, root, _) = site_and_secret();
        let file = format!("register/pages/{name}.md");
        std::fs::write(root.join(&file), "# Klagomål\n\nText.\n").unwrap();
        let check = run(&["check", "--root", s(&root), "--format", "json"]);
        assert_eq!(check.code, 1, "{name}: {}", check.stdout);
        let diags = diagnostics(&check);
        assert!(
            diags
                .iter()
                .any(|d| d["file"] == file.as_str() && d["code"] == "reserved-page"),
            "{name}: {diags:?}"
        );
    }
}

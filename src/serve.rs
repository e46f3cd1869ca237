//! `insyn serve`: build, serve on loopback, rebuild on every save and reload the
//! open page. A broken save shows the located errors in the browser instead of the
//! page; the server keeps running and recovers by itself when the file is fixed.
//!
//! Reloading uses long polling from a same-origin script (`/_insyn/reload.js`), so
//! it works under the pages' own Content-Security-Policy (`script-src 'self'`).

use crate::diagnostic::{Diagnostic, Format, render, sort};
use crate::model::Language;
use crate::msg;
use crate::render::escape_html;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{EventKind, RecursiveMode, Watcher};
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

const RELOAD_JS: &str = r#"// insyn serve: reload the page when the site has been rebuilt.
(function () {
  var seen = new URL(document.currentScript.src).searchParams.get('v');
  function poll() {
    fetch('/_insyn/wait?v=' + seen, { cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (now) { if (now !== seen) { location.reload(); } else { poll(); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"#;

/// Problems printed after each rebuild; `insyn check` lists all of them.
const SHOWN: usize = 10;

struct Shared {
    root: PathBuf,
    output: PathBuf,
    today: jiff::civil::Date,
    /// The error page while the register has errors; `None` when the site is good.
    failure: RwLock<Option<String>>,
    /// What the previous builds read and made, so a rebuild redoes only what changed.
    cache: crate::site::BuildCache,
    building: std::sync::Mutex<()>,
    /// Bumped after every build; browsers waiting on it reload.
    version: watch::Sender<u64>,
    /// Set on Ctrl+C: requests waiting for a reload answer at once.
    stop: watch::Sender<bool>,
    /// The port listened on: only requests for it are answered.
    port: std::sync::atomic::AtomicU16,
}

impl Shared {
    fn rebuild(&self) {
        // One build at a time: they write into the same folder.
        let _building = self.building.lock();
        let started = Instant::now();
        let lang = crate::load::site_language(&self.root);
        // As soon as the pages are written, browsers may reload; the exports
        // (register.json, CSV, feed) are written after that.
        let reloaded = std::sync::atomic::AtomicBool::new(false);
        let ready = || {
            if let Ok(mut slot) = self.failure.write() {
                *slot = None;
            }
            self.version.send_modify(|v| *v += 1);
            reloaded.store(true, std::sync::atomic::Ordering::SeqCst);
        };
        let result = crate::site::build_cached(
            &self.root,
            &self.output,
            self.today,
            Some(&self.cache),
            Some(&ready),
        );
        let elapsed = started.elapsed().as_millis();
        let (failure, report) = match result {
            Ok(built) => {
                let pages = built.pages;
                let report = msg!(
                    lang,
                    "Byggt: {pages} sidor på {elapsed} ms.",
                    "Built: {pages} pages in {elapsed} ms."
                );
                (None, (built.warnings, report))
            }
            Err(mut diags) => {
                sort(&mut diags);
                let page = error_page(&self.root, &diags, lang);
                let report = msg!(
                    lang,
                    "Bygget misslyckades; felen visas i webbläsaren.",
                    "The build failed; the errors are shown in the browser."
                );
                (Some(page), (diags, report))
            }
        };
        let failed = failure.is_some();
        if let Ok(mut slot) = self.failure.write() {
            *slot = failure;
        }
        // Browsers reload first; the report follows.
        if failed || !reloaded.load(std::sync::atomic::Ordering::SeqCst) {
            self.version.send_modify(|v| *v += 1);
        }
        let (diags, summary) = report;
        eprint!(
            "{}",
            render(&diags[..diags.len().min(SHOWN)], Format::Human, lang)
        );
        if diags.len() > SHOWN {
            let more = diags.len() - SHOWN;
            eprintln!(
                "{}",
                msg!(
                    lang,
                    "… och {more} till; `insyn check` visar alla.",
                    "… and {more} more; `insyn check` shows them all."
                )
            );
        }
        eprintln!("{summary}");
    }
}

/// A page listing every error with a few lines of the file around it.
fn error_page(root: &Path, diags: &[Diagnostic], lang: Language) -> String {
    let mut body = String::new();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let canonical = crate::confine::canonical_root(root);
    for d in diags.iter().filter(|d| d.is_error()) {
        let location = if d.line > 0 {
            format!("{}:{}:{}", d.file, d.line, d.column)
        } else {
            d.file.clone()
        };
        body.push_str("<section>\n");
        body.push_str(&format!(
            "<h2>{}</h2>\n",
            crate::diagnostic::message_html(&d.message)
        ));
        body.push_str(&format!(
            "<p class=\"where\">{}</p>\n",
            escape_html(&location)
        ));
        if d.line > 0
            // (Read as the build reads: never through a link out of the site.)
            && let Ok(text) = crate::load::read_text(&canonical, &root.join(&d.file), &d.file, lang)
        {
            let lines: Vec<&str> = text.lines().collect();
            let at = usize::try_from(d.line).unwrap_or(1).max(1);
            let from = at.saturating_sub(3);
            let to = (at + 2).min(lines.len());
            body.push_str("<pre>");
            for (i, line) in lines.iter().enumerate().take(to).skip(from) {
                let n = i + 1;
                let mark = if n == at { " class=\"this\"" } else { "" };
                body.push_str(&format!(
                    "<span{mark}>{n:>4} | {}</span>\n",
                    escape_html(&line.replace('\t', "→"))
                ));
                if n == at {
                    let pad = " ".repeat(usize::try_from(d.column).unwrap_or(1).saturating_sub(1));
                    body.push_str(&format!("     | {pad}^\n"));
                }
            }
            body.push_str("</pre>\n");
        }
        if let Some(hint) = &d.hint {
            let how = msg!(lang, "Så rättar du", "How to fix");
            body.push_str(&format!(
                "<p><strong>{how}:</strong> {}</p>\n",
                crate::diagnostic::message_html(hint)
            ));
        }
        body.push_str("</section>\n");
    }
    let (lang_code, heading, lead) = match lang {
        Language::Sv => (
            "sv",
            format!("{errors} fel i registret"),
            "Webbplatsen kan inte byggas förrän felen är rättade. Rätta och spara filen, så laddas sidan om av sig själv.",
        ),
        Language::En => (
            "en",
            format!(
                "{errors} {} in the register",
                if errors == 1 { "error" } else { "errors" }
            ),
            "The site cannot be built until the errors are fixed. Fix and save the file, and the page reloads by itself.",
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="{lang_code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading} – insyn</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1b1b; background: #fff; }}
h1 {{ color: #a4000f; }}
section {{ border-left: 6px solid #a4000f; padding: 0.25rem 1rem; margin: 1.5rem 0; background: #fdf2f2; }}
h2 {{ font-size: 1.2rem; }}
.where {{ font-family: ui-monospace, monospace; }}
pre {{ background: #fff; padding: 0.5rem; overflow-x: auto; }}
.this {{ font-weight: bold; background: #fff3b0; }}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
<p>{lead}</p>
{body}</main>
<script src="/_insyn/reload.js?v={{version}}"></script>
</body>
</html>
"#
    )
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file for a request path, or `None` for anything that tries to leave the
/// output folder (`..`, encoded or not, backslashes, NUL).
pub fn resolve(output: &Path, request_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(request_path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut path = output.to_path_buf();
    for part in decoded.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let component = Path::new(part).components().next()?;
        match component {
            Component::Normal(name) if part != ".." => path.push(name),
            _ => return None,
        }
    }
    Some(path)
}

fn with_reload_script(html: Vec<u8>, version: u64) -> Vec<u8> {
    let tag = format!("<script src=\"/_insyn/reload.js?v={version}\"></script>\n");
    let text = String::from_utf8_lossy(&html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &text[..i], &text[i..]).into_bytes(),
        None => [html, tag.into_bytes()].concat(),
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn serve_file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let version = *shared.version.borrow();
    let Some(mut path) = resolve(&shared.output, uri.path()) else {
        return (StatusCode::FORBIDDEN, "Otillåten sökväg.\n").into_response();
    };
    let wants_page =
        uri.path().ends_with('/') || uri.path().ends_with(".html") || path.extension().is_none();
    let failure = shared.failure.read().ok().and_then(|f| f.clone());
    if let (Some(page), true) = (failure, wants_page) {
        let html = page.replace("{version}", &version.to_string());
        let response = (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        );
        return no_store(response.into_response());
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let (status, path) = if path.is_file() {
        (StatusCode::OK, path)
    } else {
        (StatusCode::NOT_FOUND, shared.output.join("404.html"))
    };
    let Ok(mut bytes) = tokio::fs::read(&path).await else {
        return (StatusCode::NOT_FOUND, "Sidan finns inte.\n").into_response();
    };
    let kind = content_type(&path);
    if kind.starts_with("text/html") {
        bytes = with_reload_script(bytes, version);
    }
    no_store((status, [(header::CONTENT_TYPE, kind)], bytes).into_response())
}

#[derive(serde::Deserialize)]
struct Seen {
    /// The version the page was built at; anything unknown counts as outdated.
    v: Option<String>,
}

/// Answers when the site has been rebuilt since version `v`, or after 25 s.
async fn wait(State(shared): State<Arc<Shared>>, Query(seen): Query<Seen>) -> String {
    let mut rx = shared.version.subscribe();
    let mut stop = shared.stop.subscribe();
    let current = *rx.borrow_and_update();
    if seen.v.as_deref() != Some(current.to_string().as_str()) || *stop.borrow_and_update() {
        return current.to_string();
    }
    // (A waiting browser tab never keeps Ctrl+C from stopping the server.)
    tokio::select! {
        _ = tokio::time::timeout(Duration::from_secs(25), rx.changed()) => {}
        _ = stop.changed() => {}
    }
    let now = *rx.borrow();
    now.to_string()
}

/// Whether a request's `Host` names this server: `localhost` or an address
/// (`127.0.0.1`, `[::1]`, the one listened on), with the port listened on. A
/// page on another name that resolves here (DNS rebinding) gets nothing.
pub fn own_host(host: &str, port: u16) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let (name, given) = match host.rsplit_once(':') {
        Some((name, p)) if !p.contains(']') => (name.to_owned(), p.parse::<u16>().ok()),
        _ => (host.clone(), Some(80)),
    };
    if given != Some(port) {
        return false;
    }
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .map_or_else(
            || name.parse::<std::net::Ipv4Addr>().is_ok(),
            |v6| v6.parse::<std::net::Ipv6Addr>().is_ok(),
        );
    name == "localhost" || literal
}

/// Answers 421 (Misdirected Request) to a request for another host.
async fn only_own_host(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let port = shared.port.load(Ordering::SeqCst);
    let ours = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| own_host(h, port));
    if ours {
        next.run(request).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "insyn serve svarar bara på sin egen adress (http://127.0.0.1:PORT/ eller http://localhost:PORT/).\n\
             insyn serve only answers on its own address (http://127.0.0.1:PORT/ or http://localhost:PORT/).\n",
        )
            .into_response()
    }
}

/// Files an editor's save leaves behind that never matter to the site.
fn is_noise(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') && !name.ends_with(".yaml")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with("#")
        || name == "4913"
}

/// Whether a file-system event can change the site. Reading a file is not a
/// change (the build itself reads every file), nor are editor leftovers.
fn matters(event: &notify::Event) -> bool {
    !matches!(event.kind, EventKind::Access(_)) && event.paths.iter().any(|p| !is_noise(p))
}

/// Watches `register/` and `themes/`, rebuilding once per burst of changes:
/// after the first change it waits until the files have been quiet for a moment,
/// so an editor's temp-file-and-rename save, or a `git checkout`, is one rebuild.
fn watch(shared: Arc<Shared>) -> Result<(), Diagnostic> {
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx).map_err(|e| {
        Diagnostic::error(
            "watch",
            "register",
            format!("Kan inte bevaka filerna: {e}."),
        )
    })?;
    for dir in ["register", "themes"] {
        let path = shared.root.join(dir);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| {
                    Diagnostic::error("watch", dir, format!("Kan inte bevaka mappen: {e}."))
                })?;
        }
    }
    // Builds run on their own thread, so that changes keep being noted during
    // one: a build that is overtaken skips its exports (the next one makes them).
    let wake = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let builder = {
        let (shared, wake) = (shared.clone(), wake.clone());
        move || {
            let (pending, signal) = &*wake;
            loop {
                {
                    let Ok(mut due) = pending.lock() else { return };
                    while !*due {
                        due = match signal.wait(due) {
                            Ok(due) => due,
                            Err(_) => return,
                        };
                    }
                    *due = false;
                }
                shared.cache.superseded.store(false, Ordering::SeqCst);
                shared.rebuild();
            }
        }
    };
    std::thread::spawn(builder);
    std::thread::spawn(move || {
        let _keep_watching = watcher;
        // How long the files must be quiet: 15 ms, or 3 ms once a file is known
        // to be complete (written and closed, or renamed into place), so that an
        // ordinary save is built at once and a burst is still one build.
        let (quiet, settled) = (Duration::from_millis(15), Duration::from_millis(3));
        let complete = |event: &notify::Result<notify::Event>| {
            use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
            event.as_ref().is_ok_and(|e| {
                matches!(
                    e.kind,
                    EventKind::Access(AccessKind::Close(AccessMode::Write))
                        | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
                ) && e.paths.iter().any(|p| !is_noise(p))
            })
        };
        // Which records to read again: the ones the events name.
        let note = |event: &notify::Result<notify::Event>| -> bool {
            let records = &shared.cache.records;
            match event {
                Ok(e) if matters(e) && !e.need_rescan() => {
                    for path in &e.paths {
                        records.forget(path);
                    }
                    true
                }
                Ok(e) if !matters(e) => false,
                _ => {
                    records.clear();
                    true
                }
            }
        };
        while let Ok(first) = rx.recv() {
            let mut relevant = note(&first);
            let mut wait = if complete(&first) { settled } else { quiet };
            while let Ok(next) = rx.recv_timeout(wait) {
                relevant |= note(&next);
                wait = if complete(&next) { settled } else { quiet };
            }
            if relevant {
                shared.cache.superseded.store(true, Ordering::SeqCst);
                let (pending, signal) = &*wake;
                if let Ok(mut due) = pending.lock() {
                    *due = true;
                    signal.notify_one();
                }
            }
        }
    });
    Ok(())
}

/// Runs until Ctrl+C. The site is built into a temporary folder, never `public/`.
pub fn run(
    root: &Path,
    host: IpAddr,
    port: u16,
    today: jiff::civil::Date,
) -> Result<(), Diagnostic> {
    // A folder of its own, with a name nobody can guess and only its owner may
    // enter (0700): nothing planted in the temporary folder is written through.
    let work = tempfile::Builder::new()
        .prefix("insyn-serve-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| {
            Diagnostic::error(
                "serve",
                "insyn serve",
                format!(
                    "Kan inte skapa en tillfällig mapp: {e}. / Cannot make a temporary folder: {e}."
                ),
            )
        })?;
    let shared = Arc::new(Shared {
        root: root.to_path_buf(),
        output: work.path().join("public"),
        today,
        failure: RwLock::new(None),
        cache: Default::default(),
        building: Default::default(),
        version: watch::channel(0).0,
        stop: watch::channel(false).0,
        port: std::sync::atomic::AtomicU16::new(port),
    });
    // Watch first, then build: a save during the first build is not missed.
    watch(shared.clone())?;
    shared.cache.records.watch();
    shared.rebuild();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Diagnostic::error(
                "serve",
                "insyn serve",
                format!("Kan inte starta servern: {e}."),
            )
        })?;
    let result = runtime.block_on(async {
        let app = Router::new()
            .route(
                "/_insyn/reload.js",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                        RELOAD_JS,
                    )
                }),
            )
            .route("/_insyn/wait", get(wait))
            .fallback(serve_file)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                only_own_host,
            ))
            .with_state(shared.clone());
        let address = SocketAddr::new(host, port);
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            Diagnostic::error(
                "serve",
                "insyn serve",
                format!("Kan inte lyssna på {address}: {e}."),
            )
            .hint(
                "Porten används kanske redan. Välj en annan med --port, till exempel --port 8081.",
            )
        })?;
        let bound = listener.local_addr().unwrap_or(address);
        shared.port.store(bound.port(), Ordering::SeqCst);
        println!("Serverar registret på http://{bound}/ – tryck Ctrl+C för att avsluta.");
        if !host.is_loopback() {
            println!("Obs: servern nås från andra datorer i nätverket ({host}).");
        }
        let mut stopped = shared.stop.subscribe();
        let stopping = shared.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stopping.stop.send_replace(true);
        });
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        // Open connections get a moment to finish after Ctrl+C, not more.
        let mut stopped = shared.stop.subscribe();
        let deadline = async move {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        tokio::select! {
            done = server => done.map_err(|e| {
                Diagnostic::error("serve", "insyn serve", format!("Servern stannade: {e}."))
            }),
            () = deadline => Ok(()),
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(work);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requests_for_its_own_address_are_answered() {
        for ok in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST:8000",
            "[::1]:8000",
            "192.168.1.5:8000",
        ] {
            assert!(own_host(ok, 8000), "{ok}");
        }
        for bad in [
            "evil.example:8000",
            "evil.example",
            "127.0.0.1:8001",
            "127.0.0.1",
            "localhost.evil:8000",
            "[::1]",
            "127.0.0.1.nip.io:8000",
            "",
        ] {
            assert!(!own_host(bad, 8000), "{bad}");
        }
        assert!(own_host("localhost", 80));
    }

    #[test]
    fn paths_cannot_leave_the_output_folder() {
        let out = Path::new("/srv/site");
        assert_eq!(
            resolve(out, "/system/x/"),
            Some(PathBuf::from("/srv/site/system/x"))
        );
        assert_eq!(
            resolve(out, "/a%20b.html"),
            Some(PathBuf::from("/srv/site/a b.html"))
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/a%2f..%2f..%2fx",
            "/..%5c..%5cx",
            "/a%00b",
            "/%ff",
        ] {
            assert_eq!(resolve(out, bad), None, "{bad}");
        }
    }
}

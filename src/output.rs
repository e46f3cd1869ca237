//! Atomic publishing: the new site is written to a staging folder beside the
//! output and swapped in only when every file was written. A failed or killed
//! build leaves the previously published site exactly as it was.

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::msg;
use std::path::{Path, PathBuf};

/// The file that proves a folder is a site insyn built: only such a folder (or
/// an empty one) is ever replaced. It holds the version that wrote it.
pub const MARKER: &str = ".insyn-output";

fn marker_text() -> String {
    format!("insyn {}\n", env!("CARGO_PKG_VERSION"))
}

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// Held from the start of the build until it is published (or failed): one
    /// build at a time into the same output (see [`lock`]).
    _lock: Option<std::fs::File>,
    /// Building into the spare copy of the site (the one before the published
    /// one): files whose bytes are already right are not written again, and the
    /// folder is kept, not deleted, when the build fails.
    reuse: Option<Reuse>,
}

struct Reuse {
    /// Files the spare copy had when the build began.
    before: std::collections::HashSet<String>,
    /// Files this build wrote or found already right.
    touched: std::sync::Mutex<std::collections::HashSet<String>>,
    written: std::sync::atomic::AtomicUsize,
}

/// A file rewritten in place from the first byte that differs from what it
/// already holds: a file that comes out the same is only read.
struct Overwrite {
    file: std::fs::File,
    /// Bytes written so far (or found already there).
    at: u64,
    differs: bool,
    old: Vec<u8>,
}

impl std::io::Write for Overwrite {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        use std::io::{Read, Seek};
        if !self.differs {
            self.old.resize(data.len(), 0);
            let mut got = 0;
            while got < data.len() {
                match self.file.read(&mut self.old[got..])? {
                    0 => break,
                    n => got += n,
                }
            }
            if self.old[..got] == *data {
                self.at += data.len() as u64;
                return Ok(data.len());
            }
            self.differs = true;
            self.file.seek(std::io::SeekFrom::Start(self.at))?;
        }
        self.file.write_all(data)?;
        self.at += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Reuse {
    /// Notes that this build has `rel` (written, or found already right).
    fn touch(&self, rel: &str) {
        if let Ok(mut touched) = self.touched.lock() {
            touched.insert(rel.to_owned());
        }
    }

    fn wrote(&self) {
        self.written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Opens `path` for writing, creating it (emptied if it exists), never through
/// a link in its last part.
fn open_for_writing(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Creates the file `path` (emptied if it exists), and its folders when they
/// are missing. The file is tried first: most folders exist by then, and asking
/// about them before every file would cost two system calls per file.
fn create_file(path: &Path) -> Result<std::fs::File, Diagnostic> {
    let failed = |e: &std::io::Error| io_error("Filen kunde inte skrivas", path, e);
    match open_for_writing(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error("Mappen kunde inte skapas", parent, &e))?;
            }
            open_for_writing(path).map_err(|e| failed(&e))
        }
        other => other.map_err(|e| failed(&e)),
    }
}

/// A file that shares its bytes with another name (a hard link, as `cp -al`
/// or a backup tool makes): written in place, the other copy would change
/// too. Such a file is removed first and written anew.
fn unshare(path: &Path) {
    use std::os::unix::fs::MetadataExt;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.nlink() > 1) {
        let _ = std::fs::remove_file(path);
    }
}

/// Every file under `dir`, as `/`-separated relative paths; `None` if the
/// folder holds anything but files and folders (a link, a pipe): then it is
/// not written into, since writing could go through the link.
fn files_in(dir: &Path) -> Option<std::collections::HashSet<String>> {
    let mut files = std::collections::HashSet::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.ok()?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return None;
        }
        let rel = entry.path().strip_prefix(dir).ok()?;
        files.insert(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        );
    }
    Some(files)
}

/// A file-system error while publishing, in Swedish and English (the site's
/// language is not known everywhere here).
fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Diagnostic {
    let english = match what {
        "Filen kunde inte skrivas" => "The file could not be written",
        "Mappen kunde inte skapas" => "The folder could not be made",
        "Låsfilen kunde inte öppnas" => "The lock file could not be opened",
        "Utmatningsmappen kunde inte låsas" => "The output folder could not be locked",
        "Utmatningsmappen kunde inte läsas" => "The output folder could not be read",
        "Den nya webbplatsen kunde inte bytas in" => "The new site could not be swapped in",
        "Den gamla webbplatsen kunde inte flyttas undan" => "The old site could not be moved away",
        "Den nya webbplatsen kunde inte flyttas på plats" => {
            "The new site could not be moved into place"
        }
        _ => "",
    };
    let message = if english.is_empty() {
        format!("{what}: {e}.")
    } else {
        format!("{what}: {e}. / {english}: {e}.")
    };
    Diagnostic::error("write", path.display().to_string(), message).hint(
        "Kontrollera att det finns plats på disken och att du får skriva i mappen. / Check that there is room on the disk and that you may write in the folder.",
    )
}

/// Swaps two paths in one step, so that there is never a moment without a
/// published site (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call;
    // renameat2 reads them and touches no other memory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Whether `dir` is a real folder (not a link) that insyn made: it holds the
/// marker, or nothing at all.
fn ours(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && (std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
            || std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none()))
}

/// Removes staging folders that builds killed midway left beside the output.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = file
            .strip_prefix(&format!(".{name}.insyn-staging-"))
            .or_else(|| file.strip_prefix(&format!(".{name}.insyn-old-")));
        let Some(pid) = pid else { continue };
        // Only folders of processes that are gone: a build running now keeps its own.
        let alive = cfg!(target_os = "linux") && Path::new("/proc").join(pid).exists();
        // (Only folders insyn made: a look-alike name of somebody else's stays.)
        if !alive && ours(&entry.path()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A refusal to use `target` as the output.
fn refuse(code: &'static str, target: &Path, message: String, hint: String) -> Diagnostic {
    Diagnostic::error(code, target.display().to_string(), message).hint(hint)
}

/// One build at a time into one output: an exclusive `flock` on
/// `.<name>.insyn-lock` beside it, held until the build is published. A second
/// build says so and waits. The file is opened without following a link, and
/// left in place (removing it would let two builds hold two different locks).
fn lock(parent: &Path, name: &str, lang: Language) -> Result<std::fs::File, Diagnostic> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let path = parent.join(format!(".{name}.insyn-lock"));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| io_error("Låsfilen kunde inte öppnas", &path, &e))?;
    let try_lock = |how| {
        // SAFETY: `file` is open for the whole call; flock takes a descriptor
        // and touches no memory of ours.
        let rc = unsafe { libc::flock(file.as_raw_fd(), how) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    };
    match try_lock(libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => return Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(io_error("Utmatningsmappen kunde inte låsas", &path, &e)),
    }
    let out = parent.join(name);
    let out = out.display();
    eprintln!(
        "{}",
        msg!(
            lang,
            "Ett annat bygge pågår i {out}; väntar tills det är klart …",
            "Another build is running in {out}; waiting until it is done …"
        )
    );
    loop {
        match try_lock(libc::LOCK_EX) {
            Ok(()) => return Ok(file),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error("Utmatningsmappen kunde inte låsas", &path, &e)),
        }
    }
}

/// Whether `target` may be replaced: missing, or a real folder insyn built
/// that is not a mount point.
fn judge(target: &Path, given: &Path, parent: &Path, lang: Language) -> Result<(), Diagnostic> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Ok(meta) if meta.is_dir() => {
            if !ours(target) {
                return Err(refuse(
                    "output-not-ours",
                    given,
                    msg!(
                        lang,
                        "Utmatningsmappen finns redan och innehåller filer som inte kommer från insyn, så den ersätts inte.",
                        "The output folder exists and holds files insyn did not write, so it is not replaced."
                    ),
                    msg!(
                        lang,
                        "insyn ersätter bara en tom mapp eller en webbplats som insyn har byggt (den har filen `{MARKER}`). Töm mappen om innehållet kan tas bort, eller välj en annan mapp med `--output`.",
                        "insyn only replaces an empty folder or a site insyn built (it has the file `{MARKER}`). Empty the folder if its content may go, or choose another folder with `--output`."
                    ),
                ));
            }
            use std::os::unix::fs::MetadataExt;
            // A mount point (a Docker volume) cannot be swapped for another folder.
            if std::fs::metadata(parent).is_ok_and(|p| p.dev() != meta.dev()) {
                let vol = given.display();
                return Err(refuse(
                    "output-mount-point",
                    given,
                    msg!(
                        lang,
                        "Utmatningsmappen är en monterad volym; insyn kan inte byta ut den i ett enda steg, så den lämnas som den är.",
                        "The output folder is a mounted volume; insyn cannot swap it in one step, so it is left as it is."
                    ),
                    msg!(
                        lang,
                        "Bygg till en mapp inne i volymen, till exempel `--output {vol}/site`, och låt webbservern visa den mappen.",
                        "Build into a folder inside the volume, for example `--output {vol}/site`, and let the web server show that folder."
                    ),
                ));
            }
        }
        Ok(_) => {
            return Err(refuse(
                "output-not-a-folder",
                given,
                msg!(
                    lang,
                    "Utmatningen måste vara en mapp, men det här är en fil (eller en enhet, ett rör eller en socket). Den lämnas som den är.",
                    "The output must be a folder, but this is a file (or a device, a pipe or a socket). It is left as it is."
                ),
                msg!(
                    lang,
                    "Välj en mapp för webbplatsen med `--output`, till exempel `--output public`.",
                    "Choose a folder for the site with `--output`, for example `--output public`."
                ),
            ));
        }
        Err(e) => return Err(io_error("Utmatningsmappen kunde inte läsas", target, &e)),
    }
    Ok(())
}

impl Staging {
    /// Prepares a build into `target`, refusing every output that is not a
    /// folder insyn may replace: a file, device, pipe or socket; a folder with
    /// files insyn did not write (no [`MARKER`]); a folder inside `register/`
    /// or `themes/`, or one holding the site; a mount point. A link to a folder
    /// is followed: the folder it points to is the output, the link stays.
    pub fn begin(target: &Path, root: &Path, lang: Language) -> Result<Self, Diagnostic> {
        let given = target;
        let mut target = crate::confine::absolute(target);
        let meta = std::fs::symlink_metadata(&target);
        if meta.as_ref().is_ok_and(|m| m.file_type().is_symlink()) {
            match std::fs::canonicalize(&target) {
                Ok(real) => target = real,
                Err(_) => {
                    return Err(refuse(
                        "output-broken-link",
                        given,
                        msg!(
                            lang,
                            "Utmatningsmappen är en länk som inte pekar på någon mapp.",
                            "The output folder is a link that does not point to any folder."
                        ),
                        msg!(
                            lang,
                            "Låt länken peka på en befintlig mapp, eller välj en annan mapp med `--output`.",
                            "Let the link point to an existing folder, or choose another folder with `--output`."
                        ),
                    ));
                }
            }
        }
        let root_real = crate::confine::canonical_root(root);
        let target_real = crate::confine::resolve_existing(&target);
        if root_real.starts_with(&target_real) {
            return Err(refuse(
                "output-is-source",
                given,
                msg!(
                    lang,
                    "Utmatningsmappen innehåller registret självt; insyn skulle skriva över det.",
                    "The output folder holds the register itself; insyn would write over it."
                ),
                msg!(
                    lang,
                    "Välj en egen mapp för webbplatsen, till exempel `--output public`.",
                    "Choose a folder of its own for the site, for example `--output public`."
                ),
            ));
        }
        if ["register", "themes"]
            .iter()
            .any(|d| target_real.starts_with(root_real.join(d)))
        {
            return Err(refuse(
                "output-in-source",
                given,
                msg!(
                    lang,
                    "Utmatningsmappen ligger i `register/` eller `themes/`; webbplatsen skulle bli en del av sina egna källfiler.",
                    "The output folder is inside `register/` or `themes/`; the site would become part of its own source files."
                ),
                msg!(
                    lang,
                    "Välj en mapp utanför dem, till exempel `--output public`.",
                    "Choose a folder outside them, for example `--output public`."
                ),
            ));
        }
        let parent = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        // Only what is not there yet may be created, and never the output itself
        // (refused below if it is something else than a folder).
        if !parent.is_dir() {
            std::fs::create_dir_all(&parent)
                .map_err(|e| io_error("Mappen kunde inte skapas", &parent, &e))?;
        }
        // Looked at before waiting for the lock (nothing is made beside what is
        // refused), and again under it: what the folder is then is what counts.
        judge(&target, given, &parent, lang)?;
        let held = lock(&parent, &name, lang)?;
        judge(&target, given, &parent, lang)?;
        remove_leftovers(&parent, &name);
        // Where the published site can be swapped in one step, build into the
        // spare copy and write only what changed. The spare must be insyn's own
        // and hold only files and folders: nothing is written through a link.
        let spare = parent.join(format!(".{name}.insyn-spare"));
        if cfg!(target_os = "linux") && target.is_dir() {
            let made = ours(&spare) || std::fs::create_dir(&spare).is_ok();
            if let Some(before) = made.then(|| files_in(&spare)).flatten() {
                let staging = Staging {
                    reuse: Some(Reuse {
                        before,
                        touched: Default::default(),
                        written: Default::default(),
                    }),
                    dir: spare,
                    target,
                    committed: false,
                    _lock: Some(held),
                };
                staging.mark()?;
                return Ok(staging);
            }
        }
        let dir = parent.join(format!(".{name}.insyn-staging-{}", std::process::id()));
        if std::fs::symlink_metadata(&dir).is_ok() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir(&dir).map_err(|e| io_error("Mappen kunde inte skapas", &dir, &e))?;
        let staging = Staging {
            dir,
            target,
            committed: false,
            reuse: None,
            _lock: Some(held),
        };
        staging.mark()?;
        Ok(staging)
    }

    /// Writes the [`MARKER`] (not counted among the files written).
    fn mark(&self) -> Result<(), Diagnostic> {
        let path = self.dir.join(MARKER);
        let text = marker_text();
        if let Some(reuse) = &self.reuse {
            reuse.touch(MARKER);
            if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
                return Ok(());
            }
            unshare(&path);
        }
        std::io::Write::write_all(&mut create_file(&path)?, text.as_bytes())
            .map_err(|e| io_error("Filen kunde inte skrivas", &path, &e))
    }

    /// Writes straight into `target`, which only this process uses (`insyn
    /// serve`): no staging folder and no swap; the caller removes stale files.
    pub fn in_place(target: &Path) -> Result<Self, Diagnostic> {
        std::fs::create_dir_all(target)
            .map_err(|e| io_error("Mappen kunde inte skapas", target, &e))?;
        let staging = Staging {
            dir: target.to_path_buf(),
            target: target.to_path_buf(),
            committed: true,
            reuse: None,
            _lock: None,
        };
        // (The same files as a full build, marker included.)
        staging.mark()?;
        Ok(staging)
    }

    /// The folder files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many files were written (the rest were already right).
    pub fn written(&self) -> Option<usize> {
        self.reuse
            .as_ref()
            .map(|r| r.written.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Writes `rel` (a `/`-separated path inside the site).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let path = self.dir.join(rel);
        if let Some(reuse) = &self.reuse {
            reuse.touch(rel);
            let same = reuse.before.contains(rel)
                && std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64)
                && std::fs::read(&path).is_ok_and(|old| old == bytes);
            if same {
                return Ok(());
            }
            reuse.wrote();
            unshare(&path);
        }
        std::io::Write::write_all(&mut create_file(&path)?, bytes)
            .map_err(|e| io_error("Filen kunde inte skrivas", &path, &e))
    }

    /// Writes `rel` with what `fill` writes, a piece at a time, so that a
    /// large export is never all in memory. Over the spare copy, only what
    /// differs from the file already there is written (nothing if it is the same).
    pub fn write_with(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        use std::io::Write;
        let path = self.dir.join(rel);
        let failed = |e: std::io::Error| io_error("Filen kunde inte skrivas", &path, &e);
        if let Some(reuse) = &self.reuse {
            reuse.touch(rel);
            // (A file shared with another name is written anew, not in place.)
            unshare(&path);
            let existing = || {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)
            };
            if let Some(Ok(file)) = reuse.before.contains(rel).then(existing) {
                let mut over = Overwrite {
                    file,
                    at: 0,
                    differs: false,
                    old: Vec::new(),
                };
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut over);
                fill(&mut out).and_then(|()| out.flush()).map_err(failed)?;
                drop(out);
                let old_len = over.file.metadata().map_err(failed)?.len();
                if over.differs || old_len != over.at {
                    over.file.set_len(over.at).map_err(failed)?;
                    reuse.wrote();
                }
                return Ok(());
            }
            reuse.wrote();
        }
        let mut out = std::io::BufWriter::with_capacity(1 << 16, create_file(&path)?);
        fill(&mut out).and_then(|()| out.flush()).map_err(failed)
    }

    /// Swaps the new site in for the old one.
    pub fn commit(mut self) -> Result<PathBuf, Diagnostic> {
        if self.dir == self.target {
            return Ok(self.target.clone());
        }
        if let Some(reuse) = &self.reuse {
            // Files of an older build that this one no longer has.
            let touched = reuse.touched.lock().map(|t| t.clone()).unwrap_or_default();
            for stale in reuse.before.difference(&touched) {
                let _ = std::fs::remove_file(self.dir.join(stale));
            }
            remove_empty_dirs(&self.dir);
            return match exchange(&self.dir, &self.target) {
                Ok(()) => {
                    // The spare folder now holds the previous site: kept for next time.
                    self.committed = true;
                    Ok(self.target.clone())
                }
                Err(e) => Err(io_error(
                    "Den nya webbplatsen kunde inte bytas in",
                    &self.target,
                    &e,
                )),
            };
        }
        if self.target.exists() && exchange(&self.dir, &self.target).is_ok() {
            // The staging folder now holds the old site.
            self.committed = true;
            let _ = std::fs::remove_dir_all(&self.dir);
            return Ok(self.target.clone());
        }
        // Elsewhere (or on a file system without exchange): two renames.
        let old = self.dir.with_file_name(format!(
            ".{}.insyn-old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old).map_err(|e| {
                io_error(
                    "Den gamla webbplatsen kunde inte flyttas undan",
                    &self.target,
                    &e,
                )
            })?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(io_error(
                "Den nya webbplatsen kunde inte flyttas på plats",
                &self.target,
                &e,
            ));
        }
        self.committed = true;
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }
}

/// Removes folders left empty when their files went stale, deepest first.
fn remove_empty_dirs(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir)
        .contents_first(true)
        .min_depth(1)
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_dir() {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed && self.reuse.is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds `files` into `target` through a staging folder; returns how many
    /// files were written (`None`: not over a spare copy).
    fn build(target: &Path, root: &Path, bytes: &[u8]) -> Option<usize> {
        let staging = Staging::begin(target, root, Language::Sv).expect("staging");
        // `register.json` also marks the folder as a site insyn built.
        staging
            .write_with("register.json", |out| {
                // In pieces smaller and larger than the writer's buffer.
                for piece in bytes.chunks(70_000) {
                    out.write_all(piece)?;
                }
                Ok(())
            })
            .expect("write");
        let written = staging.written();
        staging.commit().expect("commit");
        written
    }

    #[test]
    fn a_streamed_file_is_written_only_from_where_it_differs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("register");
        std::fs::create_dir_all(&root).expect("root");
        let target = dir.path().join("public");
        let read = || std::fs::read(target.join("register.json")).expect("read");
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed = long.clone();
        changed[150_000] ^= 1;

        build(&target, &root, &long);
        // The spare copy is made now, and holds the first build afterwards.
        assert_eq!(build(&target, &root, &long), Some(1));
        assert_eq!(read(), long);
        // The same bytes: only read, not written.
        assert_eq!(build(&target, &root, &long), Some(0));
        assert_eq!(read(), long);
        // One byte differs far into the file; then a longer, then a shorter file.
        assert_eq!(build(&target, &root, &changed), Some(1));
        assert_eq!(read(), changed);
        let longer = [&long[..], b"more"].concat();
        assert_eq!(build(&target, &root, &longer), Some(1));
        assert_eq!(read(), longer);
        assert_eq!(build(&target, &root, &long[..1000]), Some(1));
        assert_eq!(read(), &long[..1000]);
        assert_eq!(build(&target, &root, b""), Some(1));
        assert_eq!(read(), b"");
    }
}

//! Atomic publishing: the new site is written to a staging folder beside the
//! output and swapped in only when every file was written. A failed or killed
//! build leaves the previously published site exactly as it was.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
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

/// Creates the file `path` (emptied if it exists), and its folders when they
/// are missing. The file is tried first: most folders exist by then, and asking
/// about them before every file would cost two system calls per file.
fn create_file(path: &Path) -> Result<std::fs::File, Diagnostic> {
    let failed = |e: &std::io::Error| io_error("Filen kunde inte skrivas", path, e);
    match std::fs::File::create(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error("Mappen kunde inte skapas", parent, &e))?;
            }
            std::fs::File::create(path).map_err(|e| failed(&e))
        }
        other => other.map_err(|e| failed(&e)),
    }
}

/// Every file under `dir`, as `/`-separated relative paths.
fn files_in(dir: &Path) -> std::collections::HashSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            )
        })
        .collect()
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("write", path.display().to_string(), format!("{what}: {e}."))
        .hint("Kontrollera att det finns plats på disken och att du får skriva i mappen.")
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
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A folder insyn may replace: missing, empty, or a site it built before
/// (recognised by its `register.json`). Anything else is somebody's files.
fn replaceable(target: &Path) -> bool {
    match std::fs::read_dir(target) {
        Err(_) => true,
        Ok(mut entries) => entries.next().is_none() || target.join("register.json").is_file(),
    }
}

impl Staging {
    pub fn begin(target: &Path, root: &Path) -> Result<Self, Diagnostic> {
        let target = if target.is_absolute() {
            target.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(target))
                .unwrap_or_else(|_| target.to_path_buf())
        };
        let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let target_abs = std::fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
        if root_abs.starts_with(&target_abs) {
            return Err(Diagnostic::error(
                "output-is-source",
                target.display().to_string(),
                "Utmatningsmappen innehåller registret självt; insyn skulle skriva över det.",
            )
            .hint("Välj en egen mapp för webbplatsen, till exempel `--output public`."));
        }
        if target.is_file() || !replaceable(&target) {
            return Err(Diagnostic::error(
                "output-not-ours",
                target.display().to_string(),
                "Utmatningsmappen finns redan och innehåller filer som inte kommer från insyn.",
            )
            .hint("insyn ersätter bara en tom mapp eller en webbplats som insyn har byggt. Välj en annan mapp eller töm den här."));
        }
        let parent = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&parent)
            .map_err(|e| io_error("Mappen kunde inte skapas", &parent, &e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        remove_leftovers(&parent, &name);
        // Where the published site can be swapped in one step, build into the
        // spare copy and write only what changed.
        let spare = parent.join(format!(".{name}.insyn-spare"));
        if cfg!(target_os = "linux")
            && target.is_dir()
            && (spare.is_dir() || std::fs::create_dir(&spare).is_ok())
        {
            return Ok(Staging {
                reuse: Some(Reuse {
                    before: files_in(&spare),
                    touched: Default::default(),
                    written: Default::default(),
                }),
                dir: spare,
                target,
                committed: false,
            });
        }
        let dir = parent.join(format!(".{name}.insyn-staging-{}", std::process::id()));
        if dir.exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| io_error("Mappen kunde inte skapas", &dir, &e))?;
        Ok(Staging {
            dir,
            target,
            committed: false,
            reuse: None,
        })
    }

    /// Writes straight into `target`, which only this process uses (`insyn
    /// serve`): no staging folder and no swap; the caller removes stale files.
    pub fn in_place(target: &Path) -> Result<Self, Diagnostic> {
        std::fs::create_dir_all(target)
            .map_err(|e| io_error("Mappen kunde inte skapas", target, &e))?;
        Ok(Staging {
            dir: target.to_path_buf(),
            target: target.to_path_buf(),
            committed: true,
            reuse: None,
        })
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
            let existing = || {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
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
        let staging = Staging::begin(target, root).expect("staging");
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

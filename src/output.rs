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
            if let Ok(mut touched) = reuse.touched.lock() {
                touched.insert(rel.to_owned());
            }
            let same = reuse.before.contains(rel)
                && std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64)
                && std::fs::read(&path).is_ok_and(|old| old == bytes);
            if same {
                return Ok(());
            }
            reuse
                .written
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io_error("Mappen kunde inte skapas", parent, &e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| io_error("Filen kunde inte skrivas", &path, &e))
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

//! Nothing outside the site is read: every file insyn reads from a site is
//! opened first and then asked where it really is (the open file's own path,
//! after every link was followed), so that a link pointing out of the site's
//! folder is refused before a byte of its target is read. Checking the opened
//! file, not the path beforehand, leaves no moment in which the link could be
//! swapped for another one.

use crate::diagnostic::Diagnostic;
use crate::model::Language;
use crate::msg;
use std::path::{Path, PathBuf};

/// The site's folder with every link resolved, to compare real paths against.
pub fn canonical_root(root: &Path) -> PathBuf {
    std::fs::canonicalize(root).unwrap_or_else(|_| absolute(root))
}

/// `path` made absolute without touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Why a file was not opened.
#[derive(Debug)]
pub enum Refused {
    /// It is (or leads through a link to) a file outside the site.
    Outside,
    /// The file system said no.
    Io(std::io::Error),
}

/// Opens `path` for reading without waiting (a pipe cannot block the opening),
/// and only if the file really lies inside `root` (canonical, see [`canonical_root`]).
pub fn open_inside(root: &Path, path: &Path) -> Result<std::fs::File, Refused> {
    use std::os::unix::fs::OpenOptionsExt;
    // A link is resolved before it is opened: opening alone can do something
    // (a device out there), so what lies outside is not even opened. What is
    // not a link is opened without following one, in case one was put there since.
    let link = std::fs::symlink_metadata(path)
        .map_err(Refused::Io)?
        .file_type()
        .is_symlink();
    if link {
        match std::fs::canonicalize(path) {
            Ok(real) if real.starts_with(root) => {}
            Ok(_) => return Err(Refused::Outside),
            Err(e) => return Err(Refused::Io(e)),
        }
    }
    let nofollow = if link { 0 } else { libc::O_NOFOLLOW };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | nofollow)
        .open(path)
        .map_err(Refused::Io)?;
    // And the file opened is asked where it is: a link swapped in between the
    // look and the opening is refused too.
    let real = real_path(&file).or_else(|| std::fs::canonicalize(path).ok());
    match real {
        Some(real) if real.starts_with(root) => Ok(file),
        _ => Err(Refused::Outside),
    }
}

/// Where an open file really is (Linux: its entry in `/proc/self/fd`).
fn real_path(file: &std::fs::File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

/// Whether `path` (which may not exist yet) would lie inside `root` once every
/// link in the part of it that exists is followed.
pub fn resolves_inside(root: &Path, path: &Path) -> bool {
    resolve_existing(path).starts_with(root)
}

/// `path` absolute, with the longest part of it that exists resolved.
pub fn resolve_existing(path: &Path) -> PathBuf {
    let path = absolute(path);
    let mut rest = Vec::new();
    let mut at = path.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return path.clone(),
        }
    }
}

/// The message for a link that leads out of the site. It names the link only:
/// where it points is nobody's business in a public build log.
pub fn outside_error(shown: &str, lang: Language) -> Diagnostic {
    Diagnostic::error(
        "link-outside",
        shown,
        msg!(
            lang,
            "Det här är en länk till något utanför webbplatsens mapp, så insyn läser den inte.",
            "This is a link to something outside the site's folder, so insyn does not read it."
        ),
    )
    .hint(msg!(
        lang,
        "Ersätt länken med en vanlig fil eller mapp, eller låt den peka på något inne i webbplatsens mapp.",
        "Replace the link with an ordinary file or folder, or let it point to something inside the site's folder."
    ))
}

/// Hidden files and what editors and systems leave behind (`.env`, `.git/`,
/// `x.swp`, `x~`, `#x#`, `.DS_Store`, `Thumbs.db`): never published, never read.
pub fn is_leftover(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.eq_ignore_ascii_case("thumbs.db")
        || name.eq_ignore_ascii_case("desktop.ini")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_out_of_the_root_is_refused_and_one_inside_is_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::fs::write(root.join("a"), "a").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("in")).unwrap();
        let canon = canonical_root(&root);
        assert!(matches!(
            open_inside(&canon, &root.join("out")),
            Err(Refused::Outside)
        ));
        assert!(open_inside(&canon, &root.join("in")).is_ok());
        assert!(resolves_inside(&canon, &root.join("new/folder/x")));
        assert!(!resolves_inside(&canon, &root.join("out")));
    }
}

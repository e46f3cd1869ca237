//! Finding the site: a command run in a folder inside it (`register/systems/`,
//! where an editor's terminal often is) uses the site above, as git does.

use std::path::{Path, PathBuf};

/// The site folder to use for `given`: `given` itself when it was named
/// (anything but the default `.`) or holds a `register/` folder; otherwise the
/// nearest folder above the current one that holds `register/site.yaml` or
/// `register/systems/`; otherwise `given`, whose message then names the folder.
pub fn site_root(given: &Path) -> PathBuf {
    if given != Path::new(".") || given.join("register").is_dir() {
        return given.to_path_buf();
    }
    let Ok(here) = std::env::current_dir() else {
        return given.to_path_buf();
    };
    here.ancestors()
        .skip(1)
        .find(|dir| is_site(dir))
        .map_or_else(|| given.to_path_buf(), Path::to_path_buf)
}

fn is_site(dir: &Path) -> bool {
    let register = dir.join("register");
    register.join("site.yaml").is_file() || register.join("systems").is_dir()
}

/// `dir` as an absolute path, for messages that must say where insyn looked.
pub fn absolute(dir: &Path) -> String {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir)
        .map(|d| d.components().collect::<PathBuf>())
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

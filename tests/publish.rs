//! A new municipality's first publish: the workflows `insyn init` writes install
//! the very version of insyn that wrote them, and the crate is ready to publish.

mod common;
use common::*;

#[test]
fn the_workflows_install_the_version_of_insyn_that_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("ny");
    assert_eq!(insyn(&["init", site.to_str().unwrap()]).code, 0);
    let version = env!("CARGO_PKG_VERSION");
    for file in [".github/workflows/ai-registret.yml", ".gitlab-ci.yml"] {
        let text = read(&site.join(file));
        assert!(
            text.contains(&format!("INSYN_VERSION: \"{version}\"")),
            "{file}:\n{text}"
        );
        assert!(!text.contains("{insyn_version}"), "{file}");
        // The prebuilt binary first, compiling as the fallback.
        assert!(text.contains("cargo binstall") && text.contains("cargo install --locked insyn"));
    }
}

#[test]
fn the_crate_has_what_publishing_needs() {
    let manifest = read(&repo().join("Cargo.toml"));
    for field in [
        "description = ",
        "license = ",
        "repository = ",
        "rust-version = ",
        "keywords = ",
        "categories = ",
        "[package.metadata.binstall]",
    ] {
        assert!(manifest.contains(field), "Cargo.toml has no {field}");
    }
    for file in [
        "CHANGELOG.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        ".github/workflows/release.yml",
    ] {
        assert!(repo().join(file).is_file(), "{file} is missing");
    }
    // The archive names the release workflow makes are the ones binstall fetches.
    let release = read(&repo().join(".github/workflows/release.yml"));
    assert!(release.contains("name=\"insyn-${GITHUB_REF_NAME}-${TARGET}\""));
    assert!(
        manifest.contains("/releases/download/v{ version }/insyn-v{ version }-{ target }.tar.gz")
    );
    assert!(manifest.contains("bin-dir = \"insyn-v{ version }-{ target }/{ bin }{ binary-ext }\""));
}

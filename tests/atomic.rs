//! Atomic publishing, proven by killing builds: whenever a build of a large
//! register is killed, `public/` is one complete site (the old or the new one),
//! never a mix and never missing.

mod common;
use common::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::process::{Command, Stdio};
use std::time::Instant;

fn fingerprint(dir: &std::path::Path) -> u64 {
    let mut h = DefaultHasher::new();
    for (path, bytes) in tree(dir) {
        path.hash(&mut h);
        bytes.hash(&mut h);
    }
    h.finish()
}

fn write_register(root: &std::path::Path, records: usize, name: &str) {
    let record = read(&fixture("contract-only").join("register/systems/kallelser.yaml"));
    let systems = root.join("register/systems");
    for i in 0..records {
        let text = record
            .replace(
                "name: Automatisk sortering av kallelser",
                &format!("name: {name} {i}"),
            )
            .replace(
                "department: Kommunkansliet",
                &format!("department: Förvaltning {}", i % 40),
            );
        std::fs::write(systems.join(format!("system-{i:05}.yaml")), text).unwrap();
    }
}

#[test]
fn killing_a_build_at_any_moment_leaves_a_complete_site() {
    let site = site_copy("contract-only");
    let root = site.path();
    write_register(root, 1000, "Gammalt namn");
    assert_eq!(insyn(&["build", "--root", root.to_str().unwrap()]).code, 0);
    let public = root.join("public");
    let old = fingerprint(&public);

    // The next version of the register, and the site it builds to.
    write_register(root, 1000, "Nytt namn");
    let started = Instant::now();
    let reference = tempfile::tempdir().unwrap();
    let out = reference.path().join("public");
    assert_eq!(build_into(root, &out).code, 0);
    let build_time = started.elapsed();
    let new = fingerprint(&out);
    assert_ne!(old, new);

    // Kill builds at moments spread over the whole build (xorshift jitter, fixed seed).
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut outcomes = (0, 0);
    for i in 0..10u32 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let fraction = (f64::from(i) + (seed % 1000) as f64 / 1000.0) / 10.0;
        let delay = build_time.mul_f64(fraction * 1.1);
        let mut child = Command::new(env!("CARGO_BIN_EXE_insyn"))
            .args(["build", "--root", root.to_str().unwrap()])
            .env("INSYN_TODAY", TODAY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        assert!(
            public.join("index.html").is_file(),
            "public/ is missing after a kill at {delay:?}"
        );
        let now = fingerprint(&public);
        assert!(
            now == old || now == new,
            "public/ is a mix of two builds after a kill at {delay:?}"
        );
        if now == old {
            outcomes.0 += 1
        } else {
            outcomes.1 += 1
        }
        // Go back to the old site for the next round, unless this one finished.
        if now == new {
            write_register(root, 1000, "Gammalt namn");
            assert_eq!(insyn(&["build", "--root", root.to_str().unwrap()]).code, 0);
            assert_eq!(fingerprint(&public), old);
            write_register(root, 1000, "Nytt namn");
        }
    }
    // Most kills land mid-build; at least one must have been mid-build for the test to mean anything.
    assert!(
        outcomes.0 >= 1,
        "no kill landed during a build: {outcomes:?}"
    );
    // The next build cleans up after the killed ones.
    assert_eq!(insyn(&["build", "--root", root.to_str().unwrap()]).code, 0);
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // (The lock file stays: removing it would let two builds hold two locks.)
        .filter(|n| n.contains("insyn-") && n != ".public.insyn-spare" && n != ".public.insyn-lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The spare copy (kept so the next build writes only what changed) is a
    // complete site too: the one before the published one.
    assert!(root.join(".public.insyn-spare/index.html").is_file());
}

//! The inputs kept for a target: every file of `fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/`, by name. The crates' regression tests run each through the
//! target's checks.

use std::path::Path;

/// `(file name, bytes)` of every kept input of `target`, seeds first, each group sorted by name.
/// `fuzz` is the `fuzz/` folder.
pub fn inputs(fuzz: &Path, target: &str) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for group in ["seeds", "regressions"] {
        let dir = fuzz.join(group).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).expect("a kept input");
            all.push((
                format!(
                    "{group}/{target}/{}",
                    path.file_name().unwrap().to_string_lossy()
                ),
                bytes,
            ));
        }
    }
    assert!(
        !all.is_empty(),
        "no kept inputs for {target} under {}",
        fuzz.display()
    );
    all
}

/// The bytes of one kept input, `group/target/name` as [`inputs`] names it.
pub fn input(fuzz: &Path, name: &str) -> Vec<u8> {
    std::fs::read(fuzz.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

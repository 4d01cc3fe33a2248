//! The library does not depend on clap: only the command line (`src/cli/`, `src/main.rs`)
//! and `galley serve`'s flags (`src/serve/`, the other front end of the top crate) may name
//! it. Library types that the command line offers as choices (`--deployer`, `--phase`) are
//! mirrored by `ValueEnum`s in `src/cli/`. Layer crates under `crates/`, where they exist,
//! may not name clap at all, in code or in their `Cargo.toml`.

use std::path::{Path, PathBuf};

/// What marks a use of clap in Rust source.
const RUST_MARKS: [&str; 4] = ["clap::", "ValueEnum", "use clap", "extern crate clap"];

/// The paths under `src/` that belong to the front ends and may use clap.
const FRONT_ENDS: [&str; 3] = ["src/cli/", "src/main.rs", "src/serve/"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// `path:line: text` for every line of a library file that names clap, and the number of
/// files scanned.
fn clap_mentions(root: &Path) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    files(&root.join("src"), &mut all);
    files(&root.join("crates"), &mut all);
    let mut hits = Vec::new();
    let mut scanned = 0;
    for path in all {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let is_rust = rel.ends_with(".rs");
        let is_manifest = rel.starts_with("crates/") && rel.ends_with("Cargo.toml");
        if !(is_rust || is_manifest) || FRONT_ENDS.iter().any(|f| rel.starts_with(f)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        scanned += 1;
        for (i, line) in text.lines().enumerate() {
            let named = if is_manifest {
                line.trim_start().starts_with("clap")
            } else {
                RUST_MARKS.iter().any(|m| line.contains(m))
            };
            if named {
                hits.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    hits.sort();
    (hits, scanned)
}

#[test]
fn library_modules_do_not_name_clap() {
    let (hits, scanned) = clap_mentions(&root());
    assert!(
        scanned > 50,
        "only {scanned} library files found under src/ and crates/"
    );
    assert!(
        hits.is_empty(),
        "library code names clap; map the command line onto library types in src/cli/ instead:\n{}",
        hits.join("\n")
    );
}

/// The scan finds what it looks for: a planted derive, a `use` and a crate's dependency,
/// and leaves the front ends alone.
#[test]
fn the_scan_finds_a_planted_clap_use() {
    let dir = std::env::temp_dir().join(format!("galley-clap-scan-{}", std::process::id()));
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("src/lib.rs", "pub mod bundle;\n");
    write(
        "src/bundle/mod.rs",
        "#[derive(clap::ValueEnum)]\npub enum D { A }\n",
    );
    write("src/cli/mod.rs", "use clap::Parser;\n");
    write("src/serve/mod.rs", "#[derive(clap::Args)]\npub struct A;\n");
    write("crates/galley-ir/src/lib.rs", "use clap::ValueEnum;\n");
    write(
        "crates/galley-ir/Cargo.toml",
        "[dependencies]\nclap = \"4\"\n",
    );
    let (hits, _) = clap_mentions(&dir);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        hits,
        vec![
            "crates/galley-ir/Cargo.toml:2: clap = \"4\"".to_string(),
            "crates/galley-ir/src/lib.rs:1: use clap::ValueEnum;".to_string(),
            "src/bundle/mod.rs:1: #[derive(clap::ValueEnum)]".to_string(),
        ],
    );
}

//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The issues' benchmark and acceptance target: eks, h100, training, ubuntu, kubeflow.
pub const KUBEFLOW: [&str; 10] = [
    "--service",
    "eks",
    "--accelerator",
    "h100",
    "--intent",
    "training",
    "--os",
    "ubuntu",
    "--platform",
    "kubeflow",
];

pub fn galley() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_galley"));
    cmd.current_dir(root())
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1");
    cmd
}

/// The repository root (integration tests run from here).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The embedded library written as AICR YAML (`galley export --format aicr`), once per test
/// process, under Cargo's scratch directory for integration tests. The tests that read the
/// reference's YAML format read this: the repository carries no copy of the reference.
pub fn aicr_recipes() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        remove_stale_exports(&scratch);
        let dir = scratch.join(format!("aicr-export-{}", std::process::id()));
        let files = exported_library();
        let out = camino::Utf8PathBuf::from_path_buf(dir.clone()).expect("a UTF-8 scratch path");
        let target = galley::write::Target {
            dir: &out,
            force: true,
            inputs: Vec::new(),
        };
        galley::write::write_tree(&target, &files, &Default::default())
            .expect("the export is written");
        dir
    })
    .clone()
}

/// The embedded library's AICR YAML export, in memory.
pub fn exported_library() -> std::collections::BTreeMap<String, Vec<u8>> {
    use galley::data::{DataSet, Root};
    let data = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
    let (library, diags) = galley::check::check(data);
    assert!(!diags.has_errors(), "the embedded library has errors");
    let exported = galley::export::export_aicr(&library);
    let errors: Vec<&str> = exported
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "the export fails: {errors:#?}");
    exported.files
}

/// Exports left by earlier test runs (over an hour old).
fn remove_stale_exports(scratch: &Path) {
    let hour = std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(scratch).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > hour);
        if name.to_string_lossy().starts_with("aicr-export-") && old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A test's external tool is missing: a failure under `GALLEY_REQUIRE_TOOLS=1` (`make test`
/// sets it), otherwise a printed `SKIPPED:` line saying what and how to install it.
pub fn tool_missing(what: &str, install: &str) {
    let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "GALLEY_REQUIRE_TOOLS=1 but {what} is not installed; {install}"
    );
    eprintln!("SKIPPED: {what} is not installed ({install})");
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("galley runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("galley-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` with one of the extensions, sorted.
pub fn files_with_ext(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every file under `dir` by relative path.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

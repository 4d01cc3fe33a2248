//! `galley fmt`: canonical, idempotent, keeps comments.

use crate::support::*;
use galley::source::FileId;
use galley::syntax::printer::format_source;

fn dsl_files() -> Vec<std::path::PathBuf> {
    let mut files = files_with_ext(&root().join("recipes"), &["ovl"]);
    files.extend(files_with_ext(&root().join("stdlib"), &["ovl"]));
    assert!(files.len() > 40, "recipes and stdlib hold the library");
    files
}

#[test]
fn library_is_formatted_and_fmt_is_idempotent() {
    for path in dsl_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let once =
            format_source(FileId(0), &text).unwrap_or_else(|d| panic!("{}: {d:?}", path.display()));
        assert_eq!(once, text, "{} is not in canonical layout", path.display());
        let twice = format_source(FileId(0), &once).unwrap();
        assert_eq!(twice, once, "{}: fmt is not idempotent", path.display());
    }
}

#[test]
fn fmt_check_passes_on_the_library() {
    let out = run(galley().args(["fmt", "--check", "recipes", "stdlib"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn fmt_rewrites_keeps_comments_and_refuses_broken_files() {
    let tmp = TempDir::new("fmt");
    let file = tmp.path().join("x.ovl");
    let messy = "// lead\noverlay   oke-x{when service=oke // trailing\n\n\n  component gpu-operator{version v1 // v\n}}\n";
    std::fs::write(&file, messy).unwrap();
    let check = run(galley().args(["fmt", "--check"]).arg(&file));
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        messy,
        "--check changes nothing"
    );
    let out = run(galley().arg("fmt").arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let formatted = std::fs::read_to_string(&file).unwrap();
    for comment in ["// lead", "// trailing", "// v"] {
        assert_eq!(
            formatted.matches(comment).count(),
            1,
            "{comment} kept once:\n{formatted}"
        );
    }
    assert_eq!(
        run(galley().args(["fmt", "--check"]).arg(&file))
            .status
            .code(),
        Some(0)
    );

    std::fs::write(&file, "overlay x {\n  when service =\n").unwrap();
    let broken = run(galley().arg("fmt").arg(&file));
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "overlay x {\n  when service =\n"
    );
}

//! `galley bundle --repo`: each deployer takes the URL forms its documents accept, and every
//! accepted form passes the Argo CD / Flux CRD schemas (`scripts/validate-crd.mjs`).

use crate::support::{KUBEFLOW, TempDir, galley, root, run, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bundle(out: &Path, deployer: &str, repo: &str) -> Output {
    run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .args(["-d", deployer, "--repo", repo, "-o"])
        .arg(out)
        .env("COLUMNS", "1000"))
}

#[test]
fn flux_refuses_the_scp_form_and_gives_its_ssh_spelling() {
    let t = TempDir::new("repo-scp");
    let out = t.path().join("b");
    let o = bundle(&out, "flux", "git@github.com:x/y.git");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("galley::bundle::repo"), "{err}");
    assert!(
        err.contains("write it as `--repo ssh://git@github.com/x/y.git`"),
        "{err}"
    );
    assert!(
        err.contains("`https://host/path`, `http://host/path` or `ssh://[user@]host/path`"),
        "{err}"
    );
    assert!(!out.exists());
    // Argo CD takes the scp-like form.
    let o = bundle(&out, "argocd", "git@github.com:x/y.git");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_refused_repo_lists_only_the_forms_the_deployer_takes() {
    let t = TempDir::new("repo-forms");
    for (deployer, scp) in [("flux", false), ("argocd", true)] {
        for repo in ["oci://ghcr.io/x/y", "ftp://x/y", "git@github.com"] {
            let out = t.path().join(format!("{deployer}-{}", repo.len()));
            let o = bundle(&out, deployer, repo);
            assert_eq!(o.status.code(), Some(2), "{repo}: {}", stderr(&o));
            let err = stderr(&o);
            let help = err
                .lines()
                .find(|l| l.trim_start().starts_with("help:"))
                .unwrap_or_else(|| panic!("{repo}: no help: {err}"));
            assert!(help.contains("ssh://[user@]host/path"), "{help}");
            assert!(!help.contains("oci://"), "{help}");
            assert_eq!(help.contains("git@host:path"), scp, "{deployer}: {help}");
            assert!(!out.exists());
        }
    }
}

/// `validate-crd.mjs`, or `None` (after saying why) when the schema models are missing and
/// not required (`make test` sets `GALLEY_REQUIRE_TOOLS=1`).
fn validate_crd() -> Option<Command> {
    let tools = std::env::var_os("GALLEY_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"));
    let models = tools.join("node/node_modules/@kubernetes-models");
    let node = Command::new("node").arg("--version").output();
    if !models.exists() || node.is_err() {
        let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "GALLEY_REQUIRE_TOOLS=1 but node or {models:?} is missing"
        );
        eprintln!("skipped: node or the schema models are not installed (run `make tools`)");
        return None;
    }
    let mut cmd = Command::new("node");
    cmd.arg(root().join("scripts/validate-crd.mjs"))
        .env("GALLEY_TOOLS", tools);
    Some(cmd)
}

#[test]
fn every_accepted_repo_form_passes_the_crd_schemas() {
    let t = TempDir::new("repo-schemas");
    let flux = [
        "https://github.com/x/y.git",
        "http://git.example.com:8080/x/y",
        "ssh://git@github.com/x/y.git",
        "ssh://git.example.com:2222/x/y",
    ];
    let argocd = flux.iter().copied().chain(["git@github.com:x/y.git"]);
    let cases = flux
        .iter()
        .map(|r| ("flux", *r, "sources/gitrepository.yaml"))
        .chain(argocd.map(|r| ("argocd", r, "app-of-apps.yaml")));
    let mut files = Vec::new();
    for (i, (deployer, repo, doc)) in cases.enumerate() {
        let out = t.path().join(format!("b{i}"));
        let o = bundle(&out, deployer, repo);
        assert!(o.status.success(), "{deployer} {repo}: {}", stderr(&o));
        let text = std::fs::read_to_string(out.join(doc)).unwrap();
        assert!(text.contains(repo), "{deployer} {repo}: {text}");
        files.push(out.join(doc));
    }
    let Some(mut check) = validate_crd() else {
        return;
    };
    let o = check.args(&files).output().expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains(&format!("validate-crd: {} valid, 0 invalid", files.len())),
        "{text}"
    );
}

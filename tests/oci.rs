//! OCI bundles against a real registry (issue 15): `bundle -o oci://…` is byte-reproducible,
//! `pull` gives back the bytes of `bundle -o DIR`, an independent client reads the artifact,
//! `verify` checks directories and artifacts.

use crate::oci_support::{Registry, get, read_tree, tools_python};
use crate::support::{KUBEFLOW, TempDir, galley, run, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

fn push(registry: &Registry, repo_tag: &str) -> String {
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("-o")
        .arg(format!("oci://{}/{repo_tag}", registry.addr))
        .arg("--plain-http"));
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn bundle_dir(dir: &Path) {
    let out = run(galley().arg("bundle").args(KUBEFLOW).arg("-o").arg(dir));
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Untar a gzip layer with the `tar` crate, without galley's unpacker.
fn untar(gzip: &[u8]) -> BTreeMap<String, (Vec<u8>, u32)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gzip));
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mode = entry.header().mode().unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.insert(path, (bytes, mode));
    }
    out
}

#[test]
fn push_twice_gives_one_digest_and_pull_gives_the_bundle_bytes() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let first = push(&registry, "galley/kubeflow:v1");
    let second = push(&registry, "galley/kubeflow:v1");
    assert_eq!(first, second, "the same bundle pushed twice has one digest");
    let prefix = format!("{}/galley/kubeflow@sha256:", registry.addr);
    assert!(first.starts_with(&prefix), "{first}");
    assert_eq!(first.len(), prefix.len() + 64);

    let dir = TempDir::new("oci-pull");
    let local = dir.path().join("local");
    bundle_dir(&local);
    let pulled = dir.path().join("pulled");
    let tag_ref = format!("oci://{}/galley/kubeflow:v1", registry.addr);
    let out = run(galley()
        .args(["pull", &tag_ref, "--plain-http", "-o"])
        .arg(&pulled));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&pulled), read_tree(&local));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&pulled.join("deploy.sh")),
        mode(&local.join("deploy.sh"))
    );
    assert_eq!(mode(&pulled.join("deploy.sh")) & 0o111, 0o111);

    // By digest, too; and verify both ways.
    let by_digest = dir.path().join("by-digest");
    let out = run(galley()
        .args(["pull", &format!("oci://{first}"), "--plain-http", "-o"])
        .arg(&by_digest));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&by_digest), read_tree(&local));
    let out = run(galley().arg("verify").arg(&pulled));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("files match checksums.txt"),
        "{}",
        stdout(&out)
    );
    let out = run(galley().args(["verify", &tag_ref, "--plain-http"]));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_independent_client_reads_the_artifact_in_the_reference_layout() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let pinned = push(&registry, "interop/bundle:t1");
    let digest = pinned.rsplit_once('@').unwrap().1.to_string();
    let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")];
    let resp = get(&registry.addr, "/v2/interop/bundle/manifests/t1", &accept).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.headers["docker-content-digest"], digest);
    let manifest: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.nvidia.aicr.artifact"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    let layer = &manifest["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(layer["annotations"]["org.opencontainers.image.title"], ".");
    assert_eq!(layer["annotations"]["io.deis.oras.content.unpack"], "true");
    let notes = &manifest["annotations"];
    assert_eq!(
        notes["org.opencontainers.image.created"],
        "1970-01-01T00:00:00Z"
    );
    for key in ["source", "title", "vendor", "version"] {
        let v = &notes[format!("org.opencontainers.image.{key}")];
        assert!(v.as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }

    let path = format!(
        "/v2/interop/bundle/blobs/{}",
        layer["digest"].as_str().unwrap()
    );
    let blob = get(&registry.addr, &path, &[]).unwrap();
    assert_eq!(blob.status, 200);
    assert_eq!(blob.body.len() as u64, layer["size"].as_u64().unwrap());
    let config_path = format!(
        "/v2/interop/bundle/blobs/{}",
        manifest["config"]["digest"].as_str().unwrap()
    );
    assert_eq!(get(&registry.addr, &config_path, &[]).unwrap().body, b"{}");

    let dir = TempDir::new("oci-interop");
    bundle_dir(dir.path());
    let mut local = read_tree(dir.path());
    local.remove(".galley-output");
    let unpacked = untar(&blob.body);
    let files: BTreeMap<String, Vec<u8>> = unpacked
        .iter()
        .map(|(p, (b, _))| (p.clone(), b.clone()))
        .collect();
    assert_eq!(files, local);
    assert_eq!(unpacked["deploy.sh"].1, 0o755);
    assert_eq!(unpacked["README.md"].1, 0o644);
}

#[test]
fn the_tag_defaults_to_galleys_version_and_source_date_epoch_sets_created() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("-o")
        .arg(format!("oci://{}/dated", registry.addr))
        .arg("--plain-http")
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    assert!(out.status.success(), "{}", stderr(&out));
    let version = env!("CARGO_PKG_VERSION");
    let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")];
    let resp = get(
        &registry.addr,
        &format!("/v2/dated/manifests/{version}"),
        &accept,
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    let manifest: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.created"],
        "2023-11-14T22:13:20Z"
    );
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.version"],
        version
    );
}

#[test]
fn verify_reports_altered_missing_and_extra_files() {
    let dir = TempDir::new("oci-verify");
    let b = dir.path().join("b");
    bundle_dir(&b);
    let out = run(galley().arg("verify").arg(&b));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::write(b.join("README.md"), "changed\n").unwrap();
    std::fs::remove_file(b.join("recipe.yaml")).unwrap();
    std::fs::write(b.join("stray.txt"), "x").unwrap();
    let out = run(galley().arg("verify").arg(&b));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("`README.md`: sha256 is"), "{err}");
    assert!(err.contains("`recipe.yaml`: missing"), "{err}");
    assert!(
        err.contains("`stray.txt`: not listed in `checksums.txt`"),
        "{err}"
    );
    assert!(err.contains("failed verification (3 problems)"), "{err}");
    let out = run(galley().arg("verify").arg(dir.path().join("absent")));
    assert_eq!(out.status.code(), Some(2));
    let out = run(galley().arg("verify").arg(&b).arg("--plain-http"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bundle_refuses_bad_references_and_misplaced_flags() {
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .args(["-o", "oci://reg.example/UPPER:tag"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a repository"),
        "{}",
        stderr(&out)
    );
    let dir = TempDir::new("oci-flags");
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("-o")
        .arg(dir.path().join("b"))
        .arg("--plain-http"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("apply to `-o oci://…`"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("b").exists());
}

#[test]
fn galley_pulls_a_directory_pushed_by_oras_py() {
    let Some(python) = tools_python("oras.client") else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = TempDir::new("oci-oras");
    let local = dir.path().join("bundle");
    bundle_dir(&local);
    std::fs::remove_file(local.join(".galley-output")).unwrap();
    // oras-py tars the directory under its name, with `title: bundle`.
    let script = format!(
        "import oras.client\nc = oras.client.OrasClient(hostname='{0}', insecure=True)\nr = c.push(target='{0}/oras/bundle:v1', files=['bundle'])\nassert r.status_code == 201, r.status_code\n",
        registry.addr
    );
    let out = std::process::Command::new(&python)
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pulled = dir.path().join("pulled");
    let out = run(galley()
        .args(["pull", &format!("oci://{}/oras/bundle:v1", registry.addr)])
        .args(["--plain-http", "-o"])
        .arg(&pulled));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(galley().arg("verify").arg(pulled.join("bundle")));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&pulled.join("bundle")), read_tree(&local));
}

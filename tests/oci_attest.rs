//! `bundle --attest --signing-key`, `verify --key` (issue 15 item 5): the DSSE envelope
//! verifies with galley and with Python's securesystemslib, and travels with a pushed bundle.

use crate::oci_support::{Registry, tools_python};
use crate::support::{KUBEFLOW, TempDir, galley, root, run, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

const ENVELOPE: &str = "attestation/bundle.intoto.dsse.json";

/// An Ed25519 key pair made by `openssl`: (private, public) PEM paths.
fn keypair(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    if !Registry::tool("openssl", "version") {
        return None;
    }
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let ok = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&private)
        .status()
        .unwrap()
        .success()
        && Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .status()
            .unwrap()
            .success();
    assert!(ok, "openssl makes an Ed25519 key");
    Some((private, public))
}

fn attested_bundle(dir: &Path, key: &Path) -> PathBuf {
    let out_dir = dir.join("bundle");
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("--attest")
        .arg("--signing-key")
        .arg(key)
        .arg("-o")
        .arg(&out_dir));
    assert!(out.status.success(), "{}", stderr(&out));
    out_dir
}

fn verify(target: &str, key: &Path, extra: &[&str]) -> std::process::Output {
    run(galley()
        .args(["verify", target, "--key"])
        .arg(key)
        .args(extra))
}

#[test]
fn an_attested_bundle_verifies_with_galley_and_securesystemslib() {
    let dir = TempDir::new("oci-attest");
    let Some((private, public)) = keypair(dir.path(), "signer") else {
        return;
    };
    let bundle = attested_bundle(dir.path(), &private);
    let envelope = bundle.join(ENVELOPE);
    assert!(envelope.is_file());
    let target = bundle.to_str().unwrap();
    let out = verify(target, &public, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("attestation signed by key"),
        "{}",
        stdout(&out)
    );
    // Without --key the envelope is named as unchecked, the checksums still verify.
    let out = run(galley().args(["verify", target]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not checked"), "{}", stderr(&out));

    if let Some(python) = tools_python("securesystemslib.dsse, cryptography") {
        let script = root().join("tests/fixtures/oci/dsse_verify.py");
        let out = Command::new(&python)
            .arg(&script)
            .arg(&public)
            .arg(&envelope)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.starts_with("https://slsa.dev/provenance/v1 "),
            "{said}"
        );
        // Another key does not verify it there either.
        let (_, other) = keypair(dir.path(), "other").unwrap();
        let out = Command::new(&python)
            .arg(&script)
            .arg(&other)
            .arg(&envelope)
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
}

#[test]
fn verify_key_fails_on_another_key_changed_files_or_no_attestation() {
    let dir = TempDir::new("oci-attest-bad");
    let Some((private, _)) = keypair(dir.path(), "signer") else {
        return;
    };
    let (_, other) = keypair(dir.path(), "other").unwrap();
    let bundle = attested_bundle(dir.path(), &private);
    let target = bundle.to_str().unwrap();
    let out = verify(target, &other, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no valid signature by the given key"),
        "{}",
        stderr(&out)
    );

    let plain = dir.path().join("plain");
    let out = run(galley().arg("bundle").args(KUBEFLOW).arg("-o").arg(&plain));
    assert!(out.status.success());
    let out = verify(plain.to_str().unwrap(), &other, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the bundle is not attested"),
        "{}",
        stderr(&out)
    );

    // A key that is not a key, a private key for --key, --attest without a key: usage.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "junk").unwrap();
    let out = verify(target, &junk, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an Ed25519 public key"),
        "{}",
        stderr(&out)
    );
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .args(["--attest", "-o"])
        .arg(dir.path().join("x")));
    assert_eq!(out.status.code(), Some(2));
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .args(["--attest", "--signing-key"])
        .arg(&junk)
        .arg("-o")
        .arg(dir.path().join("x")));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("openssl genpkey"), "{}", stderr(&out));
    assert!(!dir.path().join("x").exists());
}

#[test]
fn a_changed_file_fails_both_checksums_and_attestation() {
    let dir = TempDir::new("oci-attest-changed");
    let Some((private, public)) = keypair(dir.path(), "signer") else {
        return;
    };
    let bundle = attested_bundle(dir.path(), &private);
    // Rewrite checksums.txt to match the change: only the attestation catches it.
    let readme = bundle.join("README.md");
    std::fs::write(&readme, "changed\n").unwrap();
    let sums = std::fs::read_to_string(bundle.join("checksums.txt")).unwrap();
    let hex: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(b"changed\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let fixed: String = sums
        .lines()
        .map(|l| match l.split_once("  ") {
            Some((_, "README.md")) => format!("{hex}  README.md\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(bundle.join("checksums.txt"), fixed).unwrap();
    let target = bundle.to_str().unwrap();
    assert_eq!(
        run(galley().args(["verify", target])).status.code(),
        Some(0)
    );
    let out = verify(target, &public, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("`README.md`: sha256 differs from the attested one"),
        "{err}"
    );
    assert!(err.contains("`checksums.txt`: sha256 differs"), "{err}");
}

#[test]
fn a_pushed_bundle_carries_its_attestation() {
    let dir = TempDir::new("oci-attest-push");
    let Some((private, public)) = keypair(dir.path(), "signer") else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let reference = format!("oci://{}/signed/bundle:v1", registry.addr);
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("--attest")
        .arg("--signing-key")
        .arg(&private)
        .args(["-o", &reference, "--plain-http"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = verify(&reference, &public, &["--plain-http"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pulled = dir.path().join("pulled");
    let out = run(galley()
        .args(["pull", &reference, "--plain-http", "-o"])
        .arg(&pulled));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(pulled.join(ENVELOPE).is_file());
    let out = verify(pulled.to_str().unwrap(), &public, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

//! A registry with htpasswd basic auth behind TLS with a certificate from a private CA: the
//! credential files, `--insecure-tls` and `--ca-file` (issue 15 item 6).

use crate::oci_support::{Registry, read_tree};
use crate::support::{KUBEFLOW, TempDir, galley, run, stderr, stdout};
use std::path::Path;
use std::process::Command;

/// `user:s3cret` as a docker `auth` value.
const AUTH: &str = "dXNlcjpzM2NyZXQ=";

fn secure_registry() -> Option<Registry> {
    if !Registry::tool("openssl", "version") {
        return None;
    }
    // `htpasswd` exits non-zero whatever it is asked to probe: look for it on PATH.
    let have_htpasswd = Command::new("sh")
        .args(["-c", "command -v htpasswd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_htpasswd {
        let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "GALLEY_REQUIRE_TOOLS=1 but `htpasswd` is missing"
        );
        eprintln!("SKIPPED: `htpasswd` is not installed (apache2-utils; `make tools-min`)");
        return None;
    }
    Registry::start_with(|dir: &Path| {
        make_certificates(dir);
        let ok = Command::new("htpasswd")
            .args(["-Bbc"])
            .arg(dir.join("htpasswd"))
            .args(["user", "s3cret"])
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        format!(
            "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd:\n    realm: galley-test\n    path: {}\n",
            dir.join("cert.pem").display(),
            dir.join("key.pem").display(),
            dir.join("htpasswd").display()
        )
    })
}

/// A private CA (`ca.pem`) and the registry's certificate for 127.0.0.1 signed by it
/// (`cert.pem`, `key.pem`).
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "1", "-subj", "/CN=galley-test-ca"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(&ca);
    let mut csr = vec!["req", "-subj", "/CN=127.0.0.1"];
    csr.extend(ec);
    csr.extend(["-keyout", "key.pem", "-out", "leaf.csr"]);
    openssl(&csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
}

/// `galley` with no credentials but what `env` gives (HOME is the temporary directory).
fn galley_in(home: &Path, env: &[(&str, &Path)]) -> Command {
    let mut cmd = galley();
    cmd.env("HOME", home)
        .env_remove("DOCKER_CONFIG")
        .env_remove("REGISTRY_AUTH_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn write_auth(path: &Path, registry: &str, auth: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
}

#[test]
fn basic_auth_over_tls_with_credential_files_and_insecure_tls() {
    let Some(registry) = secure_registry() else {
        return;
    };
    let dir = TempDir::new("oci-tls");
    let home = dir.path();
    let reference = format!("oci://{}/secure/bundle:v1", registry.addr);
    let push = |env: &[(&str, &Path)], extra: &[&str]| {
        run(galley_in(home, env)
            .arg("bundle")
            .args(KUBEFLOW)
            .args(["-o", &reference])
            .args(extra))
    };

    // A certificate from an unknown CA is refused without --insecure-tls or --ca-file.
    let out = push(&[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--insecure-tls"), "{}", stderr(&out));

    // No credentials: galley says the registry asks for them.
    let out = push(&[], &["--insecure-tls"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("asks for credentials and none are configured"),
        "{}",
        stderr(&out)
    );

    // A wrong password: refused, said so.
    let wrong = home.join("wrong/config.json");
    write_auth(&wrong, &registry.addr, "dXNlcjpub3Bl");
    let out = push(
        &[("DOCKER_CONFIG", wrong.parent().unwrap())],
        &["--insecure-tls"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("401 Unauthorized"),
        "{}",
        stderr(&out)
    );

    // DOCKER_CONFIG's auths.
    let docker = home.join("docker/config.json");
    write_auth(&docker, &registry.addr, AUTH);
    let out = push(
        &[("DOCKER_CONFIG", docker.parent().unwrap())],
        &["--insecure-tls"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pinned = stdout(&out).trim().to_string();

    // The private CA: verified TLS, the same artifact.
    let ca = registry.dir().join("ca.pem");
    let ca = ca.to_str().unwrap();
    let out = push(
        &[("DOCKER_CONFIG", docker.parent().unwrap())],
        &["--ca-file", ca],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), pinned);
    let not_a_ca = registry.dir().join("htpasswd");
    let out = push(&[], &["--ca-file", not_a_ca.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds no PEM certificate"),
        "{}",
        stderr(&out)
    );

    // REGISTRY_AUTH_FILE, and ~/.docker/config.json, for the pull.
    let podman = home.join("auth.json");
    write_auth(&podman, &registry.addr, AUTH);
    let pulled = home.join("pulled");
    let out = run(galley_in(home, &[("REGISTRY_AUTH_FILE", &podman)])
        .args(["pull", &reference, "--insecure-tls", "-o"])
        .arg(&pulled));
    assert!(out.status.success(), "{}", stderr(&out));
    write_auth(&home.join(".docker/config.json"), &registry.addr, AUTH);
    let by_digest = home.join("by-digest");
    let out = run(galley_in(home, &[])
        .args(["pull", &format!("oci://{pinned}"), "--insecure-tls", "-o"])
        .arg(&by_digest));
    assert!(out.status.success(), "{}", stderr(&out));

    let local = home.join("local");
    let out = run(galley().arg("bundle").args(KUBEFLOW).arg("-o").arg(&local));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&pulled), read_tree(&local));
    assert_eq!(read_tree(&by_digest), read_tree(&local));
}

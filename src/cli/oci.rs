//! `galley pull oci://… -o DIR`, `galley verify DIR|oci://…`, and the push behind
//! `galley bundle -o oci://…`. See `docs/oci.md`.

use super::{emit, usage_error};
use crate::diag::{Code, Diagnostic};
use crate::oci::{self, ErrorKind, Files, Reference, Transport, attest};
use camino::Utf8PathBuf;
use std::process::ExitCode;

/// How to reach a registry (shared by bundle, pull and verify).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RegistryArgs {
    /// Talk to the registry over plain HTTP (a registry without TLS)
    #[arg(long)]
    pub plain_http: bool,
    /// Accept the registry's TLS certificate without checking it (a self-signed one)
    #[arg(long)]
    pub insecure_tls: bool,
    /// Trust the CA certificates in this PEM file (a registry with a private CA) instead of
    /// the built-in web roots
    #[arg(long, value_name = "CA.pem")]
    pub ca_file: Option<Utf8PathBuf>,
}

impl RegistryArgs {
    pub fn transport(&self) -> Transport {
        Transport {
            plain_http: self.plain_http,
            insecure_tls: self.insecure_tls,
            ca_file: self.ca_file.clone(),
        }
    }

    pub fn any(&self) -> bool {
        self.plain_http || self.insecure_tls || self.ca_file.is_some()
    }
}

#[derive(clap::Args, Debug)]
pub struct PullArgs {
    /// The artifact: `oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]` (tag: galley's version)
    #[arg(value_name = "REFERENCE")]
    reference: String,
    /// The directory to write; refused when it exists and is not empty, unless --force
    #[arg(long, short = 'o', value_name = "DIR")]
    output: Utf8PathBuf,
    /// Replace an output directory galley wrote earlier (one holding `.galley-output`)
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    registry: RegistryArgs,
    /// The most bytes the artifact may have, compressed or unpacked (suffix K, M or G for
    /// KiB, MiB, GiB)
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    max_size: u64,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// A bundle directory, or an artifact `oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]`
    #[arg(value_name = "DIR|REFERENCE")]
    bundle: String,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Also check the bundle's attestation: signed by this Ed25519 public key (PEM), its
    /// subjects exactly the bundle's files
    #[arg(long, value_name = "PUB.pem")]
    key: Option<Utf8PathBuf>,
    /// The most bytes an artifact may have, compressed or unpacked (suffix K, M or G)
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    max_size: u64,
}

/// `512M`, `1G`, `4096`: a byte count.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("`{text}`: the unit must be K, M or G")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{text}` is not a size such as `512M`, `2G` or `65536`"))
}

/// Exit for an OCI failure: 1 for what the registry sent, 2 for usage or an unreachable one.
pub(crate) fn fail(e: &oci::Error) -> ExitCode {
    let (code, exit) = match e.kind {
        ErrorKind::Content => (Code::OciContent, 1),
        ErrorKind::Usage => (Code::OciRegistry, 2),
    };
    super::fail::fail(&super::fail::from_text(code, &e.to_string()), exit)
}

/// Push a built bundle for `bundle -o oci://…`, printing the pinned reference on stdout.
pub fn push(reference: &Reference, files: Files, registry: RegistryArgs) -> ExitCode {
    let count = files.files.len();
    let started = std::time::Instant::now();
    match oci::push(
        reference,
        &files,
        &registry.transport(),
        env!("CARGO_PKG_VERSION"),
    ) {
        Ok(pinned) => {
            emit(&format!("{pinned}\n"));
            eprintln!(
                "pushed a bundle of {count} files to {} in {:.1}s",
                reference.registry,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

pub fn pull(args: PullArgs) -> ExitCode {
    let reference = match Reference::parse(&args.reference) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let files = match oci::pull(
        &reference,
        &args.registry.transport(),
        env!("CARGO_PKG_VERSION"),
        args.max_size,
    ) {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    let target = crate::write::Target {
        dir: &args.output,
        force: args.force,
        inputs: Vec::new(),
    };
    if let Err(e) = crate::write::write_tree(&target, &files.files, &files.executable) {
        return usage_error(Code::IoWrite, e);
    }
    eprintln!(
        "pulled {} files to {}; `galley verify {}` checks them against checksums.txt",
        files.files.len(),
        args.output,
        args.output
    );
    ExitCode::SUCCESS
}

/// Sign `files` for `bundle --attest --signing-key KEY`: the envelope becomes a file.
pub fn attest(
    files: &mut Files,
    key: &camino::Utf8Path,
    plan: &crate::bundle::Plan,
    deployer: crate::bundle::Deployer,
) -> Result<(), ExitCode> {
    let pem = std::fs::read_to_string(key).map_err(|e| {
        usage_error(
            Code::AttestKey,
            format!("cannot read the signing key `{key}`: {e}"),
        )
    })?;
    let signing = attest::signing_key(&pem)
        .map_err(|e| usage_error(Code::AttestKey, format!("`{key}`: {e}")))?;
    let criteria = crate::bundle::criteria_lines(&plan.recipe);
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let provenance = attest::Provenance {
        fingerprint: &plan.recipe.fingerprint,
        criteria: &criteria,
        deployer: deployer.as_str(),
        arguments: &arguments,
    };
    let statement = attest::statement(files, &provenance);
    let envelope = attest::envelope(&statement, &signing);
    files
        .files
        .insert(attest::ATTESTATION.to_string(), envelope);
    Ok(())
}

/// The public key `verify --key` checks with.
fn public_key(path: &camino::Utf8Path) -> Result<ed25519_dalek::VerifyingKey, ExitCode> {
    let pem = std::fs::read_to_string(path).map_err(|e| {
        usage_error(
            Code::AttestKey,
            format!("cannot read the key `{path}`: {e}"),
        )
    })?;
    attest::verifying_key(&pem).map_err(|e| usage_error(Code::AttestKey, format!("`{path}`: {e}")))
}

pub fn verify(args: VerifyArgs) -> ExitCode {
    let key = match args.key.as_deref().map(public_key).transpose() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let loaded = if args.bundle.starts_with("oci://") {
        Reference::parse(&args.bundle).and_then(|r| {
            oci::pull(
                &r,
                &args.registry.transport(),
                env!("CARGO_PKG_VERSION"),
                args.max_size,
            )
        })
    } else if args.registry.any() {
        return usage_error(
            Code::UsageConflict,
            "`--plain-http`, `--insecure-tls` and `--ca-file` apply to an `oci://` reference, not to a directory",
        );
    } else {
        oci::verify::read_dir(camino::Utf8Path::new(&args.bundle))
    };
    let files = match loaded {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    let mut problems = oci::verify::check(&files);
    let attested = files.files.contains_key(attest::ATTESTATION);
    match &key {
        Some(k) => problems.extend(attest::check(&files, k)),
        None if attested => eprintln!(
            "note: `{}` is not checked: give `--key PUB.pem` to check its signature",
            attest::ATTESTATION
        ),
        None => {}
    }
    if problems.is_empty() {
        let listed = files
            .files
            .keys()
            .filter(|p| {
                ![
                    oci::verify::CHECKSUMS,
                    crate::write::MARKER,
                    attest::ATTESTATION,
                ]
                .contains(&p.as_str())
            })
            .count();
        let signed = key
            .map(|k| format!("; attestation signed by key {}", attest::key_id(&k)))
            .unwrap_or_default();
        emit(&format!(
            "verified {}: {listed} files match checksums.txt{signed}\n",
            args.bundle
        ));
        return ExitCode::SUCCESS;
    }
    for p in &problems {
        super::report(&Diagnostic::error(Code::VerifyMismatch, p.to_string()));
    }
    let summary = format!(
        "`{}` failed verification ({} problem{})",
        args.bundle,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    super::fail::fail(&Diagnostic::error(Code::VerifyMismatch, summary), 1)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "0", "M", "12X", "-1", "99999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}

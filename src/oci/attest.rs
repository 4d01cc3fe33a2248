//! Bundle attestations: an in-toto v1 Statement (subjects: every bundle file with its sha256;
//! predicate: SLSA provenance v1) in a DSSE envelope signed with an Ed25519 key (PKCS#8 PEM).
//! Ed25519 signatures are deterministic, so a signed bundle stays byte-reproducible. The
//! envelope is a file of the bundle, [`ATTESTATION`], outside `checksums.txt` (it signs it).

use super::Files;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where the envelope goes in the bundle.
pub const ATTESTATION: &str = "attestation/bundle.intoto.dsse.json";
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PROVENANCE_TYPE: &str = "https://slsa.dev/provenance/v1";
pub const BUILD_TYPE: &str = "https://galley.dev/bundle/v1";

/// What the provenance says about the build.
pub struct Provenance<'a> {
    pub fingerprint: &'a str,
    pub criteria: &'a [(String, String)],
    pub deployer: &'a str,
    /// The command's arguments after `galley` (the command's inputs).
    pub arguments: &'a [String],
}

/// A signing key read from a PKCS#8 PEM file.
pub fn signing_key(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| {
        format!("not an Ed25519 private key in PKCS#8 PEM ({e})\nhelp: make one with `openssl genpkey -algorithm ed25519 -out key.pem`")
    })
}

/// A public key read from a PEM file (`-----BEGIN PUBLIC KEY-----`).
pub fn verifying_key(pem: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem).map_err(|e| {
        format!("not an Ed25519 public key in PEM ({e})\nhelp: `openssl pkey -in key.pem -pubout -out key.pub.pem` gives the public half")
    })
}

/// The key's id: the sha256 of its DER SubjectPublicKeyInfo, in hex.
#[allow(clippy::expect_used)] // a VerifyingKey is a valid point; its DER encoding cannot fail
pub fn key_id(key: &VerifyingKey) -> String {
    let der = key.to_public_key_der().expect("DER of a valid key");
    super::digest_of(der.as_bytes())[7..].to_string()
}

/// The in-toto Statement over `files` (every file but the attestation itself).
#[allow(clippy::expect_used)] // a `json!` value (string keys only) always serializes
pub fn statement(files: &Files, p: &Provenance<'_>) -> Vec<u8> {
    let subject: Vec<Value> = files
        .files
        .iter()
        .filter(|(path, _)| *path != ATTESTATION)
        .map(|(path, bytes)| json!({"name": path, "digest": {"sha256": &super::digest_of(bytes)[7..]}}))
        .collect();
    let criteria: serde_json::Map<String, Value> = p
        .criteria
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let doc = json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": PROVENANCE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "criteria": criteria,
                    "deployer": p.deployer,
                    "arguments": p.arguments,
                },
                "internalParameters": {
                    "recipeFingerprint": p.fingerprint,
                    "toolVersion": env!("CARGO_PKG_VERSION"),
                },
            },
            "runDetails": {
                "builder": {
                    "id": concat!("https://galley.dev/galley@", env!("CARGO_PKG_VERSION")),
                },
            },
        },
    });
    serde_json::to_vec(&doc).expect("JSON of plain values")
}

/// DSSE's pre-authentication encoding of a payload.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The DSSE envelope of `statement`, signed with `key`, as pretty JSON.
#[allow(clippy::expect_used)] // a `json!` value (string keys only) always serializes
pub fn envelope(statement: &[u8], key: &SigningKey) -> Vec<u8> {
    let sig = key.sign(&pae(PAYLOAD_TYPE, statement));
    let doc = json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": STANDARD.encode(statement),
        "signatures": [{
            "keyid": key_id(&key.verifying_key()),
            "sig": STANDARD.encode(sig.to_bytes()),
        }],
    });
    let mut out = serde_json::to_vec_pretty(&doc).expect("JSON of plain values");
    out.push(b'\n');
    out
}

/// Check the bundle's envelope against `key`: a signature by it over the payload, and the
/// subjects exactly the bundle's files (the marker and the envelope aside) with their
/// digests. Problems, one line each; empty when it verifies.
pub fn check(files: &Files, key: &VerifyingKey) -> Vec<String> {
    let Some(bytes) = files.files.get(ATTESTATION) else {
        return vec![format!(
            "`{ATTESTATION}` is missing: the bundle is not attested (`galley bundle --attest --signing-key KEY.pem`)"
        )];
    };
    let statement = match signed_payload(bytes, key) {
        Ok(s) => s,
        Err(e) => return vec![format!("`{ATTESTATION}`: {e}")],
    };
    match subjects(&statement) {
        Ok(listed) => compare(files, &listed),
        Err(e) => vec![format!("`{ATTESTATION}`: {e}")],
    }
}

fn signed_payload(bytes: &[u8], key: &VerifyingKey) -> Result<Vec<u8>, String> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
    if doc["payloadType"] != PAYLOAD_TYPE {
        return Err(format!("the payload type is not `{PAYLOAD_TYPE}`"));
    }
    let payload = doc["payload"]
        .as_str()
        .and_then(|p| STANDARD.decode(p).ok())
        .ok_or("the envelope has no base64 `payload`")?;
    let id = key_id(key);
    let sigs = doc["signatures"].as_array().cloned().unwrap_or_default();
    let message = pae(PAYLOAD_TYPE, &payload);
    let good = sigs.iter().any(|s| {
        s["keyid"].as_str().is_none_or(|k| k == id)
            && s["sig"]
                .as_str()
                .and_then(|b| STANDARD.decode(b).ok())
                .and_then(|b| Signature::from_slice(&b).ok())
                .is_some_and(|sig| key.verify(&message, &sig).is_ok())
    });
    if !good {
        return Err(format!(
            "no valid signature by the given key (key id {id}; the envelope has {} signature{})",
            sigs.len(),
            if sigs.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(payload)
}

fn subjects(statement: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let doc: Value =
        serde_json::from_slice(statement).map_err(|e| format!("the statement is not JSON: {e}"))?;
    if doc["_type"] != STATEMENT_TYPE {
        return Err(format!(
            "the statement is not an in-toto `{STATEMENT_TYPE}`"
        ));
    }
    let mut out = BTreeMap::new();
    for s in doc["subject"]
        .as_array()
        .ok_or("the statement has no subjects")?
    {
        let (Some(name), Some(hex)) = (s["name"].as_str(), s["digest"]["sha256"].as_str()) else {
            return Err("a subject has no `name` or `digest.sha256`".into());
        };
        out.insert(name.to_string(), hex.to_string());
    }
    Ok(out)
}

fn compare(files: &Files, listed: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, hex) in listed {
        match files.files.get(name) {
            None => problems.push(format!("`{name}`: attested but missing")),
            Some(b) if super::digest_of(b)[7..] != *hex => {
                problems.push(format!("`{name}`: sha256 differs from the attested one"));
            }
            Some(_) => {}
        }
    }
    for path in files.files.keys() {
        let exempt = path == ATTESTATION || path == crate::write::MARKER;
        if !exempt && !listed.contains_key(path) {
            problems.push(format!("`{path}`: not attested"));
        }
    }
    problems
}

#[cfg(test)]
mod tests;

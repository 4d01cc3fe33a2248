use super::*;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn bundle() -> Files {
    let mut f = Files::default();
    f.files.insert("README.md".into(), b"hi\n".to_vec());
    f.files.insert("checksums.txt".into(), b"sums\n".to_vec());
    f
}

fn signed(files: &mut Files, k: &SigningKey) {
    let args = vec!["bundle".to_string(), "-o".to_string(), "out".to_string()];
    let criteria = vec![("service".to_string(), "eks".to_string())];
    let p = Provenance {
        fingerprint: "abc",
        criteria: &criteria,
        deployer: "helm",
        arguments: &args,
    };
    let env = envelope(&statement(files, &p), k);
    files.files.insert(ATTESTATION.into(), env);
}

#[test]
fn a_signed_bundle_verifies_and_signing_is_deterministic() {
    let mut a = bundle();
    signed(&mut a, &key(7));
    let mut b = bundle();
    signed(&mut b, &key(7));
    assert_eq!(a.files[ATTESTATION], b.files[ATTESTATION]);
    assert_eq!(check(&a, &key(7).verifying_key()), Vec::<String>::new());
    a.files.insert(crate::write::MARKER.into(), b"x".to_vec());
    assert_eq!(check(&a, &key(7).verifying_key()), Vec::<String>::new());
}

#[test]
fn another_key_a_tampered_payload_or_changed_files_fail() {
    let mut a = bundle();
    signed(&mut a, &key(7));
    let p = check(&a, &key(8).verifying_key());
    assert!(
        p[0].contains("no valid signature by the given key"),
        "{p:?}"
    );

    let mut t = a.clone();
    let mut env: Value = serde_json::from_slice(&t.files[ATTESTATION]).unwrap();
    let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let forged = String::from_utf8(payload).unwrap().replace("abc", "xyz");
    env["payload"] = Value::String(STANDARD.encode(forged));
    t.files
        .insert(ATTESTATION.into(), serde_json::to_vec(&env).unwrap());
    assert!(check(&t, &key(7).verifying_key())[0].contains("no valid signature"));

    let mut c = a.clone();
    c.files.insert("README.md".into(), b"changed".to_vec());
    c.files.remove("checksums.txt");
    c.files.insert("extra".into(), Vec::new());
    let p = check(&c, &key(7).verifying_key());
    assert_eq!(
        p,
        vec![
            "`README.md`: sha256 differs from the attested one",
            "`checksums.txt`: attested but missing",
            "`extra`: not attested",
        ]
    );
    let mut none = bundle();
    none.files.remove(ATTESTATION);
    assert!(check(&none, &key(7).verifying_key())[0].contains("is missing"));
}

#[test]
fn the_envelope_is_dsse_over_an_in_toto_statement() {
    let mut a = bundle();
    signed(&mut a, &key(7));
    let env: Value = serde_json::from_slice(&a.files[ATTESTATION]).unwrap();
    assert_eq!(env["payloadType"], PAYLOAD_TYPE);
    assert_eq!(
        env["signatures"][0]["keyid"],
        key_id(&key(7).verifying_key())
    );
    let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let st: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(st["_type"], STATEMENT_TYPE);
    assert_eq!(st["predicateType"], PROVENANCE_TYPE);
    assert_eq!(st["subject"].as_array().unwrap().len(), 2);
    assert_eq!(
        st["predicate"]["buildDefinition"]["internalParameters"]["recipeFingerprint"],
        "abc"
    );
    assert_eq!(pae("t", b"ab"), b"DSSEv1 1 t 2 ab");
}

#[test]
fn keys_come_from_pkcs8_pem_and_garbage_is_refused() {
    let k = key(9);
    let pem = k.to_pkcs8_pem(LineEnding::LF).unwrap();
    assert_eq!(signing_key(&pem).unwrap().to_bytes(), k.to_bytes());
    let public = k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
    assert_eq!(verifying_key(&public).unwrap(), k.verifying_key());
    assert!(signing_key("nope").unwrap_err().contains("openssl genpkey"));
    assert!(verifying_key(&pem).unwrap_err().contains("public key"));
}

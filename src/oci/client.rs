//! A small OCI distribution client: blob HEAD/GET, monolithic upload (POST then PUT),
//! manifest GET/PUT, with basic auth and the bearer-token flow (a 401 carrying
//! `WWW-Authenticate: Bearer realm=…,service=…,scope=…`). Over `ureq`, synchronous.

use super::auth::{self, Credentials};
use super::manifest::MANIFEST_TYPE;
use super::{Error, Reference, Transport, digest_of};
use std::cell::RefCell;
use std::time::Duration;
use ureq::http::{Method, Request, Response};
use ureq::tls::{PemItem, RootCerts, TlsConfig, parse_pem};
use ureq::{Agent, Body};

/// The largest manifest or token answer galley reads (4 MiB, as the distribution registry).
const SMALL_LIMIT: u64 = 4 << 20;

/// One repository of one registry.
pub struct Client {
    agent: Agent,
    base: String,
    registry: String,
    repository: String,
    credentials: Option<Credentials>,
    /// The `Authorization` value that last worked (or that the last challenge asked for).
    authorization: RefCell<Option<String>>,
    /// `pull` or `pull,push`: what a token is asked for.
    actions: &'static str,
}

impl Client {
    pub fn new(reference: &Reference, transport: &Transport, push: bool) -> Result<Client, Error> {
        let tls = tls_config(transport)?;
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("galley/", env!("CARGO_PKG_VERSION")))
            .build();
        let scheme = if transport.plain_http {
            "http"
        } else {
            "https"
        };
        Ok(Client {
            agent: config.new_agent(),
            base: format!(
                "{scheme}://{}/v2/{}",
                reference.registry, reference.repository
            ),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            credentials: auth::lookup(&reference.registry),
            authorization: RefCell::new(None),
            actions: if push { "pull,push" } else { "pull" },
        })
    }

    /// Whether the registry has the blob `digest`.
    pub fn has_blob(&self, digest: &str) -> Result<bool, Error> {
        let url = format!("{}/blobs/{digest}", self.base);
        let resp = self.send(Method::HEAD, &url, &[], None, None)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.answered("checking blob", &url, resp)),
        }
    }

    /// Upload `bytes` as a blob unless the registry has it already.
    pub fn push_blob(&self, bytes: &[u8]) -> Result<(), Error> {
        let digest = digest_of(bytes);
        if self.has_blob(&digest)? {
            return Ok(());
        }
        let url = format!("{}/blobs/uploads/", self.base);
        let resp = self.send(Method::POST, &url, &[], None, None)?;
        if !resp.status().is_success() {
            return Err(self.answered("starting an upload", &url, resp));
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::content(format!(
                    "the registry `{}` started an upload without a `Location`",
                    self.registry
                ))
            })?;
        let put = self.upload_url(location, &digest);
        let resp = self.send(
            Method::PUT,
            &put,
            bytes,
            Some("application/octet-stream"),
            None,
        )?;
        if !resp.status().is_success() {
            return Err(self.answered("uploading a blob", &put, resp));
        }
        Ok(())
    }

    /// The PUT URL that completes an upload at `location` (absolute or a path).
    fn upload_url(&self, location: &str, digest: &str) -> String {
        let absolute = if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else {
            let origin = self.base.split("/v2/").next().unwrap_or_default();
            format!("{origin}{location}")
        };
        let sep = if absolute.contains('?') { '&' } else { '?' };
        format!("{absolute}{sep}digest={digest}")
    }

    /// Put `manifest` under `tag_or_digest`; returns its digest.
    pub fn push_manifest(&self, manifest: &[u8], tag_or_digest: &str) -> Result<String, Error> {
        let url = format!("{}/manifests/{tag_or_digest}", self.base);
        let resp = self.send(Method::PUT, &url, manifest, Some(MANIFEST_TYPE), None)?;
        if !resp.status().is_success() {
            return Err(self.answered("pushing the manifest", &url, resp));
        }
        Ok(digest_of(manifest))
    }

    /// The manifest bytes under `tag_or_digest`.
    pub fn manifest(&self, tag_or_digest: &str) -> Result<Vec<u8>, Error> {
        let url = format!("{}/manifests/{tag_or_digest}", self.base);
        let mut resp = self.send(Method::GET, &url, &[], None, Some(MANIFEST_TYPE))?;
        if resp.status().as_u16() != 200 {
            return Err(self.answered("fetching the manifest", &url, resp));
        }
        self.read_body(&mut resp, SMALL_LIMIT, "the manifest")
    }

    /// The blob `digest`, which the manifest says is `size` bytes: read no further than that,
    /// and checked against both.
    pub fn blob(&self, digest: &str, size: u64) -> Result<Vec<u8>, Error> {
        let url = format!("{}/blobs/{digest}", self.base);
        let mut resp = self.send(Method::GET, &url, &[], None, None)?;
        if resp.status().as_u16() != 200 {
            return Err(self.answered("fetching a blob", &url, resp));
        }
        let bytes = self.read_body(&mut resp, size, &format!("blob `{digest}`"))?;
        if bytes.len() as u64 != size {
            return Err(Error::content(format!(
                "blob `{digest}` is {} bytes, but the manifest says {size}",
                bytes.len()
            )));
        }
        let actual = digest_of(&bytes);
        if actual != digest {
            return Err(Error::content(format!(
                "blob `{digest}` does not match its digest: its bytes hash to `{actual}`\nhelp: the registry or something between it and galley altered the blob; do not use it"
            )));
        }
        Ok(bytes)
    }

    fn read_body(
        &self,
        resp: &mut Response<Body>,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, Error> {
        resp.body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::content(format!(
                    "{what} from `{}` is larger than the {limit} bytes expected",
                    self.registry
                )),
                e => Error::content(format!(
                    "reading {what} from `{}` failed: {e}",
                    self.registry
                )),
            })
    }

    /// Send a request, answering one authentication challenge.
    fn send(
        &self,
        method: Method,
        url: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
    ) -> Result<Response<Body>, Error> {
        let first = self.once(&method, url, body, content_type, accept)?;
        if first.status().as_u16() != 401 {
            return Ok(first);
        }
        let challenge = first
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        self.answer(&challenge)?;
        let second = self.once(&method, url, body, content_type, accept)?;
        if second.status().as_u16() == 401 {
            return Err(self.refused());
        }
        Ok(second)
    }

    fn once(
        &self,
        method: &Method,
        url: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
    ) -> Result<Response<Body>, Error> {
        let mut req = Request::builder().method(method.clone()).uri(url);
        if let Some(a) = self.authorization.borrow().as_deref() {
            req = req.header("Authorization", a);
        }
        if let Some(t) = content_type {
            req = req.header("Content-Type", t);
        }
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let req = req
            .body(body)
            .map_err(|e| Error::usage(format!("cannot make a request to `{url}`: {e}")))?;
        self.agent.run(req).map_err(|e| self.unreachable(url, &e))
    }

    /// Set the `Authorization` a challenge asks for.
    fn answer(&self, challenge: &str) -> Result<(), Error> {
        let lower = challenge.to_ascii_lowercase();
        let value = if lower.starts_with("basic") {
            let creds = self
                .credentials
                .as_ref()
                .ok_or_else(|| self.no_credentials())?;
            auth::basic(creds)
        } else if lower.starts_with("bearer") {
            format!("Bearer {}", self.token(challenge)?)
        } else {
            return Err(self.refused());
        };
        *self.authorization.borrow_mut() = Some(value);
        Ok(())
    }

    /// A token from the realm a bearer challenge names.
    fn token(&self, challenge: &str) -> Result<String, Error> {
        let params = challenge_params(&challenge[6..]);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let realm = get("realm").ok_or_else(|| {
            Error::content(format!(
                "the registry `{}` asked for a token without saying where to get one (no `realm`)",
                self.registry
            ))
        })?;
        if !realm.starts_with("https://") && !self.base.starts_with("http://") {
            return Err(Error::content(format!(
                "the registry `{}` asks galley to get a token from `{realm}`, which is not https; galley does not send credentials or tokens in the clear\nhelp: fix the registry's token realm, or use `--plain-http` for a registry that is plain HTTP throughout",
                self.registry
            )));
        }
        let scope = get("scope")
            .map(str::to_string)
            .unwrap_or_else(|| format!("repository:{}:{}", self.repository, self.actions));
        let mut url = format!("{realm}?scope={}", encode(&scope));
        if let Some(service) = get("service") {
            url.push_str(&format!("&service={}", encode(service)));
        }
        let mut req = Request::builder().method(Method::GET).uri(&url);
        if let Some(c) = &self.credentials {
            req = req.header("Authorization", auth::basic(c));
        }
        let req = req
            .body(())
            .map_err(|e| Error::content(format!("the token realm `{realm}` is not a URL: {e}")))?;
        let mut resp = self
            .agent
            .run(req)
            .map_err(|e| self.unreachable(&url, &e))?;
        if resp.status().as_u16() != 200 {
            return Err(self.answered("getting a token", realm, resp));
        }
        let body = self.read_body(&mut resp, SMALL_LIMIT, "the token")?;
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        doc["token"]
            .as_str()
            .or_else(|| doc["access_token"].as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                Error::content(format!("the token answer from `{realm}` holds no `token`"))
            })
    }

    fn no_credentials(&self) -> Error {
        Error::content(format!(
            "the registry `{}` asks for credentials and none are configured for it\nhelp: `docker login {}` (or put an `auths` entry in `$DOCKER_CONFIG/config.json` or `$REGISTRY_AUTH_FILE`)",
            self.registry, self.registry
        ))
    }

    fn refused(&self) -> Error {
        let help = if self.credentials.is_some() {
            "check the credentials for it in `$DOCKER_CONFIG/config.json` or `$REGISTRY_AUTH_FILE`"
        } else {
            "no credentials are configured for it; `docker login` it, or set `$REGISTRY_AUTH_FILE`"
        };
        Error::content(format!(
            "the registry `{}` refused access to `{}` (401 Unauthorized)\nhelp: {help}",
            self.registry, self.repository
        ))
    }

    fn unreachable(&self, url: &str, e: &ureq::Error) -> Error {
        Error::usage(format!(
            "cannot reach the registry `{}` ({url}): {e}\nhelp: check the address; a registry without TLS needs `--plain-http`, one with a certificate from a private CA `--ca-file CA.pem` (or `--insecure-tls`)",
            self.registry
        ))
    }

    /// What the registry answered, for a diagnostic: the status and the first error message.
    fn answered(&self, doing: &str, url: &str, mut resp: Response<Body>) -> Error {
        let status = resp.status();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 10)
            .read_to_vec()
            .unwrap_or_default();
        let detail = registry_message(&body);
        Error::content(format!(
            "the registry `{}` answered {status} when {doing} ({url}){detail}",
            self.registry
        ))
    }
}

/// Verification off (`--insecure-tls`), or the roots of `--ca-file`, or the built-in web roots.
fn tls_config(transport: &Transport) -> Result<TlsConfig, Error> {
    let mut builder = TlsConfig::builder().disable_verification(transport.insecure_tls);
    if let Some(path) = &transport.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| Error::usage(format!("cannot read `--ca-file {path}`: {e}")))?;
        let certs: Vec<_> = parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(Error::usage(format!(
                "`--ca-file {path}` holds no PEM certificate\nhelp: give the registry's CA certificate (`-----BEGIN CERTIFICATE-----`)"
            )));
        }
        builder = builder.root_certs(RootCerts::new_with_certs(&certs));
    }
    Ok(builder.build())
}

/// `: CODE: message` from an OCI error body, or nothing.
fn registry_message(body: &[u8]) -> String {
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let first = &doc["errors"][0];
    match (first["code"].as_str(), first["message"].as_str()) {
        (Some(code), Some(msg)) => format!(": {code}: {msg}"),
        (Some(code), None) => format!(": {code}"),
        _ => String::new(),
    }
}

/// `key="value",key=value` pairs of a challenge.
fn challenge_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((v, t)) => (v, t),
                None => (quoted, ""),
            }
        } else {
            match after.split_once(',') {
                Some((v, t)) => (v, t),
                None => (after, ""),
            }
        };
        out.push((key, value.to_string()));
        rest = tail.trim_start_matches(',').trim();
    }
    out
}

/// Percent-encode a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(
            p,
            vec![
                ("realm".into(), "https://auth.example/token".into()),
                ("service".into(), "registry.example".into()),
                ("scope".into(), "repository:a/b:pull,push".into()),
            ]
        );
        assert_eq!(
            encode("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }

    #[test]
    fn a_token_realm_without_tls_is_refused_for_a_tls_registry() {
        let r = Reference::parse("oci://reg.example/a/b:t").unwrap();
        let c = Client::new(&r, &Transport::default(), false).unwrap();
        let e = c
            .token(r#"Bearer realm="http://127.0.0.1:9/token",service="x""#)
            .unwrap_err();
        assert!(e.message.contains("which is not https"), "{}", e.message);
        let e = c.token(r#"Bearer service="x""#).unwrap_err();
        assert!(e.message.contains("no `realm`"), "{}", e.message);
    }

    #[test]
    fn reports_registry_error_bodies() {
        let body = br#"{"errors":[{"code":"DENIED","message":"no push"}]}"#;
        assert_eq!(registry_message(body), ": DENIED: no push");
        assert_eq!(registry_message(b"<html>"), "");
    }
}

//! Registry credentials from the files Docker, Podman and ORAS share: `REGISTRY_AUTH_FILE`,
//! then `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`), each an `auths` map from
//! registry to `{"auth": base64("user:password")}` (or `username` and `password`).
//! Credential helpers (`credsStore`, `credHelpers`) are not run.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use camino::Utf8PathBuf;
use serde_json::Value;

/// A user name and password for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.username)
    }
}

/// The files to look in, in order.
fn files() -> Vec<Utf8PathBuf> {
    let mut out = Vec::new();
    if let Ok(p) = std::env::var("REGISTRY_AUTH_FILE") {
        out.push(Utf8PathBuf::from(p));
    }
    if let Ok(d) = std::env::var("DOCKER_CONFIG") {
        out.push(Utf8PathBuf::from(d).join("config.json"));
    } else if let Ok(h) = std::env::var("HOME") {
        out.push(Utf8PathBuf::from(h).join(".docker/config.json"));
    }
    out
}

/// The credentials for `registry` (`host[:port]`), from the first file that has them. A
/// file that cannot be read or parsed is skipped with a warning naming it.
pub fn lookup(registry: &str) -> Option<Credentials> {
    files().into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let doc: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("warning: ignoring credentials file `{path}`: not JSON ({e})");
                return None;
            }
        };
        from_doc(&doc, registry)
    })
}

/// The entry for `registry` in one parsed file.
pub fn from_doc(doc: &Value, registry: &str) -> Option<Credentials> {
    let auths = doc.get("auths")?.as_object()?;
    let entry = auths.iter().find_map(|(key, v)| {
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        (host == registry).then_some(v)
    })?;
    if let Some(encoded) = entry.get("auth").and_then(Value::as_str) {
        let decoded = STANDARD.decode(encoded.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, pass) = text.split_once(':')?;
        return Some(Credentials {
            username: user.to_string(),
            password: pass.to_string(),
        });
    }
    let user = entry.get("username")?.as_str()?;
    let pass = entry.get("password")?.as_str()?;
    Some(Credentials {
        username: user.to_string(),
        password: pass.to_string(),
    })
}

/// The `Authorization` value for basic auth.
pub fn basic(c: &Credentials) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", c.username, c.password))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_auth_by_host_with_or_without_scheme() {
        let doc: Value = serde_json::from_str(
            r#"{"auths":{
                "https://reg.example:5000/v1/":{"auth":"dXNlcjpwYTpzcw=="},
                "other.example":{"username":"u","password":"p"}}}"#,
        )
        .unwrap();
        let c = from_doc(&doc, "reg.example:5000").unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("user", "pa:ss")
        );
        let c = from_doc(&doc, "other.example").unwrap();
        assert_eq!(basic(&c), "Basic dTpw");
        assert!(from_doc(&doc, "reg.example").is_none());
        assert!(format!("{c:?}").contains("***"));
    }
}

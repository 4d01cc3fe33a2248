//! What a recipe-derived string must look like before it reaches a file name, a YAML
//! document or a shell script. A recipe may come from anywhere (`-r FILE`), so every field
//! is checked here even when `galley check` already checked the library it came from; the
//! scripts quote every value as well, so these rules are the second line, not the only one.

/// A DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric.
pub fn dns_label(s: &str, max: usize) -> Result<(), String> {
    let b = s.as_bytes();
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > max {
        return Err(format!("it is longer than {max} characters"));
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    {
        return Err("only lowercase letters, digits and `-` are allowed".into());
    }
    if b[0] == b'-' || b[b.len() - 1] == b'-' {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A chart name: letters, digits, `-`, `_`, `.`; no path separators.
pub fn chart_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 250
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && !s.contains("..");
    if ok {
        Ok(())
    } else {
        Err("a chart name has letters, digits, `-`, `_` and `.` only".into())
    }
}

/// A chart version or tag: letters, digits, `.`, `-`, `+`, `_`, starting alphanumeric.
pub fn version(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'_'));
    if ok {
        Ok(())
    } else {
        Err("a version has letters, digits, `.`, `-`, `+` and `_` only".into())
    }
}

/// A chart repository or Kustomize source: `https://`, `http://` or `oci://`, a host
/// (letters, digits, `.`, `-`, an optional port) and a path of plain segments.
pub fn source_url(s: &str) -> Result<(), String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err("it is not a URL (expected https://, http:// or oci://)".into());
    };
    if !matches!(scheme, "https" | "http" | "oci") {
        return Err(format!("scheme `{scheme}` is not https, http or oci"));
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let host_ok = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        && !name.starts_with(['.', '-'])
        && port.bytes().all(|c| c.is_ascii_digit())
        && (port.is_empty() != host.contains(':'));
    if !host_ok {
        return Err(format!("host `{host}` is not a plain host name"));
    }
    let path = path.strip_suffix('/').unwrap_or(path);
    if !path.is_empty()
        && !path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'~'))
        })
    {
        return Err(format!(
            "path `/{path}` may hold letters, digits, `.`, `-`, `_` and `~` only"
        ));
    }
    Ok(())
}

/// How a `--repo` URL is written; the deployers take different sets of forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepoForm {
    /// `https://host/path` or `http://host/path`.
    Http,
    /// `ssh://[user@]host[:port]/path`.
    Ssh,
    /// The scp-like `git@host:path`.
    Scp,
}

/// A Git repository URL for `--repo`: `https://`/`http://`, `ssh://` or `git@host:path`,
/// with a plain host and path.
pub fn repo_url(s: &str) -> Result<RepoForm, String> {
    if let Some(rest) = s.strip_prefix("ssh://") {
        let rest = rest.split_once('@').map_or(rest, |(user, rest)| {
            if user.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                rest
            } else {
                "\u{0}"
            }
        });
        return source_url(&format!("https://{rest}"))
            .map(|()| RepoForm::Ssh)
            .map_err(|e| format!("{e} (in an ssh:// URL)"));
    }
    if let Some(rest) = s.strip_prefix("git@") {
        let (host, path) = rest.split_once(':').ok_or("a git@ URL is git@host:path")?;
        return source_url(&format!("https://{host}/{path}")).map(|()| RepoForm::Scp);
    }
    if s.starts_with("oci://") {
        return Err("`oci://` is an OCI registry, not a Git repository".into());
    }
    source_url(s).map(|()| RepoForm::Http)
}

/// The `ssh://` spelling of a scp-like `git@host:path` URL.
pub fn scp_as_ssh(s: &str) -> Option<String> {
    let (host, path) = s.strip_prefix("git@")?.split_once(':')?;
    Some(format!("ssh://git@{host}/{}", path.trim_start_matches('/')))
}

/// A path inside a Kustomize source: plain relative segments.
pub fn rel_path(s: &str) -> Result<(), String> {
    crate::data::validate_relative(s).map_err(|e| e.to_string())?;
    if s.split('/').all(|seg| {
        seg.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    }) {
        Ok(())
    } else {
        Err("a path may hold letters, digits, `.`, `-` and `_` only".into())
    }
}

/// Single-quote a string for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as one Markdown code span that shows it literally: control characters (line breaks,
/// tabs) are written as escapes (`\n`), and the fence is one backtick longer than the longest
/// run of backticks inside, padded with a space where CommonMark would strip one.
pub fn md_code(s: &str) -> String {
    let text: String = s
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let edge_space = text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty();
    let pad = if text.is_empty() || text.starts_with('`') || text.ends_with('`') || edge_space {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_namespaces() {
        assert!(dns_label("gpu-operator", 53).is_ok());
        for bad in [
            "", "Gpu", "a_b", "-a", "a-", "a;rm", "a/b", "a b", "a$(x)", "é",
        ] {
            assert!(dns_label(bad, 53).is_err(), "{bad}");
        }
        assert!(dns_label(&"a".repeat(54), 53).is_err());
    }

    #[test]
    fn versions_and_charts() {
        for ok in ["v25.3.3", "0.13.0", "1.2.3-rc.1+build_5"] {
            assert!(version(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1.0;rm -rf /", "$(id)", "1 0", "../x", "`x`", "-v"] {
            assert!(version(bad).is_err(), "{bad}");
        }
        assert!(chart_name("gpu-operator").is_ok());
        assert!(chart_name("nvidia/gpu-operator").is_err());
        assert!(chart_name("..").is_err());
    }

    #[test]
    fn urls() {
        for ok in [
            "https://helm.ngc.nvidia.com/nvidia",
            "oci://ghcr.io/nvidia/kai-scheduler",
            "https://example.com:8443/charts/",
            "http://localhost",
        ] {
            assert!(source_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x",
            "https://",
            "https://x/a b",
            "https://x/$(id)",
            "https://x/;rm",
            "https://x/../y",
            "https://x'y",
            "https://x:y/z",
            "helm.ngc.nvidia.com",
        ] {
            assert!(source_url(bad).is_err(), "{bad}");
        }
        assert!(repo_url("git@github.com:org/repo.git").is_ok());
        assert!(repo_url("ssh://git@github.com/org/repo.git").is_ok());
        assert!(repo_url("https://github.com/org/repo.git").is_ok());
        assert!(repo_url("oci://x/y").is_err());
        assert_eq!(repo_url("git@github.com:org/repo.git"), Ok(RepoForm::Scp));
        assert_eq!(repo_url("ssh://github.com/org/repo.git"), Ok(RepoForm::Ssh));
        assert_eq!(
            repo_url("http://git.local:8080/org/repo"),
            Ok(RepoForm::Http)
        );
        assert_eq!(
            scp_as_ssh("git@github.com:org/repo.git").as_deref(),
            Some("ssh://git@github.com/org/repo.git")
        );
        assert!(repo_url("git@github.com:org/$(id)").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
    }

    #[test]
    fn code_spans_hold_any_text_on_one_line() {
        assert_eq!(md_code("K8s.server.version"), "`K8s.server.version`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x``"), "``` `x`` ```");
        assert_eq!(md_code(">= 1\n# hi"), "`>= 1\\n# hi`");
        assert_eq!(md_code(" a "), "`  a  `");
        assert_eq!(md_code(""), "`  `");
        assert!(!md_code("a\r\nb\tc\u{7}").contains(['\n', '\r', '\t', '\u{7}']));
    }
}

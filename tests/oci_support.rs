//! Helpers for the OCI tests: the CNCF distribution registry (`docker-registry`) on a free
//! port, a plain HTTP/1.1 client independent of galley's, and a scripted fake registry.

use crate::support::TempDir;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `docker-registry`, stopped and its storage removed when dropped.
pub struct Registry {
    child: Child,
    pub addr: String,
    dir: TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// The registry's own directory (configuration, certificates, storage).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Start one on 127.0.0.1, or `None` (with SKIPPED) when the binary is missing and
    /// `GALLEY_REQUIRE_TOOLS` is not `1`.
    pub fn start() -> Option<Registry> {
        Registry::start_with(|_| String::new())
    }

    /// Whether `tool` runs; `false` (with SKIPPED) when missing and `GALLEY_REQUIRE_TOOLS`
    /// is not `1`.
    pub fn tool(tool: &str, probe: &str) -> bool {
        let found = Command::new(tool)
            .arg(probe)
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
            assert!(!required, "GALLEY_REQUIRE_TOOLS=1 but `{tool}` is missing");
            eprintln!("SKIPPED: `{tool}` is not installed (`make tools-min` installs it as root)");
        }
        found
    }

    /// Start one with more configuration (`extra(dir)` appends YAML under `http:` first,
    /// then top-level keys; see callers), waiting until its port accepts connections.
    pub fn start_with(extra: impl Fn(&Path) -> String) -> Option<Registry> {
        if !Registry::tool("docker-registry", "--version") {
            return None;
        }
        let dir = TempDir::new("registry");
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        let storage = dir.path().join("storage");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n{}",
                storage.display(),
                extra(dir.path())
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(&registry.addr).is_ok() {
                return Some(registry);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("docker-registry did not answer on {}", registry.addr);
    }
}

/// A port nothing listens on (just now).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// A plain HTTP/1.1 GET (no galley code), reading to the end of the connection.
pub fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut body = Vec::new();
    match headers
        .get("content-length")
        .and_then(|n| n.parse::<u64>().ok())
    {
        Some(n) => {
            reader.take(n).read_to_end(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

pub use crate::support::read_tree;

/// One request the fake registry got.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
}

/// What the fake registry sends back.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Say `Content-Length: declared`, send `body` (shorter), close.
    Truncated { declared: usize, body: Vec<u8> },
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A scripted registry on a free port; returns its address and the requests it saw. The
/// thread lives as long as the test process.
pub fn fake_registry(handler: Box<Handler>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let handler: Arc<Handler> = Arc::from(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (log, handler) = (log.clone(), handler.clone());
            std::thread::spawn(move || serve(stream, &log, &*handler));
        }
    });
    (addr, seen)
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len = headers
            .get("content-length")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        let mut body = Vec::new();
        let _ = (&mut reader).take(len).read_to_end(&mut body);
        let req = Seen {
            method,
            path,
            headers,
        };
        log.lock().unwrap().push(req.clone());
        match handler(&req) {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = out.write_all(head.as_bytes());
                if req.method != "HEAD" {
                    let _ = out.write_all(&body);
                }
            }
            Reply::Truncated { declared, body } => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
                let _ = out.write_all(head.as_bytes());
                let _ = out.write_all(&body);
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
    }
}

/// A Python that imports `modules`: `GALLEY_PYTHON`, else the tools venv's
/// (`$GALLEY_TOOLS/venv/bin/python`, `GALLEY_TOOLS` defaulting to `.tools`, where
/// `make tools` installs securesystemslib and oras); `None` with SKIPPED when it lacks them
/// and `GALLEY_REQUIRE_TOOLS` is not `1`.
pub fn tools_python(modules: &str) -> Option<std::path::PathBuf> {
    let python = std::env::var_os("GALLEY_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("GALLEY_TOOLS")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| crate::support::root().join(".tools"))
                .join("venv/bin/python")
        });
    let ok = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "GALLEY_REQUIRE_TOOLS=1 but Python lacks {modules}"
    );
    eprintln!("SKIPPED: {modules} not in .tools/venv (`make tools` installs it)");
    None
}

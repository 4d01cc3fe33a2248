//! A small WebDriver client for the explorer's browser tests: Debian's `chromium` driven by
//! `chromedriver` over HTTP (W3C WebDriver), headless, with a fresh profile and download
//! folder in a temporary directory. The guard ends the session and kills the driver (and
//! with its process group, the browser) when a test ends, failed or not.

use crate::serve_support::agent;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One browser at a time: the machines that run the tests have few cores.
pub static ONE_BROWSER: Mutex<()> = Mutex::new(());

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const TAB: &str = "\u{e004}";
pub const ENTER: &str = "\u{e007}";
pub const ARROW_DOWN: &str = "\u{e015}";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    /// The profile and the downloads, removed on drop.
    pub dir: PathBuf,
}

/// A program on `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

impl Browser {
    /// `None` (after saying SKIPPED, or failing under `GALLEY_REQUIRE_TOOLS=1`) when chromium
    /// or chromedriver is not installed.
    pub fn start() -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver"))
        else {
            crate::support::tool_missing(
                "chromium or chromedriver",
                "apt-get install chromium chromium-driver, or `make tools-min` as root",
            );
            return None;
        };
        let dir = std::env::temp_dir().join(format!(
            "galley-ui-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos() ^ rand_word()
        ));
        std::fs::create_dir_all(dir.join("downloads")).expect("a temporary directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut cmd = Command::new(chromedriver);
        cmd.arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().expect("chromedriver starts");
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            dir,
        };
        browser.wait_for_driver();
        browser.session = browser.new_session(&chromium);
        Some(browser)
    }

    fn wait_for_driver(&self) {
        let start = Instant::now();
        loop {
            if let Ok(mut r) = agent().get(format!("{}/status", self.base)).call()
                && r.body_mut()
                    .read_to_string()
                    .is_ok_and(|t| t.contains("\"ready\":true"))
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn new_session(&self, chromium: &Path) -> String {
        let profile = self.dir.join("profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,800",
                    "--no-first-run", "--disable-extensions", format!("--user-data-dir={}", profile.display())],
                "prefs": {
                    "download.default_directory": self.dir.join("downloads"),
                    "download.prompt_for_download": false,
                    "profile.default_content_setting_values.automatic_downloads": 1,
                }
            }
        }}});
        let v = self.call("POST", "/session", Some(caps));
        v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string()
    }

    /// One WebDriver command; its `value`, or a panic with the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let resp = match (method, body) {
            ("GET", _) => agent().get(&url).call(),
            ("DELETE", _) => agent().delete(&url).call(),
            (_, body) => agent()
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .expect("a driver reply");
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status < 400, "{method} {path}: {status} {text}");
        v["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn window(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Run `script` (a function body; `arguments` as usual) in the page.
    pub fn js(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Wait until `script` returns something truthy; that value.
    pub fn wait(&self, what: &str, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script, json!([]));
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let page = self.js(
                    "return document.getElementById('main') && document.getElementById('main').innerText",
                    json!([]),
                );
                panic!("timed out waiting for {what}; the page shows: {page}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The element `css` selects (the first).
    pub fn find(&self, css: &str) -> String {
        let v = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().expect("an element").to_string()
    }

    pub fn click(&self, css: &str) {
        let el = self.find(css);
        self.session_call("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    /// Key presses sent to the focused element (Tab moves the focus, as a person's would).
    pub fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.session_call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// A PNG of the element `css` selects (or the viewport when `None`) under
    /// `target/ui-screenshots/NAME.png`; its path.
    pub fn screenshot(&self, css: Option<&str>, name: &str) -> PathBuf {
        use base64::Engine;
        let path = match css {
            Some(css) => format!("/element/{}/screenshot", self.find(css)),
            None => "/screenshot".to_string(),
        };
        let b64 = self.session_call("GET", &path, None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64"))
            .expect("a PNG");
        let dir = crate::support::root().join("target/ui-screenshots");
        std::fs::create_dir_all(&dir).expect("target/ui-screenshots");
        let out = dir.join(format!("{name}.png"));
        std::fs::write(&out, png).expect("the screenshot is written");
        out
    }
}

fn rand_word() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    u128::from(h.finish())
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = agent().delete(&url).call();
        }
        // The driver leads its process group; the browser it started is in it.
        if let Some(pid) = rustix::process::Pid::from_raw(self.driver.id() as i32) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

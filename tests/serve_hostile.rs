//! `galley serve` under load and under hostile clients: every one gets a clean 4xx or a
//! closed connection while the others are still served; SIGTERM drains and exits 0.

use crate::serve_support::{Server, get, post, raw};
use crate::support::{KUBEFLOW, galley, run};
use std::io::Write;
use std::time::{Duration, Instant};

const KUBEFLOW_QUERY: &str =
    "service=eks&accelerator=h100&intent=training&os=ubuntu&platform=kubeflow";

fn recipe_json() -> Vec<u8> {
    let mut args = vec!["recipe"];
    args.extend(KUBEFLOW);
    args.extend(["--format", "json"]);
    run(galley().args(&args)).stdout
}

fn status_of(response: &str) -> Option<u16> {
    response.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn hostile_bodies_and_query_strings_get_clean_4xx() {
    let server = Server::start(&["--max-body", "65536"]);
    let big = vec![b'a'; 70_000];
    let too_big = post(&server.url("/v1/recipe"), &[], &big);
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json()["code"], "PAYLOAD_TOO_LARGE");

    // A body longer than the cap without a Content-Length (chunked) is cut off too.
    let chunked = format!(
        "POST /v1/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        70_000,
        "a".repeat(70_000)
    );
    let got = raw(&server.addr, chunked.as_bytes(), Duration::from_secs(10));
    assert_eq!(status_of(&got), Some(413), "{got}");

    for (body, what) in [
        (
            "{\"kind\": \"RecipeCriteria\", \"spec\": {",
            "truncated JSON",
        ),
        ("spec: [unclosed", "malformed YAML"),
        ("spec:\n  service: 7.5\n", "a number where a string goes"),
        ("\u{0}\u{1}binary", "binary"),
    ] {
        let got = post(&server.url("/v1/recipe"), &[], body.as_bytes());
        assert_eq!(got.status, 400, "{what}: {}", got.text());
        assert_eq!(got.json()["code"], "INVALID_REQUEST", "{what}");
    }
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    for route in ["/v1/recipe", "/v1/query", "/v1/bundle"] {
        let got = post(&server.url(route), &[], bomb.as_bytes());
        assert_eq!(got.status, 400, "alias bomb on {route}: {}", got.text());
    }
    let not_utf8 = post(&server.url("/v1/recipe"), &[], &[0xff, 0xfe, 0x00]);
    assert_eq!(not_utf8.status, 400);

    let many = "a=1&".repeat(10_000);
    let got = get(&server.url(&format!("/v1/recipe?{many}")), &[]);
    assert_eq!(got.status, 400, "{}", got.text());
    let bad_escape = get(&server.url("/v1/recipe?service=%ff"), &[]);
    assert_eq!(bad_escape.status, 400);

    // A body that stops short of its Content-Length and then closes.
    let truncated = "POST /v1/recipe HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nspec:\n";
    {
        let mut s = std::net::TcpStream::connect(&server.addr).unwrap();
        s.write_all(truncated.as_bytes()).unwrap();
    }
    let still = get(&server.url("/health"), &[]);
    assert_eq!(
        still.status, 200,
        "the server goes on after a truncated body"
    );
}

/// Peak resident memory of a process, from `/proc`.
fn peak_rss_mib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[test]
fn a_burst_of_alias_bombs_is_parsed_a_few_at_a_time() {
    let server = Server::start(&[]);
    let bomb = std::sync::Arc::new(alias_bomb());
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let url = server.url("/v1/recipe");
            let bomb = bomb.clone();
            std::thread::spawn(move || post(&url, &[], bomb.as_bytes()).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 400);
    }
    let peak = peak_rss_mib(server.pid());
    assert!(
        peak < 600,
        "16 alias bombs at once took the server to {peak} MiB"
    );
}

fn alias_bomb() -> String {
    let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
    for i in 1..7 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn set_values_with_shell_syntax_are_data_never_run() {
    let server = Server::start(&[]);
    let marker = std::env::temp_dir().join(format!("galley-serve-pwned-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let payload = format!(
        "gpu-operator:driver.version=$(touch {0});touch {0}`touch {0}`",
        marker.display()
    );
    let encoded: String = payload.bytes().map(|b| format!("%{b:02X}")).collect();
    let got = post(
        &server.url(&format!("/v1/bundle?set={encoded}")),
        &[("content-type", "application/json")],
        &recipe_json(),
    );
    assert!(
        matches!(got.status, 200 | 400),
        "{} {}",
        got.status,
        got.text()
    );
    assert!(!marker.exists(), "a --set value was run by a shell");
    if got.status == 200 {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(got.body)).unwrap();
        let mut found = false;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut entry, &mut text);
            found |= text.contains("$(touch");
        }
        assert!(found, "the value is in the bundle as data");
    }
}

#[test]
fn a_slow_client_is_dropped_after_the_header_timeout_while_others_are_served() {
    let server = Server::start(&["--header-timeout-ms", "1500"]);
    let addr = server.addr.clone();
    let slow = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let start = Instant::now();
        for b in b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if s.write_all(&[*b]).is_err() {
                return start.elapsed();
            }
            std::thread::sleep(Duration::from_millis(250));
            if start.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
        start.elapsed()
    });
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let got = get(&server.url(&format!("/v1/recipe?{KUBEFLOW_QUERY}")), &[]);
        assert_eq!(got.status, 200);
    }
    let took = slow.join().unwrap();
    assert!(
        took < Duration::from_secs(10),
        "the slow client was not dropped ({took:?})"
    );
}

#[test]
fn a_body_that_never_arrives_is_a_408() {
    let server = Server::start(&["--body-timeout-ms", "500"]);
    let head = "POST /v1/recipe HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nspec:";
    let got = raw(&server.addr, head.as_bytes(), Duration::from_secs(10));
    assert_eq!(status_of(&got), Some(408), "{got}");
}

#[test]
fn bundle_builds_beyond_the_cap_get_503_with_retry_after() {
    let server = Server::start(&["--max-bundles", "1", "--body-timeout-ms", "3000"]);
    // The first build holds the only slot while its body is still on its way.
    let mut holder = std::net::TcpStream::connect(&server.addr).unwrap();
    holder
        .write_all(b"POST /v1/bundle HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let busy = post(&server.url("/v1/bundle"), &[], &recipe_json());
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(busy.json()["retryable"], true);
    drop(holder);
    std::thread::sleep(Duration::from_millis(300));
    let free = post(&server.url("/v1/bundle"), &[], &recipe_json());
    assert_eq!(free.status, 200, "{}", free.text());
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let server = Server::start(&["--rate-limit", "1", "--burst", "3"]);
    let url = server.url("/v1/recipe?service=eks");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let got = get(&url, &[]);
        assert_eq!(got.header("x-ratelimit-limit"), Some("1"));
        assert!(got.header("x-ratelimit-remaining").is_some());
        assert!(got.header("x-ratelimit-reset").is_some());
        statuses.push((got.status, got.header("retry-after").map(str::to_string)));
    }
    assert_eq!(statuses[0].0, 200);
    let refused = statuses.iter().find(|(s, _)| *s == 429).expect("a 429");
    assert!(
        refused
            .1
            .as_deref()
            .is_some_and(|s| s.parse::<u64>().unwrap() >= 1)
    );
    assert_eq!(
        get(&server.url("/health"), &[]).status,
        200,
        "probes are not limited"
    );
    let metrics = get(&server.url("/metrics"), &[]).text();
    assert!(
        !metrics.contains("aicr_rate_limit_rejects_total 0"),
        "{metrics}"
    );
}

#[test]
fn two_hundred_concurrent_clients_mixing_routes_all_get_complete_answers() {
    let server = Server::start(&[]);
    let recipe = std::sync::Arc::new(recipe_json());
    let expected_recipe = std::sync::Arc::new(recipe.to_vec());
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let base = server.base.clone();
            let recipe = recipe.clone();
            let expected = expected_recipe.clone();
            std::thread::spawn(move || match i % 5 {
                0 | 1 => {
                    let got = get(&format!("{base}/v1/recipe?{KUBEFLOW_QUERY}"), &[]);
                    assert_eq!(got.status, 200);
                    assert_eq!(got.body, *expected);
                }
                2 => {
                    let got = get(
                        &format!("{base}/v1/query?{KUBEFLOW_QUERY}&selector=deploymentOrder"),
                        &[],
                    );
                    assert_eq!(got.status, 200);
                    assert!(got.json().is_array());
                }
                3 => {
                    let got = post(&format!("{base}/v1/bundle?deployer=helmfile"), &[], &recipe);
                    assert!(matches!(got.status, 200 | 503), "{}", got.status);
                    if got.status == 200 {
                        let zip = zip::ZipArchive::new(std::io::Cursor::new(got.body)).unwrap();
                        assert!(zip.len() > 3);
                    }
                }
                _ => {
                    let got = get(&format!("{base}/v1/recipe?service=nope"), &[]);
                    assert_eq!(got.status, 400);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a client failed");
    }
}

#[test]
fn sigterm_mid_load_drains_in_flight_requests_and_exits_0() {
    let mut server = Server::start(&["--shutdown-timeout", "30"]);
    let recipe = std::sync::Arc::new(recipe_json());
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let base = server.base.clone();
            let recipe = recipe.clone();
            std::thread::spawn(move || {
                post(
                    &format!("{base}/v1/bundle?deployer=argocd&repo=https://git.example.com/r.git"),
                    &[],
                    &recipe,
                )
                .status
            })
        })
        .collect();
    // One request is surely in flight: its headers are in, its body is not.
    let body = r#"{"kind": "RecipeCriteria", "spec": {"service": "eks"}}"#;
    let mut held = std::net::TcpStream::connect(&server.addr).unwrap();
    held.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        held,
        "POST /v1/recipe HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // Let the requests reach the server, then ask it to stop.
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.pid();
    assert_eq!(unsafe_free_kill(pid), 0);
    let waited = Instant::now();
    while std::net::TcpStream::connect(&server.addr).is_ok() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the listener is still open 10 s after SIGTERM: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    held.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut held, &mut answer);
    assert_eq!(status_of(&answer), Some(200), "{answer}");
    assert!(answer.contains("\"kind\": \"RecipeResult\""), "{answer}");
    for t in threads {
        let status = t.join().expect("client");
        assert!(
            matches!(status, 200 | 503),
            "an in-flight request got {status}"
        );
    }
    assert_eq!(
        server.wait(Duration::from_secs(30)),
        Some(0),
        "{}",
        server.log()
    );
    assert!(server.log().contains("\"msg\":\"draining\""));
}

/// SIGTERM through kill(1): the tests keep `unsafe` out too.
fn unsafe_free_kill(pid: i32) -> i32 {
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .map_or(-1, |s| s.code().unwrap_or(-1))
}

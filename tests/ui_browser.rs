//! The explorer (`/ui/`) in a real browser: Debian's chromium, driven over WebDriver, against
//! `galley serve` on `127.0.0.1:0`. What the page shows is compared with what the CLI prints
//! for the same target. Screenshots go to `target/ui-screenshots/`; the three the docs show
//! are copied to `docs/images/` when they differ. Without chromium the tests say SKIPPED
//! (and fail under `GALLEY_REQUIRE_TOOLS=1`).

use crate::serve_support::{Server, get};
use crate::support::{galley, root};
use crate::ui_webdriver::{ARROW_DOWN, Browser, ENTER, ONE_BROWSER, TAB};
use serde_json::{Value, json};

const TARGET: &str = "service=eks&accelerator=h100&intent=training";
const FLAGS: [&str; 6] = [
    "--service",
    "eks",
    "--accelerator",
    "h100",
    "--intent",
    "training",
];

/// The server, the browser and the lock that keeps browsers one at a time.
fn setup(args: &[&str]) -> Option<(Server, Browser, std::sync::MutexGuard<'static, ()>)> {
    let lock = ONE_BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let browser = Browser::start()?;
    Some((Server::start(args), browser, lock))
}

fn cli_json(args: &[&str]) -> Value {
    let out = galley().args(args).output().expect("galley runs");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {args:?}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Wait until the page has shown the target whose query string is `q`.
fn wait_target(b: &Browser, q: &str) {
    let script = format!(
        "return document.body.dataset.loaded === 'target' && document.body.dataset.target === {}",
        json!(q)
    );
    b.wait(&format!("the target `{q}`"), &script);
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Copy a screenshot to `docs/images/` when its bytes differ from the committed one.
fn publish(shot: &std::path::Path, name: &str) {
    let dest = root().join("docs/images").join(format!("{name}.png"));
    let new = std::fs::read(shot).expect("the screenshot");
    if std::fs::read(&dest).ok().as_deref() != Some(new.as_slice()) {
        std::fs::create_dir_all(dest.parent().unwrap()).expect("docs/images");
        std::fs::write(&dest, new).expect("docs/images is writable");
    }
}

#[test]
fn picking_criteria_shows_the_components_the_cli_resolves() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url("/ui/"));
    wait_target(&b, "");
    for (dim, value) in [
        ("service", "eks"),
        ("accelerator", "h100"),
        ("intent", "training"),
    ] {
        b.js(
            "const s = document.getElementById('pick-' + arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change'));",
            json!([dim, value]),
        );
    }
    wait_target(&b, TARGET);
    let graph = cli_json(&[&["graph"][..], &FLAGS, &["--format", "json"]].concat());
    let shown = b.js(
        "return [...document.querySelectorAll('#graph .node')].map(n => [n.dataset.name, n.dataset.wave])",
        json!([]),
    );
    let want: Vec<Value> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["name"], n["wave"].to_string()]))
        .collect();
    assert_eq!(shown, json!(want), "the graph's components and waves");
    assert!(want.len() > 3);
    let edges = b.js(
        "return document.querySelectorAll('#graph path.edge').length",
        json!([]),
    );
    assert_eq!(edges, json!(graph["edges"].as_array().unwrap().len()));
    assert_eq!(
        b.js("return location.search", json!([])),
        json!(format!("?{TARGET}"))
    );
}

#[test]
fn a_url_with_criteria_shows_that_target_straight_away() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.window(1280, 1200);
    b.goto(&server.url(&format!("/ui?{TARGET}")));
    wait_target(&b, TARGET);
    let recipe = cli_json(&[&["recipe"][..], &FLAGS, &["--format", "json"]].concat());
    let overlays = b.js(
        "return [...document.querySelectorAll('#overlays li')].map(li => li.textContent)",
        json!([]),
    );
    assert_eq!(
        strings(&overlays),
        strings(&recipe["metadata"]["appliedOverlays"])
    );
    let picked = b.js(
        "return ['service','accelerator','intent','os'].map(d => document.getElementById('pick-' + d).value)",
        json!([]),
    );
    assert_eq!(picked, json!(["eks", "h100", "training", "any"]));
    let constraints = b.js(
        "return document.getElementById('constraints').innerText",
        json!([]),
    );
    for c in recipe["constraints"].as_array().unwrap() {
        assert!(
            constraints
                .as_str()
                .unwrap()
                .contains(c["name"].as_str().unwrap()),
            "{constraints}"
        );
    }
    let shot = b.screenshot(Some("#graph-box"), "graph");
    publish(&shot, "ui-graph");
}

#[test]
fn clicking_a_value_shows_its_provenance_as_explain_does() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url(&format!("/ui/?{TARGET}")));
    wait_target(&b, TARGET);
    b.click("#graph .node[data-name='gpu-operator']");
    let path = "gpu-operator.values.cdi.enabled";
    b.wait(
        "the values tree",
        &format!("return document.querySelector('.tree button[data-path=\"{path}\"]')"),
    );
    b.click(&format!(".tree button[data-path='{path}']"));
    b.wait(
        "the provenance",
        &format!("return document.querySelector('.explained[data-path=\"{path}\"]')"),
    );
    let explain = cli_json(&[&["explain"][..], &FLAGS, &[path, "--format", "json"]].concat());
    let entry = &explain[0];
    let shown = b.js(
        "const e = document.querySelector('.explained'); return [e.querySelector('.prov-overlay').textContent, e.querySelector('.prov-location').textContent, e.querySelector('.prov-shadowed').textContent]",
        json!([]),
    );
    assert_eq!(shown[0], entry["winner"]["overlay"]);
    assert_eq!(shown[1], entry["winner"]["location"]);
    let shadowed = &entry["shadowed"][0];
    assert!(
        shadowed.is_object(),
        "the example value shadows another: {entry}"
    );
    let text = shown[2].as_str().unwrap();
    for part in [&shadowed["overlay"], &shadowed["location"]] {
        assert!(text.contains(part.as_str().unwrap()), "{text} lacks {part}");
    }
    b.window(1280, 1500);
    let shot = b.screenshot(Some("#view-target"), "provenance");
    publish(&shot, "ui-provenance");
}

#[test]
fn the_coverage_matrix_shows_covered_and_refused_targets() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    let count = |b: &Browser| {
        b.wait(
            "the matrix",
            "return document.body.dataset.coverage === 'loaded'",
        );
        b.js(
            "const n = {}; for (const c of document.querySelectorAll('#matrix td.cell')) n[c.dataset.class] = (n[c.dataset.class] || 0) + 1; return n",
            json!([]),
        )
    };
    b.goto(&server.url("/ui/#coverage"));
    let n = count(&b);
    let cov = cli_json(&["coverage", "--format", "json"]);
    for class in ["curated", "partial", "base"] {
        assert_eq!(n[class], cov["summary"][class], "{class}: {n}");
    }
    b.window(1280, 1200);
    let shot = b.screenshot(Some("#view-coverage"), "coverage");
    publish(&shot, "ui-coverage");
    drop(server);
    // A library with conflicts: the refused targets are marked, with the reason.
    let fixture = "tests/fixtures/check/target-conflict";
    let conflicted = Server::start(&["--data", fixture]);
    b.goto(&conflicted.url("/ui/#coverage"));
    let n = count(&b);
    let cov = cli_json(&["coverage", "--data", fixture, "--format", "json"]);
    assert_eq!(n["failing"], cov["summary"]["failing"], "{n}");
    assert!(cov["summary"]["failing"].as_u64().unwrap() > 0);
    let refused = b.js(
        "return document.getElementById('refused').innerText",
        json!([]),
    );
    assert!(
        refused
            .as_str()
            .unwrap()
            .contains("`gke-l40` and `gke-rhel` disagree"),
        "{refused}"
    );
    // The matrix is one tab stop; the arrow keys move within it.
    b.js(
        "document.querySelector('#matrix td.cell').focus()",
        json!([]),
    );
    b.keys(&format!("{ARROW_DOWN}{ARROW_DOWN}"));
    let focused = b.js(
        "const c = document.activeElement; return [c.parentElement.rowIndex, c.cellIndex, document.querySelectorAll('#matrix td.cell[tabindex=\"0\"]').length]",
        json!([]),
    );
    assert_eq!(
        focused,
        json!([3, 1, 1]),
        "two rows down from the first cell"
    );
    // A cell opens its target.
    b.click("#matrix td.cell[data-class='curated']");
    b.wait(
        "the target of a cell",
        "return document.body.dataset.loaded === 'target' && !document.getElementById('view-target').hidden && document.body.dataset.target !== ''",
    );
}

#[test]
fn a_diff_of_two_targets_shows_what_galley_diff_reports() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url(&format!("/ui/?{TARGET}#diff")));
    wait_target(&b, TARGET);
    b.js(
        "document.getElementById('to-service').value = 'gke'",
        json!([]),
    );
    b.click("#diff-run");
    b.wait("the diff", "return document.body.dataset.diff === 'loaded'");
    let d = cli_json(
        &[
            &["diff"][..],
            &FLAGS,
            &["--to-service", "gke", "--format", "json"],
        ]
        .concat(),
    );
    let table = b.js(
        "return document.getElementById('diff-table').innerText",
        json!([]),
    );
    let table = table.as_str().unwrap();
    assert!(table.contains(d["from"].as_str().unwrap()), "{table}");
    assert!(table.contains(d["to"].as_str().unwrap()), "{table}");
    for c in d["components_removed"].as_array().unwrap() {
        assert!(table.contains(c["name"].as_str().unwrap()), "{table}");
    }
    for key in ["fields", "constraints", "values"] {
        for c in d[key].as_array().unwrap() {
            assert!(
                table.contains(c["path"].as_str().unwrap()),
                "{key}: {table}"
            );
        }
    }
    let rows = b.js(
        "return document.querySelectorAll('#diff-table tbody td.from').length",
        json!([]),
    );
    assert!(rows.as_u64().unwrap() > 5, "{rows}");
}

#[test]
fn a_bundle_downloads_and_its_checksums_hold() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url(&format!("/ui/?{TARGET}")));
    wait_target(&b, TARGET);
    // Without a repository a GitOps bundle is refused with the server's reason.
    b.click("#download-argocd");
    let error = b.wait(
        "the refusal",
        "const e = document.getElementById('error'); return !e.hidden && e.innerText",
    );
    assert!(error.as_str().unwrap().contains("repo"), "{error}");
    b.js(
        "document.getElementById('bundle-repo').value = arguments[0]",
        json!(["https://git.example.com/org/gitops.git"]),
    );
    for deployer in ["helm", "argocd", "flux", "helmfile"] {
        check_bundle(&b, deployer);
    }
    // The recipe link is the server's RecipeResult.
    let href = b.js(
        "return document.getElementById('download-recipe').href",
        json!([]),
    );
    assert_eq!(get(href.as_str().unwrap(), &[]).status, 200);
}

/// Click the deployer's button; the zip it downloads holds files whose SHA-256 sums are
/// those its `checksums.txt` lists.
fn check_bundle(b: &Browser, deployer: &str) {
    use sha2::Digest;
    b.click(&format!("#download-{deployer}"));
    let zip_path = b.dir.join(format!("downloads/bundle-{deployer}.zip"));
    let start = std::time::Instant::now();
    while !zip_path.is_file() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no {deployer} download in {}",
            b.dir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let file = std::fs::File::open(&zip_path).expect("the zip");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut read = |name: &str| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).expect(name), &mut out).unwrap();
        out
    };
    let sums = String::from_utf8(read("checksums.txt")).unwrap();
    let mut checked = 0;
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").expect("`SUM  NAME`");
        let got: String = sha2::Sha256::digest(read(name))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, sum, "{name}");
        checked += 1;
    }
    assert!(checked > 5, "{deployer}: {sums}");
}

#[test]
fn a_refused_target_shows_the_diagnostic_and_its_suggestion() {
    let Some((server, b, _lock)) = setup(&["--data", "tests/fixtures/check/target-conflict"])
    else {
        return;
    };
    b.goto(&server.url("/ui/?service=ekss"));
    let error = b.wait(
        "the error",
        "const e = document.getElementById('error'); return !e.hidden && e.innerText",
    );
    let error = error.as_str().unwrap();
    assert!(error.contains("invalid service `ekss`"), "{error}");
    assert!(error.contains("help: did you mean `eks`?"), "{error}");
    b.click("#use-suggestion");
    wait_target(&b, "service=eks");
    assert_eq!(
        b.js("return document.getElementById('error').hidden", json!([])),
        json!(true)
    );
    b.goto(&server.url("/ui/?service=gke&accelerator=l40&os=rhel"));
    let error = b.wait(
        "the conflict",
        "const e = document.getElementById('error'); return !e.hidden && e.innerText",
    );
    let error = error.as_str().unwrap();
    for want in ["galley::merge::conflict", "gke.ovl:", "help:", "priority"] {
        assert!(error.contains(want), "{want}: {error}");
    }
}

#[test]
fn keyboard_tabs_to_a_picker_and_changes_it() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url("/ui/"));
    wait_target(&b, "");
    let mut focused = Value::Null;
    for _ in 0..10 {
        b.keys(TAB);
        focused = b.js("return document.activeElement.id", json!([]));
        if focused == "pick-service" {
            break;
        }
    }
    assert_eq!(
        focused,
        json!("pick-service"),
        "Tab reaches the first picker"
    );
    b.keys(ARROW_DOWN);
    let first = b.js(
        "return document.getElementById('pick-service').options[1].value",
        json!([]),
    );
    let q = format!("service={}", first.as_str().unwrap());
    wait_target(&b, &q);
    // A graph node takes the focus and opens with Enter.
    b.js("document.querySelector('#graph .node').focus()", json!([]));
    b.keys(ENTER);
    b.wait(
        "values opened from the keyboard",
        "return document.querySelector('#values .tree')",
    );
}

#[test]
fn a_slow_request_shows_a_loading_state() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.goto(&server.url("/ui/"));
    wait_target(&b, "");
    // Every request from now on answers a second late.
    b.js(
        "const real = window.fetch; window.fetch = (...a) => new Promise(r => setTimeout(r, 1000)).then(() => real(...a));",
        json!([]),
    );
    b.js(
        "const s = document.getElementById('pick-service'); s.value = 'gke'; s.dispatchEvent(new Event('change'));",
        json!([]),
    );
    let busy = b.wait(
        "the loading state",
        "const s = document.getElementById('status'); return s.classList.contains('busy') && s.textContent",
    );
    assert_eq!(busy, json!("loading…"));
    wait_target(&b, "service=gke");
    assert_eq!(
        b.js(
            "return document.getElementById('status').className",
            json!([])
        ),
        json!("")
    );
}

#[test]
fn a_narrow_window_has_no_horizontal_overflow() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    b.window(480, 800);
    b.goto(&server.url(&format!("/ui/?{TARGET}")));
    wait_target(&b, TARGET);
    for view in ["target", "coverage", "diff"] {
        b.click(&format!("#tab-{view}"));
        if view == "coverage" {
            b.wait(
                "the matrix",
                "return document.body.dataset.coverage === 'loaded'",
            );
        }
        let (inner, scroll) = {
            let v = b.js(
                "const m = document.getElementById('main'); return [document.documentElement.clientWidth, Math.max(document.documentElement.scrollWidth, m.scrollWidth)]",
                json!([]),
            );
            (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
        };
        assert!(inner <= 480, "{inner}");
        assert!(
            scroll <= inner,
            "{view}: content {scroll} px wide in a {inner} px window"
        );
    }
}

#[test]
fn the_page_loads_in_under_a_second() {
    let Some((server, b, _lock)) = setup(&[]) else {
        return;
    };
    // The first visit warms the browser's own caches; the second is measured.
    b.goto(&server.url("/ui/"));
    wait_target(&b, "");
    b.goto(&server.url(&format!("/ui/?{TARGET}")));
    wait_target(&b, TARGET);
    let t = b.js(
        "const n = performance.getEntriesByType('navigation')[0]; return [n.loadEventEnd - n.startTime, performance.now()]",
        json!([]),
    );
    let (load, shown) = (t[0].as_f64().unwrap(), t[1].as_f64().unwrap());
    eprintln!("explorer: load event after {load:.0} ms, target drawn within {shown:.0} ms");
    assert!(load > 0.0 && load < 1000.0, "load took {load} ms");
}

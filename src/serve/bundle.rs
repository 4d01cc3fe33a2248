//! `POST /v1/bundle`: a `RecipeResult` body in, the zip of what `galley bundle -r` writes
//! out, with the reference's `X-Bundle-*` headers.

use super::app::{RequestId, Shared};
use super::cache::Built;
use super::error::{ApiError, diagnostic_details};
use super::params::Params;
use super::routes::{blocking, body_text, read_bytes};
use crate::bundle::Deployer;
use crate::cli::bundle::{Flags, options_from};
use crate::diag::Code;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The query parameters `POST /v1/bundle` takes: the reference's, then galley's own.
const PARAMS: [&str; 13] = [
    "bundlers",
    "set",
    "system-node-selector",
    "system-node-toleration",
    "accelerated-node-selector",
    "accelerated-node-toleration",
    "nodes",
    "deployer",
    "repo",
    "revision",
    "set-string",
    "workload-gate",
    "workload-selector",
];

/// Everything a bundle request asks for, read from the query string.
struct Asked {
    deployer: Deployer,
    repo: Option<String>,
    revision: String,
    flags: Flags,
    nodes: Option<String>,
    bundlers: Option<Vec<String>>,
}

pub async fn bundle(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let start = Instant::now();
    let query = req.uri().query().unwrap_or("").to_string();
    let asked = match parse(Some(&query)) {
        Ok(a) => a,
        Err(e) => return e.into_response(&id.0),
    };
    // The slot is taken before the body is read: a slow body holds one too.
    let Ok(permit) = app.bundles.clone().try_acquire_owned() else {
        app.metrics.bundles_busy.fetch_add(1, Ordering::Relaxed);
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "too many bundles are being built; retry after the time in `Retry-After`",
        )
        .retry_after(1)
        .into_response(&id.0);
    };
    let bytes = match read_bytes(&app, req).await {
        Ok(b) => b,
        Err(e) => return e.into_response(&id.0),
    };
    let key = super::cache::key(&query, &bytes);
    if let Some(built) = app.bundle_cache.get(&key) {
        app.metrics
            .bundle_cache_hits
            .fetch_add(1, Ordering::Relaxed);
        return respond(built, start);
    }
    let text = match body_text(&app, &bytes).await {
        Ok(t) => t,
        Err(e) => return e.into_response(&id.0),
    };
    drop(bytes);
    app.metrics
        .bundles_in_flight
        .fetch_add(1, Ordering::Relaxed);
    let work_app = app.clone();
    let resp = blocking(&id, move || {
        let _permit = permit;
        let built = build(&work_app, &text.text, asked)?;
        work_app.bundle_cache.insert(key, built.clone());
        Ok(respond(built, start))
    })
    .await;
    app.metrics
        .bundles_in_flight
        .fetch_sub(1, Ordering::Relaxed);
    resp
}

fn parse(query: Option<&str>) -> Result<Asked, ApiError> {
    let params = Params::parse(query)?;
    params.only(&PARAMS)?;
    let deployer = match params.one("deployer")? {
        None | Some("") => Deployer::Helm,
        Some(raw) => Deployer::parse(raw).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid deployer `{raw}`; {}",
                crate::diag::suggestion(
                    &raw.to_ascii_lowercase(),
                    ["helm", "argocd", "flux", "helmfile"]
                )
            ))
        })?,
    };
    let bundlers = params.one("bundlers")?.map(|raw| {
        raw.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    Ok(Asked {
        deployer,
        repo: params.one("repo")?.map(str::to_string),
        revision: params.one("revision")?.unwrap_or("main").to_string(),
        nodes: params.one("nodes")?.map(str::to_string),
        bundlers: bundlers.filter(|b| !b.is_empty()),
        flags: Flags {
            set: params.all("set"),
            set_string: params.all("set-string"),
            system_node_selector: params.all("system-node-selector"),
            system_node_toleration: params.all("system-node-toleration"),
            accelerated_node_selector: params.all("accelerated-node-selector"),
            accelerated_node_toleration: params.all("accelerated-node-toleration"),
            workload_gate: params.one("workload-gate")?.map(str::to_string),
            workload_selector: params.all("workload-selector"),
        },
    })
}

fn build(app: &Shared, text: &str, mut asked: Asked) -> Result<Built, ApiError> {
    let lib = app.library;
    let mut files = lib.files.clone();
    let file = files.add("request body".to_string(), text.to_string());
    let recipe = crate::ir::read::read_result(lib, &mut files, file, text).map_err(|diags| {
        ApiError::bad_request("the body is not a readable `RecipeResult`")
            .with_details(diagnostic_details(&diags, &files))
    })?;
    app.allow.check(&recipe.criteria)?;
    if let Some(only) = &asked.bundlers {
        asked.flags.set.extend(leave_out(&recipe, only)?);
    }
    let opts = options_from(
        asked.deployer,
        asked.repo,
        asked.revision,
        &asked.flags,
        asked.nodes.as_deref(),
    )
    .map_err(ApiError::bad_request)?;
    let out = crate::bundle::bundle(lib, &recipe, &opts).map_err(|diags| {
        let usage = diags.iter().any(|d| {
            matches!(
                d.code,
                Code::BundleFlag
                    | Code::BundleUnknownComponent
                    | Code::BundleSetPath
                    | Code::BundleRepo
            )
        });
        let first = diags
            .first()
            .map_or_else(String::new, |d| d.message.clone());
        let error = if usage {
            ApiError::bad_request(first)
        } else {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNBUNDLABLE_RECIPE",
                format!("the recipe cannot be bundled: {first}"),
            )
        };
        error.with_details(diagnostic_details(&diags, &files))
    })?;
    let zip = super::archive::zip_tree(&out.tree.files, &out.tree.executable)
        .map_err(ApiError::internal)?;
    Ok(Built {
        zip: zip.into(),
        files: out.tree.files.len(),
        size: out.tree.files.values().map(Vec::len).sum(),
    })
}

/// The zip with the reference's headers; `X-Bundle-Duration` is the time this request took
/// to get it (built, or found built).
fn respond(built: Built, start: Instant) -> Response<Body> {
    let mut resp = Response::new(Body::from(built.zip));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"bundles.zip\""),
    );
    h.insert("x-bundle-files", HeaderValue::from(built.files));
    h.insert("x-bundle-size", HeaderValue::from(built.size));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if let Ok(v) = HeaderValue::from_str(&format!("{ms:.3}ms")) {
        h.insert("x-bundle-duration", v);
    }
    resp
}

/// `bundlers=a,b`: every other component is left out, as `--set NAME:enabled=false` leaves
/// it out on the command line; a name the recipe does not have is an error.
fn leave_out(recipe: &crate::ir::Recipe, only: &[String]) -> Result<Vec<String>, ApiError> {
    let names: Vec<&str> = recipe.components.iter().map(|c| c.name.as_str()).collect();
    if let Some(unknown) = only.iter().find(|n| !names.contains(&n.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown bundler `{unknown}`: the recipe has no such component; {}",
            crate::diag::suggestion(unknown, names.iter().copied())
        )));
    }
    Ok(names
        .iter()
        .filter(|n| !only.iter().any(|o| o == *n))
        .map(|n| format!("{n}:enabled=false"))
        .collect())
}

//! The routes the explorer (`/ui/`) reads besides the API's: `GET /v1/criteria` (the
//! dimensions of the library and their values), `GET /v1/graph` (a target's components in
//! deployment waves, the JSON of `galley graph --format json`) and `GET /v1/diff` (two
//! targets compared, the JSON of `galley diff --format json`).

use super::app::{RequestId, Shared};
use super::error::ApiError;
use super::params::Params;
use super::routes::{
    CRITERIA, blocking, criteria_from_params, param_error, resolve, resolve_plain,
    target_from_params, text_response, with_param,
};
use crate::author::diff::Side;
use crate::author::graph::Graph;
use crate::check::stdlib::DIMENSIONS;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use axum::{Extension, Router, routing};
use serde_json::json;

/// The routes of this file, as the metrics label them and `schemas/openapi.json` lists them.
pub const ROUTES: [&str; 3] = ["/v1/criteria", "/v1/graph", "/v1/diff"];

/// The `--to-*` parameters of `/v1/diff`: the new side's criteria.
const TO_CRITERIA: [&str; 7] = [
    "to-service",
    "to-accelerator",
    "to-gpu",
    "to-intent",
    "to-os",
    "to-platform",
    "to-nodes",
];

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(ROUTES[0], routing::get(criteria))
        .route(ROUTES[1], routing::get(graph))
        .route(ROUTES[2], routing::get(diff))
}

/// `{"dimensions": [{"name", "count", "values", "aliases", "allowed"?}]}`: every dimension
/// of the library in the order of the criteria, the values a request may name (`any` aside),
/// and where the server has an allowlist, the values it answers for.
async fn criteria(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    blocking(&id, move || {
        Params::parse(query.as_deref())?.only(&[])?;
        let dims = &app.library.stdlib.dimensions;
        let list: Vec<serde_json::Value> = DIMENSIONS
            .iter()
            .filter_map(|name| dims.map.get(*name))
            .map(|d| {
                let mut entry = json!({
                    "name": d.name,
                    "count": d.count,
                    "values": d.values,
                    "aliases": d.aliases,
                });
                if let Some(allowed) = app.allow.values(&d.name) {
                    entry["allowed"] = json!(allowed);
                }
                entry
            })
            .collect();
        Ok(json_text(&json!({ "dimensions": list })))
    })
    .await
}

/// The target's dependency graph; a target that cannot resolve is the 422 of `/v1/recipe`.
/// A graph with a cycle is still answered (as the CLI prints it): its nodes have no wave.
async fn graph(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    blocking(&id, move || {
        let params = Params::parse(query.as_deref())?;
        params.only(&with_param(&CRITERIA))?;
        let (target, given) = target_from_params(&app, &params)?;
        let mut recipe = match app.resolver.resolve_unordered(&target) {
            Ok((recipe, _problems)) => recipe,
            // The same refusal, with its diagnostics, as `/v1/recipe` gives.
            Err(_) => {
                return Err(resolve(&app, &target, &given)
                    .err()
                    .unwrap_or_else(unresolvable));
            }
        };
        crate::resolve::params::apply(app.library, &mut recipe, &given)
            .map_err(|diags| param_error(&app, &diags))?;
        Ok(text_response(
            Graph::new(&recipe).to_json(),
            "application/json",
        ))
    })
    .await
}

fn unresolvable() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "UNRESOLVABLE_RECIPE",
        "the recipe cannot be resolved",
    )
}

/// Two targets: the criteria parameters name both sides, `to-*` replace a value on the new
/// side (as `galley diff --service eks --to-service gke`).
async fn diff(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    blocking(&id, move || {
        let params = Params::parse(query.as_deref())?;
        let known: Vec<&str> = CRITERIA.iter().chain(TO_CRITERIA.iter()).copied().collect();
        params.only(&known)?;
        let from = criteria_from_params(&app, &params)?;
        // Each dimension once, under its canonical name: the value for both sides, then the
        // new side's replacement.
        let canonical = |k: &str| k.trim_start_matches("to-").replace("gpu", "accelerator");
        let mut to_side = std::collections::BTreeMap::new();
        for key in CRITERIA.iter().chain(TO_CRITERIA.iter()) {
            if let Some(v) = params.one(key)? {
                to_side.insert(canonical(key), v.to_string());
            }
        }
        let to_pairs = to_side.into_iter().collect();
        let to = criteria_from_params(&app, &Params::from_pairs(to_pairs))?;
        let side = |q: &crate::resolve::criteria::Query| {
            // As `galley diff`, which takes no parameter values: the recipes as written.
            resolve_plain(&app, q).map(|recipe| Side::from_recipe(q.describe(), &recipe))
        };
        let d = crate::author::diff::diff(&side(&from)?, &side(&to)?);
        Ok(text_response(
            crate::cli::diff::json(&d),
            "application/json",
        ))
    })
    .await
}

fn json_text(value: &serde_json::Value) -> Response<Body> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text_response(text, "application/json")
}

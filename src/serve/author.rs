//! galley's own routes: `GET /v1/explain` (where a value came from) and `GET /v1/coverage`
//! (the whole criteria space), with the bytes of `galley explain --format json` and
//! `galley coverage --format json`.

use super::app::{RequestId, Shared};
use super::error::ApiError;
use super::params::Params;
use super::routes::{CRITERIA, blocking, criteria_from_params, resolve, text_response};
use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Response;

pub async fn explain(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    blocking(&id, move || {
        let params = Params::parse(query.as_deref())?;
        let mut known = CRITERIA.to_vec();
        known.push("path");
        params.only(&known)?;
        let what = params
            .one("path")?
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "`path` is required: a component, `COMPONENT.values.PATH`, `constraints` or `validation`",
                )
            })?
            .to_string();
        let target = criteria_from_params(&app, &params)?;
        let recipe = resolve(&app, &target)?;
        let entries = crate::cli::explain::entries(app.library, &recipe, &what)
            .map_err(ApiError::not_found)?;
        Ok(text_response(
            crate::cli::explain::json(&entries),
            "application/json",
        ))
    })
    .await
}

pub async fn coverage(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    blocking(&id, move || {
        Params::parse(query.as_deref())?.only(&[])?;
        // The library never changes while the server runs: the report is computed once.
        let text = app.coverage.get_or_init(|| {
            crate::cli::coverage::json_text(&crate::author::coverage::coverage(app.library))
        });
        Ok(text_response(text.clone(), "application/json"))
    })
    .await
}

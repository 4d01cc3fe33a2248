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
use axum::http::{Response, StatusCode};

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
        let report = app.coverage.get_or_init(|| {
            crate::author::coverage::coverage(
                app.library,
                crate::author::coverage::DEFAULT_MAX_TARGETS,
            )
            .map(|cov| crate::cli::coverage::json_text(&cov))
        });
        match report {
            Ok(text) => Ok(text_response(text.clone(), "application/json")),
            Err(refused) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "SPACE_TOO_LARGE",
                refused.message.clone(),
            )
            .with_details(super::error::diagnostic_details(
                std::slice::from_ref(refused),
                &app.library.files,
            ))),
        }
    })
    .await
}

/// `POST /v1/validate`: `{"recipe": RecipeResult, "snapshot": Snapshot, "results": [...]}`
/// (JSON or YAML; `results` optional, each a CTRF report, measurements or snapshot), and
/// `phase` query parameters; the CTRF report of `galley validate`.
pub async fn validate(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    super::routes::blocking_with_body(app, &id, req, move |app, text| {
        let params = Params::parse(query.as_deref())?;
        params.only(&["phase"])?;
        let phases = phases(&params.all("phase"))?;
        let start = crate::measure::clock::now_millis();
        let mut files = crate::source::Files::new();
        let (recipe, snapshot, results) = validate_parts(&text.text, &mut files)?;
        let (inputs, _warnings) =
            crate::cli::validate::parse_inputs(&files, recipe, snapshot, &results).map_err(
                |d| {
                    ApiError::bad_request(d.message.clone()).with_details(
                        super::error::diagnostic_details(std::slice::from_ref(&d), &files),
                    )
                },
            )?;
        let (json, _) =
            crate::cli::validate::report_json(&inputs, &app.library.stdlib.catalog, &phases, start);
        Ok(text_response(json, "application/json"))
    })
    .await
}

fn phases(raw: &[String]) -> Result<Vec<crate::validate::PhaseName>, ApiError> {
    use crate::cli::validate::PhaseArg;
    let args = raw
        .iter()
        .map(|p| {
            <PhaseArg as clap::ValueEnum>::from_str(p, true).map_err(|_| {
                ApiError::bad_request(format!(
                    "invalid phase `{p}`; {}",
                    crate::diag::suggestion(
                        &p.to_ascii_lowercase(),
                        [
                            "readiness",
                            "deployment",
                            "performance",
                            "conformance",
                            "all"
                        ]
                    )
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::cli::validate::phases(&args))
}

/// The body's parts, each registered in `files` as JSON text under its field's name.
#[allow(clippy::type_complexity)]
fn validate_parts(
    text: &str,
    files: &mut crate::source::Files,
) -> Result<
    (
        crate::source::FileId,
        crate::source::FileId,
        Vec<crate::source::FileId>,
    ),
    ApiError,
> {
    use crate::value::Value;
    let doc = crate::syntax::yaml::parse_document(crate::source::FileId(0), text)
        .map_err(|d| ApiError::bad_request(format!("the body does not parse: {}", d.message)))?;
    let Some(Value::Map(mut map)) = doc.map(|d| d.to_value()) else {
        return Err(ApiError::bad_request(
            "the body is a mapping with `recipe`, `snapshot` and optional `results`",
        ));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "recipe" | "snapshot" | "results"))
    {
        return Err(ApiError::bad_request(format!(
            "unknown field `{key}` in the body; expected `recipe`, `snapshot` and `results`"
        )));
    }
    let mut part = |name: &str, value: Option<Value>| {
        let value = value.ok_or_else(|| ApiError::bad_request(format!("`{name}` is required")))?;
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        Ok::<_, ApiError>(files.add(name.to_string(), text))
    };
    let recipe = part("recipe", map.shift_remove("recipe"))?;
    let snapshot = part("snapshot", map.shift_remove("snapshot"))?;
    let results = match map.shift_remove("results") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(list)) => list
            .into_iter()
            .enumerate()
            .map(|(i, v)| part(&format!("results[{i}]"), Some(v)))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`results` must be a list, not {}",
                other.type_name()
            )));
        }
    };
    Ok((recipe, snapshot, results))
}

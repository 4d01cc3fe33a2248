//! galley's own routes: `GET /v1/explain` (where a value came from) and `GET /v1/coverage`
//! (the whole criteria space), with the bytes of `galley explain --format json` and
//! `galley coverage --format json`.

use super::app::{RequestId, Shared};
use super::error::ApiError;
use super::params::Params;
use super::routes::{CRITERIA, blocking, resolve, target_from_params, text_response, with_param};
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
        let mut known = with_param(&CRITERIA);
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
        let (target, given) = target_from_params(&app, &params)?;
        let recipe = resolve(&app, &target, &given)?;
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
/// (JSON or YAML; `results` optional, each a CTRF report, measurements or snapshot), or the
/// same as `multipart/form-data` parts `recipe`, `snapshot` and `results` (repeatable), and
/// `phase` query parameters; the CTRF report of `galley validate`.
pub async fn validate(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    let boundary = match super::multipart::boundary(req.headers()) {
        Ok(b) => b,
        Err(e) => return e.into_response(&id.0),
    };
    let mut body = match super::routes::read_body(&app, req).await {
        Ok(b) => b,
        Err(e) => return e.into_response(&id.0),
    };
    let parts = match boundary {
        None => None,
        Some(boundary) => {
            let text = std::mem::take(&mut body.text);
            match super::multipart::parts(text, &boundary, &PARTS).await {
                Ok(parts) => Some(parts),
                Err(e) => return e.into_response(&id.0),
            }
        }
    };
    blocking(&id, move || {
        // The whole body moves here, with its right to be parsed (not just its text).
        let body = body;
        let params = Params::parse(query.as_deref())?;
        params.only(&["phase"])?;
        let phases = phases(&params.all("phase"))?;
        let start = crate::measure::clock::now_millis();
        let mut files = crate::source::Files::new();
        let (recipe, snapshot, results) = match parts {
            Some(parts) => named_parts(parts, &mut files)?,
            None => validate_parts(&body.text, &mut files)?,
        };
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

/// The parts a multipart `POST /v1/validate` takes.
const PARTS: [&str; 3] = ["recipe", "snapshot", "results"];

type Inputs = (
    crate::source::FileId,
    crate::source::FileId,
    Vec<crate::source::FileId>,
);

/// Multipart parts, each registered in `files` as the text it is, under the name the JSON
/// form gives it (`recipe`, `snapshot`, `results[N]`): one `recipe` and one `snapshot`,
/// any number of `results`.
fn named_parts(
    parts: Vec<(String, String)>,
    files: &mut crate::source::Files,
) -> Result<Inputs, ApiError> {
    let (mut recipe, mut snapshot, mut results) = (None, None, Vec::new());
    for (name, text) in parts {
        let slot = match name.as_str() {
            "recipe" => &mut recipe,
            "snapshot" => &mut snapshot,
            _ => {
                let n = results.len();
                results.push(files.add(format!("results[{n}]"), text));
                continue;
            }
        };
        if slot.is_some() {
            return Err(ApiError::bad_request(format!(
                "the part `{name}` is given twice; send one"
            )));
        }
        *slot = Some(files.add(name, text));
    }
    let required = |id: Option<_>, name: &str| {
        id.ok_or_else(|| ApiError::bad_request(format!("the part `{name}` is required")))
    };
    Ok((
        required(recipe, "recipe")?,
        required(snapshot, "snapshot")?,
        results,
    ))
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
fn validate_parts(text: &str, files: &mut crate::source::Files) -> Result<Inputs, ApiError> {
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

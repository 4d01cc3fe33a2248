//! The routes. Every body is made by the functions the CLI prints with: the same input
//! gives the same bytes on both.

use super::app::{RequestId, Shared};
use super::error::{ApiError, diagnostic_details};
use super::params::Params;
use crate::check::stdlib::{Dimensions, ValueError};
use crate::cli::recipe::DocFormat;
use crate::diag::Code;
use crate::params::Given;
use crate::resolve::criteria::{Query, invalid_value};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::{Extension, Router, routing};
use serde_json::json;

/// Every route, as `GET /` lists them and the metrics label them.
pub const ROUTES: [&str; 11] = [
    "/",
    "/v1/recipe",
    "/v1/query",
    "/v1/bundle",
    "/v1/explain",
    "/v1/coverage",
    "/v1/validate",
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
];

/// The criteria parameters (`gpu` is the reference's alias of `accelerator`).
pub const CRITERIA: [&str; 7] = [
    "service",
    "accelerator",
    "gpu",
    "intent",
    "os",
    "platform",
    "nodes",
];

pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/", routing::get(index))
        .route("/v1/recipe", routing::get(recipe_get).post(recipe_post))
        .route("/v1/query", routing::get(query_get).post(query_post))
        .route("/v1/bundle", routing::post(super::bundle::bundle))
        .route("/v1/explain", routing::get(super::author::explain))
        .route("/v1/coverage", routing::get(super::author::coverage))
        .route("/v1/validate", routing::post(super::author::validate))
        .route("/health", routing::get(health))
        .route("/ready", routing::get(ready))
        .route("/metrics", routing::get(metrics))
        .route("/openapi.json", routing::get(openapi))
        .merge(super::explore::routes())
        .merge(super::ui::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            super::app::middleware,
        ))
        .with_state(app)
}

async fn index() -> Response<Body> {
    let routes = &ROUTES[1..7];
    json_response(
        &json!({ "service": "galley", "version": env!("CARGO_PKG_VERSION"), "routes": routes }),
    )
}

async fn health() -> Response<Body> {
    json_response(&json!({ "status": "healthy", "timestamp": now() }))
}

async fn ready(State(app): State<Shared>) -> Response<Body> {
    if app.draining.load(std::sync::atomic::Ordering::Relaxed) {
        let mut resp = json_response(&json!({ "status": "draining", "timestamp": now() }));
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return resp;
    }
    json_response(&json!({ "status": "ready", "timestamp": now() }))
}

async fn metrics(State(app): State<Shared>) -> Response<Body> {
    let text = app.metrics.render(app.library.overlays.len());
    text_response(text, "text/plain; version=0.0.4; charset=utf-8")
}

/// The OpenAPI 3.1 document, made once from the loaded library (see [`super::openapi`]).
async fn openapi(State(app): State<Shared>) -> Response<Body> {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| super::openapi::document(app.library));
    text_response(doc.clone(), "application/json")
}

async fn recipe_get(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    req: Request,
) -> Response<Body> {
    let format = format_of(&headers);
    let target = Params::parse(req.uri().query()).and_then(|params| {
        params.only(&with_param(&CRITERIA))?;
        target_from_params(&app, &params)
    });
    let (target, given) = match target {
        Ok(t) => t,
        Err(e) => return e.into_response(&id.0),
    };
    // A recipe answered before is answered here, without a trip to the blocking pool.
    if let Some(bytes) = given
        .is_empty()
        .then(|| {
            app.recipes
                .get(&(target.clone(), format == DocFormat::Yaml))
        })
        .flatten()
    {
        return recipe_bytes_response(bytes, format);
    }
    blocking(&id, move || recipe_response(&app, &target, &given, format)).await
}

async fn recipe_post(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    req: Request,
) -> Response<Body> {
    let format = format_of(&headers);
    let flags = match Params::parse(req.uri().query()).and_then(|params| {
        params.only(&["param"])?;
        given_params(&params)
    }) {
        Ok(g) => g,
        Err(e) => return e.into_response(&id.0),
    };
    blocking_with_body(app, &id, req, move |app, text| {
        let dims = &app.library.stdlib.dimensions;
        let not_criteria = |message: String| {
            ApiError::bad_request(format!("the body is not a `RecipeCriteria`: {message}"))
        };
        let target =
            crate::resolve::criteria::from_criteria_file(&text.text, dims).map_err(not_criteria)?;
        app.allow.check(&target)?;
        // The body's `spec.params`, then the query's `param`: as `--criteria` and `--param`.
        let mut given = crate::resolve::criteria::params_from_criteria_file(&text.text)
            .map_err(not_criteria)?;
        given.extend(flags);
        recipe_response(&app, &target, &given, format)
    })
    .await
}

/// The rendered recipe; one without parameter values given is cached by target and format
/// (with values, the answer depends on them too, and is made afresh).
fn recipe_response(
    app: &Shared,
    target: &Query,
    given: &[Given],
    format: DocFormat,
) -> Result<Response<Body>, ApiError> {
    let key = (target.clone(), format == DocFormat::Yaml);
    if let Some(bytes) = given.is_empty().then(|| app.recipes.get(&key)).flatten() {
        return Ok(recipe_bytes_response(bytes, format));
    }
    let recipe = resolve(app, target, given)?;
    let doc = crate::ir::result::RecipeResult::new(&recipe, false);
    let bytes = axum::body::Bytes::from(crate::cli::recipe::render(&doc, format));
    if given.is_empty() {
        app.recipes.insert(key, bytes.clone());
    }
    Ok(recipe_bytes_response(bytes, format))
}

fn recipe_bytes_response(bytes: axum::body::Bytes, format: DocFormat) -> Response<Body> {
    let mut resp = Response::new(Body::from(bytes));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(format)),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    resp
}

async fn query_get(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    req: Request,
) -> Response<Body> {
    let query = req.uri().query().map(str::to_string);
    let format = format_of(&headers);
    blocking(&id, move || {
        let params = Params::parse(query.as_deref())?;
        let mut known = with_param(&CRITERIA);
        known.push("selector");
        params.only(&known)?;
        let (target, given) = target_from_params(&app, &params)?;
        let selector = params.one("selector")?.unwrap_or("").to_string();
        query_response(&app, &target, &given, &selector, format)
    })
    .await
}

async fn query_post(
    State(app): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    req: Request,
) -> Response<Body> {
    let format = format_of(&headers);
    blocking_with_body(app, &id, req, move |app, text| {
        let (target, given, selector) = query_body(&app, &text.text)?;
        app.allow.check(&target)?;
        query_response(&app, &target, &given, &selector, format)
    })
    .await
}

/// `{"criteria": {service, accelerator, ...}, "params": {NAME: VALUE}, "selector": "..."}`,
/// JSON or YAML.
fn query_body(app: &Shared, text: &str) -> Result<(Query, Vec<Given>, String), ApiError> {
    use crate::value::Value;
    let doc = crate::syntax::yaml::parse_document(crate::source::FileId(0), text)
        .map_err(|d| ApiError::bad_request(format!("the body does not parse: {}", d.message)))?;
    let Some(Value::Map(map)) = doc.map(|d| d.to_value()) else {
        return Err(ApiError::bad_request(
            "the body is a mapping with `criteria` and `selector`",
        ));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "criteria" | "params" | "selector"))
    {
        return Err(ApiError::bad_request(format!(
            "unknown field `{key}` in the body; expected `criteria`, `params` and `selector`"
        )));
    }
    let given = body_params(map.get("params"))?;
    let selector = match map.get("selector") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`selector` must be a string, not {}",
                other.type_name()
            )));
        }
    };
    let dims = &app.library.stdlib.dimensions;
    let mut target = Query::any();
    match map.get("criteria") {
        None | Some(Value::Null) => {}
        Some(Value::Map(c)) => {
            for (key, value) in c {
                let raw = match value {
                    Value::String(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Null => continue,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "`criteria.{key}` must be a string, not {}",
                            other.type_name()
                        )));
                    }
                };
                let dim = if key == "gpu" { "accelerator" } else { key };
                set_dim(dims, &mut target, dim, &raw)?;
            }
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`criteria` must be a mapping, not {}",
                other.type_name()
            )));
        }
    }
    Ok((target, given, selector))
}

/// A body's `params`: a mapping of parameter names to scalars, as a criteria file's
/// `spec.params` (and of the same precedence).
fn body_params(value: Option<&crate::value::Value>) -> Result<Vec<Given>, ApiError> {
    use crate::value::Value;
    let map = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Map(map)) => map,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`params` must be a mapping of parameter names to values, not {}",
                other.type_name()
            )));
        }
    };
    let mut out = Vec::new();
    for (name, value) in map {
        let text = crate::params::scalar_text(value).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`params.{name}` must be a string, number or boolean"
            ))
        })?;
        let mut given = crate::params::parse_flag(&format!("{name}={text}")).map_err(|_| {
            ApiError::bad_request(format!("`params` key `{name}` is not a parameter name"))
        })?;
        given.source = crate::params::Source::CriteriaFile;
        out.push(given);
    }
    Ok(out)
}

fn query_response(
    app: &Shared,
    target: &Query,
    given: &[Given],
    selector: &str,
    format: DocFormat,
) -> Result<Response<Body>, ApiError> {
    crate::ir::query::parse_selector(selector).map_err(ApiError::bad_request)?;
    let recipe = resolve(app, target, given)?;
    let map = crate::ir::query::hydrated(&recipe);
    let value = crate::ir::query::select(&map, selector).map_err(ApiError::not_found)?;
    let text = crate::cli::query::render(value, format);
    Ok(text_response(text, content_type(format)))
}

/// A route's query parameters and `param` (a parameter value, repeatable).
pub fn with_param<'a>(known: &[&'a str]) -> Vec<&'a str> {
    let mut out = known.to_vec();
    out.push("param");
    out
}

/// The parameter values of the repeatable `param=NAME=VALUE`, read as the CLI reads
/// `--param NAME=VALUE` (a later value for a name wins).
pub fn given_params(params: &Params) -> Result<Vec<Given>, ApiError> {
    params
        .all("param")
        .iter()
        .map(|raw| {
            crate::params::parse_flag(raw).map_err(|message| {
                let message = message.replacen("--param", "param", 1);
                ApiError::bad_request(message.clone()).with_details(json!({
                    "error": message,
                    "code": Code::UsageValue.as_str(),
                    "message": message,
                    "help": "give `param=NAME=VALUE`, such as `param=gpu_count=8`",
                }))
            })
        })
        .collect()
}

/// The target and the typed parameter values of a route that resolves one: the criteria
/// parameters and every `param=NAME=VALUE`.
pub fn target_from_params(app: &Shared, params: &Params) -> Result<(Query, Vec<Given>), ApiError> {
    Ok((criteria_from_params(app, params)?, given_params(params)?))
}

/// The target from query parameters, each checked as the CLI checks its flags.
pub fn criteria_from_params(app: &Shared, params: &Params) -> Result<Query, ApiError> {
    let dims = &app.library.stdlib.dimensions;
    let mut target = Query::any();
    for key in CRITERIA {
        if let Some(raw) = params.one(key)? {
            let dim = if key == "gpu" { "accelerator" } else { key };
            set_dim(dims, &mut target, dim, raw)?;
        }
    }
    app.allow.check(&target)?;
    Ok(target)
}

fn set_dim(dims: &Dimensions, target: &mut Query, dim: &str, raw: &str) -> Result<(), ApiError> {
    target
        .set(dims, dim, raw)
        .map_err(|e| criteria_error(dims, dim, raw, e))
}

/// An unknown criteria value: the CLI's message, with its code, the valid values and the
/// nearest one in `details`.
fn criteria_error(dims: &Dimensions, dim: &str, raw: &str, e: ValueError) -> ApiError {
    let code = match e {
        ValueError::UnknownDimension => Code::UnknownDimension,
        _ => Code::UnknownValue,
    };
    let valid: Vec<String> = dims
        .map
        .get(dim)
        .map(|d| d.values.iter().cloned().collect())
        .unwrap_or_default();
    let suggestion =
        crate::diag::did_you_mean(&raw.to_ascii_lowercase(), valid.iter().map(String::as_str));
    let help = match (&e, &suggestion) {
        (ValueError::NotACount, _) => "give a non-negative integer (0 means any)".to_string(),
        (_, Some(s)) => format!(
            "did you mean `{s}`? valid values: {}, any",
            valid.join(", ")
        ),
        _ => format!("valid values: {}, any", valid.join(", ")),
    };
    let message = invalid_value(dims, dim, raw, e);
    ApiError::bad_request(message.clone()).with_details(json!({
        "error": message,
        "code": code.as_str(),
        "message": message,
        "help": help,
        "dimension": dim,
        "value": raw,
        "valid": valid,
        "suggestion": suggestion,
    }))
}

/// Resolve with the shared resolver and apply the parameter values `given` (defaults for
/// the rest), as `galley recipe --param` does: a value the target's parameters refuse is a
/// 400 (see [`param_error`]).
pub fn resolve(
    app: &Shared,
    target: &Query,
    given: &[Given],
) -> Result<crate::ir::Recipe, ApiError> {
    let mut recipe = resolve_plain(app, target)?;
    crate::resolve::params::apply(app.library, &mut recipe, given)
        .map_err(|diags| param_error(app, &diags))?;
    Ok(recipe)
}

/// Parameter problems (unknown, wrong type, out of range, missing): a 400 whose `details`
/// carry the first one's code, message and help (the suggestion), and every diagnostic.
pub fn param_error(app: &Shared, diags: &[crate::diag::Diagnostic]) -> ApiError {
    let first = diags.first();
    let message = first.map_or_else(String::new, |d| d.message.clone());
    let mut details = diagnostic_details(diags, &app.library.files);
    details["error"] = json!(message);
    details["code"] = json!(first.map(|d| d.code.as_str()));
    details["message"] = json!(message);
    details["help"] = json!(first.and_then(|d| d.help.clone()));
    ApiError::bad_request(message).with_details(details)
}

/// Resolve with the shared resolver, parameters left as written; a target that cannot
/// resolve is a 422 carrying the diagnostics, each with its places.
pub fn resolve_plain(app: &Shared, target: &Query) -> Result<crate::ir::Recipe, ApiError> {
    app.resolver.resolve(target).map_err(|diags| {
        let first = diags
            .first()
            .map_or_else(String::new, |d| d.message.clone());
        let code = if diags.iter().any(|d| d.code == Code::MergeConflict) {
            "RECIPE_CONFLICT"
        } else {
            "UNRESOLVABLE_RECIPE"
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            format!(
                "the recipe for {} cannot be resolved: {first}",
                target.describe()
            ),
        )
        .with_details(diagnostic_details(&diags, &app.library.files))
    })
}

/// Run the request's work off the async threads; a panic in it is a 500 for this request
/// alone.
pub async fn blocking<F>(id: &RequestId, work: F) -> Response<Body>
where
    F: FnOnce() -> Result<Response<Body>, ApiError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => e.into_response(&id.0),
        Err(_) => ApiError::internal("the server failed while answering this request")
            .into_response(&id.0),
    }
}

/// The body (within the size cap and the body timeout), then `work` on it on the blocking
/// pool: the shape of every route that reads a body before it answers.
pub async fn blocking_with_body<F>(
    app: Shared,
    id: &RequestId,
    req: Request,
    work: F,
) -> Response<Body>
where
    F: FnOnce(Shared, BodyText) -> Result<Response<Body>, ApiError> + Send + 'static,
{
    match read_body(&app, req).await {
        Ok(text) => blocking(id, move || work(app, text)).await,
        Err(e) => e.into_response(&id.0),
    }
}

/// The body as UTF-8 text, within the size cap and the body timeout.
pub async fn read_body(app: &Shared, req: Request) -> Result<BodyText, ApiError> {
    let bytes = read_bytes(app, req).await?;
    body_text(app, &bytes).await
}

/// The body's bytes, within the size cap and the body timeout.
pub async fn read_bytes(app: &Shared, req: Request) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::BodyExt;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {} bytes", app.max_body),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_body as u64) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(req.into_body(), app.max_body);
    let bytes = match tokio::time::timeout(app.body_timeout, limited.collect()).await {
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                "the request body did not arrive in time",
            ));
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Ok(Err(e)) => {
            return Err(ApiError::bad_request(format!(
                "the request body could not be read: {e}"
            )));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    Ok(bytes)
}

/// The body as UTF-8 text, with the right to parse it.
pub async fn body_text(app: &Shared, bytes: &[u8]) -> Result<BodyText, ApiError> {
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    // Parsing a body may expand YAML aliases up to the parser's node budget: a few at a
    // time, so a burst of alias bombs cannot take all the memory at once.
    let permit = app
        .parsing
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the server is shutting down"))?;
    Ok(BodyText {
        text,
        _permit: permit,
    })
}

/// A request body, and the right to parse it (see [`read_body`]).
pub struct BodyText {
    pub text: String,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// YAML when the client asks for it, else JSON.
pub fn format_of(headers: &HeaderMap) -> DocFormat {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let yaml = ["application/yaml", "application/x-yaml", "text/yaml"];
    if yaml.iter().any(|y| accept.contains(y)) {
        DocFormat::Yaml
    } else {
        DocFormat::Json
    }
}

fn content_type(format: DocFormat) -> &'static str {
    match format {
        DocFormat::Json => "application/json",
        DocFormat::Yaml => "application/yaml",
    }
}

fn now() -> String {
    crate::measure::clock::rfc3339(crate::measure::clock::now_millis())
}

fn json_response(value: &serde_json::Value) -> Response<Body> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text_response(text, "application/json")
}

pub fn text_response(text: String, content_type: &'static str) -> Response<Body> {
    let mut resp = Response::new(Body::from(text));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_panic_in_the_work_is_a_500_for_that_request_alone() {
        let rt = runtime();
        let id = RequestId("r-1".into());
        let resp = rt.block_on(blocking(&id, || panic!("a bug")));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let resp = rt.block_on(blocking(&id, || {
            Ok(text_response("ok".into(), "text/plain"))
        }));
        assert_eq!(resp.status(), StatusCode::OK);
    }

    #[test]
    fn the_openapi_document_has_exactly_the_routes() {
        let doc: serde_json::Value =
            serde_json::from_str(super::super::openapi::COMMITTED).unwrap();
        let mut paths: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut routes = ROUTES.to_vec();
        routes.extend(super::super::explore::ROUTES);
        paths.sort_unstable();
        routes.sort_unstable();
        assert_eq!(paths, routes);
    }

    #[test]
    fn ready_is_503_while_draining() {
        let app = super::super::app::App::for_tests();
        let rt = runtime();
        assert_eq!(
            rt.block_on(ready(State(app.clone()))).status(),
            StatusCode::OK
        );
        app.draining
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let resp = rt.block_on(ready(State(app)));
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

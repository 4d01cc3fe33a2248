//! `multipart/form-data` bodies (`POST /v1/validate`): the parts as named text documents.
//! The body has been read within `--max-body` already; multer splits it.

use super::error::ApiError;
use axum::http::{HeaderMap, header};

/// The boundary of a `multipart/form-data` body; `None` for any other content type.
pub fn boundary(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Ok(None);
    }
    multer::parse_boundary(content_type).map(Some).map_err(|e| {
        ApiError::bad_request(format!(
            "the multipart body has no usable boundary ({e}); send `Content-Type: multipart/form-data; boundary=...`"
        ))
    })
}

/// The body's parts in order, each `(name, text)`; only the names in `allowed`.
pub async fn parts(
    body: String,
    boundary: &str,
    allowed: &[&str],
) -> Result<Vec<(String, String)>, ApiError> {
    let stream = axum::body::Body::from(body).into_data_stream();
    let constraints = multer::Constraints::new().allowed_fields(allowed.to_vec());
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut out = Vec::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| malformed(&e, allowed))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| malformed(&e, allowed))?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::bad_request(format!("the part `{name}` is not UTF-8")))?;
        out.push((name, text));
    }
    Ok(out)
}

fn malformed(e: &multer::Error, allowed: &[&str]) -> ApiError {
    let names = allowed
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match e {
        multer::Error::UnknownField { field_name } => ApiError::bad_request(format!(
            "unknown part `{}` in the multipart body; expected {names}",
            field_name.as_deref().unwrap_or("")
        )),
        other => ApiError::bad_request(format!("the multipart body is malformed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    const ALLOWED: [&str; 2] = ["recipe", "snapshot"];

    #[test]
    fn parts_come_back_named_and_in_order() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"recipe\"; filename=\"r.yaml\"\r\n\r\nkind: RecipeResult\r\n--b\r\nContent-Disposition: form-data; name=\"snapshot\"\r\n\r\n{}\r\n--b--\r\n";
        let parts = run(parts(body.into(), "b", &ALLOWED)).unwrap();
        assert_eq!(
            parts,
            vec![
                ("recipe".to_string(), "kind: RecipeResult".to_string()),
                ("snapshot".to_string(), "{}".to_string())
            ]
        );
    }

    #[test]
    fn hostile_bodies_are_400s() {
        let unknown = "--b\r\nContent-Disposition: form-data; name=\"evil\"\r\n\r\nx\r\n--b--\r\n";
        let e = run(parts(unknown.into(), "b", &ALLOWED)).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("unknown part `evil`"), "{}", e.message);
        let truncated = "--b\r\nContent-Disposition: form-data; name=\"recipe\"\r\n\r\nkind: Rec";
        let e = run(parts(truncated.into(), "b", &ALLOWED)).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("malformed"), "{}", e.message);
    }

    #[test]
    fn a_multipart_type_without_a_boundary_is_a_400_and_json_is_not_multipart() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data"),
        );
        assert_eq!(boundary(&h).unwrap_err().status, 400);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Multipart/Form-Data; boundary=xyz"),
        );
        assert_eq!(boundary(&h).unwrap().as_deref(), Some("xyz"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert_eq!(boundary(&h).unwrap(), None);
    }
}

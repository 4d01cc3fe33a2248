//! Query strings: `a=1&b=2&b=3`, percent-decoded, `+` as a space, repeatable keys kept in
//! order. Bounded: more than [`MAX_PARAMS`] parameters is an error, not a slow request.

use super::error::ApiError;

/// More parameters than any route takes many times over.
pub const MAX_PARAMS: usize = 256;

#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let mut out = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            if out.len() == MAX_PARAMS {
                return Err(ApiError::bad_request(format!(
                    "too many query parameters: at most {MAX_PARAMS}"
                )));
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.push((decode(k)?, decode(v)?));
        }
        Ok(Params(out))
    }

    /// Parameters already decoded (a route that derives one set from another).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params(pairs)
    }

    /// Refuse a parameter the route does not take, naming the nearest one it does.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        for (k, _) in &self.0 {
            if !known.contains(&k.as_str()) {
                let hint = crate::diag::suggestion(k, known.iter().copied());
                return Err(ApiError::bad_request(format!(
                    "unknown query parameter `{k}`; {hint}"
                )));
            }
        }
        Ok(())
    }

    /// The one value of `key`; given twice is an error (only list parameters repeat).
    pub fn one(&self, key: &str) -> Result<Option<&str>, ApiError> {
        let mut found = self.0.iter().filter(|(k, _)| k == key);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(ApiError::bad_request(format!(
                "query parameter `{key}` given more than once"
            )));
        }
        Ok(first)
    }

    /// Every value of a repeatable `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn decode(raw: &str) -> Result<String, ApiError> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::bad_request("a query parameter is not UTF-8 after percent-decoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_keeps_repeats_in_order() {
        let p = Params::parse(Some("set=a%3Ab%3D1&set=c+d&x=")).unwrap();
        assert_eq!(p.all("set"), ["a:b=1", "c d"]);
        assert_eq!(p.one("x").unwrap(), Some(""));
        assert!(p.one("set").is_err());
    }

    #[test]
    fn too_many_parameters_is_an_error() {
        let q = "a=1&".repeat(MAX_PARAMS + 1);
        assert!(Params::parse(Some(&q)).is_err());
        let q = "a=1&".repeat(MAX_PARAMS);
        assert!(Params::parse(Some(&q)).is_ok());
    }

    #[test]
    fn unknown_parameter_names_the_nearest() {
        let p = Params::parse(Some("servce=eks")).unwrap();
        let e = p.only(&["service", "os"]).unwrap_err();
        assert!(e.message.contains("`service`"), "{}", e.message);
    }
}

//! The REST endpoints, one module per WATS controller.

pub mod analytics;
pub mod app;
pub mod charts;
pub mod level;
pub mod process;
pub mod product;
pub mod product_groups;
pub mod product_internal;
pub mod report;

// Asset and Software (issue 18).
pub mod asset;
pub mod asset_files;
pub mod software;
pub mod software_internal;
// Users and tokens; repair configuration; root cause; manual inspection (issue 19).
pub mod manual_inspection;
pub mod production;
pub mod production_internal;
pub mod production_units;
pub mod repair;
pub mod rootcause;
pub mod scim;
pub mod serial_numbers;

use crate::error::ApiError;

/// Query parameters, looked up case-insensitively as ASP.NET binds them.
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses a raw query string.
    pub fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let Some(q) = query else {
            return Ok(Params::default());
        };
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
        Ok(Params(pairs))
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter (`true`/`false`, any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(format!(
                "The value '{v}' is not valid for {name}: expected true or false."
            ))),
        }
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "The value '{v}' is not valid for {name}: expected an integer."
                ))
            }),
        }
    }

    /// A GUID parameter.
    pub fn uuid(&self, name: &str) -> Result<Option<uuid::Uuid>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => parse_uuid(v, name).map(Some),
        }
    }
}

/// Parses a GUID, with a 400 naming the parameter.
pub fn parse_uuid(text: &str, name: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| {
        ApiError::bad_request(format!(
            "The value '{text}' is not valid for {name}: expected a GUID."
        ))
    })
}

/// Parses a JSON body; a 400 names `what` and the JSON path that did not fit.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        ApiError::bad_request(if at == "." {
            format!("invalid {what}: {inner}")
        } else {
            format!("invalid {what} at {at}: {inner}")
        })
    })
}

/// A required query parameter, with a 400 naming it.
pub fn required_param<'p>(params: &'p Params, name: &str) -> Result<&'p str, ApiError> {
    params
        .get(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("The query parameter {name} is required.")))
}

/// The `partNumber` and `revision` query parameters, both required.
pub fn part_and_revision(query: Option<&str>) -> Result<(String, String), ApiError> {
    let params = Params::parse(query)?;
    Ok((
        required_param(&params, "partNumber")?.to_owned(),
        required_param(&params, "revision")?.to_owned(),
    ))
}

//! Extractor configuration: turns every way a client can send a wrong body,
//! query string or path parameter into a problem with a Chinese detail.
//!
//! Registered once on the app (see [`crate::app`]); handlers just use
//! `web::Json<T>`, `web::Query<T>` and `web::Path<T>`.

use std::ops::{Deref, DerefMut};

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::web::{BytesMut, JsonConfig, PathConfig, QueryConfig};
use actix_web::{FromRequest, HttpMessage, HttpRequest, mime};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use qibao_app::error::ErrorCode;
use qibao_core::text::{self, TextKind};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::problem::{ApiError, FieldError};

/// The largest JSON body accepted (1 MiB).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// `web::Json` configuration: 1 MiB, `application/json` required,
/// problem responses.
pub fn json_config() -> JsonConfig {
    JsonConfig::default()
        .limit(JSON_LIMIT)
        .content_type_required(true)
        .error_handler(|err, _req| json_error(err).into())
}

/// A JSON request body, read like `web::Json` (`application/json`
/// required, at most [`JSON_LIMIT`], the same problems for a malformed or
/// wrongly shaped body) and held to the text policy first
/// ([`qibao_core::text`]): every string in the body, at any depth, is
/// printable — no NUL or other control character, bidi override,
/// zero-width character, BOM, noncharacter or private-use character — and
/// on one line unless its field is free text ([`MULTILINE_FIELDS`]). A
/// refused string is 400 `VALIDATION_FAILED` naming its field, and nothing
/// reaches a use case or the database. Handlers take `Json<T>` where they
/// took `web::Json<T>`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Fields of free text where line breaks are allowed (a reason, a
/// reviewer's comment); every other string is one line.
pub const MULTILINE_FIELDS: &[&str] = &["reason", "comment", "remark", "opinion"];

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload);
        Box::pin(async move { Ok(Json(body.await?)) })
    }
}

/// Reads and parses a JSON body for [`Json`] and [`LateJson`]: the
/// content type, the size limit, the text policy, then the typed parse.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
        m.type_() == mime::APPLICATION
            && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
    });
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if !is_json {
            return Err(json_error(JsonPayloadError::ContentType));
        }
        if declared.is_some_and(|n| n > JSON_LIMIT) {
            return Err(payload_too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(payload_error)?;
            if body.len() + chunk.len() > JSON_LIMIT {
                return Err(payload_too_large());
            }
            body.extend_from_slice(&chunk);
        }
        check_json_text(&body)?;
        serde_json::from_slice::<T>(&body).map_err(|e| serde_json_error(&e))
    })
}

/// A JSON body read exactly like [`Json`], whose problem (415, 413, 400)
/// the handler receives as a value and reports only after its own
/// authorization: a caller without the role gets 403 whatever it sent, as
/// for an endpoint whose role an extractor checks. Take `LateJson<T>` where
/// the role check is the handler's first statement, then
/// `let body = body.into_inner()?;`.
#[derive(Debug)]
pub struct LateJson<T>(Result<T, ApiError>);

impl<T> LateJson<T> {
    /// The parsed body, or the problem reading it.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for LateJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload);
        Box::pin(async move { Ok(LateJson(body.await)) })
    }
}

/// Holds a raw JSON body (read as bytes by a handler that also needs
/// them as sent, e.g. to log a tax message) to the same text policy as
/// [`Json`]; a body that is not JSON passes, for the typed parse to refuse.
pub fn check_json_text(body: &[u8]) -> Result<(), ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => check_text(&value, "", false),
        Err(_) => Ok(()),
    }
}

/// `body` as text that can be stored: invalid UTF-8 and NUL (which
/// PostgreSQL cannot store) become U+FFFD, for logging a message as sent.
pub fn storable_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).replace('\0', "\u{FFFD}")
}

/// Holds every string (and key) in `value` to the text policy; `path` is
/// the field's name as problems give it (`persons[2].name`).
fn check_text(value: &Value, path: &str, multiline: bool) -> Result<(), ApiError> {
    match value {
        Value::String(s) => {
            let kind = if multiline {
                TextKind::Multiline
            } else {
                TextKind::Line
            };
            text::check(s, kind).map_err(|e| {
                let field = if path.is_empty() { "body" } else { path };
                ApiError::invalid_field(field, e.to_string())
            })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_text(v, &format!("{path}[{i}]"), multiline)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            let field = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            text::check(k, TextKind::Line)
                .map_err(|e| ApiError::invalid_field("body", e.to_string()))?;
            check_text(v, &field, MULTILINE_FIELDS.contains(&k.as_str()))
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// A query string, parsed like `web::Query` (the same problems) after
/// every parameter name and value, decoded, passed the one-line text
/// policy ([`qibao_core::text`]): `?name=%00` is 400 naming `name`, never a
/// database error. Handlers take `Query<T>` where they took `web::Query<T>`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parsed parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(
            check_query(req.query_string())
                .map_err(Into::into)
                .and_then(|()| {
                    actix_web::web::Query::<T>::from_request(req, payload)
                        .into_inner()
                        .map(|q| Query(q.into_inner()))
                }),
        )
    }
}

/// Holds each decoded parameter of `query` to the one-line text policy.
fn check_query(query: &str) -> Result<(), ApiError> {
    if query.is_empty() {
        return Ok(());
    }
    // Undecodable strings are left to the typed parse's own problem.
    let Ok(pairs) = actix_web::web::Query::<Vec<(String, String)>>::from_query(query) else {
        return Ok(());
    };
    for (name, value) in pairs.iter() {
        text::check(name, TextKind::Line)
            .map_err(|e| ApiError::invalid_field("query", e.to_string()))?;
        text::check(value, TextKind::Line)
            .map_err(|e| ApiError::invalid_field(name.clone(), e.to_string()))?;
    }
    Ok(())
}

/// `web::Query` configuration with problem responses.
pub fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

/// `web::Path` configuration with problem responses.
pub fn path_config() -> PathConfig {
    PathConfig::default().error_handler(|err, req| path_error(err, req).into())
}

/// Maps a JSON extractor error to a problem.
pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            payload_too_large()
        }
        JsonPayloadError::ContentType => ApiError::new(ErrorCode::UnsupportedMediaType),
        JsonPayloadError::Deserialize(e) => serde_json_error(&e),
        JsonPayloadError::Payload(e) => payload_error(e),
        other => ApiError::internal_cause(format_args!("JSON extractor: {other}")),
    }
}

fn payload_too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge)
        .with_detail(format!("请求体过大：不能超过 {} KB。", JSON_LIMIT / 1024))
}

fn payload_error(err: PayloadError) -> ApiError {
    match err {
        PayloadError::Overflow => payload_too_large(),
        other => {
            log::info!("could not read request body: {other}");
            ApiError::new(ErrorCode::BadRequest).with_detail("请求体读取失败，请检查后重试。")
        }
    }
}

/// Maps a serde_json error: syntax errors are `MALFORMED_JSON`, shape and
/// type errors are `VALIDATION_FAILED` naming the field when the message
/// reveals it.
pub fn serde_json_error(err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;

    let (line, column) = (err.line(), err.column());
    let full = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();

    match err.classify() {
        Category::Syntax => ApiError::new(ErrorCode::MalformedJson).with_detail(format!(
            "请求体不是有效的 JSON：第 {line} 行第 {column} 列有语法错误（{message}）。"
        )),
        Category::Eof if line <= 1 && column == 0 => ApiError::new(ErrorCode::MalformedJson)
            .with_detail("请求体不是有效的 JSON：请求体为空。"),
        Category::Eof => ApiError::new(ErrorCode::MalformedJson).with_detail(format!(
            "请求体不是有效的 JSON：第 {line} 行第 {column} 列处意外结束，内容不完整。"
        )),
        Category::Data => {
            let position = if line > 0 {
                format!("第 {line} 行第 {column} 列：")
            } else {
                String::new()
            };
            ApiError::validation(vec![serde_field_error(&message, "body", &position)])
        }
        Category::Io => {
            ApiError::new(ErrorCode::BadRequest).with_detail("请求体读取失败，请检查后重试。")
        }
    }
}

/// Builds a field error from a serde message such as
/// "missing field `period`" or "invalid type: string \"x\", expected u32".
/// `location` names the field when the message does not (`body`, `query`).
pub fn serde_field_error(message: &str, location: &str, position: &str) -> FieldError {
    if let Some(field) = quoted_after(message, "missing field `") {
        return FieldError::new(field, "缺少必填字段。");
    }
    if let Some(field) = quoted_after(message, "unknown field `") {
        return FieldError::new(field, "不支持的字段，请删除。");
    }
    if let Some(field) = quoted_after(message, "duplicate field `") {
        return FieldError::new(field, "字段重复出现。");
    }
    let what = if message.starts_with("invalid type") {
        "值的类型不正确"
    } else if message.starts_with("invalid value") || message.starts_with("invalid length") {
        "值不正确"
    } else if message.starts_with("unknown variant") {
        "不是可选的值之一"
    } else {
        "内容不正确"
    };
    FieldError::new(location, format!("{position}{what}（{message}）。"))
}

/// The text between `prefix` and the next backtick.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    let end = rest.find('`')?;
    Some(&rest[..end])
}

/// Maps a query-string extractor error to a problem.
pub fn query_error(err: QueryPayloadError) -> ApiError {
    match err {
        QueryPayloadError::Deserialize(e) => {
            ApiError::validation(vec![serde_field_error(&e.to_string(), "query", "查询参数")])
        }
        other => {
            log::info!("bad query string: {other}");
            ApiError::invalid_field("query", "查询参数格式不正确。")
        }
    }
}

/// Maps a path-parameter extractor error to a problem, naming the
/// parameter when its value appears in the message.
pub fn path_error(err: PathError, req: &HttpRequest) -> ApiError {
    let message = match &err {
        PathError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let field = req
        .match_info()
        .iter()
        .find(|(_, value)| !value.is_empty() && message.contains(&format!("\"{value}\"")))
        .map(|(name, _)| name.to_owned())
        .unwrap_or_else(|| "path".to_owned());
    ApiError::invalid_field(field, format!("路径参数不正确（{message}）。"))
}

/// Whether the client asked for the work to run as a job (RFC 7240
/// `Prefer: respond-async`).
pub fn respond_async(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("Prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        period: String,
        count: u32,
    }

    fn parse(s: &str) -> ApiError {
        let err = serde_json::from_str::<Body>(s).unwrap_err();
        serde_json_error(&err)
    }

    #[test]
    fn syntax_error_is_malformed_json_with_location() {
        let e = parse("{\"period\" 1}");
        assert_eq!(e.code(), ErrorCode::MalformedJson);
        assert!(
            e.detail()
                .starts_with("请求体不是有效的 JSON：第 1 行第 11 列"),
            "{}",
            e.detail()
        );
        assert_eq!(parse("").code(), ErrorCode::MalformedJson);
        assert_eq!(parse("{\"period\":").code(), ErrorCode::MalformedJson);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = parse(r#"{"count": 1}"#);
        assert_eq!(e.code(), ErrorCode::ValidationFailed);
        assert_eq!(e.errors()[0].field, "period");

        let e = parse(r#"{"period": "202401", "count": 1, "x": 2}"#);
        assert_eq!(e.errors()[0].field, "x");

        let e = parse(r#"{"period": "202401", "count": "many"}"#);
        assert_eq!(e.errors()[0].field, "body");
        assert!(e.errors()[0].message.contains("值的类型不正确"));
    }
}

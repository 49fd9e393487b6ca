//! Extractor configuration: turns every way a client can send a wrong body,
//! query string or path parameter into a problem with a Chinese detail.
//!
//! Registered once on the app (see [`crate::app`]); handlers just use
//! `web::Json<T>`, `web::Query<T>` and `web::Path<T>`.

use actix_web::HttpRequest;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::web::{JsonConfig, PathConfig, QueryConfig};

use crate::problem::{ApiError, FieldError};

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
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "请求体必须是 application/json。",
        ),
        JsonPayloadError::Deserialize(e) => serde_json_error(&e),
        JsonPayloadError::Payload(e) => payload_error(e),
        other => ApiError::internal_cause(format_args!("JSON extractor: {other}")),
    }
}

fn payload_too_large() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("请求体过大：不能超过 {} KB。", JSON_LIMIT / 1024),
    )
}

fn payload_error(err: PayloadError) -> ApiError {
    match err {
        PayloadError::Overflow => payload_too_large(),
        other => {
            log::info!("could not read request body: {other}");
            ApiError::bad_request("BAD_REQUEST", "请求体读取失败，请检查后重试。")
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
        Category::Syntax => ApiError::bad_request(
            "MALFORMED_JSON",
            format!("请求体不是有效的 JSON：第 {line} 行第 {column} 列有语法错误（{message}）。"),
        ),
        Category::Eof if line <= 1 && column == 0 => {
            ApiError::bad_request("MALFORMED_JSON", "请求体不是有效的 JSON：请求体为空。")
        }
        Category::Eof => ApiError::bad_request(
            "MALFORMED_JSON",
            format!("请求体不是有效的 JSON：第 {line} 行第 {column} 列处意外结束，内容不完整。"),
        ),
        Category::Data => {
            let position = if line > 0 {
                format!("第 {line} 行第 {column} 列：")
            } else {
                String::new()
            };
            ApiError::validation(vec![serde_field_error(&message, "body", &position)])
        }
        Category::Io => ApiError::bad_request("BAD_REQUEST", "请求体读取失败，请检查后重试。"),
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
        assert_eq!(e.code(), "MALFORMED_JSON");
        assert!(
            e.detail()
                .starts_with("请求体不是有效的 JSON：第 1 行第 11 列"),
            "{}",
            e.detail()
        );
        assert_eq!(parse("").code(), "MALFORMED_JSON");
        assert_eq!(parse("{\"period\":").code(), "MALFORMED_JSON");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = parse(r#"{"count": 1}"#);
        assert_eq!(e.code(), "VALIDATION_FAILED");
        assert_eq!(e.errors()[0].field, "period");

        let e = parse(r#"{"period": "202401", "count": 1, "x": 2}"#);
        assert_eq!(e.errors()[0].field, "x");

        let e = parse(r#"{"period": "202401", "count": "many"}"#);
        assert_eq!(e.errors()[0].field, "body");
        assert!(e.errors()[0].message.contains("值的类型不正确"));
    }
}

//! The committed `openapi.yaml` must be exactly what the code generates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn committed_openapi_yaml_matches_the_code() {
    let generated = qibao_api::openapi::openapi_yaml().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with the code: run `make openapi` \
         (or `cargo run -p qibao-api -- openapi > openapi.yaml`) and commit the result",
        path.display()
    );
}

#[test]
fn spec_documents_the_probes_and_problem_schema() {
    let api = qibao_api::openapi::openapi();
    assert_eq!(api.info.title, "qibao API");
    for path in ["/healthz", "/readyz"] {
        let item = &api.paths.paths[path];
        let op = item.get.as_ref().unwrap();
        assert_eq!(op.tags.as_deref(), Some(&["system".to_owned()][..]));
    }
    let schemas = &api.components.as_ref().unwrap().schemas;
    assert!(schemas.contains_key("ProblemDoc"));
    assert!(schemas.contains_key("FieldError"));
    // Test-only routes never leak into the served spec.
    assert!(api.paths.paths.keys().all(|p| !p.contains("/test/")));
}

/// Issue 11: every operation that takes a body documents the 415 it
/// answers to a missing or wrong `Content-Type`; the few that read raw
/// bytes whatever the type (`RAW_BODY_OPERATIONS`, checked over HTTP in
/// qibao-e2e's text_policy) document none.
#[test]
fn every_body_taking_operation_documents_415() {
    use qibao_api::openapi::RAW_BODY_OPERATIONS;
    let api = qibao_api::openapi::openapi();
    let mut checked = 0;
    let mut raw = 0;
    for (path, item) in &api.paths.paths {
        for op in [&item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            if op.request_body.is_some() {
                let id = op.operation_id.as_deref().unwrap_or_default();
                if RAW_BODY_OPERATIONS.contains(&id) {
                    raw += 1;
                    assert!(!op.responses.responses.contains_key("415"), "{path}");
                } else {
                    checked += 1;
                    assert!(op.responses.responses.contains_key("415"), "{path}");
                }
            }
        }
    }
    assert!(checked > 30, "{checked}");
    assert_eq!(raw, RAW_BODY_OPERATIONS.len());
}

/// Every error response of every operation lists its codes, each a code
/// that is answered with that status; every code-like word a description
/// names in backticks is a code.
#[test]
fn every_error_response_lists_codes_of_its_status() {
    use qibao_api::openapi::{ERROR_CODES_EXTENSION, codes_named_in, unknown_codes_named_in};
    use qibao_app::error::{ErrorCode, ErrorKind};
    use utoipa::openapi::RefOr;

    let api = qibao_api::openapi::openapi();
    let mut responses = 0;
    for (path, item) in &api.paths.paths {
        for (method, op) in [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
        ] {
            let Some(op) = op else { continue };
            for (status, response) in &op.responses.responses {
                let status: u16 = status.parse().unwrap();
                let RefOr::T(response) = response else {
                    panic!("{method} {path} {status}: a $ref response")
                };
                let at = format!("{method} {path} {status}");
                assert!(
                    unknown_codes_named_in(&response.description).is_empty(),
                    "{at}: {:?} are not codes",
                    unknown_codes_named_in(&response.description)
                );
                let listed = response
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get(ERROR_CODES_EXTENSION))
                    .and_then(|v| v.as_array());
                if status < 400 {
                    assert!(listed.is_none(), "{at}");
                    continue;
                }
                responses += 1;
                let listed: Vec<ErrorCode> = listed
                    .unwrap_or_else(|| panic!("{at}: no {ERROR_CODES_EXTENSION}"))
                    .iter()
                    .map(|v| ErrorCode::parse(v.as_str().unwrap()).unwrap())
                    .collect();
                assert!(!listed.is_empty(), "{at}: lists no code");
                let kind = ErrorKind::of_status(status).unwrap();
                for code in &listed {
                    assert!(
                        code.allows(kind),
                        "{at}: {code} is answered with {}, not {status}",
                        code.status()
                    );
                    assert!(
                        response.description.contains(&format!("`{code}`")),
                        "{at}: the description does not name {code}"
                    );
                }
                let mut named = codes_named_in(&response.description);
                named.sort_unstable();
                named.dedup();
                assert!(
                    named.iter().all(|c| listed.contains(c)),
                    "{at}: {named:?} vs {listed:?}"
                );
            }
        }
    }
    assert!(responses > 400, "{responses}");
}

/// `ProblemDoc.code` is the enum of every code, which the spec describes
/// with each code's status.
#[test]
fn the_problem_code_is_the_enum_of_every_code() {
    use qibao_app::error::ErrorCode;

    let api = qibao_api::openapi::openapi();
    let json = serde_json::to_value(&api).unwrap();
    let schemas = &json["components"]["schemas"];
    assert_eq!(
        schemas["ProblemDoc"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let listed: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, all);
    let description = schemas["ErrorCode"]["description"].as_str().unwrap();
    assert!(description.contains("| `PERIOD_GAP` | 422 | 费款所属期不连续。 |"));
    assert!(description.contains("| `REGION_NOT_FOUND` | 404, 422 |"));
}

/// The operation of a requested path: templates match, the most literal
/// one wins, HEAD is GET, unknown paths and methods have none.
#[test]
fn documented_codes_find_the_operation_of_a_request() {
    use qibao_api::openapi::documented_codes;
    use qibao_app::error::ErrorCode;

    let api = qibao_api::openapi::openapi();
    let detail = documented_codes(&api, "GET", "/api/v1/portal/orders/2023042009301501").unwrap();
    assert!(detail[&404].contains(&ErrorCode::OrderNotFound));
    assert!(detail[&401].contains(&ErrorCode::TokenExpired));
    let head = documented_codes(&api, "HEAD", "/api/v1/portal/orders/2023042009301501").unwrap();
    assert_eq!(head, detail);
    let declare = documented_codes(&api, "POST", "/api/v1/portal/declarations").unwrap();
    assert!(declare[&422].contains(&ErrorCode::PeriodGap));
    assert!(declare[&415].contains(&ErrorCode::UnsupportedMediaType));
    assert!(documented_codes(&api, "GET", "/api/v1/no/such/thing").is_none());
    assert!(documented_codes(&api, "DELETE", "/api/v1/portal/declarations").is_none());
}

/// Issue 11: an answer writes every field of its type, `null` for none,
/// except the few left out when empty (`skip_serializing_if`). The spec
/// says so: every property of a schema that only answers use is
/// `required` (utoipa leaves an `Option` out of `required` unless told),
/// but for the properties below. A new `Option` field of an answer needs
/// `#[schema(required = true)]`, or its place here if it is skipped.
#[test]
fn every_property_an_answer_always_writes_is_required() {
    use serde_json::Value;
    use std::collections::BTreeSet;
    const LEFT_OUT_WHEN_EMPTY: &[&str] = &[
        "ProblemDoc.errors",
        "ProblemDoc.instance",
        "QrSessionView.units",
        "RefundDocument.paid_out_by",
        "RefundDocument.reviewed_by",
        "TokenResponse.refresh_token",
        "TokenResponse.staff",
        "TokenResponse.unit",
    ];
    let doc = serde_json::to_value(qibao_api::openapi::openapi()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();

    fn refs(node: &Value, schemas: &serde_json::Map<String, Value>, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(m) => {
                for (k, v) in m {
                    let target = v
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"));
                    match target {
                        Some(name) if k == "$ref" => {
                            if out.insert(name.to_owned()) {
                                refs(&schemas[name], schemas, out);
                            }
                        }
                        _ => refs(v, schemas, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, schemas, out)),
            _ => {}
        }
    }
    let (mut asked, mut answered) = (BTreeSet::new(), BTreeSet::new());
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            refs(&op["requestBody"], schemas, &mut asked);
            refs(&op["parameters"], schemas, &mut asked);
            refs(&op["responses"], schemas, &mut answered);
        }
    }

    fn optional(name: &str, s: &Value, out: &mut Vec<String>) {
        for key in ["allOf", "oneOf", "anyOf"] {
            for sub in s[key].as_array().into_iter().flatten() {
                optional(name, sub, out);
            }
        }
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (p, ps) in s["properties"].as_object().into_iter().flatten() {
            if !required.contains(&p.as_str()) {
                out.push(format!("{name}.{p}"));
            }
            optional(name, ps, out);
        }
        if s.get("items").is_some() {
            optional(name, &s["items"], out);
        }
    }
    let mut found = Vec::new();
    for name in answered.difference(&asked) {
        optional(name, &schemas[name.as_str()], &mut found);
    }
    let unexpected: Vec<&String> = found
        .iter()
        .filter(|f| !LEFT_OUT_WHEN_EMPTY.contains(&f.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "always written, yet not `required` in the spec: {unexpected:?}"
    );
    // The list above is still true: each is in the spec and optional.
    for f in LEFT_OUT_WHEN_EMPTY {
        assert!(found.iter().any(|x| x == f), "{f} is no longer optional");
    }
}

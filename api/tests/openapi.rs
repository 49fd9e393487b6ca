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
/// answers to a missing or wrong `Content-Type`.
#[test]
fn every_body_taking_operation_documents_415() {
    let api = qibao_api::openapi::openapi();
    let mut checked = 0;
    for (path, item) in &api.paths.paths {
        for op in [&item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            if op.request_body.is_some() {
                checked += 1;
                assert!(op.responses.responses.contains_key("415"), "{path}");
            }
        }
    }
    assert!(checked > 30, "{checked}");
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

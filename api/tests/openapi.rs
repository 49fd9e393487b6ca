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

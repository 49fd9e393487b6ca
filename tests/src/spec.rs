//! The spec's word against real answers (issue 11, "the spec matches every
//! answer"). Every answer that a scenario gets through [`crate::App`] is
//! checked against the OpenAPI document the code generates (the one
//! `openapi.yaml` holds, kept equal by the drift test): the status must be
//! documented for the operation, the content type must be one the
//! operation documents for that status, and a JSON body must validate
//! against the documented schema (JSON Schema 2020-12, as OpenAPI 3.1
//! says: a required property missing, a `null` where the schema is not
//! nullable, a wrong type or format, all fail).
//!
//! Answers of paths or methods the spec does not have (an unknown route,
//! the test-only routes) are not the spec's business and are skipped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// One documented operation: its method and path template.
struct Operation {
    method: String,
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param,
}

/// The spec of the code as JSON, with its operations indexed.
pub struct Spec {
    doc: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// What a check found wrong with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `METHOD /template STATUS`.
    pub operation: String,
    pub problems: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.operation, self.problems.join("; "))
    }
}

/// The spec, built once per test process.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc = serde_json::to_value(qibao_api::openapi::openapi()).expect("spec as JSON");
        Spec::new(doc)
    })
}

impl Spec {
    pub fn new(doc: Value) -> Spec {
        let mut operations = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (template, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                    if item.contains_key(method) {
                        operations.push(Operation {
                            method: method.to_ascii_uppercase(),
                            template: template.clone(),
                            segments: template
                                .split('/')
                                .map(|s| {
                                    if s.starts_with('{') && s.ends_with('}') {
                                        Segment::Param
                                    } else {
                                        Segment::Literal(s.to_owned())
                                    }
                                })
                                .collect(),
                        });
                    }
                }
            }
        }
        Spec {
            doc,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The documented operation a request went to: the template whose
    /// segments match, literal segments preferred over parameters
    /// (`/refund-applications/candidates` before `/{refund_no}`).
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method == method && op.segments.len() == parts.len())
            .filter(|op| {
                op.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                })
            })
            .max_by_key(|op| {
                op.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
    }

    /// The `operationId` of the documented operation a request went to.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<String> {
        let op = self.operation(method, path)?;
        self.doc["paths"][&op.template][op.method.to_ascii_lowercase()]["operationId"]
            .as_str()
            .map(str::to_owned)
    }

    /// Checks `example` against `schema` (a schema of this spec); the
    /// problems found.
    pub fn example_problems(&self, key: &str, schema: &Value, example: &Value) -> Vec<String> {
        self.validator(key, schema)
            .iter_errors(example)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect()
    }

    /// Checks one answer. `path` without the query; `content_type` as sent
    /// (parameters ignored); `body` parsed JSON (`Null` when not JSON or
    /// empty) and `text` the raw body. `None` when the spec has no such
    /// operation.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &Value,
        text: &str,
    ) -> Option<Result<(), Violation>> {
        let op = self.operation(method, path)?;
        let operation = format!("{} {} {status}", op.method, op.template);
        let responses =
            &self.doc["paths"][&op.template][op.method.to_ascii_lowercase()]["responses"];
        let key = status.to_string();
        let response = if responses.get(&key).is_some() {
            &responses[&key]
        } else if responses.get("default").is_some() {
            &responses["default"]
        } else {
            let documented: Vec<&String> = responses
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            return Some(Err(Violation {
                operation,
                problems: vec![format!(
                    "status {status} is not documented (documented: {documented:?}); body: {}",
                    excerpt(text)
                )],
            }));
        };
        let response = self.resolve(response);
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Some(if text.is_empty() {
                Ok(())
            } else {
                Err(Violation {
                    operation,
                    problems: vec![format!(
                        "a {media} body where the spec documents none: {}",
                        excerpt(text)
                    )],
                })
            });
        };
        if text.is_empty() && media.is_empty() {
            return Some(Err(Violation {
                operation,
                problems: vec![format!(
                    "an empty answer where the spec documents {:?}",
                    content.keys().collect::<Vec<_>>()
                )],
            }));
        }
        let Some(media_object) = content.get(&media) else {
            return Some(Err(Violation {
                operation,
                problems: vec![format!(
                    "content type {media:?} is not documented (documented: {:?})",
                    content.keys().collect::<Vec<_>>()
                )],
            }));
        };
        let is_json = media == "application/json" || media.ends_with("+json");
        let Some(schema) = media_object.get("schema").filter(|_| is_json) else {
            return Some(Ok(()));
        };
        if body.is_null() && text.trim() != "null" {
            return Some(Err(Violation {
                operation,
                problems: vec![format!(
                    "a {media} body that is not JSON: {}",
                    excerpt(text)
                )],
            }));
        }
        let validator = self.validator(&format!("{operation} {media}"), schema);
        let problems: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        Some(if problems.is_empty() {
            Ok(())
        } else {
            let mut problems = problems;
            problems.push(format!("body: {}", excerpt(text)));
            Err(Violation {
                operation,
                problems,
            })
        })
    }

    /// A `$ref` to a component response, followed.
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix('#')
                .and_then(|p| self.doc.pointer(p))
                .unwrap_or(node),
            None => node,
        }
    }

    /// The validator of one response schema: the schema as the root of a
    /// document that also carries the spec's `components`, so that its
    /// `#/components/schemas/…` references resolve.
    fn validator(&self, key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(key) {
            return v.clone();
        }
        let mut root = match schema {
            Value::Object(m) => m.clone(),
            other => {
                let mut m = serde_json::Map::new();
                m.insert("allOf".into(), Value::Array(vec![other.clone()]));
                m
            }
        };
        root.insert(
            "$schema".into(),
            Value::String("https://json-schema.org/draft/2020-12/schema".into()),
        );
        root.insert("components".into(), self.doc["components"].clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .unwrap_or_else(|e| panic!("the spec's schema for {key} does not compile: {e}"));
        let validator = Arc::new(validator);
        cache.insert(key.to_owned(), validator.clone());
        validator
    }
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(600).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

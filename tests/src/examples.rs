//! Recording the spec's examples from real answers (issue 14: "realistic
//! examples for every request and response").
//!
//! With `QIBAO_RECORD_EXAMPLES=<dir>` (`make examples`), the first
//! successful JSON answer of each operation and status that a scenario
//! gets, and the JSON body of the first request answered 2xx, are written
//! to `<dir>/<operationId>.<status>.json` and `<dir>/<operationId>.request.json`
//! (the first writer wins: scenarios run in parallel processes).
//! `scripts/examples.py` merges them into `api/examples.json`, which the
//! spec carries as the operations' examples; `spec_conformance` checks
//! every example against its schema, so they cannot drift from the code.

use std::io::Write;

use serde_json::Value;

use crate::Resp;
use crate::spec::spec;

/// The variable naming the directory to record into.
pub const RECORD_VAR: &str = "QIBAO_RECORD_EXAMPLES";

/// Records `resp` (and the request `body`) of `method path` when recording.
pub fn record(method: &str, path: &str, resp: &Resp, body: Option<&Value>) {
    let Some(dir) = std::env::var_os(RECORD_VAR) else {
        return;
    };
    if !(200..300).contains(&resp.status) || !resp.content_type.contains("json") {
        return;
    }
    let path = path.split('?').next().unwrap_or_default();
    let Some(id) = spec().operation_id(method, path) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    if !resp.body.is_null() {
        write_once(&dir.join(format!("{id}.{}.json", resp.status)), &resp.body);
    }
    if let Some(b) = body {
        write_once(&dir.join(format!("{id}.request.json")), b);
    }
}

fn write_once(file: &std::path::Path, v: &Value) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
    {
        let _ = f.write_all(
            serde_json::to_string_pretty(v)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
}

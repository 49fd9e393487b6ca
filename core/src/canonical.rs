//! Canonical JSON (RFC 8785, JCS): the bytes that certificates are signed
//! over and business items are hashed over, the same whatever order a
//! producer wrote the members in.

use std::fmt::Write as _;

use serde_json::Value;

/// Canonical JSON (RFC 8785, JCS, for the values certificates hold:
/// strings, integers, booleans, null, arrays, objects): object members
/// sorted by their names' UTF-16 code units, no insignificant whitespace,
/// strings escaped as ECMAScript's JSON.stringify does. Signatures and
/// hashes are taken over these bytes, whatever order the producer used.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        // Integers print the same in JCS; certificates hold no fractions
        // (money is a string).
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_members_and_drops_whitespace() {
        let v =
            json!({"b": [1, "x", true, null], "a": {"z": "甲\n\"", "y": -3}, "\u{e9}": 1, "é2": 2});
        assert_eq!(
            canonical_json(&v),
            "{\"a\":{\"y\":-3,\"z\":\"甲\\n\\\"\"},\"b\":[1,\"x\",true,null],\"é\":1,\"é2\":2}"
        );
        assert_eq!(canonical_json(&json!("\u{1}")), "\"\\u0001\"");
    }

    proptest! {
        #[test]
        fn canonical_json_round_trips_and_is_order_free(
            entries in proptest::collection::btree_map("[a-z甲乙]{0,4}", any::<i64>(), 0..8)
        ) {
            let forward: serde_json::Map<String, Value> =
                entries.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let reversed: serde_json::Map<String, Value> =
                entries.iter().rev().map(|(k, v)| (k.clone(), json!(v))).collect();
            let a = canonical_json(&Value::Object(forward));
            prop_assert_eq!(&a, &canonical_json(&Value::Object(reversed)));
            let back: Value = serde_json::from_str(&a).unwrap();
            prop_assert_eq!(canonical_json(&back), a);
        }

    }
}

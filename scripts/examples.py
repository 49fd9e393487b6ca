#!/usr/bin/env python3
"""Merges the examples recorded by the scenario tests (`make examples`,
QIBAO_RECORD_EXAMPLES) into api/examples.json: per operationId, the request
body and the answer of each 2xx status. Lists are cut to their first two
items so that the spec stays small; an operation no scenario answered keeps
its example from the previous file, and one the spec no longer has (the
spec, argv[3], when given) is dropped. The fallbacks below (SAME_AS) are
derived, so they are recomputed each time from their sources."""
import json
import pathlib
import re
import sys

src = pathlib.Path(sys.argv[1])
out = pathlib.Path(sys.argv[2])


def cut(v):
    if isinstance(v, list):
        return [cut(x) for x in v[:2]]
    if isinstance(v, dict):
        return {k: cut(x) for k, x in v.items()}
    return v


merged = json.loads(out.read_text()) if out.exists() else {}
if len(sys.argv) > 3:
    spec_ops = set(re.findall(r"^\s+operationId: (\w+)$", pathlib.Path(sys.argv[3]).read_text(), re.M))
    for gone in [op for op in merged if op not in spec_ops]:
        del merged[gone]
recorded = set()
for f in sorted(src.glob("*.json")):
    op, what, _ = f.name.rsplit(".", 2)
    recorded.add((op, what))
    entry = merged.setdefault(op, {})
    value = cut(json.loads(f.read_text()))
    if what == "request":
        entry["request"] = value
    else:
        entry.setdefault("responses", {})[what] = value
# Answers no scenario of qibao-e2e gets, taken from an operation that
# answers the same schema, with the fields that differ set.
JOB = {"kind": "declaration", "kind_label": "单位缴费申报", "state": "queued",
       "state_label": "排队中", "done": 0, "total": 0, "attempts": 0,
       "subject": "/api/v1/portal/declarations/202304",
       "started_at": None, "finished_at": None, "result": None, "error": None}
SAME_AS = {
    ("create_back_pay_declaration", "200"): ("create_back_pay_declaration", "201", {}),
    ("create_declaration", "202"): ("get_job", "200", JOB),
    ("create_back_pay_declaration", "202"): ("get_job", "200", dict(JOB, kind="back_pay_declaration", kind_label="单位补缴申报")),
    ("list_employees", "202"): ("get_job", "200", dict(JOB, kind="export", kind_label="数据导出", subject="/api/v1/portal/jobs/1/file")),
    ("list_paid_months", "202"): ("get_job", "200", dict(JOB, kind="export", kind_label="数据导出", subject="/api/v1/portal/jobs/1/file")),
    ("get_certificate", "200"): ("create_unit_certificate", "201", {}),
    ("get_refund", "200"): ("create_refund_payout", "200", {}),
    ("create_unit_deferral_confirmation", "200"): ("create_unit_deferral_confirmation", "201", {}),
}
for (op, status), (src_op, src_status, changes) in SAME_AS.items():
    source = merged.get(src_op, {}).get("responses", {}).get(src_status)
    if (op, status) not in recorded and source is not None:
        value = dict(source, **changes) if isinstance(source, dict) else source
        merged.setdefault(op, {}).setdefault("responses", {})[status] = value
if "list_certificates" not in merged and "create_unit_certificate" in merged:
    one = merged["create_unit_certificate"]["responses"]["201"]
    merged["list_certificates"] = {"responses": {"200": {
        "items": [one], "page": 1, "page_size": 20, "total": 1}}}
out.write_text(json.dumps(dict(sorted(merged.items())), ensure_ascii=False, indent=1) + "\n")
print(f"{out}: {len(merged)} operations")

//! Issue 13 scenarios: certificates issued from paid months, frozen,
//! signed and verified publicly; their PDFs; the order PDF; the
//! tamper-evident business record; over HTTP on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_app::certificates::{signing, verify_offline};
use qibao_e2e::fixtures::{Unit, declare_wages, set_today, tax_sim, unit_with_staff};
use qibao_e2e::{App, json, pdf_text};
use serde_json::Value;

const CERTS: &str = "/api/v1/portal/certificates";
const PUBLIC: &str = "/api/v1/public/certificates";

/// A unit of three employees that declared and paid 202208–202210 through
/// the simulated tax bureau; today is 2022-10-17.
fn paid_unit(app: &App, uscc: &str) -> (Unit, Vec<String>, qibao_tools::tax_sim::TaxSim) {
    let (mut u, nos) = unit_with_staff(app, uscc, Some(202207), 3);
    declare_wages(app, &u.token, 2022, &nos, "5000");
    let mut sim = tax_sim(app, "2022-08-15");
    for (day, period) in [
        ("2022-08-15", "202208"),
        ("2022-09-13", "202209"),
        ("2022-10-17", "202210"),
    ] {
        pay_month(app, &mut u, &mut sim, day, period);
    }
    (u, nos, sim)
}

fn pay_month(
    app: &App,
    u: &mut Unit,
    sim: &mut qibao_tools::tax_sim::TaxSim,
    day: &str,
    period: &str,
) -> Value {
    set_today(app, day, &mut [&mut *u]);
    let r = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({ "period": period }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let o = app.post_as("/api/v1/portal/orders", &u.token, &json!({}));
    assert_eq!(o.status, 201, "{}", o.text);
    sim.set_bank_date(Some(qibao_e2e::fixtures::date(day)));
    let stats = sim.round().unwrap();
    assert_eq!((stats.paid, stats.refused), (1, 0));
    o.body
}

fn unit_no(app: &App, u: &Unit) -> String {
    app.get_as("/api/v1/portal/unit", &u.token).body["unit_no"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn key_pem(app: &App) -> String {
    let r = app
        .client
        .get(app.url("/.well-known/qibao-certificate-key.pem"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().unwrap()
}

#[test]
fn a_unit_certificate_is_frozen_signed_and_verifiable_for_three_months() {
    let app = App::start("2022-05-10");
    let (mut u, nos, mut sim) = paid_unit(&app, "91420500MA0CERT01X");
    let mut other = unit_with_staff(&app, "91420500MA0CERT02X", Some(202207), 1).0;

    // Two chosen persons, three months back from 做账期号 202210.
    let r = app.post_as(
        &format!("{CERTS}/unit"),
        &u.token,
        &json!({"insurance": "110", "span_months": 3, "person_nos": [nos[1], nos[0]]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let cert = r.body.clone();
    let code = cert["code"].as_str().unwrap().to_owned();
    assert_eq!(
        r.headers["location"].to_str().unwrap(),
        format!("{CERTS}/{code}")
    );
    let c = &cert["content"];
    assert_eq!(c["kind"], "unit");
    assert_eq!(c["title"], "湖北省社会保险参保证明（单位专用）");
    assert_eq!(c["accounted_period"], "202210");
    assert_eq!(c["window"], json!({"from": "202208", "to": "202210"}));
    assert_eq!(c["headcount"], 3);
    assert_eq!(c["in_arrears"], false);
    assert_eq!(c["insurance"]["code"], "110");
    let rows = c["rows"].as_array().unwrap();
    let listed: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["person_no"].as_str().unwrap(),
                r["from"].as_str().unwrap(),
                r["to"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (nos[1].as_str(), "202208", "202210", "实缴到账"),
            (nos[0].as_str(), "202208", "202210", "实缴到账"),
        ]
    );
    // ID numbers masked as on the paper.
    for r in rows {
        let id = r["id_number_masked"].as_str().unwrap();
        assert!(id.contains("********"), "{id}");
    }

    // The public verification: no sign-in, the code as printed (spaces).
    let printed = c["code"].as_str().unwrap().to_owned();
    assert_eq!(printed.replace(' ', ""), code);
    let v = app.get(&format!("{PUBLIC}/{}", printed.replace(' ', "%20")));
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["content"], cert["content"]);
    assert_eq!(v.body["signature"], cert["signature"]);
    // Offline: the signature holds under the published key; one changed
    // byte of the content does not.
    let key = signing::public_key_from_pem(&key_pem(&app)).unwrap();
    let checked = verify_offline(&v.text, &key).unwrap();
    assert_eq!(checked.code, printed);
    let mut forged = v.body.clone();
    forged["content"]["rows"][0]["to"] = json!("202211");
    assert!(verify_offline(&forged.to_string(), &key).is_err());
    let mut forged = v.body.clone();
    forged["content"]["in_arrears"] = json!(true);
    assert!(verify_offline(&forged.to_string(), &key).is_err());
    // The public answer shows only what the paper shows: no full ID number.
    let full_ids = full_id_numbers(&app);
    for id in &full_ids {
        assert!(!v.text.contains(id.as_str()), "{id} in {}", v.text);
    }

    // The PDF says the same.
    let (status, ct, pdf) = app.get_bytes(&format!("{CERTS}/{code}/pdf"), &u.token);
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf);
    for needle in [
        "湖北省社会保险参保证明（单位专用）",
        "职工0",
        "职工1",
        "2022/08",
        "2022/10",
        "实缴到账",
        printed.as_str(),
        "202210",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    assert!(!text.contains("职工2"), "{text}");

    // Another unit's agent cannot read it through the portal.
    set_today(&app, "2022-10-17", &mut [&mut other]);
    app.get_as(&format!("{CERTS}/{code}"), &other.token)
        .assert_problem(404, "CERTIFICATE_NOT_FOUND");
    let (status, _, _) = app.get_bytes(&format!("{CERTS}/{code}/pdf"), &other.token);
    assert_eq!(status, 404);
    let listed = app.get_as(CERTS, &other.token);
    assert_eq!(listed.body["total"], 0);
    let mine = app.get_as(CERTS, &u.token);
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["items"][0]["content"], cert["content"]);

    // The unit suspends a person and pays another month: the certificate
    // still verifies with its frozen content.
    let s = app.post_as(
        &format!("/api/v1/portal/employees/{}/suspensions", nos[0]),
        &u.token,
        &json!({"stop_date": "2022-10-31", "reason": "解除劳动合同"}),
    );
    assert_eq!(s.status, 201, "{}", s.text);
    pay_month(&app, &mut u, &mut sim, "2022-11-14", "202211");
    let again = app.get(&format!("{PUBLIC}/{code}"));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body, v.body);
    // A new certificate shows the new month and the smaller headcount.
    let now = app.post_as(
        &format!("{CERTS}/unit"),
        &u.token,
        &json!({"insurance": "110", "span_months": 3}),
    );
    assert_eq!(now.status, 201, "{}", now.text);
    assert_eq!(now.body["content"]["accounted_period"], "202211");
    assert_eq!(now.body["content"]["headcount"], 2);
    assert_eq!(now.body["content"]["rows"].as_array().unwrap().len(), 3);

    // Three calendar months after issue (2022-10-17) it is gone.
    set_today(&app, "2023-01-16", &mut [&mut u]);
    assert_eq!(app.get(&format!("{PUBLIC}/{code}")).status, 200);
    set_today(&app, "2023-01-18", &mut [&mut u]);
    app.get(&format!("{PUBLIC}/{code}"))
        .assert_problem(410, "CERTIFICATE_EXPIRED");
    // Still listed for the unit that issued it.
    assert_eq!(app.get_as(&format!("{CERTS}/{code}"), &u.token).status, 200);
}

/// The full ID numbers of every person stored.
fn full_id_numbers(app: &App) -> Vec<String> {
    use diesel::prelude::*;
    use qibao_db::schema::persons;
    let mut conn = app.pool.get().unwrap();
    persons::table
        .select(persons::id_number)
        .load::<String>(&mut *conn)
        .unwrap()
}

#[test]
fn refusals_say_why_and_write_nothing() {
    let app = App::start("2022-05-10");
    let (u, nos, _) = paid_unit(&app, "91420500MA0CERT03X");
    let before = qibao_e2e::fixtures::row_count(&app, "certificates");
    for (body, status, code) in [
        (
            json!({"insurance": "110", "span_months": 4}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"insurance": "999", "span_months": 3}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"insurance": "110", "span_months": 3, "person_nos": ["99999999999"]}),
            422,
            "CERTIFICATE_PERSON_UNKNOWN",
        ),
        (
            json!({"insurance": "110", "span_months": 3, "extra": 1}),
            400,
            "VALIDATION_FAILED",
        ),
    ] {
        let r = app.post_as(&format!("{CERTS}/unit"), &u.token, &body);
        r.assert_problem(status, code);
    }
    let r = app.post_as(
        &format!("{CERTS}/personal"),
        &u.token,
        &json!({"person_no": "99999999999"}),
    );
    r.assert_problem(422, "CERTIFICATE_PERSON_UNKNOWN");
    assert_eq!(qibao_e2e::fixtures::row_count(&app, "certificates"), before);

    // The personal certificate: month by month, every insurance.
    let p = app.post_as(
        &format!("{CERTS}/personal"),
        &u.token,
        &json!({"person_no": nos[2], "span_months": 3}),
    );
    assert_eq!(p.status, 201, "{}", p.text);
    let c = &p.body["content"];
    assert_eq!(c["kind"], "personal");
    assert_eq!(c["months"].as_array().unwrap().len(), 9);
    assert_eq!(c["months_paid"], 3);
    let sum: i64 = c["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            qibao_e2e::fixtures::fen(&m["unit_amount"])
                + qibao_e2e::fixtures::fen(&m["individual_amount"])
        })
        .sum();
    assert_eq!(sum, qibao_e2e::fixtures::fen(&c["total"]));
    let code = p.body["code"].as_str().unwrap();
    let (_, _, pdf) = app.get_bytes(&format!("{CERTS}/{code}/pdf"), &u.token);
    let text = pdf_text(&pdf);
    assert!(text.contains("湖北省社会保险个人参保缴费证明"), "{text}");
    assert!(
        text.contains(c["total"].as_str().unwrap_or("?"))
            || text.contains(c["unit_total"].as_str().unwrap()),
        "{text}"
    );

    // Unknown codes are 404; guessing from one address is slowed down.
    app.get(&format!("{PUBLIC}/not-a-code"))
        .assert_problem(404, "CERTIFICATE_NOT_FOUND");
    let mut last = None;
    for i in 0..25 {
        let r = app.get(&format!(
            "{PUBLIC}/20221017000000ABCD{}",
            ["EF", "GH", "JK", "LM", "NP"][i % 5]
        ));
        last = Some(r.status);
        if r.status == 429 {
            r.assert_problem(429, "CERTIFICATE_LOOKUP_THROTTLED");
            assert!(r.headers.contains_key("retry-after"));
            break;
        }
        r.assert_problem(404, "CERTIFICATE_NOT_FOUND");
    }
    assert_eq!(last, Some(429));
    // A real code is refused too while the wait runs (no oracle).
    app.get(&format!("{PUBLIC}/{code}"))
        .assert_problem(429, "CERTIFICATE_LOOKUP_THROTTLED");
}

#[test]
fn the_order_pdf_shows_the_orders_figures_and_capitals() {
    let app = App::start("2022-05-10");
    let (u, _, _) = paid_unit(&app, "91420500MA0CERT04X");
    let orders = app.get_as("/api/v1/portal/orders", &u.token).body;
    let no = orders["items"][0]["order_no"].as_str().unwrap();
    let o = app
        .get_as(&format!("/api/v1/portal/orders/{no}"), &u.token)
        .body;
    let (status, ct, pdf) = app.get_bytes(&format!("/api/v1/portal/orders/{no}/pdf"), &u.token);
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf);
    let capitals = o["total_in_capitals"].as_str().unwrap();
    assert!(
        capitals.ends_with('整') || capitals.ends_with('分'),
        "{capitals}"
    );
    for needle in [
        "单位社会保险费应缴认定单",
        no,
        o["totals"]["total"].as_str().unwrap(),
        capitals,
        o["by_insurance"][0]["total"].as_str().unwrap(),
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    for l in app.order_lines(&u.token, no).as_array().unwrap() {
        assert!(text.contains(l["name"].as_str().unwrap()));
        assert!(text.contains(l["total"].as_str().unwrap()), "{l}");
    }
}

#[test]
fn the_order_pdf_details_interest_and_late_fees() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0CERT06X", Some(202302), 2);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2023-03-20", &mut [&mut u]);
    let r = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202303"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        app.post_as("/api/v1/portal/orders", &u.token, &json!({}))
            .status,
        201
    );
    // Left to expire, re-issued on 2023-04-10: 10 days of late fee and interest.
    set_today(&app, "2023-04-10", &mut [&mut u]);
    let o = app.post_as("/api/v1/portal/orders", &u.token, &json!({}));
    assert_eq!(o.status, 201, "{}", o.text);
    let no = o.body["order_no"].as_str().unwrap();
    assert_ne!(o.body["totals"]["late_fee"], "0.00");
    assert_ne!(o.body["totals"]["interest"], "0.00");
    let (_, _, pdf) = app.get_bytes(&format!("/api/v1/portal/orders/{no}/pdf"), &u.token);
    let text = pdf_text(&pdf);
    for needle in [
        "滞纳金",
        "利息",
        "日0.05%",
        o.body["totals"]["total"].as_str().unwrap(),
        o.body["totals"]["late_fee"].as_str().unwrap(),
        o.body["totals"]["interest"].as_str().unwrap(),
        o.body["total_in_capitals"].as_str().unwrap(),
        "2023年04月",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    for l in app.order_lines(&u.token, no).as_array().unwrap() {
        assert!(text.contains(l["late_fee"].as_str().unwrap()), "{l}");
    }
}

#[test]
fn the_audit_verification_names_a_hand_edited_item() {
    use diesel::connection::SimpleConnection;
    let app = App::start("2022-05-10");
    let (u, _, _) = paid_unit(&app, "91420500MA0CERT05X");
    let no = unit_no(&app, &u);
    let staff = app.staff_token();
    let path = format!("/api/v1/staff/units/{no}/audit-verification");
    let r = app.get_as(&path, &staff);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["intact"], true, "{}", r.text);
    assert!(r.body["links"].as_i64().unwrap() >= r.body["items"].as_i64().unwrap());
    assert!(r.body["items"].as_i64().unwrap() >= 6);
    // Only staff.
    assert_eq!(app.get_as(&path, &u.token).status, 403);

    let items = app.get_as("/api/v1/portal/business-items", &u.token).body;
    let victim = items["items"][1]["id"].as_i64().unwrap();
    let mut conn = app.pool.get().unwrap();
    conn.batch_execute(&format!(
        "UPDATE business_items SET actor = 'agent:0:改' WHERE id = {victim}"
    ))
    .unwrap();
    drop(conn);
    let r = app.get_as(&path, &staff);
    assert_eq!(r.body["intact"], false, "{}", r.text);
    assert_eq!(r.body["first_problem"]["code"], "item_changed");
    assert_eq!(r.body["first_problem"]["business_item_id"], victim);
    assert!(
        r.body["first_problem"]["message"]
            .as_str()
            .unwrap()
            .contains(&victim.to_string())
    );
}

#[test]
fn orders_and_paid_months_export_as_csv_and_xlsx() {
    let app = App::start("2022-05-10");
    let (u, nos, _) = paid_unit(&app, "91420500MA0CERT07X");
    let orders = app.get_as("/api/v1/portal/orders", &u.token).body;
    let no = orders["items"][0]["order_no"].as_str().unwrap();
    let lines = app.order_lines(&u.token, no);
    let (status, ct, csv) = app.get_bytes(
        &format!("/api/v1/portal/orders/{no}/lines?format=csv"),
        &u.token,
    );
    assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("\u{feff}姓名,个人编号,险种,所属期"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), lines.as_array().unwrap().len() + 1);
    for l in lines.as_array().unwrap() {
        let row = format!(
            "{},{},{},{}",
            l["name"].as_str().unwrap(),
            l["person_no"].as_str().unwrap(),
            l["insurance_name"].as_str().unwrap(),
            l["period"].as_str().unwrap()
        );
        assert!(csv.contains(&row), "{row} not in {csv}");
        assert!(csv.contains(l["total"].as_str().unwrap()));
    }
    let (status, ct, xlsx) = app.get_bytes(
        &format!("/api/v1/portal/orders/{no}/lines?format=xlsx"),
        &u.token,
    );
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/vnd.openxmlformats"));
    assert!(xlsx.starts_with(b"PK"));
    app.get_as(
        &format!("/api/v1/portal/orders/{no}/lines?format=pdf"),
        &u.token,
    )
    .assert_problem(400, "VALIDATION_FAILED");

    let (status, _, paid) = app.get_bytes(
        "/api/v1/portal/paid-months?format=csv&insurance=110",
        &u.token,
    );
    assert_eq!(status, 200);
    let paid = String::from_utf8(paid).unwrap();
    assert_eq!(paid.lines().count(), nos.len() + 1, "{paid}");
    for n in &nos {
        assert!(paid.contains(&format!("{n},")), "{paid}");
    }
    assert!(paid.contains("202208-202210,3,202210"), "{paid}");
    let (status, _, x) = app.get_bytes("/api/v1/portal/paid-months?format=xlsx", &u.token);
    assert_eq!(status, 200);
    assert!(x.starts_with(b"PK"));
}

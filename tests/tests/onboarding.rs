//! Issue 3's whole onboarding story in one scenario, as the counter, the
//! legal representative, the e-social-card platform and an agent play it:
//! staff register a unit → the legal representative signs in with the
//! one-time password, changes it, adds two agents and a refund bank account →
//! an agent signs in by QR through the (simulated) card platform → reads the
//! unit's information and change history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::esscard::{self, DEV_PRIVATE_KEY_PEM};
use qibao_core::ids::{resident_id_check_char, uscc_check_char};
use qibao_e2e::{App, json};
use reqwest::Method;

fn resident(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

#[test]
fn staff_register_legal_rep_sets_up_agent_signs_in_by_qr() {
    let app = App::start("2023-04-20");
    let staff = app.staff_token();

    // 1. The counter registers the unit.
    let stem = "91420500MA4C87Q1W";
    let uscc = format!("{stem}{}", uscc_check_char(stem).unwrap());
    let rep_id = resident("42050019700101001");
    let r = app.post_as(
        "/api/v1/staff/units",
        &staff,
        &json!({
            "uscc": uscc, "name": "宜昌市夷陵示例机械有限公司", "unit_type": "企业",
            "economic_type": "有限责任公司", "industry": "通用设备制造业",
            "risk_class": 3, "floating_factor": 100, "region": "420500",
            "address": "湖北省宜昌市夷陵区发展大道8号", "postcode": "443100", "phone": "0717-7812345",
            "legal_representative": { "name": "刘建国", "id_type": "resident", "id_number": rep_id, "phone": "13972012345" },
            "insurances": [
                { "insurance": "110", "start_period": "202304" },
                { "insurance": "210", "start_period": "202304" },
                { "insurance": "410", "start_period": "202304" }
            ],
            "collection_method": "tax"
        }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let unit_no = r.body["unit"]["unit_no"].as_str().unwrap().to_owned();
    let otp = r.body["legal_rep_account"]["one_time_password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(unit_no.len(), 9);

    // 2. The legal representative signs in and must change the password first.
    let login = app.post(
        "/api/v1/auth/password-login",
        &json!({ "uscc": uscc, "password": otp }),
    );
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["must_change_password"], true);
    let first = login.body["access_token"].as_str().unwrap().to_owned();
    app.get_as("/api/v1/portal/unit", &first)
        .assert_problem(403, "PASSWORD_CHANGE_REQUIRED");
    let changed = app.call(
        Method::PUT,
        "/api/v1/portal/password",
        &first,
        Some(&json!({ "current_password": otp, "new_password": "Yiling2023ok" })),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);
    let rep = changed.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(changed.body["must_change_password"], false);

    // 3. Two agents and the refund bank account.
    let agent1 = resident("42050019920305002");
    let agent2 = resident("42050619880712004");
    for (id, name, dept) in [
        (&agent1, "周小梅", "人力资源部"),
        (&agent2, "吴刚", "财务部"),
    ] {
        let r = app.post_as(
            "/api/v1/portal/agents",
            &rep,
            &json!({ "id_number": id, "name": name, "department": dept, "phone": "13972010000" }),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app.post_as(
        "/api/v1/portal/bank-accounts",
        &rep,
        &json!({ "bank_name": "中国工商银行宜昌夷陵支行", "account_name": "宜昌市夷陵示例机械有限公司", "account_number": "1807012309024512345" }),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.text);

    // 4. Agent 周小梅 scans the portal's QR code; the card platform confirms.
    let qr = app.post("/api/v1/auth/qr-sessions", &json!({}));
    assert_eq!(qr.status, 201, "{}", qr.text);
    let ticket = qr.body["ticket"].as_str().unwrap().to_owned();
    let pending = app.get(&format!("/api/v1/auth/qr-sessions/{ticket}"));
    assert_eq!(pending.body["status"], "pending");
    let signed = esscard::sign_confirmation(
        DEV_PRIVATE_KEY_PEM,
        &ticket,
        &agent1,
        "周小梅",
        "platform-confirmation-0001",
        app.server.clock.now_utc(),
    )
    .unwrap();
    let c = app.post(
        "/api/v1/auth/esscard/confirmations",
        &json!({ "confirmation": signed }),
    );
    assert!(c.status == 200 || c.status == 201, "{}", c.text);
    let polled = app.get(&format!("/api/v1/auth/qr-sessions/{ticket}"));
    assert_eq!(polled.body["status"], "confirmed", "{}", polled.text);
    assert_eq!(polled.body["units"][0]["unit_no"], unit_no.as_str());
    let t = app.post(
        &format!("/api/v1/auth/qr-sessions/{ticket}/tokens"),
        &json!({ "unit_no": unit_no }),
    );
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.body["role"], "agent");
    let agent = t.body["access_token"].as_str().unwrap().to_owned();
    // The ticket is single-use.
    let again = app.post(
        &format!("/api/v1/auth/qr-sessions/{ticket}/tokens"),
        &json!({ "unit_no": unit_no }),
    );
    assert_eq!(again.status, 409, "{}", again.text);

    // 5. The agent reads the unit's information and its change history.
    let info = app.get_as("/api/v1/portal/unit", &agent);
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.body["unit_no"], unit_no.as_str());
    assert_eq!(info.body["agents"].as_array().unwrap().len(), 2);
    assert_eq!(info.body["bank_accounts"].as_array().unwrap().len(), 1);
    let codes: Vec<&str> = info.body["insurances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["insurance"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["110", "210", "410"]);
    let history = app.get_as("/api/v1/portal/unit/change-history", &agent);
    assert_eq!(history.status, 200, "{}", history.text);
    let kinds: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    for expected in [
        "unit_registration",
        "password_change",
        "agent_added",
        "agent_added",
    ] {
        assert!(kinds.contains(&expected), "{kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "agent_added").count(), 2);
    // Agents cannot manage agents (FAQ 31).
    app.post_as(
        "/api/v1/portal/agents",
        &agent,
        &json!({ "id_number": resident("42050019900101003"), "name": "郑和", "phone": "13972010001" }),
    )
    .assert_problem(403, "LEGAL_REP_ONLY");
}

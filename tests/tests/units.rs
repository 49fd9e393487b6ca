//! Issue 3, the unit side: registration at the counter, USCC exceptions,
//! the unit's comprehensive information and change history, general
//! changes, agents, the refund bank account, adding and removing
//! insurances, and the isolation of units from each other. Over HTTP, on
//! SQLite or PostgreSQL (QIBAO_TEST_DATABASE_URL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use qibao_api::auth::{Role, StaffRole};
use qibao_db::ids::UnitId;
use qibao_db::schema::{
    agents, auth_sessions, business_items, number_sequences, unit_accounts, unit_bank_accounts,
    unit_injury_factors, units,
};
use qibao_e2e::{App, Resp, json};
use reqwest::Method;
use serde_json::Value;

const TODAY: &str = "2023-04-20";
const STAFF_UNITS: &str = "/api/v1/staff/units";
const EXCEPTIONS: &str = "/api/v1/staff/uscc-exceptions";
const UNIT: &str = "/api/v1/portal/unit";
const HISTORY: &str = "/api/v1/portal/unit/change-history";
const INSURANCES: &str = "/api/v1/portal/unit/insurances";
const AGENTS: &str = "/api/v1/portal/agents";
const BANK: &str = "/api/v1/portal/bank-accounts";

// ---------------------------------------------------------------- identifiers

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_check(first17: &str) -> char {
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| USCC_ALPHABET.find(c).unwrap() as u32 * w)
        .sum();
    USCC_ALPHABET
        .chars()
        .nth(((31 - sum % 31) % 31) as usize)
        .unwrap()
}

/// A valid USCC, distinct for each `n`.
fn uscc(n: u32) -> String {
    let stem = format!("91420500MA4C8{n:04}");
    format!("{stem}{}", uscc_check(&stem))
}

/// A USCC of the right form whose check character is wrong.
fn bad_uscc(n: u32) -> String {
    let good = uscc(n);
    let last = good.chars().last().unwrap();
    let wrong = if last == '0' { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

fn resident(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

fn rep_id() -> String {
    resident("42050019700101001")
}

// ---------------------------------------------------------------- fixtures

fn registration(uscc: &str, name: &str) -> Value {
    json!({
        "uscc": uscc,
        "name": name,
        "unit_type": "企业",
        "economic_type": "有限责任公司",
        "industry": "软件和信息技术服务业",
        "risk_class": 2,
        "floating_factor": 80,
        "region": "420500",
        "address": "湖北省宜昌市西陵区东山大道100号",
        "postcode": "443000",
        "phone": "0717-6441234",
        "contact_name": "王会计",
        "contact_phone": "13972011111",
        "legal_representative": {
            "name": "刘建国",
            "id_type": "resident",
            "id_number": rep_id(),
            "phone": "13972012345"
        },
        "insurances": [
            { "insurance": "110", "start_period": "202304" },
            { "insurance": "210", "start_period": "202304" },
            { "insurance": "410", "start_period": "202304" }
        ],
        "collection_method": "tax"
    })
}

struct Reg {
    unit_id: UnitId,
    unit_no: String,
    uscc: String,
    name: String,
    body: Value,
}

fn register_body(app: &App, body: Value) -> Reg {
    let r = app.post_as(STAFF_UNITS, &app.staff_token(), &body);
    assert_eq!(r.status, 201, "{}", r.text);
    let unit_no = r.body["unit"]["unit_no"].as_str().unwrap().to_owned();
    let unit_id = unit_id_of(app, &unit_no);
    Reg {
        unit_id,
        unit_no,
        uscc: r.body["unit"]["uscc"].as_str().unwrap().to_owned(),
        name: r.body["unit"]["name"].as_str().unwrap().to_owned(),
        body: r.body,
    }
}

fn register(app: &App, n: u32) -> Reg {
    register_body(
        app,
        registration(&uscc(n), &format!("宜昌市测试{n}科技有限公司")),
    )
}

fn unit_id_of(app: &App, unit_no: &str) -> UnitId {
    let mut conn = app.pool.get().unwrap();
    units::table
        .filter(units::unit_no.eq(unit_no))
        .select(units::id)
        .first(&mut *conn)
        .unwrap()
}

fn legal_rep(app: &App, reg: &Reg) -> String {
    app.mint(Role::LegalRep, &reg.uscc, "刘建国", Some(reg.unit_id), &[])
}

fn agent_token(app: &App, unit_id: UnitId, id_number: &str, name: &str) -> String {
    app.mint(Role::Agent, id_number, name, Some(unit_id), &[])
}

fn payroll_token(app: &App, unit_id: UnitId) -> String {
    app.mint(Role::Payroll, "pk_test", "薪资软件", Some(unit_id), &[])
}

fn staff_with(app: &App, roles: &[StaffRole]) -> String {
    app.mint(Role::Staff, "clerk01", "柜员甲", None, roles)
}

fn patch(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(Method::PATCH, path, token, Some(body))
}

fn put(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(Method::PUT, path, token, Some(body))
}

fn delete(app: &App, path: &str, token: &str) -> Resp {
    app.call(Method::DELETE, path, token, None)
}

/// Rows of the tables a refused request must not touch.
fn counts(app: &App) -> (i64, i64, i64, i64, i64, i64) {
    let mut conn = app.pool.get().unwrap();
    let c = &mut *conn;
    (
        units::table.count().get_result(c).unwrap(),
        unit_accounts::table.count().get_result(c).unwrap(),
        business_items::table.count().get_result(c).unwrap(),
        agents::table.count().get_result(c).unwrap(),
        unit_bank_accounts::table.count().get_result(c).unwrap(),
        number_sequences::table
            .find("unit_no")
            .select(number_sequences::next_value)
            .first(c)
            .unwrap(),
    )
}

fn items_of(app: &App, unit_id: UnitId) -> i64 {
    let mut conn = app.pool.get().unwrap();
    business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

fn add_agent(app: &App, token: &str, first17: &str, name: &str) -> (i64, String) {
    let id = resident(first17);
    let r = app.post_as(
        AGENTS,
        token,
        &json!({ "id_number": id, "name": name, "department": "人力资源部", "phone": "13972010000" }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    (r.body["id"].as_i64().unwrap(), id)
}

fn add_account(app: &App, token: &str, reg: &Reg, number: &str) -> Resp {
    app.post_as(
        BANK,
        token,
        &json!({ "bank_name": "中国工商银行宜昌西陵支行", "account_name": reg.name, "account_number": number }),
    )
}

// ---------------------------------------------------------------- registration

#[test]
fn registration_allocates_a_number_and_issues_a_one_time_password() {
    let app = App::start(TODAY);
    let reg = register(&app, 1);
    let b = &reg.body;
    assert_eq!(reg.unit_no.len(), 9);
    assert!(reg.unit_no.chars().all(|c| c.is_ascii_digit()));
    let password = b["legal_rep_account"]["one_time_password"]
        .as_str()
        .unwrap();
    assert_eq!(password.len(), 12);
    assert_eq!(b["legal_rep_account"]["login"], reg.uscc);
    assert_eq!(b["legal_rep_account"]["must_change_password"], true);

    let u = &b["unit"];
    assert_eq!(u["name"], "宜昌市测试1科技有限公司");
    assert_eq!(u["risk_class"], 2);
    assert_eq!(u["floating_factor"], 80);
    assert_eq!(
        u["region"],
        json!({ "code": "420500", "name": "宜昌市本级" })
    );
    assert_eq!(u["collection_method"], "tax");
    assert_eq!(u["collection_method_name"], "税务征收");
    assert_eq!(u["legal_representative"]["id_type_name"], "居民身份证");
    assert_eq!(
        u["legal_representative"]["id_number_masked"],
        format!("420500********{}", &rep_id()[14..])
    );
    let ins = u["insurances"].as_array().unwrap();
    assert_eq!(ins.len(), 3);
    for (i, code) in ["110", "210", "410"].iter().enumerate() {
        assert_eq!(ins[i]["insurance"], *code);
        assert_eq!(ins[i]["status"], "active");
        assert_eq!(ins[i]["start_period"], "202304");
        assert_eq!(ins[i]["latest_accounted_period"], Value::Null);
    }

    // The account: argon2id hash of the one-time password, to be changed.
    let mut conn = app.pool.get().unwrap();
    let (hash, must_change): (String, bool) = unit_accounts::table
        .filter(unit_accounts::unit_id.eq(reg.unit_id))
        .select((
            unit_accounts::password_hash,
            unit_accounts::must_change_password,
        ))
        .first(&mut *conn)
        .unwrap();
    assert!(must_change);
    assert!(qibao_api::auth::password::verify_password(password, &hash));
    // The factor is in force from the first start month.
    let factor: (i32, i16) = unit_injury_factors::table
        .filter(unit_injury_factors::unit_id.eq(reg.unit_id))
        .select((
            unit_injury_factors::from_period,
            unit_injury_factors::factor_pct,
        ))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(factor, (202304, 80));
    // One business item, never holding the password.
    let items: Vec<(String, String, Option<String>)> = business_items::table
        .filter(business_items::unit_id.eq(reg.unit_id))
        .select((
            business_items::kind,
            business_items::channel,
            business_items::after_json,
        ))
        .load(&mut *conn)
        .unwrap();
    drop(conn);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].0, "unit_registration");
    assert_eq!(items[0].1, "counter");
    let after = items[0].2.as_deref().unwrap();
    assert!(after.contains(&reg.unit_no));
    assert!(!after.contains(password));
    assert!(
        !after.contains(&rep_id()),
        "the full ID number stays out of items"
    );

    // Staff see the same comprehensive information as the unit.
    let staff_view = app.get_as(
        &format!("{STAFF_UNITS}/{}", reg.unit_no),
        &app.staff_token(),
    );
    assert_eq!(staff_view.status, 200, "{}", staff_view.text);
    let portal_view = app.get_as(UNIT, &legal_rep(&app, &reg));
    assert_eq!(portal_view.status, 200, "{}", portal_view.text);
    assert_eq!(staff_view.body, portal_view.body);
    assert_eq!(portal_view.body, b["unit"]);

    // A second unit gets the next number.
    let second = register(&app, 2);
    assert_eq!(
        second.unit_no.parse::<u64>().unwrap(),
        reg.unit_no.parse::<u64>().unwrap() + 1
    );
}

#[test]
fn registration_converts_a_fifteen_digit_id_and_accepts_other_documents() {
    let app = App::start(TODAY);
    let mut body = registration(&uscc(3), "宜昌市旧号科技有限公司");
    body["legal_representative"]["id_number"] = json!("420500700101001");
    let reg = register_body(&app, body);
    let notices = reg.body["notices"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n.as_str().unwrap().contains(&rep_id())),
        "{notices:?}"
    );
    let mut body = registration(&uscc(4), "宜昌市外资科技有限公司");
    body["legal_representative"]["id_type"] = json!("passport");
    body["legal_representative"]["id_number"] = json!("e12345678");
    let reg = register_body(&app, body);
    assert_eq!(
        reg.body["unit"]["legal_representative"]["id_number_masked"],
        "E1*****78"
    );
    assert_eq!(
        reg.body["unit"]["legal_representative"]["id_type_name"],
        "护照"
    );
}

#[test]
fn duplicate_uscc_is_refused_naming_the_unit_and_writes_nothing() {
    let app = App::start(TODAY);
    let first = register(&app, 5);
    let before = counts(&app);
    let mut body = registration(&uscc(5).to_lowercase(), "另一个名称有限公司");
    body["risk_class"] = json!(1);
    body["floating_factor"] = json!(100);
    let r = app.post_as(STAFF_UNITS, &app.staff_token(), &body);
    r.assert_problem(409, "UNIT_EXISTS");
    assert!(
        r.body["detail"].as_str().unwrap().contains(&first.unit_no),
        "{}",
        r.text
    );
    assert_eq!(counts(&app), before);
}

#[test]
fn bad_registrations_name_the_fields_and_write_nothing() {
    let app = App::start(TODAY);
    let token = app.staff_token();
    let before = counts(&app);
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, u16, &str, &str)> = vec![
        (
            "USCC checksum",
            |b| b["uscc"] = json!(bad_uscc(6)),
            400,
            "VALIDATION_FAILED",
            "uscc",
        ),
        (
            "USCC form",
            |b| b["uscc"] = json!("91420500MA4C8QD2I"),
            400,
            "VALIDATION_FAILED",
            "uscc",
        ),
        (
            "ID checksum",
            |b| {
                let mut id = rep_id();
                let last = if id.ends_with('0') { "1" } else { "0" };
                id.replace_range(17..18, last);
                b["legal_representative"]["id_number"] = json!(id);
            },
            400,
            "VALIDATION_FAILED",
            "legal_representative.id_number",
        ),
        (
            "ID type",
            |b| b["legal_representative"]["id_type"] = json!("driver_licence"),
            400,
            "VALIDATION_FAILED",
            "legal_representative.id_type",
        ),
        (
            "unknown region",
            |b| b["region"] = json!("429999"),
            422,
            "REGION_NOT_FOUND",
            "region",
        ),
        (
            "region form",
            |b| b["region"] = json!("4205"),
            400,
            "VALIDATION_FAILED",
            "region",
        ),
        (
            "risk class",
            |b| b["risk_class"] = json!(9),
            400,
            "VALIDATION_FAILED",
            "risk_class",
        ),
        (
            "factor for the class",
            |b| {
                b["risk_class"] = json!(1);
                b["floating_factor"] = json!(80);
            },
            400,
            "VALIDATION_FAILED",
            "floating_factor",
        ),
        (
            "start after next month",
            |b| b["insurances"][1]["start_period"] = json!("202306"),
            422,
            "REGISTRATION_REFUSED",
            "insurances[1].start_period",
        ),
        (
            "start period form",
            |b| b["insurances"][0]["start_period"] = json!("2023-04"),
            400,
            "VALIDATION_FAILED",
            "insurances[0].start_period",
        ),
        (
            "medical insurance",
            |b| b["insurances"][0]["insurance"] = json!("310"),
            400,
            "VALIDATION_FAILED",
            "insurances[0].insurance",
        ),
        (
            "duplicate insurance",
            |b| b["insurances"][2]["insurance"] = json!("110"),
            400,
            "VALIDATION_FAILED",
            "insurances[2].insurance",
        ),
        (
            "no insurance",
            |b| b["insurances"] = json!([]),
            400,
            "VALIDATION_FAILED",
            "insurances",
        ),
        (
            "collection by agency",
            |b| b["collection_method"] = json!("agency"),
            422,
            "REGISTRATION_REFUSED",
            "collection_method",
        ),
        (
            "postcode",
            |b| b["postcode"] = json!("4430"),
            400,
            "VALIDATION_FAILED",
            "postcode",
        ),
        (
            "phone",
            |b| b["phone"] = json!("12345"),
            400,
            "VALIDATION_FAILED",
            "phone",
        ),
        (
            "legal representative's phone",
            |b| b["legal_representative"]["phone"] = json!("abc"),
            400,
            "VALIDATION_FAILED",
            "legal_representative.phone",
        ),
        (
            "blank name",
            |b| b["name"] = json!("  "),
            400,
            "VALIDATION_FAILED",
            "name",
        ),
        (
            "missing address",
            |b| {
                b.as_object_mut().unwrap().remove("address");
            },
            400,
            "VALIDATION_FAILED",
            "address",
        ),
        (
            "missing legal representative",
            |b| {
                b.as_object_mut().unwrap().remove("legal_representative");
            },
            400,
            "VALIDATION_FAILED",
            "legal_representative",
        ),
        (
            "e-mail",
            |b| b["email"] = json!("not-an-address"),
            400,
            "VALIDATION_FAILED",
            "email",
        ),
        (
            "unknown field",
            |b| b["unit_no"] = json!("100000001"),
            400,
            "VALIDATION_FAILED",
            "unit_no",
        ),
    ];
    for (what, edit, status, code, field) in cases {
        let mut body = registration(&uscc(6), "宜昌市坏数据有限公司");
        edit(&mut body);
        let r = app.post_as(STAFF_UNITS, &token, &body);
        assert_eq!(r.status, status, "{what}: {}", r.text);
        r.assert_problem(status, code);
        assert!(
            r.error_fields().contains(&field.to_owned()),
            "{what}: expected field {field} in {}",
            r.text
        );
        assert_eq!(counts(&app), before, "{what} wrote something");
    }

    // Several problems are reported together.
    let mut body = registration(&bad_uscc(7), "宜昌市多错有限公司");
    body["postcode"] = json!("x");
    body["risk_class"] = json!(0);
    let r = app.post_as(STAFF_UNITS, &token, &body);
    r.assert_problem(400, "VALIDATION_FAILED");
    let fields = r.error_fields();
    for f in ["uscc", "postcode", "risk_class"] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }
    let r = app.post_raw(STAFF_UNITS, "application/json", "{\"uscc\": ");
    assert_eq!(r.status, 401, "no token comes first: {}", r.text);
    let r = app
        .client
        .post(app.url(STAFF_UNITS))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"uscc\": ")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(counts(&app), before);
}

#[test]
fn a_registered_uscc_exception_lets_exactly_that_code_register() {
    let app = App::start(TODAY);
    let code = bad_uscc(8);
    let body = registration(&code, "宜昌市试点老企业有限公司");
    let r = app.post_as(STAFF_UNITS, &app.staff_token(), &body);
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["uscc"]);

    let exception = json!({ "uscc": code, "reason": "早期试点地区发放，已核对营业执照原件" });
    // Only a reviewer registers exceptions.
    let acceptor = staff_with(&app, &[StaffRole::Acceptor, StaffRole::Handler]);
    app.post_as(EXCEPTIONS, &acceptor, &exception)
        .assert_problem(403, "FORBIDDEN");
    let reviewer = staff_with(&app, &[StaffRole::Reviewer]);
    app.post_as(
        EXCEPTIONS,
        &reviewer,
        &json!({ "uscc": code, "reason": " " }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        EXCEPTIONS,
        &reviewer,
        &json!({ "uscc": "91420500MA4C8QD2", "reason": "理由" }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        EXCEPTIONS,
        &reviewer,
        &json!({ "uscc": uscc(8), "reason": "理由" }),
    )
    .assert_problem(422, "USCC_EXCEPTION_NOT_NEEDED");
    let r = app.post_as(EXCEPTIONS, &reviewer, &exception);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["uscc"], code);
    assert!(r.body["created_by"].as_str().unwrap().contains("clerk01"));
    app.post_as(EXCEPTIONS, &reviewer, &exception)
        .assert_problem(409, "USCC_EXCEPTION_EXISTS");
    let list = app.get_as(EXCEPTIONS, &acceptor);
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    {
        let mut conn = app.pool.get().unwrap();
        let kinds: Vec<(String, Option<i64>)> = business_items::table
            .select((business_items::kind, business_items::unit_id))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(kinds, [("uscc_exception".to_owned(), None)]);
    }

    // Now exactly that code registers; another failing code still does not.
    let reg = register_body(&app, body);
    assert_eq!(reg.uscc, code);
    assert!(
        reg.body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("例外"))
    );
    let r = app.post_as(
        STAFF_UNITS,
        &app.staff_token(),
        &registration(&bad_uscc(9), "宜昌市另一家有限公司"),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["uscc"]);
}

#[test]
fn registration_needs_an_acceptor_or_handler() {
    let app = App::start(TODAY);
    let body = registration(&uscc(10), "宜昌市权限测试有限公司");
    app.post(STAFF_UNITS, &body)
        .assert_problem(401, "UNAUTHENTICATED");
    let other = register(&app, 11);
    app.post_as(STAFF_UNITS, &legal_rep(&app, &other), &body)
        .assert_problem(403, "FORBIDDEN");
    let agent = agent_token(&app, other.unit_id, &rep_id(), "刘建国");
    app.post_as(STAFF_UNITS, &agent, &body)
        .assert_problem(403, "FORBIDDEN");
    for roles in [
        &[StaffRole::Reviewer, StaffRole::Finance][..],
        &[StaffRole::PolicyAdmin][..],
    ] {
        let before = counts(&app);
        app.post_as(STAFF_UNITS, &staff_with(&app, roles), &body)
            .assert_problem(403, "FORBIDDEN");
        assert_eq!(counts(&app), before);
    }
    let r = app.post_as(
        STAFF_UNITS,
        &staff_with(&app, &[StaffRole::Acceptor]),
        &body,
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.headers["location"],
        format!(
            "{STAFF_UNITS}/{}",
            r.body["unit"]["unit_no"].as_str().unwrap()
        )
    );
    let r = app.post_as(
        STAFF_UNITS,
        &staff_with(&app, &[StaffRole::Handler]),
        &registration(&uscc(12), "宜昌市经办岗测试有限公司"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // Staff reads are not for units.
    app.get_as(STAFF_UNITS, &legal_rep(&app, &other))
        .assert_problem(403, "FORBIDDEN");
}

#[test]
fn staff_search_units_with_paging() {
    let app = App::start(TODAY);
    let a = register(&app, 20);
    let b = register(&app, 21);
    register_body(&app, registration(&uscc(22), "随州市别家有限公司"));
    let staff = staff_with(&app, &[StaffRole::Finance]);
    let r = app.get_as(STAFF_UNITS, &staff);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["items"][0]["unit_no"], a.unit_no);
    assert_eq!(r.body["items"][0]["region"]["name"], "宜昌市本级");

    let r = app.get_as(&format!("{STAFF_UNITS}?name=%E6%B5%8B%E8%AF%95"), &staff); // 测试
    assert_eq!(r.body["total"], 2, "{}", r.text);
    let r = app.get_as(
        &format!("{STAFF_UNITS}?uscc={}", b.uscc.to_lowercase()),
        &staff,
    );
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["unit_no"], b.unit_no);
    let r = app.get_as(&format!("{STAFF_UNITS}?unit_no={}", a.unit_no), &staff);
    assert_eq!(r.body["items"][0]["uscc"], a.uscc);
    let r = app.get_as(&format!("{STAFF_UNITS}?name=%25"), &staff);
    assert_eq!(r.body["total"], 0, "% matches literally");
    let r = app.get_as(&format!("{STAFF_UNITS}?page=2&page_size=2"), &staff);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["page"], 2);

    let r = app.get_as(&format!("{STAFF_UNITS}?page_size=201&page=0"), &staff);
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["page", "page_size"]);
    app.get_as(&format!("{STAFF_UNITS}?unit_no=12ab"), &staff)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(&format!("{STAFF_UNITS}?page=x"), &staff)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(&format!("{STAFF_UNITS}/999999999"), &staff)
        .assert_problem(404, "UNIT_NOT_FOUND");
    app.get_as(&format!("{STAFF_UNITS}/12345"), &staff)
        .assert_problem(400, "VALIDATION_FAILED");
}

// ---------------------------------------------------------------- portal information

#[test]
fn portal_information_shows_registrations_agents_and_the_bank_account() {
    let app = App::start(TODAY);
    let reg = register(&app, 30);
    let rep = legal_rep(&app, &reg);
    let (_, agent_id_number) = add_agent(&app, &rep, "42050019900721002", "李四");
    let r = add_account(&app, &rep, &reg, "6222 0218 0700 1234 567");
    assert_eq!(r.status, 201, "{}", r.text);

    for token in [
        rep.clone(),
        agent_token(&app, reg.unit_id, &agent_id_number, "李四"),
        payroll_token(&app, reg.unit_id),
    ] {
        let r = app.get_as(UNIT, &token);
        assert_eq!(r.status, 200, "{}", r.text);
        let u = &r.body;
        assert_eq!(u["unit_no"], reg.unit_no);
        assert_eq!(u["insurances"].as_array().unwrap().len(), 3);
        assert_eq!(u["insurances"][0]["name"], "企业职工基本养老保险");
        assert_eq!(u["insurances"][0]["status_name"], "参保缴费");
        let agents = u["agents"].as_array().unwrap();
        assert_eq!(agents.len(), 1);
        assert_eq!(agents[0]["name"], "李四");
        assert_eq!(
            agents[0]["id_number_masked"],
            format!("420500********{}", &agent_id_number[14..])
        );
        assert!(!r.text.contains(&agent_id_number));
        assert!(!r.text.contains(&rep_id()));
        let accounts = u["bank_accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0]["account_number"], "6222021807001234567");
        assert_eq!(accounts[0]["purpose_name"], "退收银行账户");
    }
}

#[test]
fn change_history_lists_items_newest_first_with_actor_and_values() {
    let app = App::start(TODAY);
    let reg = register(&app, 31);
    let rep = legal_rep(&app, &reg);
    let r = patch(
        &app,
        UNIT,
        &rep,
        &json!({ "address": "湖北省宜昌市伍家岗区沿江大道1号" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    add_agent(&app, &rep, "42050019900721002", "李四");

    let h = app.get_as(HISTORY, &payroll_token(&app, reg.unit_id));
    assert_eq!(h.status, 200, "{}", h.text);
    assert_eq!(h.body["total"], 3);
    let items = h.body["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["agent_added", "unit_general_change", "unit_registration"]
    );
    let change = &items[1];
    assert_eq!(change["label"], "单位一般信息变更");
    assert_eq!(change["status"], "done");
    assert_eq!(change["actor_role"], "legal_rep");
    assert_eq!(change["actor_name"], "刘建国");
    assert_eq!(change["channel"], "portal");
    assert_eq!(
        change["before"],
        json!({ "address": "湖北省宜昌市西陵区东山大道100号" })
    );
    assert_eq!(
        change["after"],
        json!({ "address": "湖北省宜昌市伍家岗区沿江大道1号" })
    );
    assert!(change["created_at"].as_str().unwrap().ends_with("+08:00"));
    let registration = &items[2];
    assert_eq!(registration["actor_role"], "staff");
    assert_eq!(registration["channel"], "counter");
    assert_eq!(registration["before"], Value::Null);
    assert_eq!(registration["after"]["unit_no"], reg.unit_no);
    assert_eq!(items[0]["after"]["name"], "李四");
    assert!(!h.text.contains("42050019900721002"), "ID numbers masked");

    let p = app.get_as(&format!("{HISTORY}?page=2&page_size=1"), &rep);
    assert_eq!(p.body["total"], 3);
    assert_eq!(p.body["items"][0]["kind"], "unit_general_change");
    app.get_as(&format!("{HISTORY}?page_size=500"), &rep)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn general_changes_apply_and_key_fields_are_refused() {
    let app = App::start(TODAY);
    let reg = register(&app, 32);
    let rep = legal_rep(&app, &reg);
    let agent = {
        let (_, id) = add_agent(&app, &rep, "42050019900721002", "李四");
        agent_token(&app, reg.unit_id, &id, "李四")
    };
    let items = items_of(&app, reg.unit_id);

    // An agent changes the phone and clears the contact phone.
    let r = patch(
        &app,
        UNIT,
        &agent,
        &json!({ "phone": "13800001111", "contact_phone": null, "email": "hr@example.cn" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["changed_fields"],
        json!(["contact_phone", "email", "phone"])
    );
    assert_eq!(r.body["unit"]["phone"], "13800001111");
    assert_eq!(r.body["unit"]["contact_phone"], Value::Null);
    assert_eq!(items_of(&app, reg.unit_id), items + 1);
    let h = app.get_as(HISTORY, &rep);
    let last = &h.body["items"][0];
    assert_eq!(last["actor_role"], "agent");
    assert_eq!(
        last["before"],
        json!({ "contact_phone": "13972011111", "email": null, "phone": "0717-6441234" })
    );

    // The same again changes nothing and records nothing.
    let r = patch(&app, UNIT, &rep, &json!({ "phone": "13800001111" }));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["changed_fields"], json!([]));
    assert_eq!(r.body["business_item_id"], Value::Null);
    assert_eq!(items_of(&app, reg.unit_id), items + 1);

    // Key information: refused, pointing to the key-change request.
    let unit_before = app.get_as(UNIT, &rep).body;
    for (body, field) in [
        (
            json!({ "name": "宜昌市改名有限公司", "address": "新地址" }),
            "name",
        ),
        (json!({ "uscc": uscc(99) }), "uscc"),
        (
            json!({ "legal_representative": { "name": "王五" } }),
            "legal_representative",
        ),
    ] {
        let r = patch(&app, UNIT, &rep, &body);
        r.assert_problem(422, "KEY_INFO_NEEDS_REVIEW");
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("/api/v1/portal/key-change-requests")
        );
        assert_eq!(r.error_fields(), [field]);
    }
    assert_eq!(app.get_as(UNIT, &rep).body, unit_before);
    assert_eq!(items_of(&app, reg.unit_id), items + 1);
    // The current key values sent back unchanged are fine.
    let r = patch(
        &app,
        UNIT,
        &rep,
        &json!({
            "name": reg.name,
            "uscc": reg.uscc.to_lowercase(),
            "legal_representative": { "name": "刘建国", "id_number": rep_id() },
            "postcode": "443001"
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["changed_fields"], json!(["postcode"]));

    // Bad values and fields that are not general information.
    for (body, field) in [
        (json!({ "postcode": "44300" }), "postcode"),
        (json!({ "phone": "110" }), "phone"),
        (json!({ "email": "x@" }), "email"),
        (json!({ "address": "" }), "address"),
        (json!({ "risk_class": 1 }), "risk_class"),
    ] {
        let r = patch(&app, UNIT, &rep, &body);
        r.assert_problem(400, "VALIDATION_FAILED");
        assert_eq!(r.error_fields(), [field], "{}", r.text);
    }
    assert_eq!(items_of(&app, reg.unit_id), items + 2);
}

// ---------------------------------------------------------------- agents

#[test]
fn the_legal_representative_manages_agents() {
    let app = App::start(TODAY);
    let reg = register(&app, 40);
    let rep = legal_rep(&app, &reg);
    let id = resident("11010519491231002");
    let r = app.post_as(
        AGENTS,
        &rep,
        &json!({ "id_number": id.to_lowercase(), "name": "张三", "phone": "13972010000" }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let agent_id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["department"], Value::Null);
    {
        let mut conn = app.pool.get().unwrap();
        let stored: String = agents::table
            .find(agent_id)
            .select(agents::id_number)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(stored, id, "normalised to upper-case X");
    }
    // The same person again, even in another spelling.
    let before = counts(&app);
    app.post_as(
        AGENTS,
        &rep,
        &json!({ "id_number": id, "name": "张三", "phone": "13972010000" }),
    )
    .assert_problem(409, "AGENT_EXISTS");
    let r = app.post_as(
        AGENTS,
        &rep,
        &json!({ "id_number": "110105194912310021", "name": "", "phone": "1" }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["id_number", "name", "phone"]);
    assert_eq!(counts(&app), before);

    // Agents and payroll software may read but not manage (R-AUTH-4).
    let agent = agent_token(&app, reg.unit_id, &id, "张三");
    let payroll = payroll_token(&app, reg.unit_id);
    for token in [&agent, &payroll] {
        let list = app.get_as(AGENTS, token);
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(list.body["total"], 1);
        let new = json!({ "id_number": resident("42050019900721002"), "name": "李四", "phone": "13972010001" });
        app.post_as(AGENTS, token, &new)
            .assert_problem(403, "LEGAL_REP_ONLY");
        put(
            &app,
            &format!("{AGENTS}/{agent_id}"),
            token,
            &json!({ "name": "张三丰", "phone": "13972010000" }),
        )
        .assert_problem(403, "LEGAL_REP_ONLY");
        delete(&app, &format!("{AGENTS}/{agent_id}"), token).assert_problem(403, "LEGAL_REP_ONLY");
    }
    assert_eq!(counts(&app), before);

    // Change: before/after recorded; the same values again record nothing.
    let change = json!({ "name": "张三丰", "department": "财务部", "phone": "0717-6441111" });
    let r = put(&app, &format!("{AGENTS}/{agent_id}"), &rep, &change);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "张三丰");
    assert_eq!(r.body["department"], "财务部");
    let items = items_of(&app, reg.unit_id);
    let r = put(&app, &format!("{AGENTS}/{agent_id}"), &rep, &change);
    assert_eq!(r.status, 200);
    assert_eq!(items_of(&app, reg.unit_id), items);
    let h = app.get_as(HISTORY, &rep);
    assert_eq!(h.body["items"][0]["kind"], "agent_changed");
    assert_eq!(h.body["items"][0]["before"]["name"], "张三");
    assert_eq!(h.body["items"][0]["after"]["department"], "财务部");
    put(
        &app,
        &format!("{AGENTS}/{agent_id}"),
        &rep,
        &json!({ "name": "张三", "phone": "x" }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    put(&app, &format!("{AGENTS}/abc"), &rep, &change).assert_problem(400, "VALIDATION_FAILED");
    put(&app, &format!("{AGENTS}/999999"), &rep, &change).assert_problem(404, "AGENT_NOT_FOUND");

    // Remove; again is 404; the person can be authorised anew.
    let r = delete(&app, &format!("{AGENTS}/{agent_id}"), &rep);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.get_as(AGENTS, &rep).body["items"], json!([]));
    delete(&app, &format!("{AGENTS}/{agent_id}"), &rep).assert_problem(404, "AGENT_NOT_FOUND");
    put(&app, &format!("{AGENTS}/{agent_id}"), &rep, &change)
        .assert_problem(404, "AGENT_NOT_FOUND");
    let h = app.get_as(HISTORY, &rep);
    assert_eq!(h.body["items"][0]["kind"], "agent_removed");
    assert_eq!(h.body["items"][0]["after"]["status"], "removed");
    let r = app.post_as(
        AGENTS,
        &rep,
        &json!({ "id_number": id, "name": "张三", "phone": "13972010000" }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_ne!(r.body["id"].as_i64().unwrap(), agent_id);
}

#[test]
fn removing_an_agent_ends_their_sessions_for_that_unit_only() {
    let app = App::start(TODAY);
    let a = register(&app, 41);
    let b = register(&app, 42);
    let rep_a = legal_rep(&app, &a);
    let rep_b = legal_rep(&app, &b);
    let (agent_a, id) = add_agent(&app, &rep_a, "42050019900721002", "李四");
    add_agent(&app, &rep_b, "42050019900721002", "李四");
    let token_a = agent_token(&app, a.unit_id, &id, "李四");
    let token_b = agent_token(&app, b.unit_id, &id, "李四");
    assert_eq!(app.get_as(UNIT, &token_a).status, 200);

    let r = delete(&app, &format!("{AGENTS}/{agent_a}"), &rep_a);
    assert_eq!(r.status, 204, "{}", r.text);
    app.get_as(UNIT, &token_a)
        .assert_problem(401, "SESSION_ENDED");
    assert_eq!(app.get_as(UNIT, &token_b).status, 200, "unit B unaffected");
    let h = app.get_as(HISTORY, &rep_a);
    assert_eq!(h.body["items"][0]["after"]["sessions_revoked"], 1);
    let mut conn = app.pool.get().unwrap();
    let live: i64 = auth_sessions::table
        .filter(auth_sessions::subject.eq(&id))
        .filter(auth_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(live, 1);
}

// ---------------------------------------------------------------- bank accounts

#[test]
fn refund_account_is_replaced_and_must_be_the_units_own() {
    let app = App::start(TODAY);
    let reg = register_body(
        &app,
        registration(&uscc(50), "宜昌市三峡科技有限公司（西陵分公司）"),
    );
    let rep = legal_rep(&app, &reg);
    let before = counts(&app);
    let r = app.post_as(
        BANK,
        &rep,
        &json!({ "bank_name": "中国银行", "account_name": "刘建国", "account_number": "6217000000000001" }),
    );
    r.assert_problem(422, "ACCOUNT_NAME_MISMATCH");
    assert_eq!(r.error_fields(), ["account_name"]);
    assert!(r.body["detail"].as_str().unwrap().contains(&reg.name));
    let r = app.post_as(
        BANK,
        &rep,
        &json!({ "bank_name": "", "account_name": reg.name, "account_number": "12ab", "purpose": "salary" }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["purpose", "bank_name", "account_number"]);
    let agent = {
        let (_, id) = add_agent(&app, &rep, "42050019900721002", "李四");
        agent_token(&app, reg.unit_id, &id, "李四")
    };
    add_account(&app, &agent, &reg, "6217000000000001").assert_problem(403, "LEGAL_REP_ONLY");
    let (units_n, accounts_n, _, _, banks_n, seq) = counts(&app);
    assert_eq!(
        (units_n, accounts_n, banks_n, seq),
        (before.0, before.1, 0, before.5)
    );

    let first = add_account(&app, &rep, &reg, "6217000000000001");
    assert_eq!(first.status, 201, "{}", first.text);
    let same = add_account(&app, &rep, &reg, "6217 0000 0000 0001");
    assert_eq!(same.status, 200, "the same account changes nothing");
    assert_eq!(same.body["id"], first.body["id"]);
    let mut body = json!({ "bank_name": "中国建设银行宜昌分行", "account_name": "宜昌市三峡科技有限公司", "account_number": "4367000000000002" });
    app.post_as(BANK, &rep, &body)
        .assert_problem(422, "ACCOUNT_NAME_MISMATCH");
    // Blanks and parentheses of either width name the same unit.
    body["account_name"] = json!(" 宜昌市三峡科技有限公司(西陵分公司) ");
    let second = app.post_as(BANK, &rep, &body);
    assert_eq!(second.status, 201, "{}", second.text);
    let list = app.get_as(BANK, &agent);
    assert_eq!(list.status, 200);
    let list = list.body["items"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["account_number"], "4367000000000002");
    {
        let mut conn = app.pool.get().unwrap();
        let statuses: Vec<String> = unit_bank_accounts::table
            .filter(unit_bank_accounts::unit_id.eq(reg.unit_id))
            .order(unit_bank_accounts::id)
            .select(unit_bank_accounts::status)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(statuses, ["removed", "active"]);
    }
    let h = app.get_as(HISTORY, &rep);
    let item = &h.body["items"][0];
    assert_eq!(item["kind"], "bank_account_added");
    assert_eq!(item["before"]["account_number"], "6217000000000001");
    assert_eq!(item["after"]["account_number"], "4367000000000002");

    let id = second.body["id"].as_i64().unwrap();
    delete(&app, &format!("{BANK}/{id}"), &agent).assert_problem(403, "LEGAL_REP_ONLY");
    assert_eq!(delete(&app, &format!("{BANK}/{id}"), &rep).status, 204);
    assert_eq!(app.get_as(BANK, &rep).body["items"], json!([]));
    delete(&app, &format!("{BANK}/{id}"), &rep).assert_problem(404, "BANK_ACCOUNT_NOT_FOUND");
    let first_id = first.body["id"].as_i64().unwrap();
    delete(&app, &format!("{BANK}/{first_id}"), &rep).assert_problem(404, "BANK_ACCOUNT_NOT_FOUND");
    assert_eq!(
        app.get_as(HISTORY, &rep).body["items"][0]["kind"],
        "bank_account_removed"
    );
}

// ---------------------------------------------------------------- insurances

fn insert_employment(app: &App, unit_id: UnitId, insurance: &str) {
    use qibao_db::rows::{NewEmployment, NewPerson};
    let mut conn = app.pool.get().unwrap();
    let now = app.server.clock.now_utc();
    let id = resident("42050019850312001");
    let person = qibao_db::repo::insert_person(
        &mut conn,
        &NewPerson {
            person_no: "10003726001".into(),
            id_type: "resident".into(),
            id_number: id,
            name: "张三".into(),
            gender: "M".into(),
            birth_date: time::macros::date!(1985 - 03 - 12),
            nationality: "CHN".into(),
            phone: None,
            address: None,
            first_work_date: None,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    qibao_db::repo::insert_employment(
        &mut conn,
        &NewEmployment {
            unit_id,
            person_id: person.id,
            insurance: insurance.into(),
            start_date: time::macros::date!(2023 - 04 - 01),
            stop_date: None,
            stop_reason: None,
            status: "active".into(),
            monthly_wage_fen: 500_000,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
}

#[test]
fn insurances_are_added_and_removed_by_the_rules() {
    let app = App::start(TODAY);
    let mut body = registration(&uscc(60), "宜昌市险种测试有限公司");
    body["insurances"] = json!([{ "insurance": "110", "start_period": "202305" }]);
    let reg = register_body(&app, body);
    let agent = {
        let rep = legal_rep(&app, &reg);
        let (_, id) = add_agent(&app, &rep, "42050019900721002", "李四");
        agent_token(&app, reg.unit_id, &id, "李四")
    };
    let add = |code: &str, start: &str| {
        app.post_as(
            INSURANCES,
            &agent,
            &json!({ "insurance": code, "start_period": start }),
        )
    };
    let remove = |code: &str, stop: &str| {
        app.post_as(
            &format!("{INSURANCES}/{code}/suspension"),
            &agent,
            &json!({ "stop_period": stop }),
        )
    };

    // The last insurance cannot be removed.
    remove("110", "202305").assert_problem(409, "LAST_INSURANCE");

    // Add: this month or next.
    let before = items_of(&app, reg.unit_id);
    add("210", "202303").assert_problem(422, "START_PERIOD_NOT_ALLOWED");
    add("210", "202306").assert_problem(422, "START_PERIOD_NOT_ALLOWED");
    add("310", "202304").assert_problem(400, "VALIDATION_FAILED");
    let r = app.post_as(INSURANCES, &agent, &json!({ "insurance": "210" }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["start_period"]);
    assert_eq!(items_of(&app, reg.unit_id), before);
    add("110", "202304").assert_problem(409, "INSURANCE_ALREADY_REGISTERED");
    let r = add("210", "202305");
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["start_period"], "202305");
    // Work injury from this month: the factor (from 202305) is extended back.
    let r = add("410", "202304");
    assert_eq!(r.status, 201, "{}", r.text);
    {
        let mut conn = app.pool.get().unwrap();
        let from: Vec<(i32, i16)> = unit_injury_factors::table
            .filter(unit_injury_factors::unit_id.eq(reg.unit_id))
            .select((
                unit_injury_factors::from_period,
                unit_injury_factors::factor_pct,
            ))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(from, [(202304, 80)]);
    }
    let info = app.get_as(UNIT, &agent).body;
    assert_eq!(info["floating_factor"], 80);
    assert_eq!(info["insurances"].as_array().unwrap().len(), 3);

    // Remove: refused while persons are insured in it.
    insert_employment(&app, reg.unit_id, "110");
    let r = remove("110", "202304");
    r.assert_problem(409, "ACTIVE_EMPLOYMENTS");
    assert!(r.body["detail"].as_str().unwrap().contains('1'));
    remove("510", "202304").assert_problem(400, "VALIDATION_FAILED");
    let r = app.post_as(&format!("{INSURANCES}/210/suspension"), &agent, &json!({}));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["stop_period"]);
    // The stop is a suspension sub-resource now, not a DELETE with a query.
    let r = delete(
        &app,
        &format!("{INSURANCES}/210?stop_period=202304"),
        &agent,
    );
    assert!(matches!(r.status, 404 | 405), "{}", r.status);
    remove("210", "202302").assert_problem(422, "STOP_PERIOD_NOT_ALLOWED");
    remove("210", "202306").assert_problem(422, "STOP_PERIOD_NOT_ALLOWED");
    let items = items_of(&app, reg.unit_id);
    // 210 starts next month: stopping with this month as the last one means never insured.
    let r = remove("210", "202304");
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "suspended");
    assert_eq!(r.body["status_name"], "暂停缴费");
    assert_eq!(r.body["stop_period"], "202304");
    assert_eq!(items_of(&app, reg.unit_id), items + 1);
    remove("210", "202304").assert_problem(409, "INSURANCE_ALREADY_STOPPED");
    let h = app.get_as(HISTORY, &agent);
    let item = &h.body["items"][0];
    assert_eq!(item["kind"], "unit_insurance_removed");
    assert_eq!(item["label"], "单位减少险种登记");
    assert_eq!(item["before"]["status"], "active");
    assert_eq!(item["after"]["stop_period"], "202304");

    // Restart after the stop month only.
    add("210", "202304").assert_problem(422, "START_PERIOD_NOT_ALLOWED");
    let r = add("210", "202305");
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["stop_period"], Value::Null);
    let h = app.get_as(HISTORY, &agent);
    assert_eq!(h.body["items"][0]["kind"], "unit_insurance_added");
    assert_eq!(h.body["items"][0]["before"]["status"], "suspended");
}

// ---------------------------------------------------------------- isolation and tokens

#[test]
fn isolation_matrix_another_units_resources_are_not_found_and_unchanged() {
    let app = App::start(TODAY);
    let a = register(&app, 70);
    let b = register(&app, 71);
    let rep_a = legal_rep(&app, &a);
    let rep_b = legal_rep(&app, &b);
    add_agent(&app, &rep_a, "42050019900721002", "李四");
    add_account(&app, &rep_a, &a, "6217000000000070");
    let (agent_b, agent_b_id) = add_agent(&app, &rep_b, "42050219780105003", "王五");
    let bank_b = add_account(&app, &rep_b, &b, "6217000000000071").body["id"]
        .as_i64()
        .unwrap();
    let agent_b_token = agent_token(&app, b.unit_id, &agent_b_id, "王五");
    let b_before = (
        app.get_as(UNIT, &rep_b).body,
        app.get_as(HISTORY, &rep_b).body,
    );
    let all_before = counts(&app);

    let change = json!({ "name": "被改名", "phone": "13900000000" });
    for token in [
        rep_a.clone(),
        agent_token(&app, a.unit_id, &resident("42050019900721002"), "李四"),
        payroll_token(&app, a.unit_id),
    ] {
        let legal = token == rep_a;
        let expect = |r: Resp, code: &str| {
            if legal {
                r.assert_problem(404, code);
            } else {
                r.assert_problem(403, "LEGAL_REP_ONLY");
            }
        };
        expect(
            put(&app, &format!("{AGENTS}/{agent_b}"), &token, &change),
            "AGENT_NOT_FOUND",
        );
        expect(
            delete(&app, &format!("{AGENTS}/{agent_b}"), &token),
            "AGENT_NOT_FOUND",
        );
        expect(
            delete(&app, &format!("{BANK}/{bank_b}"), &token),
            "BANK_ACCOUNT_NOT_FOUND",
        );
        // Lists and the unit's own information show unit A only.
        let agents = app.get_as(AGENTS, &token).body;
        assert_eq!(agents["total"], 1);
        assert_eq!(agents["items"][0]["name"], "李四");
        let banks = app.get_as(BANK, &token).body;
        assert_eq!(banks["total"], 1);
        assert_eq!(banks["items"][0]["account_number"], "6217000000000070");
        let unit = app.get_as(UNIT, &token).body;
        assert_eq!(unit["unit_no"], a.unit_no);
        let history = app.get_as(HISTORY, &token).body;
        assert!(
            history["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["after"]["unit_no"] != b.unit_no && i["after"]["name"] != "王五")
        );
        // Changes through the portal land on unit A.
        let r = patch(
            &app,
            UNIT,
            &token,
            &json!({ "contact_name": "甲单位联系人" }),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["unit"]["unit_no"], a.unit_no);
    }
    // Unit B: unchanged, its agent still signed in.
    assert_eq!(app.get_as(UNIT, &rep_b).body, b_before.0);
    assert_eq!(app.get_as(HISTORY, &rep_b).body, b_before.1);
    assert_eq!(app.get_as(UNIT, &agent_b_token).status, 200);
    let after = counts(&app);
    assert_eq!(
        (after.0, after.1, after.3, after.4, after.5),
        (
            all_before.0,
            all_before.1,
            all_before.3,
            all_before.4,
            all_before.5
        )
    );
}

#[test]
fn no_portal_operation_takes_a_unit_from_the_url() {
    let api = qibao_api::openapi::openapi();
    let spec = serde_json::to_value(&api).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let portal: Vec<(&String, &Value)> = paths
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1/portal"))
        .collect();
    assert!(portal.len() >= 6, "{portal:?}");
    for (path, item) in portal {
        let lower = path.to_lowercase();
        assert!(
            !lower.contains("unit_no") && !lower.contains("uscc") && !lower.contains("{unit"),
            "{path} names a unit"
        );
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap().to_lowercase();
                assert!(
                    !(name.contains("unit") || name.contains("uscc")),
                    "{method} {path} takes parameter {name}"
                );
            }
            assert_eq!(
                op["security"],
                json!([{ "bearer": [] }]),
                "{method} {path} needs a token"
            );
        }
    }
    assert!(
        spec["components"]["securitySchemes"]["bearer"].is_object(),
        "the bearer scheme is declared"
    );
}

/// Every portal operation of this area: method, path, body.
fn portal_operations() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, UNIT, None),
        (Method::PATCH, UNIT, Some(json!({ "address": "某地" }))),
        (Method::GET, HISTORY, None),
        (
            Method::POST,
            INSURANCES,
            Some(json!({ "insurance": "210", "start_period": "202305" })),
        ),
        (
            Method::POST,
            "/api/v1/portal/unit/insurances/210/suspension",
            Some(json!({ "stop_period": "202304" })),
        ),
        (Method::GET, AGENTS, None),
        (
            Method::POST,
            AGENTS,
            Some(
                json!({ "id_number": "11010519491231002X", "name": "张三", "phone": "13972010000" }),
            ),
        ),
        (
            Method::PUT,
            "/api/v1/portal/agents/1",
            Some(json!({ "name": "张三", "phone": "13972010000" })),
        ),
        (Method::DELETE, "/api/v1/portal/agents/1", None),
        (Method::GET, BANK, None),
        (
            Method::POST,
            BANK,
            Some(
                json!({ "bank_name": "中国银行", "account_name": "某单位", "account_number": "6217000000000001" }),
            ),
        ),
        (Method::DELETE, "/api/v1/portal/bank-accounts/1", None),
    ]
}

#[test]
fn portal_refuses_missing_expired_tampered_and_staff_tokens() {
    let app = App::start(TODAY);
    let reg = register(&app, 80);
    let rep = legal_rep(&app, &reg);
    let staff = app.staff_token();
    // Change the first character of the signature.
    let sig = rep.rfind('.').unwrap() + 1;
    let mut tampered = rep.clone();
    let first = if rep[sig..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(sig..sig + 1, first);
    let before = counts(&app);
    for (method, path, body) in portal_operations() {
        let send = |token: Option<&str>| {
            let mut rb = app.client.request(method.clone(), app.url(path));
            if let Some(t) = token {
                rb = rb.bearer_auth(t);
            }
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            let r = rb.send().unwrap();
            let status = r.status().as_u16();
            let v: Value = serde_json::from_str(&r.text().unwrap()).unwrap_or(Value::Null);
            (status, v["code"].as_str().unwrap_or_default().to_owned())
        };
        assert_eq!(
            send(None),
            (401, "UNAUTHENTICATED".to_owned()),
            "{method} {path}"
        );
        assert_eq!(
            send(Some(&tampered)),
            (401, "TOKEN_INVALID".to_owned()),
            "{method} {path}"
        );
        assert_eq!(
            send(Some("not-a-jwt")),
            (401, "TOKEN_INVALID".to_owned()),
            "{method} {path}"
        );
        let (status, code) = send(Some(&staff));
        assert_eq!(status, 403, "{method} {path}: staff");
        assert!(
            code == "FORBIDDEN" || code == "LEGAL_REP_ONLY",
            "{method} {path}: {code}"
        );
    }
    assert_eq!(counts(&app), before);
    assert_eq!(app.get_as(UNIT, &rep).status, 200);

    // The next day the access token has expired.
    app.server
        .clock
        .set_today(time::macros::date!(2023 - 04 - 21));
    for (method, path, body) in portal_operations() {
        let r = app.call(method.clone(), path, &rep, body.as_ref());
        r.assert_problem(401, "TOKEN_EXPIRED");
    }
    assert_eq!(counts(&app), before);
}

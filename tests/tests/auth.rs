//! Issue 3 scenarios, sign-in (R-AUTH-1…4): the legal representative's
//! password login with lock-out and one-time passwords, staff login,
//! refresh rotation and reuse detection, logout, the e-social-card QR login
//! with the card platform played through `sign_confirmation` and
//! `qibao-sim card` (`qibao_tools::card_sim`), payroll API keys and tax-bureau client credentials. Over
//! HTTP, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use qibao_api::auth::Role;
use qibao_api::auth::esscard::{self, ConfirmationClaims, DEV_PRIVATE_KEY_PEM};
use qibao_api::auth::password::hash_password;
use qibao_api::demo::{
    self, DEMO_LEGAL_REP_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME, DEMO_TAX_CLIENT_ID,
    DEMO_TAX_CLIENT_SECRET, DemoSummary,
};
use qibao_core::ids::{resident_id_check_char, uscc_check_char};
use qibao_db::accounts::{self, NewStaffAccount, NewUnitAccount};
use qibao_db::ids::UnitId;
use qibao_db::repo;
use qibao_db::rows::NewUnit;
use qibao_db::schema::{agents, auth_sessions, business_items, qr_sessions, signin_throttle};
use qibao_db::signin::ThrottleRow;
use qibao_e2e::{App, Resp, json};
use qibao_tools::card_sim::{self, SimArgs};
use reqwest::Method;
use serde_json::Value;
use time::macros::date;

const TODAY: &str = "2023-04-20";
const PASSWORD_LOGIN: &str = "/api/v1/auth/password-login";
const STAFF_LOGIN: &str = "/api/v1/auth/staff-login";
const REFRESH: &str = "/api/v1/auth/refresh";
const LOGOUT: &str = "/api/v1/auth/logout";
const QR: &str = "/api/v1/auth/qr-sessions";
const CONFIRMATIONS: &str = "/api/v1/auth/esscard/confirmations";
const KEYS: &str = "/api/v1/portal/api-keys";
const KEY_TOKENS: &str = "/api/v1/auth/api-key-tokens";
const TAX_TOKENS: &str = "/api/v1/auth/tax-tokens";
const PASSWORD: &str = "/api/v1/portal/password";

/// Another Ed25519 key: not the card platform's.
const OTHER_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKS3XkZcEgNUJGjPG9N2SXNCelZ8GU9SODgnjshMH42l
-----END PRIVATE KEY-----
";

// ---------------------------------------------------------------- helpers

fn start() -> (App, DemoSummary) {
    let app = App::start(TODAY);
    let s = demo::load(
        &app.pool,
        app.server.clock.today(),
        app.server.clock.now_utc(),
    )
    .unwrap();
    (app, s)
}

fn login(app: &App, uscc: &str, password: &str) -> Resp {
    app.post(
        PASSWORD_LOGIN,
        &json!({ "uscc": uscc, "password": password }),
    )
}

fn access(r: &Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_owned()
}

fn refresh_of(r: &Resp) -> String {
    r.body["refresh_token"].as_str().unwrap().to_owned()
}

fn resident(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

/// A second unit (USCC stem number `n`) with the given legal representative.
fn add_unit(
    app: &App,
    n: u32,
    legal_rep_id: &str,
    legal_rep_name: &str,
) -> (UnitId, String, String) {
    let stem = format!("91420500MA4C8Q{n:03}");
    let uscc = format!("{stem}{}", uscc_check_char(&stem).unwrap());
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let unit_no = repo::next_sequence(&mut conn, "unit_no")
        .unwrap()
        .to_string();
    let unit = repo::insert_unit(
        &mut conn,
        &NewUnit {
            unit_no: unit_no.clone(),
            uscc: uscc.clone(),
            name: format!("宜昌测试单位{n}有限公司"),
            region_code: "420500".into(),
            unit_type: "企业".into(),
            economic_type: "有限责任公司".into(),
            industry: "制造业".into(),
            risk_class: 2,
            address: "宜昌市伍家岗区".into(),
            postcode: None,
            phone: "0717-1234567".into(),
            legal_rep_name: legal_rep_name.into(),
            legal_rep_id_type: "resident".into(),
            legal_rep_id_number: legal_rep_id.into(),
            collection_method: "tax".into(),
            status: "active".into(),
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    (unit.id, unit_no, uscc)
}

fn add_account(app: &App, unit_id: UnitId, password: &str, must_change: bool) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    accounts::insert_unit_account(
        &mut conn,
        &NewUnitAccount {
            unit_id,
            password_hash: hash_password(password).unwrap(),
            must_change_password: must_change,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
}

fn add_agent(app: &App, unit_id: UnitId, id_number: &str, name: &str, status: &str) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(agents::table)
        .values((
            agents::unit_id.eq(unit_id),
            agents::id_number.eq(id_number),
            agents::name.eq(name),
            agents::phone.eq("13800000000"),
            agents::status.eq(status),
            agents::created_at.eq(now),
            agents::updated_at.eq(now),
        ))
        .execute(&mut *conn)
        .unwrap();
}

fn add_staff(app: &App, username: &str, password: &str, roles: &str, active: bool) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    accounts::insert_staff_account(
        &mut conn,
        &NewStaffAccount {
            username: username.into(),
            name: "测试审核员".into(),
            password_hash: hash_password(password).unwrap(),
            roles: roles.into(),
            region_code: Some("420500".into()),
            active,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
}

/// (kind, before, after) of a unit's business items.
fn items(app: &App, unit_id: UnitId) -> Vec<(String, Option<String>, Option<String>)> {
    let mut conn = app.pool.get().unwrap();
    business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .order(business_items::id)
        .select((
            business_items::kind,
            business_items::before_json,
            business_items::after_json,
        ))
        .load(&mut *conn)
        .unwrap()
}

fn count_sessions(app: &App) -> i64 {
    let mut conn = app.pool.get().unwrap();
    auth_sessions::table.count().get_result(&mut *conn).unwrap()
}

fn qr_statuses(app: &App) -> Vec<String> {
    let mut conn = app.pool.get().unwrap();
    qr_sessions::table
        .order(qr_sessions::created_at)
        .select(qr_sessions::status)
        .load(&mut *conn)
        .unwrap()
}

fn new_ticket(app: &App) -> String {
    let r = app.post(QR, &json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["qr_payload"].as_str().unwrap(),
        format!("qibao-esscard:v1:{ticket}")
    );
    assert!(r.body["expires_at"].as_str().unwrap().ends_with("+08:00"));
    ticket
}

fn confirm(app: &App, ticket: &str, id_number: &str, name: &str, jti: &str) -> Resp {
    let c = esscard::sign_confirmation(
        DEV_PRIVATE_KEY_PEM,
        ticket,
        id_number,
        name,
        jti,
        app.server.clock.now_utc(),
    )
    .unwrap();
    app.post(CONFIRMATIONS, &json!({ "confirmation": c }))
}

fn qr_tokens(app: &App, ticket: &str, unit_no: &str) -> Resp {
    app.post(
        &format!("{QR}/{ticket}/tokens"),
        &json!({ "unit_no": unit_no }),
    )
}

fn put(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(Method::PUT, path, token, Some(body))
}

fn delete(app: &App, path: &str, token: &str) -> Resp {
    app.call(Method::DELETE, path, token, None)
}

// ---------------------------------------------------------------- password login

/// A throttled answer: 429 `SIGNIN_THROTTLED` with `Retry-After` (seconds).
fn assert_throttled(r: &Resp, seconds: u64) {
    r.assert_problem(429, "SIGNIN_THROTTLED");
    let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        after <= seconds && after + 5 >= seconds,
        "Retry-After {after}, expected about {seconds}"
    );
}

/// Lets every running sign-in wait end, as if 20 minutes had passed since
/// each key's last failure (the failures themselves are still counted).
fn end_waits(app: &App) {
    let mut conn = app.pool.get().unwrap();
    let rows: Vec<ThrottleRow> = signin_throttle::table
        .select(ThrottleRow::as_select())
        .load(&mut *conn)
        .unwrap();
    for r in rows {
        qibao_db::signin::store(
            &mut conn,
            &ThrottleRow {
                last_failure_at: r.last_failure_at - time::Duration::minutes(20),
                ..r
            },
        )
        .unwrap();
    }
}

/// Signs the demo's legal representative in through the e-social-card QR login.
fn qr_login_as_legal_rep(app: &App, demo: &DemoSummary, jti: &str) -> Resp {
    let ticket = new_ticket(app);
    confirm(
        app,
        &ticket,
        &demo.legal_rep_id_number,
        &demo.legal_rep_name,
        jti,
    );
    qr_tokens(app, &ticket, &demo.unit_no)
}

#[test]
fn five_wrong_passwords_then_the_right_one_waits_and_the_qr_login_still_works() {
    let (app, demo) = start();
    let ok = login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["expires_in"], 900);
    assert_eq!(ok.body["role"], "legal_rep");
    assert_eq!(ok.body["must_change_password"], false);
    assert_eq!(ok.body["unit"]["unit_no"], demo.unit_no.as_str());
    assert_eq!(ok.body["unit"]["name"], "宜昌市三峡示范科技有限公司");
    assert!(ok.body["refresh_token"].is_string());
    access(&ok);

    // The attacker knows the USCC (it is on the business licence).
    for _ in 0..4 {
        login(&app, &demo.uscc, "wrong-password1").assert_problem(401, "LOGIN_FAILED");
    }
    let fifth = login(&app, &demo.uscc, "wrong-password1");
    assert_throttled(&fifth, 60);
    let detail = fifth.body["detail"].as_str().unwrap();
    assert!(detail.contains("可使用电子社保卡扫码登录"), "{detail}");
    // The right password is refused while the wait runs...
    assert_throttled(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD), 60);
    // ...but the legal representative still gets in with the card.
    let qr = qr_login_as_legal_rep(&app, &demo, "throttled-but-in");
    assert_eq!(qr.body["role"], "legal_rep");
    access(&qr);

    // Once the wait is over the right password works and clears the count.
    end_waits(&app);
    access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    for _ in 0..4 {
        login(&app, &demo.uscc, "wrong-password1").assert_problem(401, "LOGIN_FAILED");
    }
    access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    login(&app, &demo.uscc, "wrong-password1").assert_problem(401, "LOGIN_FAILED");
}

#[test]
fn an_unknown_uscc_is_throttled_exactly_like_a_known_one() {
    let (app, demo) = start();
    let stem = "91420500MA4C8Q998";
    let unknown = format!("{stem}{}", uscc_check_char(stem).unwrap());
    let mut known_answers = Vec::new();
    let mut unknown_answers = Vec::new();
    for _ in 0..7 {
        known_answers.push(login(&app, &demo.uscc, "wrong-password1"));
        unknown_answers.push(login(&app, &unknown, "wrong-password1"));
    }
    for (k, u) in known_answers.iter().zip(&unknown_answers) {
        assert_eq!(k.status, u.status);
        assert_eq!(k.body["code"], u.body["code"]);
        assert_eq!(
            k.headers.get("retry-after").is_some(),
            u.headers.get("retry-after").is_some()
        );
    }
    let statuses: Vec<u16> = unknown_answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429, 429]);
    // The waits grow the same way for both: after the next failure, two minutes.
    end_waits(&app);
    assert_throttled(&login(&app, &demo.uscc, "wrong-password1"), 120);
    assert_throttled(&login(&app, &unknown, "wrong-password1"), 120);
}

#[test]
fn many_accounts_from_one_address_are_throttled() {
    let (app, demo) = start();
    // One failure each on 20 different USCCs: free for every account...
    for n in 0..20 {
        let stem = format!("91420500MA4C9Q{n:03}");
        let uscc = format!("{stem}{}", uscc_check_char(&stem).unwrap());
        login(&app, &uscc, "Guess2023xx").assert_problem(401, "LOGIN_FAILED");
    }
    // ...but the address has spent its free failures: the next one waits,
    // and then every account from this address waits, the right password too.
    let stem = "91420500MA4C9Q999";
    let uscc = format!("{stem}{}", uscc_check_char(stem).unwrap());
    assert_throttled(&login(&app, &uscc, "Guess2023xx"), 60);
    assert_throttled(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD), 60);
    let staff = app.post(
        STAFF_LOGIN,
        &json!({ "username": DEMO_STAFF_USERNAME, "password": DEMO_STAFF_PASSWORD }),
    );
    assert_throttled(&staff, 60);
}

#[test]
fn a_tax_client_id_cannot_be_brute_forced() {
    let (app, _demo) = start();
    let wrong = json!({ "client_id": DEMO_TAX_CLIENT_ID, "client_secret": "guess" });
    for _ in 0..4 {
        app.post(TAX_TOKENS, &wrong)
            .assert_problem(401, "CLIENT_AUTH_FAILED");
    }
    assert_throttled(&app.post(TAX_TOKENS, &wrong), 60);
    let right = json!({ "client_id": DEMO_TAX_CLIENT_ID, "client_secret": DEMO_TAX_CLIENT_SECRET });
    assert_throttled(&app.post(TAX_TOKENS, &right), 60);
    end_waits(&app);
    access(&app.post(TAX_TOKENS, &right));
}

#[test]
fn answers_carrying_a_token_are_not_cached() {
    let (app, demo) = start();
    let login = login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD);
    let refreshed = app.post(REFRESH, &json!({ "refresh_token": refresh_of(&login) }));
    let staff = app.post(
        STAFF_LOGIN,
        &json!({ "username": DEMO_STAFF_USERNAME, "password": DEMO_STAFF_PASSWORD }),
    );
    let tax = app.post(
        TAX_TOKENS,
        &json!({ "client_id": DEMO_TAX_CLIENT_ID, "client_secret": DEMO_TAX_CLIENT_SECRET }),
    );
    let ticket = app.post(QR, &json!({}));
    let qr = qr_login_as_legal_rep(&app, &demo, "no-store");
    for (what, r) in [
        ("login", &login),
        ("refresh", &refreshed),
        ("staff", &staff),
        ("tax", &tax),
        ("ticket", &ticket),
        ("qr tokens", &qr),
    ] {
        assert!(r.status == 200 || r.status == 201, "{what}: {}", r.text);
        assert_eq!(r.headers["cache-control"], "no-store", "{what}");
        assert_eq!(r.headers["pragma"], "no-cache", "{what}");
    }
}

#[test]
fn a_lock_is_recorded_in_the_units_history() {
    let (app, demo) = start();
    let locks = |app: &App| {
        items(app, demo.unit_id)
            .into_iter()
            .filter(|(kind, _, _)| kind == "signin_locked")
            .count()
    };
    for _ in 0..4 {
        login(&app, &demo.uscc, "wrong-password1").assert_problem(401, "LOGIN_FAILED");
    }
    // Waits of 1, 2, 4 and 8 minutes, then the longest, 15 minutes: a lock.
    for seconds in [60, 120, 240, 480] {
        assert_throttled(&login(&app, &demo.uscc, "wrong-password1"), seconds);
        assert_eq!(locks(&app), 0);
        end_waits(&app);
    }
    assert_throttled(&login(&app, &demo.uscc, "wrong-password1"), 900);
    assert_eq!(locks(&app), 1);
    let (_, before, after) = items(&app, demo.unit_id)
        .into_iter()
        .find(|(kind, _, _)| kind == "signin_locked")
        .unwrap();
    assert_eq!(before, None);
    let after: Value = serde_json::from_str(&after.unwrap()).unwrap();
    assert_eq!(after["failures"], 9);
    // It shows in the unit's change history with its label.
    let qr = access(&qr_login_as_legal_rep(&app, &demo, "after-lock"));
    let history = app.get_as("/api/v1/portal/business-items", &qr);
    assert!(
        history.text.contains("法人账号登录保护锁定"),
        "{}",
        history.text
    );
    // Another failure at the longest wait is not a second lock.
    end_waits(&app);
    assert_throttled(&login(&app, &demo.uscc, "wrong-password1"), 900);
    assert_eq!(locks(&app), 1);
}

#[test]
fn the_session_row_decides_unit_and_role_not_the_token() {
    let (app, demo) = start();
    let (other_id, other_no, _) = add_unit(&app, 7, &resident("42050019800101123"), "李四");
    let token = access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    let unit = app.get_as("/api/v1/portal/unit", &token);
    assert_eq!(unit.status, 200, "{}", unit.text);
    assert!(unit.text.contains(&demo.unit_no));
    // The session is moved to another unit and demoted to agent in the
    // database: the same token follows the row.
    {
        let mut conn = app.pool.get().unwrap();
        diesel::update(auth_sessions::table)
            .set((
                auth_sessions::unit_id.eq(Some(other_id)),
                auth_sessions::kind.eq("agent"),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    let unit = app.get_as("/api/v1/portal/unit", &token);
    assert_eq!(unit.status, 200, "{}", unit.text);
    assert!(unit.text.contains(&other_no), "{}", unit.text);
    assert!(!unit.text.contains(&demo.unit_no), "{}", unit.text);
    app.get_as(KEYS, &token)
        .assert_problem(403, "LEGAL_REP_ONLY");
}

#[test]
fn unknown_and_malformed_usccs_answer_exactly_like_a_wrong_password() {
    let (app, demo) = start();
    let sessions = count_sessions(&app);
    let wrong = login(&app, &demo.uscc, "not-the-password1");
    wrong.assert_problem(401, "LOGIN_FAILED");
    assert_eq!(wrong.body["detail"], "统一社会信用代码或密码错误。");
    let stem = "91420500MA4C8Q999";
    let unknown_valid = format!("{stem}{}", uscc_check_char(stem).unwrap());
    for uscc in [
        unknown_valid.as_str(),
        "123",
        "",
        "91420500MA4C8QD2X!",
        "９１４２０５００ＭＡ４Ｃ８ＱＤ２ＸＨ",
    ] {
        let r = login(&app, uscc, "not-the-password1");
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "{uscc}");
        assert_eq!(
            r.headers.get("www-authenticate"),
            wrong.headers.get("www-authenticate")
        );
    }
    // An unknown USCC is throttled like a known one (issue 11: it used to
    // never lock, which told which USCCs exist).
    for _ in 0..3 {
        login(&app, &unknown_valid, "x").assert_problem(401, "LOGIN_FAILED");
    }
    assert_throttled(&login(&app, &unknown_valid, "x"), 60);
    assert_eq!(
        count_sessions(&app),
        sessions,
        "refused logins open no session"
    );
    // The USCC is accepted in lower case and with spaces around it.
    access(&login(
        &app,
        &format!(" {} ", demo.uscc.to_lowercase()),
        DEMO_LEGAL_REP_PASSWORD,
    ));
    // Missing fields and bad JSON are 400s.
    let r = app.post(PASSWORD_LOGIN, &json!({ "uscc": demo.uscc }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["password"]);
    app.post(PASSWORD_LOGIN, &json!({ "uscc": 5, "password": "x" }))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_raw(PASSWORD_LOGIN, "application/json", "{")
        .assert_problem(400, "MALFORMED_JSON");
}

#[test]
fn a_one_time_password_gates_the_portal_until_it_is_changed() {
    let (app, _demo) = start();
    let legal_rep = resident("42050219750505002");
    let (unit_id, unit_no, uscc) = add_unit(&app, 1, &legal_rep, "周强");
    add_account(&app, unit_id, "OneTime2023x", true);

    let first = login(&app, &uscc, "OneTime2023x");
    assert_eq!(first.body["must_change_password"], true);
    assert_eq!(first.body["unit"]["unit_no"], unit_no.as_str());
    let t1 = access(&first);
    app.get_as(KEYS, &t1)
        .assert_problem(403, "PASSWORD_CHANGE_REQUIRED");
    app.post_as(KEYS, &t1, &json!({ "name": "x" }))
        .assert_problem(403, "PASSWORD_CHANGE_REQUIRED");
    // Refreshing does not get around it.
    let refreshed = app.post(REFRESH, &json!({ "refresh_token": refresh_of(&first) }));
    assert_eq!(refreshed.body["must_change_password"], true);
    let t1 = access(&refreshed);
    app.get_as(KEYS, &t1)
        .assert_problem(403, "PASSWORD_CHANGE_REQUIRED");
    // A second session of the same account, to see it revoked by the change.
    let other = access(&login(&app, &uscc, "OneTime2023x"));

    let change = |cur: &str, new: &str| {
        put(
            &app,
            PASSWORD,
            &t1,
            &json!({ "current_password": cur, "new_password": new }),
        )
    };
    let r = change("OneTime2023x", "short1");
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["new_password"]);
    change("OneTime2023x", "lettersonly").assert_problem(400, "VALIDATION_FAILED");
    change("OneTime2023x", "OneTime2023x").assert_problem(422, "PASSWORD_UNCHANGED");
    let r = change("Wrong2023xx", "Brand-new-2023");
    r.assert_problem(422, "CURRENT_PASSWORD_INCORRECT");
    assert_eq!(r.error_fields(), vec!["current_password"]);
    put(
        &app,
        PASSWORD,
        &t1,
        &json!({ "new_password": "Brand-new-2023" }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    assert!(
        items(&app, unit_id).is_empty(),
        "refused changes write nothing"
    );

    let done = change("OneTime2023x", "Brand-new-2023");
    assert_eq!(done.body["must_change_password"], false, "{}", done.text);
    assert_eq!(done.body["role"], "legal_rep");
    let t2 = access(&done);
    // Every earlier session of the account has ended.
    app.get_as(KEYS, &t1).assert_problem(401, "SESSION_ENDED");
    app.get_as(KEYS, &other)
        .assert_problem(401, "SESSION_ENDED");
    app.post(REFRESH, &json!({ "refresh_token": refresh_of(&first) }))
        .assert_problem(401, "REFRESH_TOKEN_REUSED");
    // The new one works everywhere.
    assert_eq!(app.get_as(KEYS, &t2).status, 200);
    let r2 = app.post(REFRESH, &json!({ "refresh_token": refresh_of(&done) }));
    assert_eq!(r2.body["must_change_password"], false);
    access(&r2);

    login(&app, &uscc, "OneTime2023x").assert_problem(401, "LOGIN_FAILED");
    let again = login(&app, &uscc, "Brand-new-2023");
    assert_eq!(again.body["must_change_password"], false);

    let recorded = items(&app, unit_id);
    assert_eq!(recorded.len(), 1);
    let (kind, before, after) = &recorded[0];
    assert_eq!(kind, "password_change");
    let (before, after) = (before.clone().unwrap(), after.clone().unwrap());
    for text in [&before, &after] {
        assert!(!text.contains("OneTime2023x") && !text.contains("Brand-new-2023"));
        assert!(!text.contains("argon2"), "{text}");
    }
    let before: Value = serde_json::from_str(&before).unwrap();
    assert_eq!(before["must_change_password"], true);
}

#[test]
fn only_the_legal_representative_changes_the_password() {
    let (app, demo) = start();
    let agent = app.mint(
        Role::Agent,
        "420500199001010011",
        "王芳",
        Some(demo.unit_id),
        &[],
    );
    let body =
        json!({ "current_password": DEMO_LEGAL_REP_PASSWORD, "new_password": "Another2023x" });
    put(&app, PASSWORD, &agent, &body).assert_problem(403, "LEGAL_REP_ONLY");
    let staff = app.staff_token();
    put(&app, PASSWORD, &staff, &body).assert_problem(403, "LEGAL_REP_ONLY");
    app.call(Method::PUT, PASSWORD, "", Some(&body))
        .assert_problem(401, "TOKEN_INVALID");
    access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
}

#[test]
fn wrong_current_passwords_count_towards_the_throttling() {
    let (app, demo) = start();
    let t = access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    let body = json!({ "current_password": "Wrong2023xx", "new_password": "Another2023x" });
    for _ in 0..4 {
        put(&app, PASSWORD, &t, &body).assert_problem(422, "CURRENT_PASSWORD_INCORRECT");
    }
    assert_throttled(&put(&app, PASSWORD, &t, &body), 60);
    assert_throttled(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD), 60);
}

// ---------------------------------------------------------------- refresh, logout, tokens

#[test]
fn refresh_rotates_and_a_reused_refresh_token_ends_the_session() {
    let (app, demo) = start();
    let first = login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD);
    let r1 = refresh_of(&first);
    let second = app.post(REFRESH, &json!({ "refresh_token": r1 }));
    let a2 = access(&second);
    let r2 = refresh_of(&second);
    assert_ne!(r1, r2);
    assert_eq!(second.body["unit"]["unit_no"], demo.unit_no.as_str());
    assert_eq!(app.get_as(KEYS, &a2).status, 200);
    // The first access token still works: same session.
    assert_eq!(app.get_as(KEYS, &access(&first)).status, 200);

    // r1 again: somebody copied it. The whole session ends.
    app.post(REFRESH, &json!({ "refresh_token": r1 }))
        .assert_problem(401, "REFRESH_TOKEN_REUSED");
    app.post(REFRESH, &json!({ "refresh_token": r2 }))
        .assert_problem(401, "SESSION_ENDED");
    app.get_as(KEYS, &a2).assert_problem(401, "SESSION_ENDED");

    app.post(REFRESH, &json!({ "refresh_token": "no-such-token" }))
        .assert_problem(401, "REFRESH_TOKEN_INVALID");
    app.post(REFRESH, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");

    // A session ends after 12 hours; its refresh token with it.
    let late = login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD);
    app.server.clock.set_today(date!(2023 - 04 - 21));
    app.post(REFRESH, &json!({ "refresh_token": refresh_of(&late) }))
        .assert_problem(401, "SESSION_ENDED");
}

#[test]
fn logout_refuses_the_same_access_token_at_once() {
    let (app, demo) = start();
    let r = login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD);
    let t = access(&r);
    assert_eq!(app.get_as(KEYS, &t).status, 200);
    let out = app.post_as(LOGOUT, &t, &json!({}));
    assert_eq!(out.status, 204, "{}", out.text);
    app.get_as(KEYS, &t).assert_problem(401, "SESSION_ENDED");
    app.post_as(LOGOUT, &t, &json!({}))
        .assert_problem(401, "SESSION_ENDED");
    app.post(REFRESH, &json!({ "refresh_token": refresh_of(&r) }))
        .assert_problem(401, "SESSION_ENDED");
    app.post(LOGOUT, &json!({}))
        .assert_problem(401, "UNAUTHENTICATED");
}

#[test]
fn expired_tampered_and_foreign_tokens_are_refused() {
    let (app, demo) = start();
    let t = access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    let mut tampered = t.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    app.get_as(KEYS, &tampered)
        .assert_problem(401, "TOKEN_INVALID");
    app.get_as(KEYS, "not.a.jwt")
        .assert_problem(401, "TOKEN_INVALID");
    let r = app.call(Method::GET, KEYS, "", None);
    r.assert_problem(401, "TOKEN_INVALID");
    app.request(Method::GET, KEYS)
        .assert_problem(401, "UNAUTHENTICATED");
    // A day later the 15-minute access token has expired.
    app.server.clock.set_today(date!(2023 - 04 - 21));
    app.get_as(KEYS, &t).assert_problem(401, "TOKEN_EXPIRED");
}

// ---------------------------------------------------------------- staff

#[test]
fn staff_sign_in_with_their_roles_and_the_same_throttling() {
    let (app, _demo) = start();
    add_staff(&app, "reviewer1", "Review2023x", "reviewer,finance", true);
    add_staff(&app, "gone", "Gone2023xx", "acceptor", false);

    let r = app.post(
        STAFF_LOGIN,
        &json!({ "username": "reviewer1", "password": "Review2023x" }),
    );
    access(&r);
    assert_eq!(r.body["role"], "staff");
    assert_eq!(r.body["channel"], "counter");
    assert_eq!(r.body["staff"]["roles"], json!(["reviewer", "finance"]));
    assert!(r.body.get("unit").is_none());
    let refreshed = app.post(REFRESH, &json!({ "refresh_token": refresh_of(&r) }));
    assert_eq!(
        refreshed.body["staff"]["roles"],
        json!(["reviewer", "finance"])
    );
    // Staff are not a unit: the portal refuses them.
    app.get_as(KEYS, &access(&refreshed))
        .assert_problem(403, "LEGAL_REP_ONLY");

    let wrong = app.post(
        STAFF_LOGIN,
        &json!({ "username": "reviewer1", "password": "nope" }),
    );
    wrong.assert_problem(401, "LOGIN_FAILED");
    for who in ["nobody", "gone", ""] {
        let r = app.post(
            STAFF_LOGIN,
            &json!({ "username": who, "password": "Gone2023xx" }),
        );
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "{who}");
    }
    // The first wrong one above counts: three more fail, the fifth starts
    // a wait, and then even the right password is refused.
    for _ in 0..3 {
        app.post(
            STAFF_LOGIN,
            &json!({ "username": "reviewer1", "password": "nope" }),
        )
        .assert_problem(401, "LOGIN_FAILED");
    }
    assert_throttled(
        &app.post(
            STAFF_LOGIN,
            &json!({ "username": "reviewer1", "password": "nope" }),
        ),
        60,
    );
    assert_throttled(
        &app.post(
            STAFF_LOGIN,
            &json!({ "username": "reviewer1", "password": "Review2023x" }),
        ),
        60,
    );

    // The demo's admin has every role.
    let admin = app.post(
        STAFF_LOGIN,
        &json!({ "username": DEMO_STAFF_USERNAME, "password": DEMO_STAFF_PASSWORD }),
    );
    access(&admin);
    assert_eq!(
        admin.body["staff"]["roles"],
        json!(["acceptor", "handler", "reviewer", "finance", "policy_admin"])
    );
}

#[test]
fn the_demo_is_idempotent() {
    let (app, demo) = start();
    assert!(demo.created && demo.legal_rep_account_created);
    assert!(demo.staff_account_created && demo.tax_client_created);
    let again = demo::load(
        &app.pool,
        app.server.clock.today(),
        app.server.clock.now_utc(),
    )
    .unwrap();
    assert_eq!(again.unit_id, demo.unit_id);
    assert!(!again.created && !again.legal_rep_account_created);
    assert!(!again.staff_account_created && !again.tax_client_created);
    assert_eq!(again.agent_id_number, demo.agent_id_number);
    access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
}

#[test]
fn the_demos_agent_signs_in_with_the_qr_code_as_the_readme_shows() {
    let (app, demo) = start();
    // Loading the demo again does not authorise the agent twice.
    demo::load(
        &app.pool,
        app.server.clock.today(),
        app.server.clock.now_utc(),
    )
    .unwrap();
    let ticket = new_ticket(&app);
    confirm(
        &app,
        &ticket,
        &demo.agent_id_number,
        &demo.agent_name,
        "demo-agent",
    );
    let r = qr_tokens(&app, &ticket, &demo.unit_no);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["role"], "agent");
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let agents = app.get_as("/api/v1/portal/agents", &token);
    assert_eq!(agents.status, 200, "{}", agents.text);
    let listed = agents.body["items"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", agents.text);
    assert_eq!(listed[0]["name"], demo.agent_name.as_str());
    // Authorised like any agent: one business item, as the unit's records show.
    let items = app.get_as("/api/v1/portal/business-items?kind=agent_added", &token);
    assert_eq!(items.body["total"], 1, "{}", items.text);
}

// ---------------------------------------------------------------- QR login

#[test]
fn an_agent_of_two_units_scans_confirms_and_picks_one() {
    let (app, demo) = start();
    let (unit_b, unit_b_no, _) = add_unit(&app, 2, &resident("42050019600101005"), "吴刚");
    let (_unit_c, unit_c_no, _) = add_unit(&app, 3, &resident("42050019600101006"), "郑华");
    let agent_id = resident("42050019920202007");
    add_agent(&app, demo.unit_id, &agent_id, "王芳", "active");
    add_agent(&app, unit_b, &agent_id, "王芳", "active");

    let ticket = new_ticket(&app);
    let r = app.get(&format!("{QR}/{ticket}"));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    assert!(r.body.get("units").is_none());
    qr_tokens(&app, &ticket, &unit_b_no).assert_problem(409, "QR_NOT_CONFIRMED");

    // The card platform confirms, with a lower-case x normalised.
    let c = confirm(
        &app,
        &ticket,
        &agent_id.to_lowercase(),
        "王芳",
        "esscard-0001",
    );
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(c.body["status"], "confirmed");
    assert_eq!(c.body["units"], 2);

    let r = app.get(&format!("{QR}/{ticket}"));
    assert_eq!(r.body["status"], "confirmed");
    let units = r.body["units"].as_array().unwrap();
    let mut listed: Vec<(String, String)> = units
        .iter()
        .map(|u| {
            (
                u["unit_no"].as_str().unwrap().to_owned(),
                u["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    listed.sort();
    let mut expected = vec![
        (demo.unit_no.clone(), "agent".to_owned()),
        (unit_b_no.clone(), "agent".to_owned()),
    ];
    expected.sort();
    assert_eq!(listed, expected);

    qr_tokens(&app, &ticket, &unit_c_no).assert_problem(403, "UNIT_NOT_ALLOWED");
    qr_tokens(&app, &ticket, "12ab").assert_problem(400, "VALIDATION_FAILED");
    let t = qr_tokens(&app, &ticket, &unit_b_no);
    let token = access(&t);
    assert_eq!(t.body["role"], "agent");
    assert_eq!(t.body["channel"], "portal");
    assert_eq!(t.body["unit"]["unit_no"], unit_b_no.as_str());
    assert!(t.body["refresh_token"].is_string());
    // Agents do not manage API keys (R-AUTH-4).
    app.get_as(KEYS, &token)
        .assert_problem(403, "LEGAL_REP_ONLY");
    app.post_as(KEYS, &token, &json!({ "name": "x" }))
        .assert_problem(403, "LEGAL_REP_ONLY");
    delete(&app, &format!("{KEYS}/1"), &token).assert_problem(403, "LEGAL_REP_ONLY");

    // Once only.
    qr_tokens(&app, &ticket, &unit_b_no).assert_problem(409, "QR_TICKET_CONSUMED");
    qr_tokens(&app, &ticket, &demo.unit_no).assert_problem(409, "QR_TICKET_CONSUMED");
    assert_eq!(
        app.get(&format!("{QR}/{ticket}")).body["status"],
        "consumed"
    );
}

#[test]
fn the_legal_representative_scans_in_as_legal_rep() {
    let (app, demo) = start();
    let ticket = new_ticket(&app);
    // Through the simulator's own HTTP client, as `qibao-sim card` does.
    let (status, body) = card_sim::run(
        &SimArgs {
            ticket: ticket.clone(),
            id_number: demo.legal_rep_id_number.clone(),
            name: demo.legal_rep_name.clone(),
            server: app.server.base_url.clone(),
            jti: Some("sim-legal-rep".into()),
            key: None,
        },
        app.server.clock.now_utc(),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let r = app.get(&format!("{QR}/{ticket}"));
    assert_eq!(
        r.body["units"],
        json!([{ "unit_no": demo.unit_no, "name": "宜昌市三峡示范科技有限公司", "role": "legal_rep" }])
    );
    let t = qr_tokens(&app, &ticket, &demo.unit_no);
    assert_eq!(t.body["role"], "legal_rep");
    assert_eq!(t.body["must_change_password"], false);
    let token = access(&t);
    assert_eq!(app.get_as(KEYS, &token).status, 200);
    // Its refresh keeps the role.
    let r = app.post(REFRESH, &json!({ "refresh_token": refresh_of(&t) }));
    assert_eq!(r.body["role"], "legal_rep");
}

#[test]
fn forged_and_malformed_confirmations_are_refused() {
    let (app, demo) = start();
    let ticket = new_ticket(&app);
    let now = app.server.clock.now_utc();
    let forged = esscard::sign_confirmation(
        OTHER_PRIVATE_PEM,
        &ticket,
        &demo.legal_rep_id_number,
        &demo.legal_rep_name,
        "forged-1",
        now,
    )
    .unwrap();
    app.post(CONFIRMATIONS, &json!({ "confirmation": forged }))
        .assert_problem(401, "CONFIRMATION_INVALID");
    for garbage in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        app.post(CONFIRMATIONS, &json!({ "confirmation": garbage }))
            .assert_problem(401, "CONFIRMATION_INVALID");
    }
    app.post(CONFIRMATIONS, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");
    // A confirmation past its exp.
    let iat = now.assume_utc().unix_timestamp() - 600;
    let stale = esscard::sign_claims(
        DEV_PRIVATE_KEY_PEM,
        &ConfirmationClaims {
            ticket: ticket.clone(),
            id_number: demo.legal_rep_id_number.clone(),
            name: demo.legal_rep_name.clone(),
            jti: "stale-1".into(),
            iat,
            exp: iat + 120,
        },
    )
    .unwrap();
    app.post(CONFIRMATIONS, &json!({ "confirmation": stale }))
        .assert_problem(401, "CONFIRMATION_EXPIRED");
    // Nothing was confirmed.
    assert_eq!(app.get(&format!("{QR}/{ticket}")).body["status"], "pending");
    assert_eq!(qr_statuses(&app), vec!["pending"]);
}

#[test]
fn expired_and_unknown_tickets_are_gone() {
    let (app, demo) = start();
    let ticket = new_ticket(&app);
    app.get(&format!("{QR}/not-a-ticket"))
        .assert_problem(410, "QR_TICKET_UNKNOWN");
    confirm(
        &app,
        "not-a-ticket",
        &demo.legal_rep_id_number,
        &demo.legal_rep_name,
        "u-1",
    )
    .assert_problem(410, "QR_TICKET_UNKNOWN");
    qr_tokens(&app, "not-a-ticket", &demo.unit_no).assert_problem(410, "QR_TICKET_UNKNOWN");

    // Two minutes pass (here: a day).
    app.server.clock.set_today(date!(2023 - 04 - 21));
    app.get(&format!("{QR}/{ticket}"))
        .assert_problem(410, "QR_TICKET_EXPIRED");
    confirm(
        &app,
        &ticket,
        &demo.legal_rep_id_number,
        &demo.legal_rep_name,
        "late-1",
    )
    .assert_problem(410, "QR_TICKET_EXPIRED");
    qr_tokens(&app, &ticket, &demo.unit_no).assert_problem(410, "QR_TICKET_EXPIRED");
    assert_eq!(qr_statuses(&app), vec!["pending"]);
}

#[test]
fn a_confirmation_is_accepted_once_and_a_ticket_confirmed_once() {
    let (app, demo) = start();
    let (id, name) = (
        demo.legal_rep_id_number.clone(),
        demo.legal_rep_name.clone(),
    );
    let ticket = new_ticket(&app);
    let signed = esscard::sign_confirmation(
        DEV_PRIVATE_KEY_PEM,
        &ticket,
        &id,
        &name,
        "once-1",
        app.server.clock.now_utc(),
    )
    .unwrap();
    let body = json!({ "confirmation": signed });
    assert_eq!(app.post(CONFIRMATIONS, &body).status, 201);
    app.post(CONFIRMATIONS, &body)
        .assert_problem(409, "REPLAYED");
    // Another confirmation id for the confirmed ticket.
    confirm(&app, &ticket, &id, &name, "once-2").assert_problem(409, "REPLAYED");
    // The same confirmation id on a fresh ticket.
    let fresh = new_ticket(&app);
    confirm(&app, &fresh, &id, &name, "once-1").assert_problem(409, "REPLAYED");
    assert_eq!(app.get(&format!("{QR}/{fresh}")).body["status"], "pending");
    // After the tokens were taken, still refused.
    access(&qr_tokens(&app, &ticket, &demo.unit_no));
    confirm(&app, &ticket, &id, &name, "once-3").assert_problem(409, "REPLAYED");
}

#[test]
fn only_agents_and_legal_representatives_get_in() {
    let (app, demo) = start();
    let removed = resident("42050019880808008");
    add_agent(&app, demo.unit_id, &removed, "钱多", "removed");
    let agent = resident("42050019920202007");
    add_agent(&app, demo.unit_id, &agent, "王芳", "active");
    let ticket = new_ticket(&app);
    for (id, name) in [
        (resident("42050019990909009"), "路人甲"),
        (removed.clone(), "钱多"),
        (agent.clone(), "王小芳"),
        (demo.legal_rep_id_number.clone(), "刘建"),
    ] {
        let r = confirm(&app, &ticket, &id, name, &format!("n-{id}-{name}"));
        r.assert_problem(403, "NOT_AN_AGENT");
        assert!(r.body["detail"].as_str().unwrap().contains("经办人"));
    }
    assert_eq!(app.get(&format!("{QR}/{ticket}")).body["status"], "pending");
    assert_eq!(confirm(&app, &ticket, &agent, "王芳", "n-ok").status, 201);
}

// ---------------------------------------------------------------- API keys

#[test]
fn api_keys_are_created_listed_exchanged_and_revoked() {
    let (app, demo) = start();
    let t = access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));

    for bad in [
        json!({ "name": "  " }),
        json!({ "name": "长".repeat(65) }),
        json!({}),
    ] {
        app.post_as(KEYS, &t, &bad)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    let created = app.post_as(KEYS, &t, &json!({ "name": "薪资系统" }));
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_owned();
    let prefix = created.body["prefix"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_i64().unwrap();
    assert!(key.starts_with(&format!("qbk_{prefix}_")));
    assert_eq!(created.body["name"], "薪资系统");
    assert!(
        created.body["created_by"]
            .as_str()
            .unwrap()
            .starts_with("legal_rep:")
    );
    assert!(created.body["revoked_at"].is_null());
    let second = app.post_as(KEYS, &t, &json!({ "name": "考勤系统" }));
    assert_eq!(second.status, 201);

    let list = app.get_as(KEYS, &t);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["total"], 2);
    assert!(
        !list.text.contains(&key[prefix.len() + 5..]),
        "never the secret"
    );
    assert!(list.body["items"][0].get("key").is_none());
    assert!(list.body["items"][1]["last_used_at"].is_null());
    let one = app.get_as(&format!("{KEYS}?page=2&page_size=1"), &t);
    assert_eq!(one.body["items"][0]["id"], id);
    assert_eq!(one.body["items"].as_array().unwrap().len(), 1);
    for q in ["page=0", "page_size=0", "page_size=201", "page=x"] {
        app.get_as(&format!("{KEYS}?{q}"), &t)
            .assert_problem(400, "VALIDATION_FAILED");
    }

    // The payroll software's exchange.
    let ex = app.post(KEY_TOKENS, &json!({ "api_key": key }));
    let payroll = access(&ex);
    assert_eq!(ex.body["role"], "payroll");
    assert_eq!(ex.body["channel"], "api");
    assert_eq!(ex.body["unit"]["unit_no"], demo.unit_no.as_str());
    assert!(ex.body.get("refresh_token").is_none());
    let listed = app.get_as(KEYS, &t);
    assert!(listed.body["items"][1]["last_used_at"].is_string());
    // Payroll software acts for the unit but does not manage keys; the
    // 403 shows its session is live.
    app.get_as(KEYS, &payroll)
        .assert_problem(403, "LEGAL_REP_ONLY");

    for bad in [
        "qbk_nope".to_owned(),
        String::new(),
        format!("qbk_{prefix}_{}", "0".repeat(64)),
        format!("qbk_{}_{}", "0".repeat(12), "0".repeat(64)),
    ] {
        app.post(KEY_TOKENS, &json!({ "api_key": bad }))
            .assert_problem(401, "API_KEY_INVALID");
    }

    let revoked = delete(&app, &format!("{KEYS}/{id}"), &t);
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert!(revoked.body["revoked_at"].is_string());
    app.post(KEY_TOKENS, &json!({ "api_key": key }))
        .assert_problem(401, "API_KEY_INVALID");
    // Its sessions ended with it.
    app.get_as(KEYS, &payroll)
        .assert_problem(401, "SESSION_ENDED");
    delete(&app, &format!("{KEYS}/{id}"), &t).assert_problem(409, "API_KEY_ALREADY_REVOKED");
    delete(&app, &format!("{KEYS}/999999"), &t).assert_problem(404, "API_KEY_NOT_FOUND");
    delete(&app, &format!("{KEYS}/abc"), &t).assert_problem(400, "VALIDATION_FAILED");
    let after = app.get_as(KEYS, &t);
    assert!(after.body["items"][1]["revoked_at"].is_string());
    assert!(after.body["items"][0]["revoked_at"].is_null());

    let kinds: Vec<String> = items(&app, demo.unit_id)
        .into_iter()
        .filter(|(k, _, _)| k.starts_with("api_key"))
        .map(|(k, b, a)| {
            let text = format!("{b:?}{a:?}");
            assert!(!text.contains(&key[prefix.len() + 5..]), "{text}");
            k
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["api_key_created", "api_key_created", "api_key_revoked"]
    );
}

#[test]
fn a_unit_cannot_see_or_revoke_another_units_key() {
    let (app, demo) = start();
    let (unit_b, unit_b_no, uscc_b) = add_unit(&app, 4, &resident("42050019600101010"), "冯丽");
    add_account(&app, unit_b, "UnitB2023pw", false);
    let ta = access(&login(&app, &demo.uscc, DEMO_LEGAL_REP_PASSWORD));
    let tb = access(&login(&app, &uscc_b, "UnitB2023pw"));
    let kb = app.post_as(KEYS, &tb, &json!({ "name": "B的薪资软件" }));
    let kb_id = kb.body["id"].as_i64().unwrap();
    let kb_key = kb.body["key"].as_str().unwrap().to_owned();

    delete(&app, &format!("{KEYS}/{kb_id}"), &ta).assert_problem(404, "API_KEY_NOT_FOUND");
    assert_eq!(app.get_as(KEYS, &ta).body["total"], 0);
    // Unit B's key is untouched and acts for unit B only.
    assert_eq!(
        app.get_as(KEYS, &tb).body["items"][0]["revoked_at"],
        Value::Null
    );
    let ex = app.post(KEY_TOKENS, &json!({ "api_key": kb_key }));
    access(&ex);
    assert_eq!(ex.body["unit"]["unit_no"], unit_b_no.as_str());
    assert!(
        !items(&app, demo.unit_id)
            .iter()
            .any(|(k, _, _)| k.starts_with("api_key")),
        "nothing recorded for unit A"
    );
}

// ---------------------------------------------------------------- tax bureau

#[test]
fn the_tax_bureau_exchanges_client_credentials() {
    let (app, _demo) = start();
    let r = app.post(
        TAX_TOKENS,
        &json!({ "client_id": DEMO_TAX_CLIENT_ID, "client_secret": DEMO_TAX_CLIENT_SECRET }),
    );
    let t = access(&r);
    assert_eq!(r.body["role"], "tax");
    assert_eq!(r.body["channel"], "api");
    assert!(r.body.get("refresh_token").is_none());
    app.get_as(KEYS, &t).assert_problem(403, "LEGAL_REP_ONLY");
    for (id, secret) in [
        (DEMO_TAX_CLIENT_ID, "wrong"),
        ("nobody", DEMO_TAX_CLIENT_SECRET),
        ("", ""),
    ] {
        app.post(
            TAX_TOKENS,
            &json!({ "client_id": id, "client_secret": secret }),
        )
        .assert_problem(401, "CLIENT_AUTH_FAILED");
    }
    app.post(TAX_TOKENS, &json!({ "client_id": DEMO_TAX_CLIENT_ID }))
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn concurrent_confirmations_and_token_requests_have_one_winner() {
    let (app, demo) = start();
    let (id, name) = (
        demo.legal_rep_id_number.clone(),
        demo.legal_rep_name.clone(),
    );
    let ticket = new_ticket(&app);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (app, ticket, id, name) = (&app, &ticket, &id, &name);
                s.spawn(move || confirm(app, ticket, id, name, &format!("race-{i}")).status)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );

    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (app, ticket, unit_no) = (&app, &ticket, &demo.unit_no);
                s.spawn(move || qr_tokens(app, ticket, unit_no).status)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
}

/// Issue 11 (found by schemathesis on PostgreSQL): wrong passwords sent at
/// once on one account were refused by the throttle's own bookkeeping (409
/// `CONFLICT`, the loser of the first insert of the account's row), or
/// counted as one. Each is counted now: exactly the four free failures
/// answer 401, every other one 429, and the account then waits.
#[test]
fn wrong_passwords_sent_at_once_are_each_counted() {
    let (app, _demo) = start();
    let app = &app;
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                s.spawn(move || {
                    app.post(
                        STAFF_LOGIN,
                        &json!({ "username": "raced", "password": format!("wrong-{i}") }),
                    )
                    .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        4,
        "{statuses:?}"
    );
    let next = app.post(
        STAFF_LOGIN,
        &json!({ "username": "raced", "password": "wrong-again" }),
    );
    next.assert_problem(429, "SIGNIN_THROTTLED");
}

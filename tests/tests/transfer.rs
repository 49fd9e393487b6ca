//! 基本养老保险参保缴费凭证 (issue 16, part; R-TRANS-1, 2) over HTTP, on
//! SQLite or PostgreSQL: an employee with history in another province
//! before 1999 and two years paid here leaves; the voucher lists each
//! period with its base and place, the years since 1998 and the account,
//! and what a transfer would move (the account in full, 12% of the bases
//! since 1998). While the person still pays pension insurance in the
//! province, no voucher (R-TRANS-1).
//!
//! The paid months are lines written directly (as the refunds scenario
//! does): the declaration and tax flows are tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::assessments::{self, NewAssessment};
use qibao_db::{employees, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

#[test]
fn the_voucher_lists_the_periods_and_what_a_transfer_moves() {
    let app = App::start("2026-09-20");
    let s = qibao_api::demo::load(
        &app.pool,
        app.server.clock.today(),
        app.server.clock.now_utc(),
    )
    .unwrap();
    let unit_id = {
        let mut conn = app.pool.get().unwrap();
        repo::get_unit_by_no(&mut conn, &s.unit_no).unwrap().id
    };
    let token = app.mint(
        Role::Agent,
        "420500197001010011",
        "甲经办",
        Some(unit_id),
        &[],
    );
    let b = ok(
        app.post_as(
            EMP,
            &token,
            &json!({
                "id_type": "resident", "id_number": rid("42050019780515003"), "name": "转移甲",
                "phone": "13807171234", "first_work_date": "1997-01-01",
                "start_date": "2026-09-01", "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let no = b["person"]["person_no"].as_str().unwrap().to_string();
    // 2024-09 … 2026-08 paid here at 5000 (8% = 400.00 to the account).
    {
        let mut conn = app.pool.get().unwrap();
        let person = employees::find_by_person_no(&mut conn, &no)
            .unwrap()
            .unwrap();
        let relation = employees::employments_of_persons(&mut conn, &[person.id])
            .unwrap()
            .into_iter()
            .find(|e| e.insurance.code() == "110")
            .unwrap();
        let now = app.server.clock.now_utc();
        let first = qibao_core::Period::new(2024, 9).unwrap();
        for i in 0..24 {
            assessments::insert(
                &mut conn,
                &NewAssessment {
                    unit_id,
                    person_id: person.id,
                    employment_id: relation.id,
                    insurance: "110".into(),
                    period: first.add_months(i).yyyymm(),
                    kind: "regular".into(),
                    base_fen: 500_000,
                    unit_rate_ppm: 160_000,
                    individual_rate_ppm: 80_000,
                    unit_fen: 80_000,
                    individual_fen: 40_000,
                    status: assessments::PAID.into(),
                    source_item_id: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .unwrap();
        }
    }
    // Staff recognise 1997–1998 in Shenzhen and the 2016 opening balance.
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let staff_person = format!("/api/v1/staff/persons/{no}");
    ok(
        app.post_as(
            &format!("{staff_person}/contribution-history"),
            &h,
            &json!({ "from": "199701", "to": "199812", "monthly_base": "2000",
                     "place": "广东省深圳市", "document": "深圳市参保缴费凭证" }),
        ),
        201,
    );
    ok(
        app.call(
            reqwest::Method::PUT,
            &format!("{staff_person}/pension-record"),
            &h,
            Some(&json!({ "opening": { "year": 2016, "balance": "30000.00",
                                       "document": "2015年度个人账户对账单" } })),
        ),
        200,
    );
    let voucher = format!("{EMP}/{no}/contribution-voucher");
    // Still paying here: within the province nothing moves.
    app.get_as(&voucher, &token)
        .assert_problem(422, "TRANSFER_STILL_INSURED");
    ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &token,
            &json!({ "stop_date": "2026-09-15", "reason": "跨省流动就业", "end_reason": "resignation" }),
        ),
        201,
    );
    let v = ok(app.get_as(&voucher, &token), 200);
    assert_eq!(v["months"], 48);
    let spans = v["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 2, "{v}");
    assert_eq!(spans[0]["from"], "199701");
    assert_eq!(spans[0]["to"], "199812");
    assert_eq!(spans[0]["place"], "广东省深圳市");
    assert_eq!(spans[0]["base"], "2000.00");
    assert_eq!(spans[1]["from"], "202409");
    assert_eq!(spans[1]["to"], "202608");
    assert_eq!(spans[1]["place"], "湖北省");
    // The pooled part counts 1998 on: 24,000 + 20,000 + 60,000 + 40,000 =
    // 144,000 × 12% = 17,280.00; 1997 moves nothing from the pool.
    let years: Vec<(i64, &str)> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y["year"].as_i64().unwrap(), y["bases"].as_str().unwrap()))
        .collect();
    assert_eq!(
        years,
        [
            (1998, "24000.00"),
            (2024, "20000.00"),
            (2025, "60000.00"),
            (2026, "40000.00")
        ]
    );
    assert_eq!(v["pooled_share"], "0.12");
    assert_eq!(v["pooled"], "17280.00");
    // The account: the 2016 opening with its interest and the 24 credits.
    assert_eq!(v["valued_at"], "202608");
    let account = qibao_core::Money::parse(v["account"].as_str().unwrap()).unwrap();
    let closing = v["account_years"].as_array().unwrap().last().unwrap()["closing"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(v["account"].as_str().unwrap(), closing);
    assert!(
        account > qibao_core::Money::parse("39600.00").unwrap(),
        "{v}"
    );
    let total = account + qibao_core::Money::parse("17280.00").unwrap();
    assert_eq!(v["total"].as_str().unwrap(), total.to_string());
    assert_eq!(
        v["total_in_capitals"].as_str().unwrap(),
        total.to_capitals()
    );
    // The PDF says the same.
    let (status, ctype, bytes) = app.get_bytes(&format!("{voucher}/pdf"), &token);
    assert_eq!((status, ctype.as_str()), (200, "application/pdf"));
    let text = qibao_e2e::pdf_text(&bytes);
    for needle in [
        "基本养老保险参保缴费凭证",
        "转移甲",
        "广东省深圳市",
        "17280.00",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // Another unit sees nothing of the person.
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    app.get_as(&voucher, &fixtures::token(&app, other.id))
        .assert_problem(404, "PERSON_NOT_FOUND");
}

//! `qibao demo`: a demonstration unit in 宜昌 with a handful of employees, so
//! a new user has something to look at. Idempotent: a second run finds the
//! unit by its USCC and changes nothing.

use qibao_core::Period;
use qibao_core::ids::{ResidentId, Uscc, resident_id_check_char, uscc_check_char};
use qibao_core::insurance::Insurance;
use qibao_db::rows::{
    NewBusinessItem, NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance,
};
use qibao_db::{DbConn, DbError, Pool, repo};
use time::{Date, PrimitiveDateTime};

/// The demo unit's USCC stem; the check character is computed.
const DEMO_USCC_STEM: &str = "91420500MA4C8QD2X";

/// A demo employee: name, first 17 ID digits, start date, monthly wage (fen).
type DemoEmployee = (&'static str, &'static str, (i32, u8, u8), i64);

const EMPLOYEES: [DemoEmployee; 5] = [
    ("张三", "42050019850312001", (2018, 3, 1), 345_000),
    ("李四", "42050019900721002", (2019, 7, 15), 523_456),
    ("王五", "42050219780105003", (2016, 9, 1), 2_500_000),
    ("赵敏", "42050619950818004", (2021, 2, 1), 680_000),
    ("陈静", "42052519880430006", (2020, 11, 9), 412_000),
];

/// What the demo loader did.
#[derive(Debug)]
pub struct DemoSummary {
    pub unit_no: String,
    pub uscc: String,
    pub created: bool,
    pub employees: usize,
}

fn date(y: i32, m: u8, d: u8) -> Result<Date, DbError> {
    time::Month::try_from(m)
        .ok()
        .and_then(|month| Date::from_calendar_date(y, month, d).ok())
        .ok_or_else(|| DbError::Other(format!("bad demo date {y}-{m}-{d}")))
}

fn demo_uscc() -> Result<Uscc, DbError> {
    let c = uscc_check_char(DEMO_USCC_STEM).ok_or_else(|| DbError::Other("demo USCC".into()))?;
    Uscc::parse(&format!("{DEMO_USCC_STEM}{c}")).map_err(|e| DbError::Other(e.to_string()))
}

/// Loads the demo data (in one transaction) unless it is there already.
pub fn load(pool: &Pool, today: Date, now: PrimitiveDateTime) -> Result<DemoSummary, DbError> {
    let uscc = demo_uscc()?;
    pool.transaction(|conn: &mut DbConn| {
        if let Some(unit) = repo::find_unit_by_uscc(conn, uscc.as_str())? {
            let unit_no = unit.unit_no;
            return Ok(DemoSummary {
                unit_no,
                uscc: uscc.to_string(),
                created: false,
                employees: EMPLOYEES.len(),
            });
        }
        let unit_no = repo::next_sequence(conn, "unit_no")?.to_string();
        let legal_rep = resident("42050019700101001")?;
        let unit = repo::insert_unit(
            conn,
            &NewUnit {
                unit_no: unit_no.clone(),
                uscc: uscc.to_string(),
                name: "宜昌市三峡示范科技有限公司".into(),
                region_code: "420500".into(),
                unit_type: "企业".into(),
                economic_type: "有限责任公司".into(),
                industry: "软件和信息技术服务业".into(),
                risk_class: 1,
                address: "湖北省宜昌市西陵区东山大道100号".into(),
                postcode: Some("443000".into()),
                phone: "0717-6441234".into(),
                legal_rep_name: "刘建国".into(),
                legal_rep_id_type: "resident".into(),
                legal_rep_id_number: legal_rep.to_string(),
                collection_method: "tax".into(),
                status: "active".into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        let start = Period::parse("201605").map_err(|e| DbError::Other(e.to_string()))?;
        let latest = Period::of(today).prev();
        for ins in Insurance::COLLECTED {
            repo::insert_unit_insurance(
                conn,
                &NewUnitInsurance {
                    unit_id: unit.id,
                    insurance: ins.code().into(),
                    start_period: start.yyyymm(),
                    status: "active".into(),
                    latest_accounted_period: Some(latest.yyyymm()),
                    latest_paid_period: Some(latest.yyyymm()),
                },
            )?;
        }
        repo::insert_unit_injury_factor(
            conn,
            &NewUnitInjuryFactor {
                unit_id: unit.id,
                from_period: start.yyyymm(),
                to_period: None,
                factor_pct: 100,
            },
        )?;
        for (name, first17, (y, m, d), wage_fen) in EMPLOYEES {
            let id = resident(first17)?;
            let person_no = repo::next_sequence(conn, "person_no")?.to_string();
            let person = repo::insert_person(
                conn,
                &NewPerson {
                    person_no,
                    id_type: "resident".into(),
                    id_number: id.to_string(),
                    name: name.into(),
                    gender: id.gender().code().into(),
                    birth_date: id.birth_date(),
                    nationality: "CHN".into(),
                    phone: None,
                    address: None,
                    first_work_date: Some(date(y, m, d)?),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            for ins in Insurance::COLLECTED {
                repo::insert_employment(
                    conn,
                    &NewEmployment {
                        unit_id: unit.id,
                        person_id: person.id,
                        insurance: ins.code().into(),
                        start_date: date(y, m, d)?,
                        stop_date: None,
                        stop_reason: None,
                        status: repo::ACTIVE.into(),
                        monthly_wage_fen: wage_fen,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
            }
        }
        repo::insert_business_item(
            conn,
            &NewBusinessItem {
                unit_id: Some(unit.id),
                kind: "unit_registration".into(),
                status: "done".into(),
                actor: "demo".into(),
                channel: "counter".into(),
                before_json: None,
                after_json: Some(
                    serde_json::json!({ "unit_no": unit_no, "uscc": uscc.as_str(), "employees": EMPLOYEES.len() })
                        .to_string(),
                ),
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok(DemoSummary {
            unit_no,
            uscc: uscc.to_string(),
            created: true,
            employees: EMPLOYEES.len(),
        })
    })
}

fn resident(first17: &str) -> Result<ResidentId, DbError> {
    let c = resident_id_check_char(first17).ok_or_else(|| DbError::Other("demo id".into()))?;
    ResidentId::parse(&format!("{first17}{c}"), Date::MAX)
        .map(|p| p.id)
        .map_err(|e| DbError::Other(e.to_string()))
}

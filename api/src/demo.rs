//! `qibao demo`: a demonstration unit in 宜昌 with a handful of employees, so
//! a new user has something to look at, and development sign-in accounts:
//! the unit's legal-representative account, a staff account `admin` with
//! every staff role and a tax-bureau client `tax-sim`, all with well-known
//! dev passwords. Idempotent: a second run finds the unit by its USCC and
//! each account by its name, and creates only what is missing.

use qibao_core::Period;
use qibao_core::ids::{ResidentId, Uscc, resident_id_check_char, uscc_check_char};
use qibao_core::insurance::Insurance;
use qibao_db::accounts::{self, NewStaffAccount, NewTaxClient, NewUnitAccount};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::Unit;
use qibao_db::rows::{
    NewBusinessItem, NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance,
};
use qibao_db::{DbConn, DbError, Pool, repo};
use time::{Date, PrimitiveDateTime};

use crate::auth::StaffRole;
use crate::auth::password::{hash_password, sha256_hex};

/// The staff account with every staff role (development only).
pub const DEMO_STAFF_USERNAME: &str = "admin";
/// Its password (development only).
pub const DEMO_STAFF_PASSWORD: &str = "Admin2023dev";
/// The demo unit's legal-representative password (development only).
pub const DEMO_LEGAL_REP_PASSWORD: &str = "Demo2023dev";
/// The tax bureau's simulated client.
pub const DEMO_TAX_CLIENT_ID: &str = "tax-sim";
/// Its secret (development only).
pub const DEMO_TAX_CLIENT_SECRET: &str = "tax-sim-dev-secret-not-for-production";
/// The demo inter-province transfer platform client (`qibao-sim transfer`).
pub const DEMO_PLATFORM_CLIENT_ID: &str = "transfer-sim";
/// The demo platform client's secret: well known, dev only.
pub const DEMO_PLATFORM_CLIENT_SECRET: &str = "transfer-sim-dev-secret-not-for-production";
/// The demo unit's legal representative.
pub const DEMO_LEGAL_REP_NAME: &str = "刘建国";
const DEMO_LEGAL_REP_ID17: &str = "42050019700101001";
/// The demo unit's agent (经办人), who signs in with the e-social-card QR code.
pub const DEMO_AGENT_NAME: &str = "周敏";
const DEMO_AGENT_ID17: &str = "42050019880606002";

const ALL_STAFF_ROLES: [StaffRole; 5] = [
    StaffRole::Acceptor,
    StaffRole::Handler,
    StaffRole::Reviewer,
    StaffRole::Finance,
    StaffRole::PolicyAdmin,
];

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
    pub unit_id: UnitId,
    pub unit_no: String,
    pub uscc: String,
    /// The unit was created by this run.
    pub created: bool,
    pub employees: usize,
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    /// The unit's agent, for the QR sign-in (`qibao-sim card`).
    pub agent_name: String,
    pub agent_id_number: String,
    /// Whether each account was created by this run (an existing one is
    /// left as it is, password included).
    pub legal_rep_account_created: bool,
    pub staff_account_created: bool,
    pub tax_client_created: bool,
    /// The demo unit's webhook address ([`DEMO_WEBHOOK_URL`]) and its
    /// signing secret, for `qibao-sim webhook-sink`.
    pub webhook_secret: String,
}

/// Where `make run`'s webhook receiver (`qibao-sim webhook-sink`) listens.
pub const DEMO_WEBHOOK_URL: &str = "http://127.0.0.1:8090/hooks";

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

/// Loads the demo data (in one transaction): the unit unless it is there
/// already, and each sign-in account that is missing.
pub fn load(pool: &Pool, today: Date, now: PrimitiveDateTime) -> Result<DemoSummary, DbError> {
    let uscc = demo_uscc()?;
    pool.transaction(|conn: &mut DbConn| {
        let (unit, created) = match repo::find_unit_by_uscc(conn, uscc.as_str())? {
            Some(unit) => (unit, false),
            None => (create_unit(conn, &uscc, today, now)?, true),
        };
        let legal_rep_account_created = match accounts::find_unit_account(conn, unit.id)? {
            Some(_) => false,
            None => {
                accounts::insert_unit_account(
                    conn,
                    &NewUnitAccount {
                        unit_id: unit.id,
                        password_hash: hash(DEMO_LEGAL_REP_PASSWORD)?,
                        must_change_password: false,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                true
            }
        };
        let staff_account_created =
            match accounts::find_staff_by_username(conn, DEMO_STAFF_USERNAME)? {
                Some(_) => false,
                None => {
                    accounts::insert_staff_account(
                        conn,
                        &NewStaffAccount {
                            username: DEMO_STAFF_USERNAME.into(),
                            name: "系统管理员（演示）".into(),
                            password_hash: hash(DEMO_STAFF_PASSWORD)?,
                            roles: StaffRole::join(&ALL_STAFF_ROLES),
                            region_code: Some("420500".into()),
                            active: true,
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    true
                }
            };
        let tax_client_created = match accounts::find_tax_client(conn, DEMO_TAX_CLIENT_ID)? {
            Some(_) => false,
            None => {
                accounts::insert_tax_client(
                    conn,
                    &NewTaxClient {
                        client_id: DEMO_TAX_CLIENT_ID.into(),
                        name: "税务部门（模拟）".into(),
                        secret_hash: sha256_hex(DEMO_TAX_CLIENT_SECRET),
                        active: true,
                        created_at: now,
                        role: accounts::CLIENT_TAX.into(),
                    },
                )?;
                true
            }
        };
        if accounts::find_tax_client(conn, DEMO_PLATFORM_CLIENT_ID)?.is_none() {
            accounts::insert_tax_client(
                conn,
                &NewTaxClient {
                    client_id: DEMO_PLATFORM_CLIENT_ID.into(),
                    name: "跨省转移接续平台（模拟）".into(),
                    secret_hash: sha256_hex(DEMO_PLATFORM_CLIENT_SECRET),
                    active: true,
                    created_at: now,
                    role: accounts::CLIENT_PLATFORM.into(),
                },
            )?;
        }
        let webhook_secret = demo_webhook(conn, unit.id, now)?;
        let agent_id_number = demo_agent(conn, unit.id, now)?;
        Ok(DemoSummary {
            agent_name: DEMO_AGENT_NAME.to_owned(),
            agent_id_number,
            webhook_secret,
            unit_id: unit.id,
            unit_no: unit.unit_no,
            uscc: uscc.to_string(),
            created,
            employees: EMPLOYEES.len(),
            legal_rep_name: unit.legal_rep_name,
            legal_rep_id_number: unit.legal_rep_id_number,
            legal_rep_account_created,
            staff_account_created,
            tax_client_created,
        })
    })
}

/// The demo unit's agent (经办人), authorised as the legal representative
/// would (`qibao_app::units::agents::add`, with its business item) unless
/// active already; returns the agent's ID number.
fn demo_agent(
    conn: &mut DbConn,
    unit_id: UnitId,
    now: PrimitiveDateTime,
) -> Result<String, DbError> {
    use qibao_app::actor::{Actor, Channel};
    use qibao_app::units::agents::{self, AgentDetails};
    use qibao_core::ids::{ParsedResidentId, Phone};
    let id = resident(DEMO_AGENT_ID17)?;
    let id_number = id.as_str().to_owned();
    if qibao_db::units::find_active_agent_by_id_number(conn, unit_id, &id_number)?.is_some() {
        return Ok(id_number);
    }
    let who = Actor {
        name: "system:demo:演示数据".to_owned(),
        channel: Channel::System,
    };
    let details = AgentDetails {
        name: DEMO_AGENT_NAME.to_owned(),
        department: Some("人力资源部".to_owned()),
        phone: Phone::parse("13972010001").map_err(|e| DbError::Other(e.to_string()))?,
    };
    let parsed = ParsedResidentId {
        id,
        converted_from: None,
    };
    agents::add(conn, &who, unit_id, &parsed, details, now)
        .map_err(|e| DbError::Other(format!("demo agent: {e}")))?;
    Ok(id_number)
}

/// The demo unit's webhook address for `make run`'s receiver: registered
/// (from the unit's first event on) unless it is; returns its secret.
fn demo_webhook(
    conn: &mut DbConn,
    unit_id: UnitId,
    now: PrimitiveDateTime,
) -> Result<String, DbError> {
    use qibao_db::webhooks;
    if let Some(e) = webhooks::endpoints_of(conn, unit_id)?
        .into_iter()
        .find(|e| e.url == DEMO_WEBHOOK_URL)
    {
        return Ok(e.secret);
    }
    let secret = qibao_app::webhooks::fresh_secret();
    webhooks::insert_endpoint(
        conn,
        &webhooks::NewEndpoint {
            unit_id,
            url: DEMO_WEBHOOK_URL.to_owned(),
            event_types: String::new(),
            description: "make run 的演示接收方（qibao-sim webhook-sink）".to_owned(),
            secret: secret.clone(),
            cursor_seq: 0,
            created_by: "system:demo:演示数据".to_owned(),
            created_at: now,
        },
    )?;
    Ok(secret)
}

fn hash(password: &str) -> Result<String, DbError> {
    hash_password(password)
        .map_err(|e| DbError::Other(format!("cannot hash a demo password: {}", e.detail())))
}

/// The demo unit, its insurances and employees, and its registration item.
fn create_unit(
    conn: &mut DbConn,
    uscc: &Uscc,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<Unit, DbError> {
    let unit_no = repo::next_sequence(conn, "unit_no")?.to_string();
    let legal_rep = resident(DEMO_LEGAL_REP_ID17)?;
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
            legal_rep_name: DEMO_LEGAL_REP_NAME.into(),
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
        if name == DEMO_PENSION_HISTORY_OF {
            demo_pension_record(conn, person.id, now)?;
        }
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
    Ok(unit)
}

/// The demo employee whose file has pension history before the unit (so
/// that 基本养老金计算 has years to show): staff-entered months 2000-07 …
/// 2016-08 at 3,000 yuan and the account's balance at 2016-01-01.
const DEMO_PENSION_HISTORY_OF: &str = "王五";

fn demo_pension_record(
    conn: &mut DbConn,
    person_id: PersonId,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    use qibao_db::pension::{self as pension_db, HistoryMonthRow, PensionRecordRow};
    let from = Period::new(2000, 7).map_err(|e| DbError::Other(e.to_string()))?;
    let to = Period::new(2016, 8).map_err(|e| DbError::Other(e.to_string()))?;
    let rows: Vec<HistoryMonthRow> = Period::range_inclusive(from, to)
        .into_iter()
        .map(|p| HistoryMonthRow {
            person_id,
            period: p.yyyymm(),
            base_fen: 300_000,
            place: "宜昌市某机械厂（演示）".into(),
            document: "职工档案 缴费记录（演示）".into(),
            created_by: "demo".into(),
            created_at: now,
            transfer_id: None,
        })
        .collect();
    qibao_db::bulk::insert_history_months(conn, &rows)?;
    pension_db::put_pension_record(
        conn,
        &PensionRecordRow {
            person_id,
            opening_year: Some(2016),
            opening_balance_fen: Some(4_200_000),
            opening_document: Some("2015年度个人账户对账单（演示）".into()),
            deemed_months: 0,
            deemed_document: None,
            updated_by: "demo".into(),
            updated_at: now,
        },
    )
}

fn resident(first17: &str) -> Result<ResidentId, DbError> {
    let c = resident_id_check_char(first17).ok_or_else(|| DbError::Other("demo id".into()))?;
    ResidentId::parse(&format!("{first17}{c}"), Date::MAX)
        .map(|p| p.id)
        .map_err(|e| DbError::Other(e.to_string()))
}

/// The demo unit's current month, so that a new user sees the whole cycle:
/// the wage-base declaration of the social-insurance year, the monthly
/// declaration and a payment order, which the tax simulator of `make run`
/// (`qibao-sim tax`) then invoices, pays and allocates within
/// seconds. Done once, right after the unit is created; returns the order
/// number.
pub fn first_month(
    pool: &Pool,
    unit_id: UnitId,
    today: Date,
    local_now: time::OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<String, crate::http::problem::ApiError> {
    use crate::auth::{AsActor, Channel, Principal, Role};
    use qibao_app::declarations::{DeclarationKind, declare_period};
    use qibao_app::orders;
    use qibao_app::wage_declarations;
    let who = Principal {
        session_id: "demo".into(),
        role: Role::LegalRep,
        subject: "demo".into(),
        name: DEMO_LEGAL_REP_NAME.into(),
        unit_id: Some(unit_id),
        staff_roles: Vec::new(),
        channel: Channel::Portal,
        must_change_password: false,
        read_after: None,
    };
    let period = Period::of(today);
    let mut conn = pool.get().map_err(crate::http::problem::ApiError::from)?;
    qibao_db::conn::transaction(&mut conn, |c| {
        let mut ids: Vec<PersonId> = qibao_db::employees::employments_of_unit(c, unit_id)?
            .iter()
            .map(|e| e.person_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let persons = qibao_db::employees::get_persons(c, &ids)?;
        let wages: Vec<(String, qibao_core::Money)> = persons
            .iter()
            .map(|p| {
                let fen = EMPLOYEES
                    .iter()
                    .find(|e| e.0 == p.name)
                    .map_or(500_000, |e| e.3);
                (p.person_no.clone(), qibao_core::Money::from_fen(fen))
            })
            .collect();
        wage_declarations::declare_monthly_wages(
            c,
            &who,
            unit_id,
            period.si_year(),
            &wages,
            today,
            now,
        )?;
        declare_period(
            c,
            &who.as_actor(),
            unit_id,
            period,
            DeclarationKind::Regular,
            today,
            now,
        )?;
        Ok(orders::issue(c, &who.as_actor(), unit_id, today, local_now, now)?.order_no)
    })
}

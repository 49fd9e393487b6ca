//! Certificates (参保证明, R-CERT-1…3): the unit certificate (湖北省社会保险
//! 参保证明（单位专用）) and the personal certificate (个人参保缴费证明) a unit
//! issues, frozen at issue as canonical JSON and signed with the agency's
//! Ed25519 key; the unit lists and reads its own; anyone verifies one by
//! its authorisation code for three months (rate-limited by address).
//!
//! The content is built from the paid-months read model
//! ([`crate::paid_months`]): months paid and allocated, refunded ones left
//! out. Decisions on spans, codes, expiry and arrears are in
//! [`qibao_core::certificate`].

pub mod signing;

use std::collections::{BTreeMap, BTreeSet};

use qibao_core::Money;
use qibao_core::Period;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::canonical::canonical_json;
use qibao_core::certificate::{self as rule, CertificateKind, Span};
use qibao_core::insurance::Insurance;
use qibao_core::unit::mask_id_number;
use qibao_db::certificates::{self as cert_db, Certificate, NewCertificate};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::{DbConn, employees as emp_db, repo};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::PrimitiveDateTime;

use crate::actor::Actor;
use crate::clock::{CHINA_OFFSET, china_timestamp};
use crate::error::{AppError, ErrorCode, corrupt};
use crate::items::{self, DONE, ItemRecord};
use crate::paid_months::paid_by_person;
use crate::tx::{conflict_as_retry, read_transaction, transaction_with_retry};
use crate::units::get_unit;
pub use signing::CertificateSigner;

/// The status a certificate prints for months paid and allocated.
pub const PAID_STATUS: &str = "实缴到账";

/// The notes printed under a certificate (备注), as on the seed's paper.
fn notes(kind: CertificateKind) -> Vec<String> {
    let holder = match kind {
        CertificateKind::Unit => "参保单位",
        CertificateKind::Personal => "参保单位及本人",
    };
    vec![
        "社会保障号：中国公民的“社会保障号”为身份证号；外国公民的“社会保障号”为护照号或居留证号。证明上的证件号码中间部分已隐去。".to_owned(),
        format!("本证明信息为打印时单位在参保所属地的参保缴费情况，由{holder}自行保管。因遗失或泄露造成的不良后果，由{holder}负责。"),
        "本证明出具后3个月内可凭授权码在社保证明验证平台验证，验证结果为出具时的内容。".to_owned(),
    ]
}

/// A unit as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertUnit {
    /// 单位编号.
    #[cfg_attr(feature = "openapi", schema(example = "100047500"))]
    pub unit_no: String,
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub name: String,
}

/// A code with its Chinese name (an insurance, a region).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeName {
    pub code: String,
    pub name: String,
}

/// Months from – to, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthSpan {
    pub from: Period,
    pub to: Period,
}

/// One printed row of the unit certificate: a person's paid span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertRow {
    /// 序号, from 1.
    pub seq: u32,
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
    pub name: String,
    /// The ID number with its middle masked, as printed.
    #[cfg_attr(feature = "openapi", schema(example = "420500********0016"))]
    pub id_number_masked: String,
    /// 个人编号.
    pub person_no: String,
    /// 缴费起止时间.
    pub from: Period,
    pub to: Period,
    /// 缴费状态: 实缴到账.
    #[cfg_attr(feature = "openapi", schema(example = "实缴到账"))]
    pub status: String,
}

/// The frozen content of a unit certificate (R-CERT-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitCertificateContent {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "湖北省社会保险参保证明（单位专用）")
    )]
    pub title: String,
    /// The authorisation code as printed (groups of four).
    #[cfg_attr(feature = "openapi", schema(example = "2023 0815 1030 12KR HSFG"))]
    pub code: String,
    /// Print time, China time (打印时间).
    #[cfg_attr(feature = "openapi", schema(example = "2023-08-15T10:30:12+08:00"))]
    pub issued_at: String,
    /// Verifiable until (exclusive), China time.
    pub verifiable_until: String,
    /// Where to verify it (验证平台), with the code.
    pub verification_url: String,
    pub unit: CertUnit,
    /// 单位参保险种.
    pub insurance: CodeName,
    /// 参保所属地.
    pub region: CodeName,
    /// 做账期号: the latest accounted period.
    pub accounted_period: Period,
    /// 缴费总人数: persons billed for the insurance and that period on the
    /// unit's live or paid orders.
    pub headcount: i64,
    /// 单位欠费(是/否).
    pub in_arrears: bool,
    /// 时间选择: 3, 6, 9, 12 or 24 months.
    pub span_months: u8,
    /// The months covered.
    pub window: MonthSpan,
    /// 该单位以下参保缴费人员信息: one row per person and paid span.
    pub rows: Vec<CertRow>,
    /// 备注.
    pub notes: Vec<String>,
}

/// One month of one insurance on the personal certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalMonth {
    pub period: Period,
    pub insurance: CodeName,
    /// 缴费基数.
    pub base: Money,
    /// 单位缴费.
    pub unit_amount: Money,
    /// 个人缴费.
    pub individual_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "实缴到账"))]
    pub status: String,
}

/// A person as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertPerson {
    pub name: String,
    pub id_number_masked: String,
    pub person_no: String,
}

/// The frozen content of a personal certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalCertificateContent {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "湖北省社会保险个人参保缴费证明")
    )]
    pub title: String,
    pub code: String,
    pub issued_at: String,
    pub verifiable_until: String,
    pub verification_url: String,
    pub unit: CertUnit,
    pub region: CodeName,
    pub person: CertPerson,
    /// The months covered (the first and last paid month when no span was chosen).
    pub window: MonthSpan,
    /// The span chosen, if any (3, 6, 9, 12 or 24 months).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub span_months: Option<u8>,
    /// Month by month, by insurance.
    pub months: Vec<PersonalMonth>,
    /// Months with at least one paid insurance.
    pub months_paid: i64,
    pub unit_total: Money,
    pub individual_total: Money,
    pub total: Money,
    pub notes: Vec<String>,
}

/// The frozen content of a certificate; `kind` tells which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CertificateContent {
    Unit(UnitCertificateContent),
    Personal(PersonalCertificateContent),
}

/// A certificate as issued: the content, its signature and how to check it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedCertificate {
    /// The authorisation code, normalised (20 characters).
    #[cfg_attr(feature = "openapi", schema(example = "20230815103012KRHSFG"))]
    pub code: String,
    pub kind: CertificateKind,
    /// RFC 3339, China time.
    pub issued_at: String,
    pub verifiable_until: String,
    /// The content as frozen at issue. Its canonical JSON (RFC 8785) is the
    /// signed message.
    pub content: CertificateContent,
    /// `Ed25519`.
    #[cfg_attr(feature = "openapi", schema(example = "Ed25519"))]
    pub algorithm: String,
    /// Which key signed (first 16 hex digits of the SHA-256 of the raw public key).
    pub key_id: String,
    /// The signature of the canonical content, base64.
    pub signature: String,
}

/// One page of the unit's certificates.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificatePage {
    pub items: Vec<SignedCertificate>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Which persons a unit certificate lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonChoice {
    /// Every person with paid months in the window.
    All,
    /// These persons (个人编号), in this order.
    Chosen(Vec<String>),
}

/// What the unit asks for.
#[derive(Debug, Clone)]
pub struct UnitCertificateInput {
    pub insurance: Insurance,
    pub span: Span,
    pub persons: PersonChoice,
}

/// Issuing needs the signer and the public address verification is at.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    pub signer: &'a CertificateSigner,
    /// The public verification URL up to the code, e.g.
    /// `https://si.example/api/v1/public/certificates/`.
    pub verify_base: &'a str,
}

struct Stamp {
    code: String,
    issued_at: PrimitiveDateTime,
    until: PrimitiveDateTime,
}

fn stamp(now: PrimitiveDateTime) -> Stamp {
    let china = now.assume_utc().to_offset(CHINA_OFFSET);
    let mut rng = rand::rng();
    let mut random = [0u8; 6];
    for b in &mut random {
        *b = rng.random_range(0..24);
    }
    let printed = PrimitiveDateTime::new(china.date(), china.time());
    Stamp {
        code: rule::auth_code(printed, random),
        issued_at: now,
        until: rule::verifiable_until(now),
    }
}

fn code_name(i: Insurance) -> CodeName {
    CodeName {
        code: i.code().to_owned(),
        name: i.name_zh().to_owned(),
    }
}

/// Issues a unit certificate (R-CERT-1): one insurance, a span back from
/// the latest accounted period, all or chosen persons; signed and stored.
pub fn issue_unit(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &UnitCertificateInput,
    issuer: Issuer<'_>,
    now: PrimitiveDateTime,
) -> Result<SignedCertificate, AppError> {
    transaction_with_retry(conn, |c| {
        let unit = get_unit(c, unit_id)?;
        let registration = qibao_db::units::list_unit_insurances(c, unit_id)?
            .into_iter()
            .find(|r| r.insurance == input.insurance)
            .ok_or_else(|| {
                AppError::new(ErrorCode::InsuranceNotRegistered)
                    .as_kind(crate::ErrorKind::Unprocessable)
                    .with_detail(format!(
                        "本单位未参加{}，不能开具该险种的参保证明。",
                        input.insurance.name_zh()
                    ))
            })?;
        let accounted = registration.latest_accounted_period.ok_or_else(|| {
            AppError::new(ErrorCode::CertificateNotAccounted).with_detail(format!(
                "本单位{}尚无做账期号（还未申报过缴费），不能开具参保证明。",
                input.insurance.name_zh()
            ))
        })?;
        let window = input.span.window(accounted);
        // Chosen persons: only their months are read (a few rows, whatever
        // the unit's size); all persons: the window's months of the unit.
        let chosen = match &input.persons {
            PersonChoice::All => None,
            PersonChoice::Chosen(nos) => Some(resolve_persons(c, nos)?),
        };
        let ids: Option<Vec<PersonId>> = chosen
            .as_ref()
            .map(|v| v.iter().filter_map(|(_, id)| *id).collect());
        let paid = paid_by_person(
            c,
            unit_id,
            Some(input.insurance),
            ids.as_deref(),
            Some(window),
        )?;
        let spans: BTreeMap<PersonId, Vec<(Period, Period)>> = paid
            .into_iter()
            .map(|((person, _), months)| (person, rule::spans_within(&months, window)))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        let order: Vec<PersonId> = match &chosen {
            None => spans.keys().copied().collect(),
            Some(resolved) => chosen_persons(resolved, &spans, window)?,
        };
        if order.is_empty() {
            return Err(
                AppError::new(ErrorCode::CertificateNoPaidMonths).with_detail(format!(
                    "{}至{}本单位没有{}实缴到账的缴费人员，不能开具参保证明。",
                    window.0,
                    window.1,
                    input.insurance.name_zh()
                )),
            );
        }
        let persons: BTreeMap<PersonId, qibao_db::rows::Person> = emp_db::get_persons(c, &order)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut rows = Vec::new();
        for (i, id) in order.iter().enumerate() {
            let person = persons.get(id).ok_or_else(|| corrupt("person", id))?;
            for (from, to) in spans.get(id).into_iter().flatten() {
                rows.push(CertRow {
                    seq: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    name: person.name.clone(),
                    id_number_masked: mask_id_number(&person.id_number),
                    person_no: person.person_no.clone(),
                    from: *from,
                    to: *to,
                    status: PAID_STATUS.to_owned(),
                });
            }
        }
        let headcount = cert_db::headcount(c, unit_id, input.insurance.code(), accounted.yyyymm())?;
        let unpaid = cert_db::unpaid_periods(c, unit_id, input.insurance.code())?
            .into_iter()
            .map(|p| Period::from_yyyymm(p).map_err(|e| corrupt("period", e)))
            .collect::<Result<Vec<_>, _>>()?;
        let region = repo::get_region(c, &unit.region_code)?;
        let s = stamp(now);
        let content = CertificateContent::Unit(UnitCertificateContent {
            title: CertificateKind::Unit.title_zh().to_owned(),
            code: rule::display_code(&s.code),
            issued_at: china_timestamp(s.issued_at),
            verifiable_until: china_timestamp(s.until),
            verification_url: format!("{}{}", issuer.verify_base, s.code),
            unit: CertUnit {
                unit_no: unit.unit_no.clone(),
                name: unit.name.clone(),
            },
            insurance: code_name(input.insurance),
            region: CodeName {
                code: region.code,
                name: region.name,
            },
            accounted_period: accounted,
            headcount,
            in_arrears: rule::in_arrears(&unpaid, china_date(now)),
            span_months: input.span.months(),
            window: MonthSpan {
                from: window.0,
                to: window.1,
            },
            rows,
            notes: notes(CertificateKind::Unit),
        });
        let summary = json!({
            "insurance": input.insurance.code(),
            "span_months": input.span.months(),
            "persons": order.len(),
        });
        store(c, who, unit_id, None, &s, content, summary, issuer, now)
    })
}

/// The chosen person numbers, in the order given (duplicates once), with
/// the person each names, if any.
fn resolve_persons(
    conn: &mut DbConn,
    nos: &[String],
) -> Result<Vec<(String, Option<PersonId>)>, AppError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for no in nos {
        let no = no.trim();
        if seen.insert(no.to_owned()) {
            let id = emp_db::find_by_person_no(conn, no)?.map(|p| p.id);
            out.push((no.to_owned(), id));
        }
    }
    Ok(out)
}

/// The chosen persons in order: each must have paid months of the
/// insurance at the unit in the window.
fn chosen_persons(
    resolved: &[(String, Option<PersonId>)],
    spans: &BTreeMap<PersonId, Vec<(Period, Period)>>,
    window: (Period, Period),
) -> Result<Vec<PersonId>, AppError> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for (no, id) in resolved {
        match id {
            Some(id) if spans.contains_key(id) => out.push(*id),
            _ => unknown.push(no.clone()),
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(
            AppError::new(ErrorCode::CertificatePersonUnknown).with_detail(format!(
                "个人编号{}在{}至{}没有本单位该险种实缴到账的缴费记录，不能列入参保证明。",
                unknown.join("、"),
                window.0,
                window.1
            )),
        )
    }
}

fn china_date(now: PrimitiveDateTime) -> time::Date {
    now.assume_utc().to_offset(CHINA_OFFSET).date()
}

/// Issues a personal certificate (个人参保缴费证明) for one of the unit's
/// persons: every insurance, month by month with base and amounts, the
/// months paid at this unit (in `span` back from the unit's latest
/// accounted period, or all when `None`).
pub fn issue_personal(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    span: Option<Span>,
    issuer: Issuer<'_>,
    now: PrimitiveDateTime,
) -> Result<SignedCertificate, AppError> {
    transaction_with_retry(conn, |c| {
        let unit = get_unit(c, unit_id)?;
        let unknown = || {
            AppError::new(ErrorCode::CertificatePersonUnknown).with_detail(format!(
                "个人编号{}没有本单位实缴到账的缴费记录，不能开具个人参保缴费证明。",
                person_no.trim()
            ))
        };
        let person = emp_db::find_by_person_no(c, person_no.trim())?.ok_or_else(unknown)?;
        let lines = cert_db::paid_lines_of_person(c, unit_id, person.id)?;
        let refunded: BTreeSet<_> = qibao_db::refunds::refunded_assessment_ids(c, &[person.id])?
            .into_iter()
            .collect();
        let window = match span {
            Some(s) => {
                let latest = qibao_db::units::list_unit_insurances(c, unit_id)?
                    .iter()
                    .filter_map(|r| r.latest_accounted_period)
                    .max()
                    .ok_or_else(|| AppError::new(ErrorCode::CertificateNotAccounted))?;
                Some(s.window(latest))
            }
            None => None,
        };
        // Summed by (period, insurance): a month may have a line and its
        // back-pay adjustment.
        let mut by: BTreeMap<(Period, String), (i64, i64, i64)> = BTreeMap::new();
        for l in lines {
            if refunded.contains(&l.id) {
                continue;
            }
            let period = Period::from_yyyymm(l.period).map_err(|e| corrupt("period", e))?;
            if window.is_some_and(|(from, to)| period < from || period > to) {
                continue;
            }
            let e = by.entry((period, l.insurance)).or_default();
            e.0 = e.0.max(l.base_fen);
            e.1 += l.unit_fen;
            e.2 += l.individual_fen;
        }
        let (Some(first), Some(last)) =
            (by.keys().next().map(|k| k.0), by.keys().last().map(|k| k.0))
        else {
            return Err(match window {
                Some((from, to)) => AppError::new(ErrorCode::CertificateNoPaidMonths).with_detail(format!(
                    "个人编号{}在{from}至{to}没有本单位实缴到账的缴费记录，不能开具个人参保缴费证明。",
                    person.person_no
                )),
                None => unknown(),
            });
        };
        let mut months = Vec::with_capacity(by.len());
        let (mut unit_total, mut individual_total) = (0_i64, 0_i64);
        for ((period, ins), (base, unit_fen, individual_fen)) in &by {
            let insurance = Insurance::from_code(ins).map_err(|e| corrupt("insurance", e))?;
            unit_total += unit_fen;
            individual_total += individual_fen;
            months.push(PersonalMonth {
                period: *period,
                insurance: code_name(insurance),
                base: Money::from_fen(*base),
                unit_amount: Money::from_fen(*unit_fen),
                individual_amount: Money::from_fen(*individual_fen),
                status: PAID_STATUS.to_owned(),
            });
        }
        let months_paid = by.keys().map(|k| k.0).collect::<BTreeSet<_>>().len();
        let region = repo::get_region(c, &unit.region_code)?;
        let s = stamp(now);
        let (from, to) = window.unwrap_or((first, last));
        let content = CertificateContent::Personal(PersonalCertificateContent {
            title: CertificateKind::Personal.title_zh().to_owned(),
            code: rule::display_code(&s.code),
            issued_at: china_timestamp(s.issued_at),
            verifiable_until: china_timestamp(s.until),
            verification_url: format!("{}{}", issuer.verify_base, s.code),
            unit: CertUnit {
                unit_no: unit.unit_no.clone(),
                name: unit.name.clone(),
            },
            region: CodeName {
                code: region.code,
                name: region.name,
            },
            person: CertPerson {
                name: person.name.clone(),
                id_number_masked: mask_id_number(&person.id_number),
                person_no: person.person_no.clone(),
            },
            window: MonthSpan { from, to },
            span_months: span.map(Span::months),
            months,
            months_paid: i64::try_from(months_paid).unwrap_or(i64::MAX),
            unit_total: Money::from_fen(unit_total),
            individual_total: Money::from_fen(individual_total),
            total: Money::from_fen(unit_total + individual_total),
            notes: notes(CertificateKind::Personal),
        });
        let summary = json!({
            "person_no": person.person_no,
            "span_months": span.map(Span::months),
        });
        store(
            c,
            who,
            unit_id,
            Some(person.id),
            &s,
            content,
            summary,
            issuer,
            now,
        )
    })
}

#[allow(clippy::too_many_arguments)]
fn store(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_id: Option<PersonId>,
    s: &Stamp,
    content: CertificateContent,
    summary: serde_json::Value,
    issuer: Issuer<'_>,
    now: PrimitiveDateTime,
) -> Result<SignedCertificate, AppError> {
    let kind = match content {
        CertificateContent::Unit(_) => CertificateKind::Unit,
        CertificateContent::Personal(_) => CertificateKind::Personal,
    };
    let value = serde_json::to_value(&content).map_err(AppError::internal_cause)?;
    let canonical = canonical_json(&value);
    let signature = issuer.signer.sign(canonical.as_bytes());
    let mut after = summary;
    if let Some(o) = after.as_object_mut() {
        o.insert("code".into(), json!(s.code));
    }
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: match kind {
                CertificateKind::Unit => BusinessItemKind::UnitCertificate,
                CertificateKind::Personal => BusinessItemKind::PersonalCertificate,
            },
            status: DONE,
            before: None,
            after: Some(after),
        },
        now,
    )?;
    let row = cert_db::insert(
        conn,
        &NewCertificate {
            code: &s.code,
            kind: kind.code(),
            unit_id,
            person_id,
            content: &canonical,
            signature: &signature,
            key_id: issuer.signer.key_id(),
            business_item_id: item.id,
            issued_at: s.issued_at,
            verifiable_until: s.until,
        },
    )
    .map_err(|e| conflict_as_retry(e, "授权码重复，请重新开具。"))?;
    signed(&row)
}

/// A stored certificate as returned.
fn signed(row: &Certificate) -> Result<SignedCertificate, AppError> {
    let content: CertificateContent =
        serde_json::from_str(&row.content).map_err(|e| corrupt("certificate content", e))?;
    Ok(SignedCertificate {
        code: row.code.clone(),
        kind: row.kind,
        issued_at: crate::clock::china_timestamp(row.issued_at),
        verifiable_until: crate::clock::china_timestamp(row.verifiable_until),
        content,
        algorithm: signing::ALGORITHM.to_owned(),
        key_id: row.key_id.clone(),
        signature: row.signature.clone(),
    })
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::CertificateNotFound)
}

/// One page of the unit's certificates, newest first.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: i64,
    page_size: i64,
) -> Result<CertificatePage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) =
            cert_db::list_for_unit(c, unit_id, (page - 1).saturating_mul(page_size), page_size)?;
        Ok(CertificatePage {
            items: rows.iter().map(signed).collect::<Result<_, _>>()?,
            total,
            page,
            page_size,
        })
    })
}

/// One of the unit's certificates by code; another unit's is not found.
pub fn get(conn: &mut DbConn, unit_id: UnitId, code: &str) -> Result<SignedCertificate, AppError> {
    let code = rule::normalise_code(code).ok_or_else(not_found)?;
    read_transaction(conn, |c| match cert_db::find_by_code(c, &code)? {
        Some(row) if row.unit_id == unit_id => signed(&row),
        _ => Err(not_found()),
    })
}

/// The public verification (R-CERT-2): the certificate as issued, while
/// it can be verified (410 after); unknown or malformed codes are 404.
/// Failed lookups count against the caller's address (`address`): after
/// 20 in a day each further one waits longer (1, 2, 4 … 15 minutes), as
/// password sign-ins do, so codes cannot be guessed.
pub fn verify_public(
    conn: &mut DbConn,
    code: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<SignedCertificate, AppError> {
    let key = crate::auth::throttle::address_key("certificate-lookup", address);
    crate::auth::throttle::check_address(conn, &key, now, ErrorCode::CertificateLookupThrottled)?;
    let found = match rule::normalise_code(code) {
        None => None,
        Some(code) => read_transaction(conn, |c| cert_db::find_by_code(c, &code))?,
    };
    match found {
        None => Err(crate::auth::throttle::fail_address(
            conn,
            &key,
            now,
            ErrorCode::CertificateLookupThrottled,
            not_found(),
        )),
        Some(row) if now >= row.verifiable_until => Err(AppError::new(
            ErrorCode::CertificateExpired,
        )
        .with_detail(format!(
            "该参保证明于{}出具，验证期至{}已过，不能再验证；请向出具单位索取新的参保证明。",
            china_timestamp(row.issued_at),
            china_timestamp(row.verifiable_until)
        ))),
        Some(row) => signed(&row),
    }
}

/// The outcome of checking a downloaded certificate offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineCheck {
    pub code: String,
    pub kind: CertificateKind,
    pub key_id: String,
}

/// Checks a certificate as downloaded (the JSON of the verification or the
/// portal: `content`, `signature`): the signature of the canonical content
/// under `public`. Any change of the content fails.
pub fn verify_offline(
    document: &str,
    public: &ed25519_dalek::VerifyingKey,
) -> Result<OfflineCheck, String> {
    let v: serde_json::Value =
        serde_json::from_str(document).map_err(|e| format!("not a certificate (JSON): {e}"))?;
    let content = v.get("content").ok_or("no `content` in the file")?;
    let signature = v
        .get("signature")
        .and_then(|s| s.as_str())
        .ok_or("no `signature` in the file")?;
    let canonical = canonical_json(content);
    if !signing::verify(public, canonical.as_bytes(), signature) {
        return Err("the signature does not match the content: the certificate was changed or was not signed with this key".to_owned());
    }
    let parsed: CertificateContent = serde_json::from_value(content.clone())
        .map_err(|e| format!("signed, but not a certificate's content: {e}"))?;
    let (code, kind) = match &parsed {
        CertificateContent::Unit(u) => (u.code.clone(), CertificateKind::Unit),
        CertificateContent::Personal(p) => (p.code.clone(), CertificateKind::Personal),
    };
    Ok(OfflineCheck {
        code,
        kind,
        key_id: signing::key_id(public),
    })
}

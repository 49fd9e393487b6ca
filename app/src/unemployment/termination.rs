//! 终止或解除劳动合同证明 (issue 16; R-UNEMP-1): what a unit certifies about
//! an employment it ended, which the unemployment benefit claim needs. It
//! is drawn from the data on request, never stored: the relations the unit
//! stopped, the end reason given at the stop, and the months of
//! unemployment insurance paid at the unit. A read; nothing is written.
//!
//! Decisions where DOMAIN.md is silent: the employment's start is the
//! earliest start of the relations ended by the last stop; its end is that
//! stop's date; the certificate is refused while the person still pays any
//! insurance at the unit, and when the stop gave no end reason (the unit
//! revokes the stop and stops again with the reason).

use qibao_core::Period;
use qibao_core::insurance::Insurance;
use qibao_core::payment::contiguous_spans;
use qibao_core::unemployment::EndReason;
use qibao_core::unit::mask_id_number;
use qibao_db::ids::UnitId;
use qibao_db::unemployment as store;
use qibao_db::{DbConn, employees as emp_db, repo};
use serde::Serialize;
use time::Date;

use crate::certificates::{CertUnit, MonthSpan};
use crate::error::{AppError, ErrorCode, corrupt};
use crate::persons::unit_person;
use crate::tx::read_transaction;

/// The certificate's title.
pub const TITLE: &str = "终止或解除劳动合同证明";

/// The certificate as printed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerminationCertificate {
    pub title: &'static str,
    /// 证明编号: ZZ, the unit number, the person number and the end date.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "ZZ1000475001000372600020260831")
    )]
    pub certificate_no: String,
    pub unit: CertUnit,
    pub person_no: String,
    pub name: String,
    /// The ID number with its middle hidden.
    pub id_number: String,
    /// 入职（参保）日期.
    pub start_date: Date,
    /// 终止（解除）日期: the stop date.
    pub end_date: Date,
    /// `dismissal`, `not_renewed`, `unit_closed`, `forced_resignation`,
    /// `resignation` or `other_voluntary`.
    #[cfg_attr(feature = "openapi", schema(example = "dismissal"))]
    pub end_reason: String,
    pub end_reason_label: &'static str,
    /// 非本人意愿中断就业: the ends that allow a benefit claim.
    pub involuntary: bool,
    /// Months of unemployment insurance paid at the unit.
    pub unemployment_months: i32,
    /// Those months as spans.
    pub unemployment_spans: Vec<MonthSpan>,
    /// The certifying sentence.
    pub text: String,
    pub issued_on: Date,
    pub notes: Vec<String>,
}

/// The certificate of employee `person_no`'s ended employment at the unit.
pub fn certificate(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    today: Date,
) -> Result<TerminationCertificate, AppError> {
    read_transaction(conn, |c| {
        let (person, here) = unit_person(c, unit_id, person_no)?;
        if here.iter().any(|e| e.status == repo::ACTIVE) {
            return Err(AppError::new(ErrorCode::EmploymentNotEnded));
        }
        let end_date = here
            .iter()
            .filter_map(|e| e.stop_date)
            .max()
            .ok_or_else(|| AppError::new(ErrorCode::EmploymentNotEnded))?;
        let ended: Vec<_> = here
            .iter()
            .filter(|e| e.stop_date == Some(end_date))
            .collect();
        let start_date = ended.iter().map(|e| e.start_date).min().unwrap_or(end_date);
        let recorded = ended
            .iter()
            .find(|e| e.insurance == Insurance::Unemployment && e.end_reason.is_some())
            .or_else(|| ended.iter().find(|e| e.end_reason.is_some()))
            .and_then(|e| e.end_reason.as_deref());
        let Some(code) = recorded else {
            return Err(AppError::new(ErrorCode::EmploymentNotEnded).with_detail(
                "停保时未登记劳动合同终止（解除）原因，不能出具证明；请撤销该停保后重新办理并填写原因。",
            ));
        };
        let reason = EndReason::parse(code).ok_or_else(|| corrupt("relation end reason", code))?;
        let same = crate::persons::same_person_ids(c, &person)?;
        let paid: Vec<Period> = store::paid_months(
            c,
            &same,
            Some(unit_id),
            Insurance::Unemployment.code(),
            qibao_db::assessments::PAID,
        )?
        .into_iter()
        .map(|p| Period::from_yyyymm(p).map_err(|e| corrupt("paid period", e)))
        .collect::<Result<_, _>>()?;
        let unit = emp_db::get_unit(c, unit_id)?;
        let months = i32::try_from(paid.len()).unwrap_or(i32::MAX);
        let text = format!(
            "兹证明{}（证件号码：{}）于{}至{}在我单位工作，因{}，双方劳动关系于{}终止（解除）。在我单位工作期间累计缴纳失业保险费{}个月。特此证明。",
            person.name,
            mask_id_number(&person.id_number),
            start_date,
            end_date,
            reason.label_zh(),
            end_date,
            months
        );
        Ok(TerminationCertificate {
            title: TITLE,
            certificate_no: format!(
                "ZZ{}{:04}{:02}{:02}",
                person.person_no,
                end_date.year(),
                u8::from(end_date.month()),
                end_date.day()
            ),
            unit: CertUnit {
                unit_no: unit.unit_no,
                name: unit.name,
            },
            person_no: person.person_no,
            name: person.name,
            id_number: mask_id_number(&person.id_number),
            start_date,
            end_date,
            end_reason: reason.code().to_owned(),
            end_reason_label: reason.label_zh(),
            involuntary: reason.involuntary(),
            unemployment_months: months,
            unemployment_spans: contiguous_spans(&paid)
                .into_iter()
                .map(|(from, to)| MonthSpan { from, to })
                .collect(),
            text,
            issued_on: today,
            notes: vec![
                "本证明由用人单位出具，劳动者凭本证明及身份证件办理失业登记、申领失业保险金。".to_owned(),
                "终止（解除）原因为用人单位解除、期满不续订、单位破产关闭撤销或因单位过错本人解除的，属非本人意愿中断就业。".to_owned(),
                "缴纳失业保险费月数为在本单位已缴费到账的月份，已退费的月份不计。".to_owned(),
            ],
        })
    })
}

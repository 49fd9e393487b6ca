//! 实缴到账: each person's months paid and allocated at this unit, by
//! insurance, with the paid-from / paid-to spans a certificate lists
//! (R-PAY-3, R-CERT-1). A month counts once its line is allocated; a month
//! refunded (退费) no longer counts.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web};
use qibao_core::Period;
use qibao_core::insurance::Insurance;
use qibao_core::payment::contiguous_spans;
use qibao_db::employees as emp_db;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::UnitUser;
use crate::blocking::run_db;
use crate::problem::corrupt;
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PaidMonthsQuery {
    /// Insurance code (险种, AAE140): 110, 210 or 410.
    pub insurance: Option<String>,
    /// One person (个人编号, AAC001).
    pub person_no: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaidSpan {
    pub from: Period,
    pub to: Period,
    pub months: i64,
}

/// One person's paid months of one insurance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaidMonthsDto {
    pub person_no: String,
    pub name: String,
    pub insurance: String,
    pub insurance_name: String,
    /// Months paid and allocated (实缴到账), ascending.
    pub months: Vec<Period>,
    /// The same as contiguous spans (paid-from / paid-to).
    pub spans: Vec<PaidSpan>,
    pub latest_paid_period: Period,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaidMonthsPage {
    pub items: Vec<PaidMonthsDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Each person's paid months at this unit, by insurance (实缴到账明细).
#[utoipa::path(
    tag = "portal",
    operation_id = "list_paid_months",
    params(PaidMonthsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PaidMonthsPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/paid-months")]
pub async fn list_paid_months(
    state: web::Data<AppState>,
    user: UnitUser,
    q: web::Query<PaidMonthsQuery>,
) -> Result<web::Json<PaidMonthsPage>, ApiError> {
    let insurance = q
        .insurance
        .as_deref()
        .map(|c| {
            Insurance::from_code(c.trim())
                .map(|i| i.code().to_owned())
                .map_err(|_| ApiError::invalid_field("insurance", "险种代码应为110、210或410"))
        })
        .transpose()?;
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(50);
    if page < 1 {
        return Err(ApiError::invalid_field("page", "页码应从1开始"));
    }
    if !(1..=200).contains(&per_page) {
        return Err(ApiError::invalid_field("per_page", "每页条数应为1至200"));
    }
    let person_no = q.person_no.clone();
    let out = run_db(&state, move |conn| {
        let person_id = match person_no.as_deref() {
            None => None,
            // A person of no line here simply has no paid months.
            Some(no) => match emp_db::find_by_person_no(conn, no.trim())? {
                Some(p) => Some(p.id),
                None => {
                    return Ok(PaidMonthsPage {
                        items: Vec::new(),
                        total: 0,
                        page,
                        per_page,
                    });
                }
            },
        };
        let rows = qibao_db::tax::paid_months(conn, user.unit_id, insurance.as_deref(), person_id)?;
        let mut persons: Vec<i64> = rows.iter().map(|r| r.1).collect();
        persons.sort_unstable();
        persons.dedup();
        let refunded: std::collections::HashSet<i64> =
            qibao_db::refunds::refunded_assessment_ids(conn, &persons)?
                .into_iter()
                .collect();
        let mut by: BTreeMap<(i64, String), Vec<Period>> = BTreeMap::new();
        for (id, person, ins, period) in rows {
            if refunded.contains(&id) {
                continue;
            }
            let p = Period::from_yyyymm(period).map_err(|e| corrupt("period", e))?;
            by.entry((person, ins)).or_default().push(p);
        }
        let total = i64::try_from(by.len()).unwrap_or(i64::MAX);
        let chosen: Vec<((i64, String), Vec<Period>)> = by
            .into_iter()
            .skip(usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(0))
            .collect();
        let ids: Vec<i64> = chosen.iter().map(|((p, _), _)| *p).collect();
        let names: HashMap<i64, (String, String)> = emp_db::get_persons(conn, &ids)?
            .into_iter()
            .map(|p| (p.id, (p.person_no, p.name)))
            .collect();
        let mut items = Vec::with_capacity(chosen.len());
        for ((person, ins), months) in chosen {
            let insurance = Insurance::from_code(&ins).map_err(|e| corrupt("insurance", e))?;
            let (no, name) = names.get(&person).cloned().unwrap_or_default();
            let spans = contiguous_spans(&months)
                .into_iter()
                .map(|(from, to)| PaidSpan {
                    from,
                    to,
                    months: i64::from(from.months_until(to)) + 1,
                })
                .collect();
            let latest = *months
                .last()
                .ok_or_else(|| corrupt("paid months", person))?;
            items.push(PaidMonthsDto {
                person_no: no,
                name,
                insurance: ins,
                insurance_name: insurance.name_zh().to_owned(),
                months,
                spans,
                latest_paid_period: latest,
            });
        }
        Ok::<_, ApiError>(PaidMonthsPage {
            items,
            total,
            page,
            per_page,
        })
    })
    .await?;
    Ok(web::Json(out))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_paid_months);
}

//! 实缴到账: each person's months paid and allocated at this unit, by
//! insurance, with the paid-from / paid-to spans a certificate lists
//! (R-PAY-3, R-CERT-1). A month counts once its line is allocated; a month
//! refunded (退费) no longer counts.

use actix_web::{HttpRequest, HttpResponse, get, web};
use qibao_app::paid_months::{self, PaidMonthsFilter, PaidMonthsPage};
use qibao_core::insurance::Insurance;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::UnitUser;
use crate::http::blocking::run_db;
use crate::http::export::{self, Cell, Format};
use crate::http::extract::Query;
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PaidMonthsQuery {
    /// Insurance code (险种, AAE140): 110, 210 or 410.
    pub insurance: Option<String>,
    /// One person (个人编号, AAC001).
    pub person_no: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    /// json (default), csv (UTF-8 with BOM) or xlsx: every matching row as a file.
    pub format: Option<String>,
}

const HEADERS: &[&str] = &[
    "个人编号",
    "姓名",
    "险种",
    "缴费起止时间",
    "实缴月数",
    "最近到账期",
];

fn cells(p: &qibao_app::paid_months::PaidMonthsDto) -> Vec<Cell> {
    let spans: Vec<String> = p
        .spans
        .iter()
        .map(|s| {
            if s.from == s.to {
                s.from.to_string()
            } else {
                format!("{}-{}", s.from, s.to)
            }
        })
        .collect();
    vec![
        Cell::Id(p.person_no.clone()),
        Cell::Text(p.name.clone()),
        Cell::Text(p.insurance_name.clone()),
        Cell::Text(spans.join("；")),
        Cell::Int(i64::try_from(p.months.len()).unwrap_or(i64::MAX)),
        Cell::Id(p.latest_paid_period.to_string()),
    ]
}

/// 实缴到账明细 — paid months per person
///
/// Each person's paid months at this unit, by insurance (实缴到账明细); with
/// `format=csv|xlsx`, every matching row as a file.
#[utoipa::path(
    tag = "orders",
    operation_id = "list_paid_months",
    params(
        PaidMonthsQuery,
        ("Prefer" = Option<String>, Header, description = "With `format=csv|xlsx`, `respond-async`: write the export as a background job; answers 202 with the job, whose file is at `/api/v1/portal/jobs/{id}/file`."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "`Prefer: respond-async` with `format=csv|xlsx`: the export job (`Location`).", body = qibao_app::jobs::JobDto),
        (status = 200, description = "A page, or the export file.", content(
            (PaidMonthsPage = "application/json"),
            (String = "text/csv"),
            (crate::http::export::FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/paid-months")]
pub async fn list_paid_months(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    q: Query<PaidMonthsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, format) = parse_query(&q)?;
    let unit_id = user.unit_id;
    if format == Format::Json {
        let out = run_db(&state, move |conn| {
            Ok(paid_months::list(conn, unit_id, &filter)?)
        })
        .await?;
        return Ok(HttpResponse::Ok().json(out));
    }
    if crate::http::extract::respond_async(&req) {
        let input = serde_json::json!({"export": "paid_months", "query": req.query_string()});
        return crate::routes::imports::export_job(&state, &user, input).await;
    }
    let rows = run_db(&state, move |conn| {
        let all = paid_months::export(conn, unit_id, &filter)?;
        Ok(all.iter().map(cells).collect::<Vec<_>>())
    })
    .await?;
    export::file(format, "paid-months", HEADERS, &rows)
}

fn parse_query(q: &PaidMonthsQuery) -> Result<(PaidMonthsFilter, Format), ApiError> {
    let insurance = q
        .insurance
        .as_deref()
        .map(|c| {
            Insurance::from_code(c.trim())
                .map_err(|_| ApiError::invalid_field("insurance", "险种代码应为110、210或410"))
        })
        .transpose()?;
    let mut errors = Vec::new();
    let format = Format::parse(q.format.as_deref(), &mut errors);
    let Page { page, page_size } = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::PAID_MONTHS, &mut errors);
    // The first bad parameter only, as this list has always answered.
    if let Some(first) = errors.into_iter().next() {
        return Err(ApiError::validation(vec![first]));
    }
    Ok((
        PaidMonthsFilter {
            insurance,
            person_no: q.person_no.clone(),
            page,
            page_size,
        },
        format,
    ))
}

/// The export job's file of the paid months, from the query the list was
/// asked with (the same rows and cells as its CSV / XLSX answer).
pub(crate) fn export_job_file(
    conn: &mut crate::db_glue::DbConn,
    unit_id: qibao_app::ids::UnitId,
    query: &str,
) -> Result<qibao_app::jobs::ExportFile, qibao_app::AppError> {
    let q = web::Query::<PaidMonthsQuery>::from_query(query)
        .map_err(|e| qibao_app::AppError::internal_cause(format!("stored export query: {e}")))?;
    let (filter, format) =
        parse_query(&q).map_err(|e| qibao_app::AppError::internal_cause(format!("{e:?}")))?;
    let all = paid_months::export(conn, unit_id, &filter)?;
    let rows: Vec<Vec<Cell>> = all.iter().map(cells).collect();
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    Ok(match format {
        Format::Xlsx => qibao_app::jobs::ExportFile {
            file_name: "paid-months.xlsx".to_owned(),
            content_type: export::XLSX.to_owned(),
            bytes: export::xlsx("paid-months", HEADERS, &rows)
                .map_err(|e| qibao_app::AppError::internal_cause(format!("{e:?}")))?,
            rows: n,
        },
        Format::Json | Format::Csv => qibao_app::jobs::ExportFile {
            file_name: "paid-months.csv".to_owned(),
            content_type: "text/csv; charset=utf-8".to_owned(),
            bytes: export::csv(HEADERS, &rows).into_bytes(),
            rows: n,
        },
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_paid_months);
}

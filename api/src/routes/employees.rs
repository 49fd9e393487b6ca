//! HTTP for the unit's employees (单位职工, R-EMP-1…9): enrolment /
//! continuation, suspension, adding and removing an insurance, general
//! information, the insured-persons list with CSV and XLSX export, one
//! person's detail, the persons to verify (一人多号) and the staff
//! increases/decreases summary. Parse the request, call
//! [`qibao_app::employees`], render (the export's CSV / XLSX is rendered
//! here). Every caller acts for the unit of its token (legal representative,
//! agent or payroll API key); another unit's person is 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
pub(crate) use qibao_app::employees::fields::date_field;
use qibao_app::employees::requests::{
    AddInsuranceRequest, EnrolmentRequest, SuspensionRequest, parse_add_insurance, parse_enrolment,
    parse_insurance_removal, parse_suspension,
};
pub(crate) use qibao_app::employees::requests::{
    insurances_field, phone_field, text_field, wage_field,
};
use qibao_app::employees::{
    self, EmployeeDetail, EmployeePage, EmployeeRow, EnrolmentResult, GeneralChange, ListFilter,
    PersonDto, PersonsToVerify, StaffChangesReport, StopResult, detail, list, staff_changes,
    verify,
};
use qibao_app::error::ErrorCode;
use qibao_app::jobs::ExportFile;
use qibao_core::Period;
use qibao_core::employment::{IdType, InsuredStatus, PaymentStatus, id_key};
use qibao_core::insurance::Insurance;
use qibao_core::rules::check_first_work;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::{run_db, run_read};
use crate::http::export::{Format, XLSX, csv_cell};
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

// ---------------------------------------------------------------- parsing helpers

/// A person number (个人编号, AAC001) from a path or query: 11 digits.
pub(crate) fn parse_person_no(s: &str) -> Result<String, ApiError> {
    qibao_core::ids::PersonNo::parse(s)
        .map(|p| p.as_str().to_string())
        .map_err(|e| ApiError::invalid_field("person_no", e.to_string()))
}

// ---------------------------------------------------------------- enrolment

/// 单位职工参保登记 — enrol an employee
///
/// Enrols an employee (单位职工参保登记) or continues a known person (续保).
///
/// A known ID (any spelling, any of its person numbers) continues the
/// existing person when the name is the registered one or the unit
/// employs or employed the person (身份验证); a person paying at another unit is refused until that
/// unit suspends (R-EMP-2). A start date inside the current month or the
/// back-pay window before it creates pending lines for those months
/// (R-EMP-3), each at its own period's parameters (R-POL-3); an older one
/// enrols from the current month and names the months that need a
/// labour-contract back-pay. A month whose pension is paid at another unit
/// gets only the non-refundable work-injury line (R-EMP-4). Nothing is
/// written when the request is refused.
#[utoipa::path(
    tag = "employees",
    operation_id = "create_employee",
    request_body = EnrolmentRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Enrolled; the lines created and the business item; `Location` names the employee.", body = EnrolmentResult),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`): bad or 17-digit ID, gender or birth date contradicting the ID, unknown insurance code, missing field…; `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Paying at another unit (`ACTIVE_ELSEWHERE`; the unit is named only when the name matched), already paying here (`ALREADY_ENROLLED`), or a concurrent request (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it: start date in the future (`START_DATE_IN_FUTURE`), before the 16th birthday (`UNDER_WORKING_AGE`) or the first-work date (`START_BEFORE_FIRST_WORK`), insurance the unit is not registered for (`INSURANCE_NOT_REGISTERED`), no policy parameters (`POLICY_NOT_IN_FORCE`), a registered ID number with another name from a unit that never employed the person (`IDENTITY_MISMATCH`, nothing of the record shown).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/employees")]
pub async fn create_employee(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<EnrolmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let input = parse_enrolment(&body, today).map_err(ApiError::validation)?;
    let result = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(employees::enrol(
            conn,
            &who,
            user.unit_id,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/employees/{}", result.person.person_no),
        ))
        .json(result))
}

// ---------------------------------------------------------------- suspension

/// 单位职工停保 — suspend an employee
///
/// Suspends an employee (停保): the month of the stop date stays payable,
/// pending lines of later months are cancelled, billed or paid later months
/// are left for the refund application.
#[utoipa::path(
    tag = "employees",
    operation_id = "create_suspension",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001), 11 digits.")),
    request_body = SuspensionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = StopResult),
        (status = 400, description = "Malformed fields (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person at this unit (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not paying in that insurance (`NOT_ACTIVE`), concurrent change (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Stop date before the start date or after this month (`STOP_DATE_INVALID`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/employees/{person_no}/suspensions")]
pub async fn create_suspension(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    body: Json<SuspensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let person_no = parse_person_no(&path)?;
    let input = parse_suspension(&body).map_err(ApiError::validation)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let result = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(employees::stop(
            conn,
            &who,
            user.unit_id,
            &person_no,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

// ---------------------------------------------------------------- insurances

/// 单位职工增加险种 — add an insurance
///
/// Adds an insurance for a paying employee (单位职工增加险种), with the same
/// back-pay window as an enrolment.
#[utoipa::path(
    tag = "employees",
    operation_id = "create_employee_insurance",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = AddInsuranceRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = EnrolmentResult),
        (status = 400, description = "Malformed fields, unknown insurance code (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person at this unit (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not paying here (`NOT_ACTIVE`), already in that insurance (`ALREADY_ENROLLED`) or paying elsewhere (`ACTIVE_ELSEWHERE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Insurance not registered by the unit (`INSURANCE_NOT_REGISTERED`), start date refused (`START_DATE_IN_FUTURE`, `UNDER_WORKING_AGE`, `START_BEFORE_FIRST_WORK`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/employees/{person_no}/insurances")]
pub async fn create_employee_insurance(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    body: Json<AddInsuranceRequest>,
) -> Result<HttpResponse, ApiError> {
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let input = parse_add_insurance(&body, today).map_err(ApiError::validation)?;
    let now = state.clock.now_utc();
    let result = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(employees::add_insurance(
            conn,
            &who,
            user.unit_id,
            &person_no,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

/// Stopping one insurance of an employee (单位职工减少险种).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceSuspensionRequest {
    /// The day the insurance ends (停保时间), YYYY-MM-DD; default the last day
    /// of the previous month (stops from the current month), or the start
    /// date when the insurance started this month.
    #[schema(example = "2023-03-31")]
    pub stop_date: Option<String>,
    /// Reason (减少原因); default 单位职工减少险种.
    #[schema(example = "单位职工减少险种")]
    pub reason: Option<String>,
}

/// 单位职工减少险种 — stop one insurance
///
/// Stops one insurance of an employee (单位职工减少险种): like a
/// suspension of that insurance only; the last insurance needs a suspension
/// (`POST …/suspensions`). The body may be `{}` for the defaults.
#[utoipa::path(
    tag = "employees",
    operation_id = "create_insurance_suspension",
    params(
        ("person_no" = String, Path, description = "Person number (个人编号, AAC001)."),
        ("code" = String, Path, description = "Insurance code (险种, AAE140): 110, 210 or 410."),
    ),
    request_body = InsuranceSuspensionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stopped; the business item recorded.", body = StopResult),
        (status = 400, description = "Malformed person number, insurance code or date (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person at this unit (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not paying in that insurance (`NOT_ACTIVE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The only insurance left (`LAST_INSURANCE`); stop date refused (`STOP_DATE_INVALID`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/employees/{person_no}/insurances/{code}/suspension")]
pub async fn create_insurance_suspension(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<(String, String)>,
    body: Json<InsuranceSuspensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (person_no, code) = path.into_inner();
    let person_no = parse_person_no(&person_no)?;
    let insurance = Insurance::parse_collected(&code)
        .map_err(|e| ApiError::invalid_field("code", e.to_string()))?;
    let today = state.clock.today();
    let input = parse_insurance_removal(insurance, &body.stop_date, &body.reason)
        .map_err(ApiError::validation)?;
    let now = state.clock.now_utc();
    let result = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(employees::stop(
            conn,
            &who,
            user.unit_id,
            &person_no,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

// ---------------------------------------------------------------- general info

/// General information of an employee (R-EMP-9). Key fields (name, ID
/// number, ID type, gender, birth date, nationality) are refused: they are
/// changed only at the counter by staff.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployeeUpdateRequest {
    #[schema(example = "13807171234")]
    pub phone: Option<String>,
    #[schema(example = "湖北省宜昌市伍家岗区")]
    pub address: Option<String>,
    /// First-work date (首次参工时间, AAC007).
    pub first_work_date: Option<String>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub name: Option<Value>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub id_number: Option<Value>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub id_type: Option<Value>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub gender: Option<Value>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<Value>,
    /// Refused online (key field).
    #[schema(value_type = Option<String>)]
    pub nationality: Option<Value>,
}

/// 单位职工基本信息变更 — change an employee
///
/// Changes an employee's general information (单位职工基本信息变更).
#[utoipa::path(
    tag = "employees",
    operation_id = "update_employee",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = EmployeeUpdateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonDto),
        (status = 400, description = "Malformed fields or nothing to change (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Key fields are changed at the counter only (`KEY_FIELD_COUNTER_ONLY`), or not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person at this unit (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The person no longer pays here and pays at another unit, which keeps the contact data (`NOT_CURRENT_EMPLOYER`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[patch("/employees/{person_no}")]
pub async fn update_employee(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    body: Json<EmployeeUpdateRequest>,
) -> Result<web::Json<PersonDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let key: Vec<FieldError> = [
        ("name", &body.name),
        ("id_number", &body.id_number),
        ("id_type", &body.id_type),
        ("gender", &body.gender),
        ("birth_date", &body.birth_date),
        ("nationality", &body.nationality),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(f, _)| {
        FieldError::new(
            f,
            "姓名、证件号码等关键信息不能在网上变更，请携带证明材料到经办机构柜台办理",
        )
    })
    .collect();
    if !key.is_empty() {
        return Err(ApiError::new(ErrorCode::KeyFieldCounterOnly).with_errors(key));
    }
    let today = state.clock.today();
    let mut errors = Vec::new();
    let phone = phone_field(&body.phone, false, &mut errors);
    let address = text_field(&body.address, "address", 200, false, &mut errors);
    let first_work = date_field(&body.first_work_date, "first_work_date", false, &mut errors);
    if let Some(fw) = first_work
        && let Err(e) = check_first_work(fw, Some(today), None, None)
    {
        errors.push(FieldError::new("first_work_date", e.to_string()));
    }
    if errors.is_empty() && phone.is_none() && address.is_none() && first_work.is_none() {
        errors.push(FieldError::new(
            "body",
            "请至少填写一项要变更的信息（phone、address、first_work_date）",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = state.clock.now_utc();
    let change = GeneralChange {
        phone,
        address,
        first_work_date: first_work,
    };
    let person = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(employees::update_general(
            conn,
            &who,
            user.unit_id,
            &person_no,
            &change,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(person))
}

// ---------------------------------------------------------------- queries

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeQuery {
    /// Person number (个人编号, AAC001), exact.
    pub person_no: Option<String>,
    /// ID number (AAC002); any spelling of the same ID matches.
    pub id_number: Option<String>,
    /// Part of the name (姓名).
    pub name: Option<String>,
    /// Insurance code (险种, AAE140): persons with a relation in it.
    pub insurance: Option<String>,
    /// Insured status (参保状态, AAC031): 1 paying, 2 suspended (with
    /// `insurance`: the status in that insurance).
    pub insured_status: Option<String>,
    /// Payment status (缴费状态): paid_up, due, arrears.
    pub payment_status: Option<String>,
    /// Retired (是否退休): true or false.
    pub retired: Option<String>,
    /// Page, from 1 (default 1).
    pub page: Option<String>,
    /// Rows per page, 1–200 (default 20).
    pub page_size: Option<String>,
    /// json (default), csv (UTF-8 with BOM) or xlsx: exports every matching row.
    pub format: Option<String>,
}

fn parse_list_query(q: &EmployeeQuery) -> Result<(ListFilter, Page, Format), ApiError> {
    let mut errors = Vec::new();
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let person_no = opt(&q.person_no).and_then(|s| match parse_person_no(&s) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.extend(e.errors().to_vec());
            None
        }
    });
    let id_key = opt(&q.id_number).map(|s| {
        let t = if s.len() == 15 || s.len() == 18 {
            IdType::Resident
        } else {
            IdType::Passport
        };
        id_key(t, &s)
    });
    let insurance = opt(&q.insurance).and_then(|s| match Insurance::parse_collected(&s) {
        Ok(i) => Some(i),
        Err(e) => {
            errors.push(FieldError::new("insurance", e.to_string()));
            None
        }
    });
    let insured = opt(&q.insured_status).and_then(|s| match InsuredStatus::parse(&s) {
        Some(v) => Some(v),
        None => {
            errors.push(FieldError::new(
                "insured_status",
                "参保状态应为1（参保缴费）或2（暂停缴费）",
            ));
            None
        }
    });
    let payment = opt(&q.payment_status).and_then(|s| match PaymentStatus::parse(&s) {
        Some(v) => Some(v),
        None => {
            errors.push(FieldError::new(
                "payment_status",
                "缴费状态应为paid_up、due或arrears",
            ));
            None
        }
    });
    let retired = opt(&q.retired).and_then(|s| match s.as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            errors.push(FieldError::new("retired", "应为true或false"));
            None
        }
    });
    let format = Format::parse(opt(&q.format).as_deref(), &mut errors);
    let paging = PageQuery::from_text(q.page.as_deref(), q.page_size.as_deref())
        .check_into(&paging::TEXT, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((
        ListFilter {
            person_no,
            id_key,
            name: opt(&q.name),
            insurance,
            insured,
            payment,
            retired,
        },
        paging,
        format,
    ))
}

const EXPORT_HEADERS: [&str; 14] = [
    "个人编号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "参保状态",
    "缴费状态",
    "是否退休",
    "参保险种",
    "本次参工时间",
    "申报工资",
    "最近到账期",
    "未缴期数",
];

fn export_cells(r: &EmployeeRow) -> Vec<String> {
    let insurances = r
        .insurances
        .iter()
        .map(|i| format!("{}{}", i.insurance_name, i.status.label_zh()))
        .collect::<Vec<_>>()
        .join("；");
    let start = r
        .insurances
        .iter()
        .map(|i| i.start_date)
        .max()
        .map(|d| d.to_string())
        .unwrap_or_default();
    vec![
        r.person_no.clone(),
        r.name.clone(),
        r.id_type.label_zh().to_string(),
        r.id_number.clone(),
        if r.gender == "M" { "男" } else { "女" }.to_string(),
        r.birth_date.to_string(),
        format!(
            "{}（{}）",
            r.insured_status.code(),
            r.insured_status.label_zh()
        ),
        r.payment_status.label_zh().to_string(),
        if r.retired { "是" } else { "否" }.to_string(),
        insurances,
        start,
        r.declared_wage.to_string(),
        r.latest_paid_period
            .map(|p| p.to_string())
            .unwrap_or_default(),
        r.unpaid_periods.len().to_string(),
    ]
}

fn to_csv(rows: &[EmployeeRow]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&EXPORT_HEADERS.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = export_cells(r).iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn to_xlsx(rows: &[EmployeeRow]) -> Result<Vec<u8>, ApiError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal_cause(e);
    sheet.set_name("参保人员").map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        let col = u16::try_from(c).map_err(ApiError::internal_cause)?;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(ApiError::internal_cause)?;
        for (c, v) in export_cells(r).iter().enumerate() {
            let col = u16::try_from(c).map_err(ApiError::internal_cause)?;
            sheet.write_string(row, col, v).map_err(fail)?;
        }
    }
    sheet.set_column_width(3, 22).map_err(fail)?;
    sheet.set_column_width(9, 40).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// 参保人员查询 — the unit's insured persons
///
/// Lists the unit's insured persons (参保人员查询), filtered, paginated, or
/// exported as CSV (UTF-8 with BOM) or XLSX (every matching row).
#[utoipa::path(
    tag = "employees",
    operation_id = "list_employees",
    params(
        EmployeeQuery,
        ("Prefer" = Option<String>, Header, description = "With `format=csv|xlsx`, `respond-async`: write the export as a background job; answers 202 with the job, whose file is at `/api/v1/portal/jobs/{id}/file`."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "`Prefer: respond-async` with `format=csv|xlsx`: the export job (`Location`).", body = qibao_app::jobs::JobDto),
        (status = 200, description = "A page of persons, or the export file.", content(
            (EmployeePage = "application/json"),
            (String = "text/csv"),
            (crate::http::export::FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "Malformed filter, page or format (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees")]
pub async fn list_employees(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    query: Query<EmployeeQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, paging, format) = parse_list_query(&query)?;
    let today = state.clock.today();
    let current = Period::of(today);
    let unit_id = user.unit_id;
    if format == Format::Json {
        let page = run_read(&state, user.principal.read_after.clone(), move |conn| {
            let (page, page_size) = paging.to_usize();
            Ok(list::list(
                conn, unit_id, &filter, page, page_size, current,
            )?)
        })
        .await?;
        return Ok(HttpResponse::Ok().json(page));
    }
    if crate::http::extract::respond_async(&req) {
        let input = serde_json::json!({"export": "employees", "query": req.query_string()});
        return crate::routes::imports::export_job(&state, &user, input).await;
    }
    let file = run_db(&state, move |conn| {
        Ok(employees_file(conn, unit_id, &filter, format, current)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        ))
        .body(file.bytes))
}

/// The insured-persons export of the unit as a file (CSV or XLSX): the
/// list's answer with `format`, and the export job's file.
fn employees_file(
    conn: &mut crate::db_glue::DbConn,
    unit_id: qibao_app::ids::UnitId,
    filter: &ListFilter,
    format: Format,
    current: Period,
) -> Result<ExportFile, qibao_app::AppError> {
    let rows = list::export(conn, unit_id, filter, current)?;
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    Ok(match format {
        Format::Xlsx => ExportFile {
            file_name: "employees.xlsx".to_owned(),
            content_type: XLSX.to_owned(),
            bytes: to_xlsx(&rows).map_err(qibao_app::AppError::internal_cause)?,
            rows: n,
        },
        Format::Json | Format::Csv => ExportFile {
            file_name: "employees.csv".to_owned(),
            content_type: "text/csv; charset=utf-8".to_owned(),
            bytes: to_csv(&rows).into_bytes(),
            rows: n,
        },
    })
}

/// The export job's file of the insured-persons list, from the query the
/// list was asked with.
pub(crate) fn export_job_file(
    conn: &mut crate::db_glue::DbConn,
    unit_id: qibao_app::ids::UnitId,
    query: &str,
    today: time::Date,
) -> Result<ExportFile, qibao_app::AppError> {
    let q = web::Query::<EmployeeQuery>::from_query(query)
        .map_err(|e| qibao_app::AppError::internal_cause(format!("stored export query: {e}")))?;
    let (filter, _, format) =
        parse_list_query(&q).map_err(|e| qibao_app::AppError::internal_cause(format!("{e:?}")))?;
    employees_file(conn, unit_id, &filter, format, Period::of(today))
}

/// 参保人员详情 — one employee
///
/// One employee of the unit: details, base per year, relations and lines.
#[utoipa::path(
    tag = "employees",
    operation_id = "get_employee",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EmployeeDetail),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person at this unit (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}")]
pub async fn get_employee(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<EmployeeDetail>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let current = Period::of(state.clock.today());
    let unit_id = user.unit_id;
    let detail = run_db(&state, move |conn| {
        Ok(detail::get(conn, unit_id, &person_no, current)?)
    })
    .await?;
    Ok(web::Json(detail))
}

/// 一人多号查询 — persons to verify
///
/// Lists the unit's persons whose ID is registered under more than one
/// person number (待核实人员查询 / 一人多号查询), including 15- vs 18-digit
/// and x vs X spellings of the same ID.
#[utoipa::path(
    tag = "employees",
    operation_id = "list_persons_to_verify",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonsToVerify),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/persons-to-verify")]
pub async fn list_persons_to_verify(
    state: web::Data<AppState>,
    user: UnitUser,
) -> Result<web::Json<PersonsToVerify>, ApiError> {
    let unit_id = user.unit_id;
    let report = run_db(&state, move |conn| {
        Ok(verify::persons_to_verify(conn, unit_id)?)
    })
    .await?;
    Ok(web::Json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffChangesQuery {
    /// First month, YYYYMM (default the current month).
    pub from: Option<String>,
    /// Last month, YYYYMM (default `from`); at most 36 months.
    pub to: Option<String>,
}

/// 人员增减变动查询 — staff changes per month
///
/// Staff increases and decreases per month and insurance (人员增减变动查询):
/// relations starting in the month, relations stopped from the month (the
/// month after the stop date's month, R-EMP-5) and persons insured.
#[utoipa::path(
    tag = "employees",
    operation_id = "get_staff_changes",
    params(StaffChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffChangesReport),
        (status = 400, description = "Malformed or reversed periods, or more than 36 months (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/staff-changes")]
pub async fn get_staff_changes(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<StaffChangesQuery>,
) -> Result<web::Json<StaffChangesReport>, ApiError> {
    let current = Period::of(state.clock.today());
    let mut errors = Vec::new();
    let mut period = |v: &Option<String>, field: &str| match v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => match Period::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    };
    let from_given = period(&query.from, "from");
    let to_given = period(&query.to, "to");
    let from = from_given.unwrap_or(current);
    let to = to_given.unwrap_or(from);
    if errors.is_empty() {
        if to < from {
            errors.push(FieldError::new("to", "截止期号不能早于起始期号"));
        } else if from.months_until(to) >= 36 {
            errors.push(FieldError::new("to", "一次最多查询36个月"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let unit_id = user.unit_id;
    let report = run_db(&state, move |conn| {
        Ok(staff_changes::report(conn, unit_id, from, to)?)
    })
    .await?;
    Ok(web::Json(report))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_employee)
        .service(list_employees)
        .service(get_employee)
        .service(update_employee)
        .service(create_suspension)
        .service(create_employee_insurance)
        .service(create_insurance_suspension)
        .service(list_persons_to_verify)
        .service(get_staff_changes);
}

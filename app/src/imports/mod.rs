//! Batch import (导盘, R-IMP-1): a unit uploads a file made from a template
//! the system provides (or payroll software sends the same rows as JSON);
//! the file is read into rows ([`qibao_sheet`]; a bad file is refused at
//! once, nothing stored), the import is stored with its SHA-256 and a
//! validation job is queued. Validation runs every row through the same
//! use cases as the one-by-one endpoints, in a transaction that is rolled
//! back, plus in-file checks (the same person twice); the report names
//! each problem by sheet, row, column and code, as JSON and as the uploaded
//! workbook with a red error column. Commit runs the rows again, all or
//! nothing, in one transaction (a commit job); a row that the unit's data
//! changed since validation refuses the whole commit and says which rows.
//! Committing a committed import answers its first result.

mod rows;
mod run;

use qibao_core::job::{ImportState, JobKind};
use qibao_db::DbConn;
use qibao_db::ids::{ImportId, UnitId};
use qibao_db::imports::{self as imports_db, Import, NewImport};
use qibao_db::jobs as jobs_db;
pub use qibao_sheet::{Format, Limits, Refusal, TemplateKind, Upload};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, ErrorKind, corrupt};
use crate::jobs::JobDto;
use crate::tx::{read_transaction, transaction};
pub use rows::StoredRow;
pub(crate) use run::{mark_failed, run_commit, run_revoke, run_validation};

/// The address of an import.
pub fn import_path(id: i64) -> String {
    format!("/api/v1/portal/imports/{id}")
}

/// What comes with the rows: the wage-base declaration's year and its
/// commitment statement (申报承诺书, R-WAGE-4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportOptions {
    /// Wage-base declarations: the social-insurance year (社保年度), e.g. 2022.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, example = 2022))]
    pub si_year: Option<i32>,
    /// Wage-base declarations: must be true (the unit confirms the 申报承诺书).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub commitment_confirmed: Option<bool>,
}

/// What is stored beside the rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    options: ImportOptions,
    sheet: String,
    /// Problems found while reading the file (cells), kept apart from the
    /// rules' (a validation run again starts from them).
    #[serde(default)]
    read_problems: Vec<ImportProblem>,
}

/// One problem of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    /// The sheet's name (the template's data sheet; `rows` for JSON).
    #[cfg_attr(feature = "openapi", schema(example = "职工参保登记(续保)"))]
    pub sheet: String,
    /// The row as the unit sees it (spreadsheet row number; 1-based index
    /// of a JSON row); 0 for a problem of the whole file.
    #[cfg_attr(feature = "openapi", schema(example = 7))]
    pub row: u32,
    /// The column letter (a JSON key for JSON rows).
    #[cfg_attr(feature = "openapi", schema(required = true, example = "B"))]
    pub column: Option<String>,
    /// The column's field key (`id_number`…).
    #[cfg_attr(feature = "openapi", schema(required = true, example = "id_number"))]
    pub field: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "ID_NUMBER_AS_NUMBER"))]
    pub code: String,
    /// What is wrong and how to fix it, in Chinese.
    pub message: String,
}

/// An import as the unit sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportDto {
    #[cfg_attr(feature = "openapi", schema(example = 7))]
    pub id: i64,
    /// enrolment, suspension, wage_declaration or insurance_change.
    #[cfg_attr(feature = "openapi", schema(example = "enrolment"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "职工参保登记(续保)"))]
    pub kind_label: String,
    pub state: ImportState,
    #[cfg_attr(feature = "openapi", schema(example = "校验通过"))]
    pub state_label: String,
    /// xlsx, csv or json.
    pub format: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub file_name: Option<String>,
    /// SHA-256 of the uploaded bytes, hex.
    pub file_sha256: String,
    pub byte_size: i64,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub template_version: Option<i32>,
    pub options: ImportOptions,
    /// Data rows read.
    pub row_count: i32,
    pub problem_count: i32,
    /// Rows with at least one problem.
    pub problem_rows: i32,
    /// Notes from reading the file (hidden sheets ignored…).
    pub notices: Vec<String>,
    /// Who uploaded it (role:subject:name).
    pub created_by: String,
    /// China time, RFC 3339.
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub validated_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub committed_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub committed_by: Option<String>,
    /// When its business items were revoked (R-UNDO-1).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub revoked_at: Option<String>,
    /// The commit's outcome (counts) once committed.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub result: Option<Value>,
    /// The business items (办件) the commit created, in row order.
    pub business_item_ids: Vec<i64>,
    /// The import's jobs (validation, commit), oldest first.
    pub jobs: Vec<JobDto>,
}

/// The validation report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub import_id: i64,
    pub state: ImportState,
    pub row_count: i32,
    pub problem_rows: i32,
    pub notices: Vec<String>,
    /// The file's totals, to reconcile with the payroll: the sum of each
    /// amount column over the rows read (in yuan; cells that are not an
    /// amount left out), by column key (`monthly_wage`…).
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"monthly_wage": "261730000.00"})))]
    pub amount_totals: std::collections::BTreeMap<String, qibao_core::Money>,
    /// Every problem, by row then column.
    pub problems: Vec<ImportProblem>,
}

/// A created (or, under the same Idempotency-Key, the first) import and
/// its validation job.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportAccepted {
    pub import: ImportDto,
    /// The job to poll (also the response's `Location`).
    pub job: JobDto,
    /// True when this answers an earlier request with the same key.
    pub replayed: bool,
}

/// A page of the unit's imports, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPage {
    pub items: Vec<ImportDto>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// What was uploaded.
pub enum Source<'a> {
    /// An XLSX or CSV file.
    File(Upload<'a>),
    /// JSON rows from payroll software (an array of objects keyed by the
    /// template's column keys), with the raw body for the hash.
    Json { rows: &'a Value, raw: &'a [u8] },
}

/// The refusal of a file as an error of ours.
pub fn refusal(r: &Refusal) -> AppError {
    let code = ErrorCode::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == r.code())
        .unwrap_or(ErrorCode::ImportNotAWorkbook);
    AppError::new(code).with_detail(r.to_string())
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::ImportNotFound)
}

fn kind_of(import: &Import) -> Result<TemplateKind, AppError> {
    TemplateKind::parse(&import.kind).ok_or_else(|| corrupt("imports.kind", &import.kind))
}

fn stored_of(import: &Import) -> Result<Stored, AppError> {
    serde_json::from_str(&import.options).map_err(|e| corrupt("imports.options", e))
}

fn notices_of(import: &Import) -> Result<Vec<String>, AppError> {
    serde_json::from_str(&import.notices).map_err(|e| corrupt("imports.notices", e))
}

/// The business items the import's commit created, in row order.
fn item_ids_of(import: &Import) -> Result<Vec<i64>, AppError> {
    Ok(import
        .item_ids
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt("imports.item_ids", e))?
        .unwrap_or_default())
}

fn format_of(import: &Import) -> Format {
    match import.format.as_str() {
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => Format::Xlsx,
    }
}

fn problems_of(import: &Import) -> Result<Vec<ImportProblem>, AppError> {
    match &import.report {
        None => Ok(Vec::new()),
        Some(r) => serde_json::from_str(r).map_err(|e| corrupt("imports.report", e)),
    }
}

fn dto(conn: &mut DbConn, import: &Import) -> Result<ImportDto, AppError> {
    let kind = kind_of(import)?;
    let jobs = jobs_db::of_subject(conn, JobKind::ALL, import.id.0)?;
    Ok(ImportDto {
        id: import.id.0,
        kind: kind.code().to_string(),
        kind_label: kind.label_zh().to_string(),
        state: import.state,
        state_label: import.state.label_zh().to_string(),
        format: import.format.clone(),
        file_name: import.file_name.clone(),
        file_sha256: import.file_sha256.clone(),
        byte_size: import.byte_size,
        template_version: import.template_version,
        options: stored_of(import)?.options,
        row_count: import.row_count,
        problem_count: import.problem_count,
        problem_rows: import.problem_rows,
        notices: notices_of(import)?,
        created_by: import.created_by.clone(),
        created_at: china_timestamp(import.created_at),
        validated_at: import.validated_at.map(china_timestamp),
        committed_at: import.committed_at.map(china_timestamp),
        committed_by: import.committed_by.clone(),
        revoked_at: import.revoked_at.map(china_timestamp),
        result: import
            .result
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("imports.result", e))?,
        business_item_ids: item_ids_of(import)?,
        jobs: jobs.iter().map(JobDto::of).collect(),
    })
}

fn check_options(kind: TemplateKind, options: &ImportOptions) -> Result<(), AppError> {
    match kind {
        TemplateKind::WageDeclaration => {
            match options.si_year {
                Some(y) if (1990..=2999).contains(&y) => {}
                _ => {
                    return Err(AppError::invalid_field(
                        "si_year",
                        "缴费工资申报导盘须填写社保年度，如 2022（2022年7月至2023年6月）",
                    ));
                }
            }
            if options.commitment_confirmed != Some(true) {
                return Err(AppError::new(ErrorCode::CommitmentNotConfirmed));
            }
        }
        _ => {
            if options.si_year.is_some() || options.commitment_confirmed.is_some() {
                return Err(AppError::invalid_field(
                    "si_year",
                    "只有缴费工资申报导盘需要填写社保年度和申报承诺",
                ));
            }
        }
    }
    Ok(())
}

/// An upload read and checked, ready to store (no database needed: the
/// reading of a large file holds no connection).
#[derive(Debug, Clone)]
pub struct ReadFile {
    kind: TemplateKind,
    sha: String,
    byte_size: i64,
    file_name: Option<String>,
    format: &'static str,
    template_version: Option<i32>,
    options_json: String,
    rows_json: String,
    report_json: String,
    notices: String,
    row_count: i32,
}

/// Reads the upload, refusing a bad file (nothing is stored).
pub fn read(
    kind: TemplateKind,
    source: &Source<'_>,
    options: &ImportOptions,
    limits: &Limits,
) -> Result<ReadFile, AppError> {
    check_options(kind, options)?;
    let (sheet, bytes, file_name) = match source {
        Source::File(upload) => (
            qibao_sheet::read(kind, upload, limits).map_err(|r| refusal(&r))?,
            upload.bytes,
            upload.file_name,
        ),
        Source::Json { rows, raw } => (
            qibao_sheet::read_json(kind, rows, limits).map_err(|r| refusal(&r))?,
            *raw,
            None,
        ),
    };
    let stored_rows: Vec<StoredRow> = sheet
        .rows
        .iter()
        .map(|r| StoredRow {
            n: r.number,
            v: r.values
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        })
        .collect();
    let problems: Vec<ImportProblem> = sheet.problems.iter().map(run::problem_of).collect();
    Ok(ReadFile {
        kind,
        sha: hex::encode(Sha256::digest(bytes)),
        byte_size: i64::try_from(bytes.len()).map_err(AppError::internal_cause)?,
        file_name: file_name.map(str::to_owned),
        format: match sheet.format {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        },
        template_version: sheet.template_version.and_then(|v| i32::try_from(v).ok()),
        options_json: serde_json::to_string(&Stored {
            options: options.clone(),
            sheet: sheet.sheet_name.clone(),
            read_problems: problems.clone(),
        })
        .map_err(AppError::internal_cause)?,
        rows_json: serde_json::to_string(&stored_rows).map_err(AppError::internal_cause)?,
        report_json: serde_json::to_string(&problems).map_err(AppError::internal_cause)?,
        notices: serde_json::to_string(&sheet.notices).map_err(AppError::internal_cause)?,
        row_count: i32::try_from(stored_rows.len()).map_err(AppError::internal_cause)?,
    })
}

/// Stores a read upload as the unit's import and queues its validation.
/// (A retried upload under an `Idempotency-Key` is answered by
/// [`crate::idempotency`] before it gets here.)
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    file: &ReadFile,
    now: PrimitiveDateTime,
) -> Result<ImportAccepted, AppError> {
    let ReadFile {
        kind,
        sha,
        byte_size,
        file_name,
        format,
        template_version,
        options_json,
        rows_json,
        report_json,
        notices,
        row_count,
    } = file;
    let (kind, row_count) = (*kind, *row_count);
    transaction(conn, |c| {
        let import = imports_db::insert(
            c,
            &NewImport {
                unit_id,
                kind: kind.code(),
                state: ImportState::Validating.code(),
                format,
                file_name: file_name.as_deref(),
                file_sha256: sha,
                byte_size: *byte_size,
                template_version: *template_version,
                options: options_json,
                rows: rows_json,
                row_count,
                problem_count: 0,
                problem_rows: 0,
                notices,
                report: Some(report_json),
                created_by: &who.name,
                channel: who.channel.as_str(),
                created_at: now,
                updated_at: now,
            },
        )?;
        let job = jobs_db::enqueue(
            c,
            JobKind::ImportValidate,
            Some(unit_id),
            import.id.0,
            i64::from(row_count),
            now,
        )?;
        Ok(ImportAccepted {
            import: dto(c, &import)?,
            job: JobDto::of(&job),
            replayed: false,
        })
    })
}

/// The answer to a request already made: the import and its latest job of
/// `kind` (the one the first request queued).
fn replayed(conn: &mut DbConn, import: &Import, kind: JobKind) -> Result<ImportAccepted, AppError> {
    let jobs = jobs_db::of_subject(conn, &[kind], import.id.0)?;
    let job = jobs.last().ok_or_else(|| {
        AppError::internal_cause(format!("import {} without its {kind} job", import.id))
    })?;
    Ok(ImportAccepted {
        import: dto(conn, import)?,
        job: JobDto::of(job),
        replayed: true,
    })
}

fn own(conn: &mut DbConn, unit_id: UnitId, id: ImportId) -> Result<Import, AppError> {
    match imports_db::get(conn, id)? {
        Some(i) if i.unit_id == unit_id => Ok(i),
        _ => Err(not_found()),
    }
}

/// One of the unit's imports; another unit's is not found.
pub fn get(conn: &mut DbConn, unit_id: UnitId, id: ImportId) -> Result<ImportDto, AppError> {
    read_transaction(conn, |c| {
        let import = own(c, unit_id, id)?;
        dto(c, &import)
    })
}

/// The unit's imports (导盘历史), newest first.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: i64,
    page_size: i64,
) -> Result<ImportPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) =
            imports_db::list_for_unit(c, unit_id, (page - 1).saturating_mul(page_size), page_size)?;
        Ok(ImportPage {
            items: rows.iter().map(|i| dto(c, i)).collect::<Result<_, _>>()?,
            total,
            page,
            page_size,
        })
    })
}

/// The sum of each amount column of the rows.
fn amount_totals(
    kind: TemplateKind,
    rows: &[StoredRow],
) -> std::collections::BTreeMap<String, qibao_core::Money> {
    let mut out = std::collections::BTreeMap::new();
    for col in kind
        .columns()
        .iter()
        .filter(|c| c.cell == qibao_sheet::CellKind::Money)
    {
        let total = rows
            .iter()
            .filter_map(|r| r.v.get(col.key))
            .filter_map(|v| qibao_core::Money::parse_non_negative(v).ok())
            .fold(qibao_core::Money::ZERO, |a, b| a + b);
        out.insert(col.key.to_string(), total);
    }
    out
}

/// The validation report as JSON.
pub fn report(conn: &mut DbConn, unit_id: UnitId, id: ImportId) -> Result<ImportReport, AppError> {
    read_transaction(conn, |c| {
        let import = own(c, unit_id, id)?;
        let rows: Vec<StoredRow> = serde_json::from_str(&imports_db::rows(c, id)?)
            .map_err(|e| corrupt("imports.rows", e))?;
        Ok(ImportReport {
            amount_totals: amount_totals(kind_of(&import)?, &rows),
            import_id: import.id.0,
            state: import.state,
            row_count: import.row_count,
            problem_rows: import.problem_rows,
            notices: notices_of(&import)?,
            problems: problems_of(&import)?,
        })
    })
}

/// The uploaded rows in the template's layout with every problem marked
/// in red (a file the unit corrects and uploads again); its file name.
pub fn report_workbook(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: ImportId,
) -> Result<(String, Vec<u8>), AppError> {
    let (import, rows) = read_transaction(conn, |c| {
        let import = own(c, unit_id, id)?;
        let rows = imports_db::rows(c, id)?;
        Ok::<_, AppError>((import, rows))
    })?;
    let kind = kind_of(&import)?;
    let stored = stored_of(&import)?;
    let rows: Vec<StoredRow> =
        serde_json::from_str(&rows).map_err(|e| corrupt("imports.rows", e))?;
    let format = format_of(&import);
    let sheet = qibao_sheet::Sheet {
        kind,
        format,
        sheet_name: stored.sheet.clone(),
        template_version: import.template_version.and_then(|v| u32::try_from(v).ok()),
        rows: rows
            .iter()
            .map(|r| qibao_sheet::Row {
                number: r.n,
                values: kind
                    .columns()
                    .iter()
                    .filter_map(|c| r.v.get(c.key).map(|v| (c.key, v.clone())))
                    .collect(),
            })
            .collect(),
        problems: Vec::new(),
        notices: notices_of(&import)?,
    };
    let problems: Vec<qibao_sheet::Problem> = problems_of(&import)?
        .iter()
        .map(|p| qibao_sheet::Problem {
            sheet: p.sheet.clone(),
            row: p.row,
            column: p.column.clone(),
            field: p.field.clone(),
            code: p.code.clone(),
            message: p.message.clone(),
        })
        .collect();
    let bytes =
        qibao_sheet::report_xlsx(kind, &sheet, &problems).map_err(AppError::internal_cause)?;
    Ok((
        format!("{}-校验报告-{}.xlsx", kind.label_zh(), import.id),
        bytes,
    ))
}

/// Asks for the commit of a validated import (a commit job). Committing a
/// committed (or committing) import answers the first commit's job; an
/// import that is not validated without problems is refused.
pub fn commit(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: ImportId,
    now: PrimitiveDateTime,
) -> Result<ImportAccepted, AppError> {
    transaction(conn, |c| {
        own(c, unit_id, id)?;
        let import = imports_db::get_for_update(c, id)?.ok_or_else(not_found)?;
        match import.state {
            ImportState::Committed | ImportState::Committing => {
                return replayed(c, &import, JobKind::ImportCommit);
            }
            ImportState::Valid => {}
            ImportState::Revoking | ImportState::Revoked => {
                return Err(AppError::new(ErrorCode::ImportNotValid)
                    .with_detail("该导盘已撤销，不能再提交；请重新上传"));
            }
            ImportState::Validating => {
                return Err(AppError::new(ErrorCode::ImportNotValid)
                    .with_detail("导盘正在校验，请等校验完成后再提交"));
            }
            ImportState::Invalid => {
                return Err(
                    AppError::new(ErrorCode::ImportNotValid).with_detail(format!(
                        "导盘校验未通过（{}行有问题），不能提交；请下载校验报告，修改后重新上传",
                        import.problem_rows
                    )),
                );
            }
            ImportState::Failed => {
                return Err(AppError::new(ErrorCode::ImportNotValid)
                    .with_detail("导盘处理失败，请重新上传文件"));
            }
        }
        imports_db::request_commit(c, id, &who.name, who.channel.as_str(), now)?;
        let job = jobs_db::enqueue(
            c,
            JobKind::ImportCommit,
            Some(unit_id),
            id.0,
            i64::from(import.row_count),
            now,
        )?;
        let import = own(c, unit_id, id)?;
        Ok(ImportAccepted {
            import: dto(c, &import)?,
            job: JobDto::of(&job),
            replayed: false,
        })
    })
}

/// Asks for the revocation (撤销) of everything a committed import created
/// (a job; R-UNDO-1 decides each item, all or nothing). Asking again
/// answers the first revocation's job.
pub fn revoke(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: ImportId,
    now: PrimitiveDateTime,
) -> Result<ImportAccepted, AppError> {
    transaction(conn, |c| {
        own(c, unit_id, id)?;
        let import = imports_db::get_for_update(c, id)?.ok_or_else(not_found)?;
        match import.state {
            ImportState::Revoking | ImportState::Revoked => {
                return replayed(c, &import, JobKind::ImportRevoke);
            }
            ImportState::Committed => {}
            _ => return Err(AppError::new(ErrorCode::ImportNotCommitted)),
        }
        if kind_of(&import)? == TemplateKind::WageDeclaration {
            return Err(AppError::new(ErrorCode::ImportNotRevocable)
                .with_detail("缴费工资申报导盘不能撤销；申报期内可重新申报更正"));
        }
        imports_db::request_revoke(c, id, &who.name, who.channel.as_str(), now)?;
        let items = item_ids_of(&import)?;
        let job = jobs_db::enqueue(
            c,
            JobKind::ImportRevoke,
            Some(unit_id),
            id.0,
            i64::try_from(items.len()).map_err(AppError::internal_cause)?,
            now,
        )?;
        let import = own(c, unit_id, id)?;
        Ok(ImportAccepted {
            import: dto(c, &import)?,
            job: JobDto::of(&job),
            replayed: false,
        })
    })
}

/// A template's file (XLSX or CSV) and its name.
pub fn template(kind: TemplateKind, csv: bool) -> Result<(String, Vec<u8>), AppError> {
    if csv {
        Ok((kind.file_name("csv"), qibao_sheet::template_csv(kind)))
    } else {
        Ok((
            kind.file_name("xlsx"),
            qibao_sheet::template_xlsx(kind).map_err(AppError::internal_cause)?,
        ))
    }
}

/// The template kind of a path segment, or `IMPORT_TEMPLATE_NOT_FOUND`.
pub fn kind_from_path(s: &str) -> Result<TemplateKind, AppError> {
    TemplateKind::parse(s).ok_or_else(|| {
        AppError::new(ErrorCode::ImportTemplateNotFound).as_kind(ErrorKind::NotFound)
    })
}

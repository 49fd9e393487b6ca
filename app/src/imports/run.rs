//! The import's jobs: validation (every row through the one-by-one use
//! cases, rolled back) and commit (the same, kept when no row is refused).

use std::collections::HashMap;

use qibao_core::SiYear;
use qibao_core::employment::{IdType, id_key, name_matches};
use qibao_core::job::{ImportState, JobState};
use qibao_db::business_items as items_db;
use qibao_db::ids::ImportId;
use qibao_db::imports::{self as imports_db, Import};
use qibao_db::jobs::{self as jobs_db, Job};
use qibao_db::{DbConn, DbError, employees as emp_db};
use qibao_sheet::TemplateKind;
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::rows::{self, StoredRow};
use super::{ImportProblem, Stored, format_of, item_ids_of, kind_of, stored_of};
use crate::actor::{Actor, Channel};
use crate::employees::{self, BatchMode, requests};
use crate::error::{AppError, ErrorCode, ErrorKind, corrupt};
use crate::jobs::Progress;
use crate::wage_declarations::{self as wages, WageDeclarationRequest};

/// How often (rows) a job reports its progress.
const PROGRESS_EVERY: usize = 100;

/// A problem found while reading the file, as the report shows it.
pub(crate) fn problem_of(p: &qibao_sheet::Problem) -> ImportProblem {
    ImportProblem {
        sheet: p.sheet.clone(),
        row: p.row,
        column: p.column.clone(),
        field: p.field.clone(),
        code: p.code.clone(),
        message: p.message.clone(),
    }
}

/// What running the rows found and made.
struct Outcome {
    problems: Vec<ImportProblem>,
    rows: usize,
    persons_created: usize,
    lines_created: usize,
}

/// Why a run's transaction ends without committing.
enum Stop {
    /// A failure of the system: the job fails.
    App(AppError),
    /// The rows ran (a validation, or a commit with refused rows): roll back.
    Rollback(Outcome),
    /// A revocation refused by an item: roll back, say why.
    Refused(String),
}

impl From<DbError> for Stop {
    fn from(e: DbError) -> Stop {
        Stop::App(e.into())
    }
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Stop {
        Stop::App(e)
    }
}

/// A refusal that belongs to a row (the unit's input), not to the system.
fn is_row_refusal(e: &AppError) -> bool {
    !matches!(e.kind(), ErrorKind::Internal | ErrorKind::Unavailable)
}

struct Run<'a> {
    /// Validation checks; the commit writes.
    mode: BatchMode,
    kind: TemplateKind,
    import: &'a Import,
    stored: &'a Stored,
    who: Actor,
    today: Date,
    now: PrimitiveDateTime,
}

impl Run<'_> {
    /// A problem of a row, in the shape of the file's own (the column's
    /// letter, or its key for JSON rows).
    fn problem(&self, row: u32, field: Option<&str>, code: &str, message: String) -> ImportProblem {
        problem_of(&qibao_sheet::Problem::new(
            self.stored.sheet.clone(),
            row,
            field,
            self.kind,
            format_of(self.import),
            code,
            message,
        ))
    }

    fn refusal(
        &self,
        row: u32,
        e: &AppError,
        out: &mut Vec<ImportProblem>,
    ) -> Result<(), AppError> {
        if !is_row_refusal(e) {
            return Err(e.clone());
        }
        for (field, code, message) in rows::problems_of(self.kind, e) {
            out.push(self.problem(row, field, &code, message));
        }
        Ok(())
    }

    fn field_errors(
        &self,
        row: u32,
        errors: &[crate::error::FieldError],
        out: &mut Vec<ImportProblem>,
    ) {
        for (field, code, message) in
            rows::field_problems(self.kind, ErrorCode::ValidationFailed.as_str(), errors)
        {
            out.push(self.problem(row, field, &code, message));
        }
    }
}

/// The key that makes two rows the same person (or the same person and
/// insurance) inside one file.
fn same_key(kind: TemplateKind, row: &StoredRow) -> Option<String> {
    match kind {
        TemplateKind::Enrolment => {
            let number = row.get("id_number")?.to_uppercase();
            let id_type = IdType::parse(row.v.get("id_type").map_or("resident", String::as_str))
                .unwrap_or(IdType::Resident);
            Some(id_key(id_type, &number))
        }
        TemplateKind::Suspension | TemplateKind::WageDeclaration => row.get("person_no"),
        TemplateKind::InsuranceChange => Some(format!(
            "{}:{}",
            row.get("person_no")?,
            row.get("insurance")?
        )),
    }
}

fn same_key_field(kind: TemplateKind) -> &'static str {
    match kind {
        TemplateKind::Enrolment => "id_number",
        _ => "person_no",
    }
}

/// Runs every row through its use case in the caller's transaction; each
/// row in a savepoint of its own (the use cases nest), so a refused row
/// leaves nothing and the next row goes on. Rows refused while reading or
/// repeated in the file are reported and not run.
fn run_rows(
    conn: &mut DbConn,
    run: &Run<'_>,
    rows: &[StoredRow],
    progress: &dyn Progress,
) -> Result<Outcome, AppError> {
    let mut problems: Vec<ImportProblem> = run.stored.read_problems.clone();
    let read_bad: std::collections::BTreeSet<u32> = problems.iter().map(|p| p.row).collect();
    let mut first_of: HashMap<String, u32> = HashMap::new();
    let mut runnable = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(key) = same_key(run.kind, row) {
            if let Some(first) = first_of.get(&key) {
                problems.push(run.problem(
                    row.n,
                    Some(same_key_field(run.kind)),
                    "DUPLICATE_ROW",
                    format!("与第{first}行是同一人员，同一文件中同一人员（险种）只能填写一行"),
                ));
                continue;
            }
            first_of.insert(key, row.n);
        }
        if !read_bad.contains(&row.n) {
            runnable.push(row);
        }
    }
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let mut out = Outcome {
        problems: Vec::new(),
        rows: rows.len(),
        persons_created: 0,
        lines_created: 0,
    };
    if run.kind == TemplateKind::WageDeclaration {
        wage_rows(conn, run, &runnable, &mut out)?;
    } else if run.kind == TemplateKind::Enrolment {
        enrolment_rows(conn, run, &runnable, &mut out, progress, total)?;
    } else {
        for (i, row) in runnable.iter().enumerate() {
            one_row(conn, run, row, &mut out)?;
            if i % PROGRESS_EVERY == 0 {
                progress.set(i64::try_from(i).unwrap_or(0), total);
            }
        }
    }
    progress.set(total, total);
    problems.append(&mut out.problems);
    problems.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    out.problems = problems;
    Ok(out)
}

/// Enrolment rows go through [`employees::enrol_batch`] (the use case of
/// the endpoint) as one batch.
fn enrolment_rows(
    conn: &mut DbConn,
    run: &Run<'_>,
    rows: &[&StoredRow],
    out: &mut Outcome,
    progress: &dyn Progress,
    total: i64,
) -> Result<(), AppError> {
    let mut parsed = Vec::with_capacity(rows.len());
    for row in rows {
        match requests::parse_enrolment(&rows::enrolment(row), run.today) {
            Ok(input) => parsed.push((row.n, input)),
            Err(errors) => run.field_errors(row.n, &errors, &mut out.problems),
        }
    }
    let mut done = rows.len() - parsed.len();
    let (numbers, inputs): (Vec<u32>, Vec<employees::EnrolInput>) = parsed.into_iter().unzip();
    let mut failure = None;
    employees::enrol_batch(
        conn,
        &run.who,
        run.import.unit_id,
        &inputs,
        run.mode,
        run.today,
        run.now,
        &mut |i, r| {
            match r {
                Ok(Some(result)) => {
                    out.persons_created += usize::from(result.person_created);
                    out.lines_created += result.lines.len();
                }
                Ok(None) => {}
                Err(e) => {
                    if let Err(system) = run.refusal(numbers[i], &e, &mut out.problems) {
                        failure.get_or_insert(system);
                    }
                }
            }
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                progress.set(i64::try_from(done).unwrap_or(0), total);
            }
        },
    )?;
    failure.map_or(Ok(()), Err)
}

/// The registered name of a person number must be the row's name.
fn check_name(
    conn: &mut DbConn,
    run: &Run<'_>,
    row: &StoredRow,
    out: &mut Outcome,
) -> Result<bool, AppError> {
    let (Some(no), Some(name)) = (row.get("person_no"), row.get("name")) else {
        return Ok(true);
    };
    match emp_db::find_by_person_no(conn, &no)? {
        Some(p) if !name_matches(&p.name, &name) => {
            out.problems.push(run.problem(
                row.n,
                Some("name"),
                "NAME_MISMATCH",
                format!("姓名“{name}”与个人编号{no}登记的姓名不一致，请核对"),
            ));
            Ok(false)
        }
        _ => Ok(true),
    }
}

fn one_row(
    conn: &mut DbConn,
    run: &Run<'_>,
    row: &StoredRow,
    out: &mut Outcome,
) -> Result<(), AppError> {
    let (who, today, now) = (&run.who, run.today, run.now);
    let unit_id = run.import.unit_id;
    match run.kind {
        TemplateKind::Enrolment | TemplateKind::WageDeclaration => {}
        TemplateKind::Suspension => {
            if !check_name(conn, run, row, out)? {
                return Ok(());
            }
            let req = requests::SuspensionRequest {
                stop_date: row.get("stop_date"),
                reason: row.get("reason"),
                // The sheet has no end-reason column: a claim after an
                // imported stop states the reason itself.
                end_reason: None,
                insurances: rows::insurances_of(row),
            };
            let input = match requests::parse_suspension(&req) {
                Ok(i) => i,
                Err(errors) => {
                    run.field_errors(row.n, &errors, &mut out.problems);
                    return Ok(());
                }
            };
            let no = row.get("person_no").unwrap_or_default();
            if let Err(e) = employees::stop(conn, who, unit_id, &no, &input, today, now) {
                run.refusal(row.n, &e, &mut out.problems)?;
            }
        }
        TemplateKind::InsuranceChange => {
            if !check_name(conn, run, row, out)? {
                return Ok(());
            }
            let no = row.get("person_no").unwrap_or_default();
            let result = if row.get("action").as_deref() == Some("remove") {
                let insurance = row
                    .get("insurance")
                    .and_then(|c| qibao_core::insurance::Insurance::parse_collected(&c).ok());
                let Some(insurance) = insurance else {
                    out.problems.push(run.problem(
                        row.n,
                        Some("insurance"),
                        ErrorCode::ValidationFailed.as_str(),
                        "请选择要减少的险种".to_string(),
                    ));
                    return Ok(());
                };
                match requests::parse_insurance_removal(
                    insurance,
                    &row.get("stop_date"),
                    &row.get("reason"),
                ) {
                    Ok(input) => {
                        employees::stop(conn, who, unit_id, &no, &input, today, now).map(|_| ())
                    }
                    Err(errors) => {
                        run.field_errors(row.n, &errors, &mut out.problems);
                        return Ok(());
                    }
                }
            } else {
                match requests::parse_add_insurance(&rows::add_insurance(row), today) {
                    Ok(input) => {
                        employees::add_insurance(conn, who, unit_id, &no, &input, today, now)
                            .map(|r| out.lines_created += r.lines.len())
                    }
                    Err(errors) => {
                        run.field_errors(row.n, &errors, &mut out.problems);
                        return Ok(());
                    }
                }
            };
            if let Err(e) = result {
                run.refusal(row.n, &e, &mut out.problems)?;
            }
        }
    }
    Ok(())
}

/// A wage-base declaration file is one declaration of the year (缴费工资申报,
/// R-WAGE-1…4) with one person per row.
fn wage_rows(
    conn: &mut DbConn,
    run: &Run<'_>,
    rows: &[&StoredRow],
    out: &mut Outcome,
) -> Result<(), AppError> {
    let mut ok_rows = Vec::with_capacity(rows.len());
    for row in rows {
        if check_name(conn, run, row, out)? {
            ok_rows.push(*row);
        }
    }
    let req = WageDeclarationRequest {
        commitment_confirmed: run.stored.options.commitment_confirmed,
        persons: Some(ok_rows.iter().map(|r| rows::wage_person(r)).collect()),
    };
    let row_of = |field: &str| {
        rows::person_index(field)
            .and_then(|i| ok_rows.get(i))
            .map_or(0, |r| r.n)
    };
    let persons = match wages::parse_persons(&req) {
        Ok(p) => p,
        Err(errors) => {
            for f in &errors {
                run.field_errors(row_of(&f.field), std::slice::from_ref(f), &mut out.problems);
            }
            return Ok(());
        }
    };
    if !out.problems.is_empty() {
        // The declaration is one act: with a refused row there is nothing
        // more to check as a whole.
        return Ok(());
    }
    let si_year = SiYear(run.stored.options.si_year.unwrap_or_default());
    match wages::declare_year(
        conn,
        &run.who,
        run.import.unit_id,
        si_year,
        &persons,
        run.today,
        run.now,
    ) {
        Ok(_) => Ok(()),
        Err(e) if !is_row_refusal(&e) => Err(e),
        Err(e) if e.errors().is_empty() => {
            out.problems
                .push(run.problem(0, None, e.code().as_str(), e.detail().to_string()));
            Ok(())
        }
        Err(e) => {
            for f in e.errors() {
                for (field, code, message) in
                    rows::field_problems(run.kind, e.code().as_str(), std::slice::from_ref(f))
                {
                    out.problems
                        .push(run.problem(row_of(&f.field), field, &code, message));
                }
            }
            Ok(())
        }
    }
}

fn load(conn: &mut DbConn, job: &Job) -> Result<(Import, Stored, Vec<StoredRow>), AppError> {
    let id = ImportId(job.subject_id);
    let import = imports_db::get(conn, id)?
        .ok_or_else(|| AppError::internal_cause(format!("job {} without import {id}", job.id)))?;
    let stored = stored_of(&import)?;
    let rows: Vec<StoredRow> = serde_json::from_str(&imports_db::rows(conn, id)?)
        .map_err(|e| corrupt("imports.rows", e))?;
    Ok((import, stored, rows))
}

fn actor(name: &str, channel: &str) -> Actor {
    Actor {
        name: name.to_string(),
        channel: Channel::parse(channel).unwrap_or(Channel::Portal),
    }
}

fn problem_rows(problems: &[ImportProblem]) -> i32 {
    let rows: std::collections::BTreeSet<u32> = problems.iter().map(|p| p.row).collect();
    i32::try_from(rows.len()).unwrap_or(i32::MAX)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The validation job: every row through its use case, all rolled back;
/// the report and the import's state (valid / invalid) are stored with the
/// job's end.
pub(crate) fn run_validation(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    today: Date,
    now: PrimitiveDateTime,
    progress: &dyn Progress,
) -> Result<JobState, AppError> {
    let (import, stored, rows) = load(conn, job)?;
    let kind = kind_of(&import)?;
    let run = Run {
        mode: BatchMode::Check,
        kind,
        import: &import,
        stored: &stored,
        who: actor(&import.created_by, &import.channel),
        today,
        now,
    };
    let outcome = match qibao_db::conn::transaction(conn, |c| {
        let o = run_rows(c, &run, &rows, progress)?;
        Err::<(), Stop>(Stop::Rollback(o))
    }) {
        Err(Stop::Rollback(o)) => o,
        Err(Stop::App(e)) => return Err(e),
        Err(Stop::Refused(d)) => return Err(AppError::internal_cause(d)),
        Ok(()) => return Err(AppError::internal_cause("validation kept its work")),
    };
    let state = if outcome.problems.is_empty() {
        ImportState::Valid
    } else {
        ImportState::Invalid
    };
    let report = serde_json::to_string(&outcome.problems).map_err(AppError::internal_cause)?;
    let result = json!({
        "import_id": import.id.0,
        "state": state,
        "rows": outcome.rows,
        "problem_rows": problem_rows(&outcome.problems),
        "problems": outcome.problems.len(),
    })
    .to_string();
    qibao_db::conn::transaction(conn, |c| {
        imports_db::set_report(
            c,
            import.id,
            state,
            &report,
            count(outcome.problems.len()),
            problem_rows(&outcome.problems),
            now,
        )?;
        let done = i64::try_from(outcome.rows).unwrap_or(0);
        if !jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Succeeded,
            Some(&result),
            None,
            done,
            now,
        )? {
            return Err(AppError::internal_cause("the job was taken from this node"));
        }
        Ok(JobState::Succeeded)
    })
}

/// The commit job: the rows again, kept all or none. A row refused now
/// (the unit's data changed since the validation) refuses the commit:
/// nothing is stored, the report names the rows, the import is invalid.
pub(crate) fn run_commit(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    today: Date,
    now: PrimitiveDateTime,
    progress: &dyn Progress,
) -> Result<JobState, AppError> {
    let (import, stored, rows) = load(conn, job)?;
    let kind = kind_of(&import)?;
    let run = Run {
        mode: BatchMode::Write,
        kind,
        import: &import,
        stored: &stored,
        who: actor(
            import.committed_by.as_deref().unwrap_or(&import.created_by),
            import.commit_channel.as_deref().unwrap_or(&import.channel),
        ),
        today,
        now,
    };
    let done = i64::try_from(rows.len()).unwrap_or(0);
    let committed = qibao_db::conn::transaction(conn, |c| {
        let current = imports_db::get_for_update(c, import.id)?
            .ok_or_else(|| AppError::internal_cause("import vanished"))?;
        if current.state == ImportState::Committed {
            // Committed by an earlier run of this job: answer its result.
            jobs_db::finish(
                c,
                job.id,
                node,
                JobState::Succeeded,
                current.result.as_deref(),
                None,
                done,
                now,
            )?;
            return Ok(JobState::Succeeded);
        }
        let before = items_db::max_id(c, import.unit_id)?;
        let o = run_rows(c, &run, &rows, progress)?;
        if !o.problems.is_empty() {
            return Err(Stop::Rollback(o));
        }
        let items: Vec<i64> =
            items_db::created_since(c, import.unit_id, before, &run.who.name, now)?
                .iter()
                .map(|i| i.0)
                .collect();
        let result = json!({
            "import_id": import.id.0,
            "state": ImportState::Committed,
            "rows": o.rows,
            "persons_created": o.persons_created,
            "lines_created": o.lines_created,
            "business_items": items.len(),
        })
        .to_string();
        let item_ids = serde_json::to_string(&items).map_err(AppError::internal_cause)?;
        imports_db::set_committed(c, import.id, &result, &item_ids, now)?;
        if !jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Succeeded,
            Some(&result),
            None,
            done,
            now,
        )? {
            return Err(Stop::App(AppError::internal_cause(
                "the job was taken from this node",
            )));
        }
        Ok(JobState::Succeeded)
    });
    let refused = match committed {
        Ok(state) => return Ok(state),
        Err(Stop::App(e)) => return Err(e),
        Err(Stop::Refused(d)) => return Err(AppError::internal_cause(d)),
        Err(Stop::Rollback(o)) => o,
    };
    let report = serde_json::to_string(&refused.problems).map_err(AppError::internal_cause)?;
    let bad_rows: Vec<String> = {
        let set: std::collections::BTreeSet<u32> = refused.problems.iter().map(|p| p.row).collect();
        set.iter().take(20).map(u32::to_string).collect()
    };
    let detail = format!(
        "自校验以来单位数据已发生变化，第{}行已不能办理，未提交任何数据；请查看校验报告，修改后重新上传",
        bad_rows.join("、")
    );
    qibao_db::conn::transaction(conn, |c| {
        imports_db::set_report(
            c,
            import.id,
            ImportState::Invalid,
            &report,
            count(refused.problems.len()),
            problem_rows(&refused.problems),
            now,
        )?;
        jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Failed,
            None,
            Some((ErrorCode::ImportDataChanged.as_str(), &detail)),
            done,
            now,
        )?;
        Ok(JobState::Failed)
    })
}

/// The revocation job: every business item the commit created, newest
/// first, through the revocation of a single item (R-UNDO-1 decides each),
/// in one transaction: all are revoked or none. An item that can no longer
/// be revoked (a later change of the person, a line paid since…) refuses
/// the whole revocation, naming the person.
pub(crate) fn run_revoke(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    now: PrimitiveDateTime,
    progress: &dyn Progress,
) -> Result<JobState, AppError> {
    let id = ImportId(job.subject_id);
    let import = imports_db::get(conn, id)?
        .ok_or_else(|| AppError::internal_cause(format!("job {} without import {id}", job.id)))?;
    let who = actor(
        import.revoked_by.as_deref().unwrap_or(&import.created_by),
        import.revoke_channel.as_deref().unwrap_or(&import.channel),
    );
    let items = item_ids_of(&import)?;
    let total = i64::try_from(items.len()).unwrap_or(0);
    let revoked = qibao_db::conn::transaction(conn, |c| {
        let current = imports_db::get_for_update(c, id)?
            .ok_or_else(|| AppError::internal_cause("import vanished"))?;
        if current.state == ImportState::Revoked {
            jobs_db::finish(
                c,
                job.id,
                node,
                JobState::Succeeded,
                current.result.as_deref(),
                None,
                total,
                now,
            )?;
            return Ok(JobState::Succeeded);
        }
        for (k, item) in items.iter().rev().enumerate() {
            let item_id = qibao_db::ids::BusinessItemId(*item);
            if let Err(e) = employees::revoke::revoke(c, &who, import.unit_id, item_id, now) {
                if !is_row_refusal(&e) {
                    return Err(Stop::App(e));
                }
                let person = items_db::get(c, item_id)?
                    .and_then(|i| employees::effects::Effects::of_item(&i))
                    .map(|e| e.person_no)
                    .unwrap_or_default();
                return Err(Stop::Refused(format!(
                    "个人编号{person}的业务不能撤销：{}；未撤销任何业务",
                    e.detail()
                )));
            }
            if k % PROGRESS_EVERY == 0 {
                progress.set(i64::try_from(k).unwrap_or(0), total);
            }
        }
        progress.set(total, total);
        imports_db::set_revoked(c, id, now)?;
        let result = json!({"import_id": id.0, "state": ImportState::Revoked, "business_items_revoked": items.len()})
            .to_string();
        if !jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Succeeded,
            Some(&result),
            None,
            total,
            now,
        )? {
            return Err(Stop::App(AppError::internal_cause(
                "the job was taken from this node",
            )));
        }
        Ok(JobState::Succeeded)
    });
    let detail = match revoked {
        Ok(state) => return Ok(state),
        Err(Stop::App(e)) => return Err(e),
        Err(Stop::Rollback(_)) => return Err(AppError::internal_cause("a revocation rolled back")),
        Err(Stop::Refused(detail)) => detail,
    };
    qibao_db::conn::transaction(conn, |c| {
        imports_db::set_state(c, id, ImportState::Committed, now)?;
        jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Failed,
            None,
            Some((ErrorCode::ImportNotRevocable.as_str(), &detail)),
            0,
            now,
        )?;
        Ok(JobState::Failed)
    })
}

/// After a job of the import failed for a reason of the system: a failed
/// validation fails the import (upload again); a failed commit leaves it
/// valid (commit again).
pub(crate) fn mark_failed(
    conn: &mut DbConn,
    job: &Job,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let id = ImportId(job.subject_id);
    let state = match job.kind {
        qibao_core::job::JobKind::ImportValidate => ImportState::Failed,
        qibao_core::job::JobKind::ImportCommit => ImportState::Valid,
        qibao_core::job::JobKind::ImportRevoke => ImportState::Committed,
        _ => return Ok(()),
    };
    imports_db::set_state(conn, id, state, now)?;
    Ok(())
}

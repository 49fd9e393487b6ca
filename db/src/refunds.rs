//! Refund applications (多缴退费, R-REF-1…5) and the lines they refund.
//! Tables are `refund_applications` and `refund_lines` in [`crate::schema`]
//! (see `migrations/*/2026-11-27-000010_refunds`).
//!
//! A line is under at most one live refund: the partial unique index
//! [`LIVE_LINE_KEY`] over `refund_lines (assessment_id) WHERE live` refuses a
//! second one with [`DbError::Conflict`], concurrent applications included.
//! Lines stay live while their application is pending, approved or paid out;
//! a rejection frees them ([`free_lines`]).

use diesel::prelude::*;
use qibao_core::Period;
use qibao_core::insurance::Insurance;
use time::PrimitiveDateTime;

use crate::ids::{
    AssessmentId, BusinessItemId, EmploymentId, PersonId, RefundApplicationId, UnitId,
};
use crate::schema::{assessments, order_lines, refund_applications, refund_lines};
use crate::{DbConn, DbError};

/// The partial unique index: one live refund per assessment line.
pub const LIVE_LINE_KEY: &str = "refund_lines_assessment_id_key";
/// Refund numbers are unique.
pub const REFUND_NO_KEY: &str = "refund_applications_refund_no_key";

/// `refund_applications.status` values.
pub const PENDING_REVIEW: &str = "pending_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const PAID_OUT: &str = "paid_out";
pub const STATUSES: [&str; 4] = [PENDING_REVIEW, APPROVED, REJECTED, PAID_OUT];

/// `refund_applications.document_type` values (R-REF-3).
pub const TERMINATION_NOTICE: &str = "termination_notice";
pub const STAFF_REDUCTION_FORM: &str = "staff_reduction_form";

/// The number sequence of refund numbers (`number_sequences.name`).
pub const REFUND_NO_SEQUENCE: &str = "refund_no";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refund_applications)]
pub struct RefundApplication {
    pub id: RefundApplicationId,
    pub refund_no: String,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub status: String,
    pub total_fen: i64,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
    pub document_type: String,
    pub reason: Option<String>,
    pub applied_by: String,
    pub applied_at: PrimitiveDateTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<PrimitiveDateTime>,
    pub review_note: Option<String>,
    pub paid_out_by: Option<String>,
    pub paid_out_at: Option<PrimitiveDateTime>,
    pub payout_reference: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = refund_applications)]
pub struct NewRefundApplication {
    pub refund_no: String,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub status: String,
    pub total_fen: i64,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
    pub document_type: String,
    pub reason: Option<String>,
    pub applied_by: String,
    pub applied_at: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refund_lines)]
pub struct RefundLine {
    pub id: i64,
    pub application_id: RefundApplicationId,
    pub assessment_id: AssessmentId,
    #[diesel(deserialize_as = String)]
    pub insurance: Insurance,
    #[diesel(deserialize_as = i32)]
    pub period: Period,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub amount_fen: i64,
    pub live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = refund_lines)]
pub struct NewRefundLine {
    pub application_id: RefundApplicationId,
    pub assessment_id: AssessmentId,
    pub insurance: String,
    pub period: i32,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub amount_fen: i64,
    pub live: bool,
}

/// A taken refund number is [`DbError::Conflict`] ([`REFUND_NO_KEY`]).
pub fn insert_application(
    conn: &mut DbConn,
    a: &NewRefundApplication,
) -> Result<RefundApplication, DbError> {
    Ok(diesel::insert_into(refund_applications::table)
        .values(a)
        .returning(refund_applications::all_columns)
        .get_result(conn)?)
}

/// A line already under a live refund is [`DbError::Conflict`]
/// ([`LIVE_LINE_KEY`]).
pub fn insert_line(conn: &mut DbConn, l: &NewRefundLine) -> Result<RefundLine, DbError> {
    Ok(diesel::insert_into(refund_lines::table)
        .values(l)
        .returning(refund_lines::all_columns)
        .get_result(conn)?)
}

/// The application with this number, of any unit.
pub fn find_by_no(
    conn: &mut DbConn,
    refund_no: &str,
) -> Result<Option<RefundApplication>, DbError> {
    Ok(refund_applications::table
        .filter(refund_applications::refund_no.eq(refund_no))
        .select(RefundApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The application of a business item, if the item is one.
pub fn find_by_item(
    conn: &mut DbConn,
    business_item_id: BusinessItemId,
) -> Result<Option<RefundApplication>, DbError> {
    Ok(refund_applications::table
        .filter(refund_applications::business_item_id.eq(business_item_id))
        .select(RefundApplication::as_select())
        .first(conn)
        .optional()?)
}

/// An application's lines, by period and insurance.
pub fn lines_of(
    conn: &mut DbConn,
    application_id: RefundApplicationId,
) -> Result<Vec<RefundLine>, DbError> {
    Ok(refund_lines::table
        .filter(refund_lines::application_id.eq(application_id))
        .order((
            refund_lines::period,
            refund_lines::insurance,
            refund_lines::id,
        ))
        .select(RefundLine::as_select())
        .load(conn)?)
}

/// The lines of several applications, by application, period and insurance.
pub fn lines_of_many(
    conn: &mut DbConn,
    application_ids: &[RefundApplicationId],
) -> Result<Vec<RefundLine>, DbError> {
    if application_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(refund_lines::table
        .filter(refund_lines::application_id.eq_any(application_ids))
        .order((
            refund_lines::application_id,
            refund_lines::period,
            refund_lines::insurance,
        ))
        .select(RefundLine::as_select())
        .load(conn)?)
}

/// The live refund lines of these assessment lines, with their
/// application's number and status.
pub fn live_lines_of_assessments(
    conn: &mut DbConn,
    assessment_ids: &[AssessmentId],
) -> Result<Vec<(RefundLine, String, String)>, DbError> {
    if assessment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in assessment_ids.chunks(5000) {
        out.extend(
            refund_lines::table
                .inner_join(refund_applications::table)
                .filter(refund_lines::assessment_id.eq_any(chunk))
                .filter(refund_lines::live.eq(true))
                .select((
                    RefundLine::as_select(),
                    refund_applications::refund_no,
                    refund_applications::status,
                ))
                .load::<(RefundLine, String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// Whether any of these assessment lines is under a live refund (pending,
/// approved or paid out). The tax side refuses to reverse a payment of
/// such a line.
pub fn live_refund_exists(
    conn: &mut DbConn,
    assessment_ids: &[AssessmentId],
) -> Result<bool, DbError> {
    for chunk in assessment_ids.chunks(5000) {
        let found: bool = diesel::select(diesel::dsl::exists(
            refund_lines::table
                .filter(refund_lines::assessment_id.eq_any(chunk))
                .filter(refund_lines::live.eq(true)),
        ))
        .get_result(conn)?;
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The assessment lines of these persons whose refund has been paid out,
/// ascending, without duplicates.
pub fn refunded_assessment_ids(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<AssessmentId>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<AssessmentId> = refund_lines::table
        .inner_join(refund_applications::table)
        .filter(refund_applications::person_id.eq_any(person_ids))
        .filter(refund_applications::status.eq(PAID_OUT))
        .filter(refund_lines::live.eq(true))
        .select(refund_lines::assessment_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// What has been refunded (paid out) of each of these assessment lines:
/// `(assessment_id, unit_fen, individual_fen)`, summed.
pub fn refunded_amounts(
    conn: &mut DbConn,
    assessment_ids: &[AssessmentId],
) -> Result<Vec<(AssessmentId, i64, i64)>, DbError> {
    let mut out: Vec<(AssessmentId, i64, i64)> = Vec::new();
    for chunk in assessment_ids.chunks(5000) {
        let rows: Vec<(AssessmentId, i64, i64)> = refund_lines::table
            .inner_join(refund_applications::table)
            .filter(refund_lines::assessment_id.eq_any(chunk))
            .filter(refund_applications::status.eq(PAID_OUT))
            .select((
                refund_lines::assessment_id,
                refund_lines::unit_fen,
                refund_lines::individual_fen,
            ))
            .load(conn)?;
        for (id, unit, individual) in rows {
            match out.iter_mut().find(|r| r.0 == id) {
                Some(r) => {
                    r.1 += unit;
                    r.2 += individual;
                }
                None => out.push((id, unit, individual)),
            }
        }
    }
    Ok(out)
}

/// The interest and late fee billed with each of these lines on the order
/// they are (or were paid) on: `(assessment_id, interest_fen, late_fee_fen)`.
/// Shown beside a refund candidate as never refundable (R-LATE-3).
pub fn charges_of_assessments(
    conn: &mut DbConn,
    assessment_ids: &[AssessmentId],
) -> Result<Vec<(AssessmentId, i64, i64)>, DbError> {
    let mut out = Vec::new();
    for chunk in assessment_ids.chunks(5000) {
        out.extend(
            order_lines::table
                .filter(order_lines::assessment_id.eq_any(chunk))
                .filter(order_lines::live.eq(true))
                .select((
                    order_lines::assessment_id,
                    order_lines::interest_fen,
                    order_lines::late_fee_fen,
                ))
                .load::<(AssessmentId, i64, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// The ids of the lines of these relations (employments), any status.
pub fn assessment_ids_of_employments(
    conn: &mut DbConn,
    employment_ids: &[EmploymentId],
) -> Result<Vec<AssessmentId>, DbError> {
    if employment_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::employment_id.eq_any(employment_ids))
        .select(assessments::id)
        .load(conn)?)
}

/// Moves a pending application to `approved` or `rejected` with who, when
/// and the note; false when it was no longer pending.
pub fn set_reviewed(
    conn: &mut DbConn,
    id: RefundApplicationId,
    to: &str,
    by: &str,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        refund_applications::table
            .filter(refund_applications::id.eq(id))
            .filter(refund_applications::status.eq(PENDING_REVIEW)),
    )
    .set((
        refund_applications::status.eq(to),
        refund_applications::reviewed_by.eq(Some(by)),
        refund_applications::reviewed_at.eq(Some(now)),
        refund_applications::review_note.eq(note),
        refund_applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Frees an application's lines (a rejection): they may be applied for
/// again. Returns how many were freed.
pub fn free_lines(
    conn: &mut DbConn,
    application_id: RefundApplicationId,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        refund_lines::table
            .filter(refund_lines::application_id.eq(application_id))
            .filter(refund_lines::live.eq(true)),
    )
    .set(refund_lines::live.eq(false))
    .execute(conn)?)
}

/// Moves an approved application to `paid_out` with who, when and the
/// payment's reference; false when it was not approved (any more).
pub fn set_paid_out(
    conn: &mut DbConn,
    id: RefundApplicationId,
    by: &str,
    reference: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        refund_applications::table
            .filter(refund_applications::id.eq(id))
            .filter(refund_applications::status.eq(APPROVED)),
    )
    .set((
        refund_applications::status.eq(PAID_OUT),
        refund_applications::paid_out_by.eq(Some(by)),
        refund_applications::paid_out_at.eq(Some(now)),
        refund_applications::payout_reference.eq(Some(reference)),
        refund_applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Filters of a list of applications; `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundFilter {
    pub unit_id: Option<UnitId>,
    pub status: Option<String>,
    pub person_id: Option<PersonId>,
    /// Applications with a line of this month (YYYYMM).
    pub period: Option<i32>,
}

/// Applications matching `filter`, newest first, one page, and how many
/// match in all.
pub fn list(
    conn: &mut DbConn,
    filter: &RefundFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RefundApplication>, i64), DbError> {
    let q = || {
        let mut q = refund_applications::table.into_boxed();
        if let Some(u) = filter.unit_id {
            q = q.filter(refund_applications::unit_id.eq(u));
        }
        if let Some(s) = &filter.status {
            q = q.filter(refund_applications::status.eq(s.clone()));
        }
        if let Some(p) = filter.person_id {
            q = q.filter(refund_applications::person_id.eq(p));
        }
        if let Some(period) = filter.period {
            q = q.filter(
                refund_applications::id.eq_any(
                    refund_lines::table
                        .filter(refund_lines::period.eq(period))
                        .select(refund_lines::application_id),
                ),
            );
        }
        q
    };
    let total: i64 = q().count().get_result(conn)?;
    let rows = q()
        .order(refund_applications::id.desc())
        .offset(offset)
        .limit(limit)
        .select(RefundApplication::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::assessments::{self as lines, NewAssessment};
    use crate::repo;
    use crate::rows::{NewBusinessItem, NewEmployment, NewPerson, NewUnit};
    use crate::testing::TestDb;

    const NOW: PrimitiveDateTime = datetime!(2023-04-20 09:30:00);

    fn each_backend(test: impl Fn(&TestDb)) {
        let mut dbs = vec![TestDb::sqlite()];
        if let Some(url) = TestDb::server_url() {
            dbs.push(TestDb::postgres(&url));
        }
        for db in &dbs {
            test(db);
        }
    }

    /// A unit, a person, a relation, two paid lines and three business items.
    fn arrange(conn: &mut DbConn) -> (UnitId, PersonId, [AssessmentId; 2], [BusinessItemId; 3]) {
        let unit = repo::insert_unit(
            conn,
            &NewUnit {
                unit_no: "100047513".into(),
                uscc: "91420500MA4F000001".into(),
                name: "宜昌某某有限公司".into(),
                region_code: "420500".into(),
                unit_type: "enterprise".into(),
                economic_type: "limited_liability".into(),
                industry: "software".into(),
                risk_class: 1,
                address: "宜昌市西陵区".into(),
                postcode: None,
                phone: "0717-1234567".into(),
                legal_rep_name: "张三".into(),
                legal_rep_id_type: "resident".into(),
                legal_rep_id_number: "420502198001011234".into(),
                collection_method: "tax".into(),
                status: "active".into(),
                created_at: NOW,
                updated_at: NOW,
            },
        )
        .unwrap();
        let person = repo::insert_person(
            conn,
            &NewPerson {
                person_no: "10003726255".into(),
                id_type: "resident".into(),
                id_number: "420502199001011234".into(),
                name: "李四".into(),
                gender: "M".into(),
                birth_date: date!(1990 - 01 - 01),
                nationality: "CHN".into(),
                phone: None,
                address: None,
                first_work_date: None,
                created_at: NOW,
                updated_at: NOW,
            },
        )
        .unwrap();
        let emp = repo::insert_employment(
            conn,
            &NewEmployment {
                unit_id: unit.id,
                person_id: person.id,
                insurance: "110".into(),
                start_date: date!(2023 - 01 - 01),
                stop_date: Some(date!(2023 - 01 - 15)),
                stop_reason: Some("解除劳动合同".into()),
                status: "suspended".into(),
                monthly_wage_fen: 345_000,
                created_at: NOW,
                updated_at: NOW,
            },
        )
        .unwrap();
        let line = |period: i32| NewAssessment {
            unit_id: unit.id,
            person_id: person.id,
            employment_id: emp.id,
            insurance: "110".into(),
            period,
            kind: "regular".into(),
            base_fen: 345_000,
            unit_rate_ppm: 160_000,
            individual_rate_ppm: 80_000,
            unit_fen: 55_200,
            individual_fen: 27_600,
            status: lines::PAID.into(),
            source_item_id: None,
            created_at: NOW,
            updated_at: NOW,
        };
        let a = lines::insert(conn, &line(202302)).unwrap().id;
        let b = lines::insert(conn, &line(202303)).unwrap().id;
        let item = |conn: &mut DbConn| {
            repo::insert_business_item(
                conn,
                &NewBusinessItem {
                    unit_id: Some(unit.id),
                    kind: "refund".into(),
                    status: "pending_review".into(),
                    actor: "agent:x:甲".into(),
                    channel: "portal".into(),
                    before_json: None,
                    after_json: None,
                    created_at: NOW,
                    updated_at: NOW,
                },
            )
            .unwrap()
            .id
        };
        let items = [item(conn), item(conn), item(conn)];
        (unit.id, person.id, [a, b], items)
    }

    fn application(
        unit_id: UnitId,
        person_id: PersonId,
        item: BusinessItemId,
        no: &str,
    ) -> NewRefundApplication {
        NewRefundApplication {
            refund_no: no.into(),
            unit_id,
            person_id,
            business_item_id: item,
            status: PENDING_REVIEW.into(),
            total_fen: 82_800,
            bank_name: "中国工商银行宜昌分行".into(),
            account_name: "宜昌某某有限公司".into(),
            account_no: "1807050109024567890".into(),
            document_type: TERMINATION_NOTICE.into(),
            reason: None,
            applied_by: "agent:x:甲".into(),
            applied_at: NOW,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    fn line(application_id: RefundApplicationId, assessment_id: AssessmentId) -> NewRefundLine {
        NewRefundLine {
            application_id,
            assessment_id,
            insurance: "110".into(),
            period: 202302,
            unit_fen: 55_200,
            individual_fen: 27_600,
            amount_fen: 82_800,
            live: true,
        }
    }

    #[test]
    fn one_live_refund_per_line_and_the_tax_side_queries() {
        each_backend(|db| {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let conn = &mut *conn;
            let (unit, person, [a, b], [i1, i2, i3]) = arrange(conn);
            assert!(!live_refund_exists(conn, &[a, b]).unwrap());
            let first =
                insert_application(conn, &application(unit, person, i1, "TF20230420000001"))
                    .unwrap();
            insert_line(conn, &line(first.id, a)).unwrap();
            assert!(live_refund_exists(conn, &[a, b]).unwrap());
            assert!(!live_refund_exists(conn, &[b]).unwrap());
            assert!(!live_refund_exists(conn, &[]).unwrap());

            // A second application cannot take the same line.
            let second =
                insert_application(conn, &application(unit, person, i2, "TF20230420000002"))
                    .unwrap();
            assert_eq!(
                insert_line(conn, &line(second.id, a)),
                Err(DbError::Conflict {
                    constraint: LIVE_LINE_KEY.to_owned()
                })
            );
            // The same number twice is refused too.
            assert!(matches!(
                insert_application(conn, &application(unit, person, i3, "TF20230420000001")),
                Err(DbError::Conflict { constraint }) if constraint == REFUND_NO_KEY
            ));

            // Rejected: the line is free again, for another application.
            assert!(
                set_reviewed(
                    conn,
                    first.id,
                    REJECTED,
                    "staff:r:审核",
                    Some("材料不清"),
                    NOW
                )
                .unwrap()
            );
            assert!(!set_reviewed(conn, first.id, APPROVED, "staff:r:审核", None, NOW).unwrap());
            assert_eq!(free_lines(conn, first.id).unwrap(), 1);
            assert!(!live_refund_exists(conn, &[a]).unwrap());
            insert_line(conn, &line(second.id, a)).unwrap();
            assert_eq!(
                live_lines_of_assessments(conn, &[a, b]).unwrap()[0].1,
                "TF20230420000002"
            );

            // Paid out only once approved; then the line counts as refunded.
            assert!(!set_paid_out(conn, second.id, "staff:f:财务", "ICBC1", NOW).unwrap());
            assert!(refunded_assessment_ids(conn, &[person]).unwrap().is_empty());
            assert!(set_reviewed(conn, second.id, APPROVED, "staff:r:审核", None, NOW).unwrap());
            assert!(set_paid_out(conn, second.id, "staff:f:财务", "ICBC1", NOW).unwrap());
            assert!(!set_paid_out(conn, second.id, "staff:f:财务", "ICBC1", NOW).unwrap());
            assert_eq!(refunded_assessment_ids(conn, &[person]).unwrap(), vec![a]);
            assert_eq!(
                refunded_amounts(conn, &[a, b]).unwrap(),
                vec![(a, 55_200, 27_600)]
            );
            assert!(live_refund_exists(conn, &[a]).unwrap());

            // Lists: by unit, status, person and month.
            let f = |status: Option<&str>, period: Option<i32>| RefundFilter {
                unit_id: Some(unit),
                status: status.map(str::to_owned),
                person_id: Some(person),
                period,
            };
            assert_eq!(list(conn, &f(None, None), 0, 10).unwrap().1, 2);
            let (rows, n) = list(conn, &f(Some(PAID_OUT), Some(202302)), 0, 10).unwrap();
            assert_eq!((n, rows[0].refund_no.as_str()), (1, "TF20230420000002"));
            assert_eq!(list(conn, &f(None, Some(202303)), 0, 10).unwrap().1, 0);
        });
    }
}

//! The unit both benches seed (bench_declare, seed_load): one 宜昌 unit in
//! all three insurances since 2016-05, accounted and paid up to a given
//! month, and N employees in all three, written with set-based SQL (a
//! recursive series) that runs the same on both backends.

use diesel::connection::SimpleConnection;
use qibao_db::ids::UnitId;
use qibao_db::rows::{NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::{DbConn, DbError, repo};
use time::PrimitiveDateTime;

/// What differs between the benches' units.
pub struct BenchUnit<'a> {
    pub unit_no: &'a str,
    pub uscc: &'a str,
    pub name: &'a str,
    /// Latest accounted and paid month of every insurance (YYYYMM).
    pub accounted: i32,
    /// Person numbers are `first_person_no + i`; ID numbers `{id_prefix}{i}`
    /// (passports), so the seed's persons can be selected back.
    pub first_person_no: u64,
    pub id_prefix: &'a str,
}

/// Inserts the unit and its `n` employees in the caller's transaction;
/// returns the unit's id.
pub fn insert(
    c: &mut DbConn,
    spec: &BenchUnit<'_>,
    n: usize,
    now: PrimitiveDateTime,
) -> Result<UnitId, DbError> {
    let unit = repo::insert_unit(
        c,
        &NewUnit {
            unit_no: spec.unit_no.into(),
            uscc: spec.uscc.into(),
            name: spec.name.into(),
            region_code: "420500".into(),
            unit_type: "企业".into(),
            economic_type: "有限责任公司".into(),
            industry: "制造业".into(),
            risk_class: 1,
            address: "湖北省宜昌市".into(),
            postcode: None,
            phone: "0717-6440000".into(),
            legal_rep_name: "王法人".into(),
            legal_rep_id_type: "resident".into(),
            legal_rep_id_number: "420500197001010029".into(),
            collection_method: "tax".into(),
            status: "active".into(),
            created_at: now,
            updated_at: now,
        },
    )?;
    for ins in ["110", "210", "410"] {
        repo::insert_unit_insurance(
            c,
            &NewUnitInsurance {
                unit_id: unit.id,
                insurance: ins.into(),
                start_period: 201605,
                status: "active".into(),
                latest_accounted_period: Some(spec.accounted),
                latest_paid_period: Some(spec.accounted),
            },
        )?;
    }
    repo::insert_unit_injury_factor(
        c,
        &NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: 201605,
            to_period: None,
            factor_pct: 100,
        },
    )?;
    let ts = now
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .map_err(|e| DbError::Other(e.to_string()))?;
    let (u, first, prefix) = (unit.id, spec.first_person_no, spec.id_prefix);
    c.batch_execute(&format!(
        "INSERT INTO persons (person_no, id_type, id_number, name, gender, birth_date, \
         nationality, created_at, updated_at) \
         WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {last}) \
         SELECT CAST({first} + i AS TEXT), 'passport', '{prefix}' || CAST(i AS TEXT), \
         '职工' || CAST(i AS TEXT), 'M', '1980-01-01', 'CHN', '{ts}', '{ts}' FROM s;\
         INSERT INTO employments (unit_id, person_id, insurance, start_date, status, \
         monthly_wage_fen, created_at, updated_at) \
         SELECT {u}, p.id, ins.code, '2016-05-01', 'active', 400000, '{ts}', '{ts}' \
         FROM persons p CROSS JOIN (SELECT '110' AS code UNION ALL SELECT '210' \
         UNION ALL SELECT '410') ins WHERE p.id_type = 'passport' AND p.id_number LIKE '{prefix}%';",
        last = n.saturating_sub(1),
    ))?;
    Ok(unit.id)
}

//! The unit's business records (单位办件记录, R-UNDO-1): every item with its
//! type, time, actor, channel and status, and whether it can still be
//! revoked (and why not). The revocation itself is
//! [`crate::employees::revoke`].

use qibao_core::business_item::label_of;
use qibao_db::DbConn;
use qibao_db::business_items::{self as items_db, ItemFilter};
use qibao_db::ids::{BusinessItemId, UnitId};
use qibao_db::rows::BusinessItem;
use serde::Serialize;
use serde_json::Value;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::clock::CHINA_OFFSET;
use crate::employees::{Effects, check_revocable};
use crate::error::{AppError, ErrorCode};
use crate::tx::read_transaction;

/// One business item (办件).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessItemDto {
    pub id: i64,
    /// Stable kind, e.g. `employee_enrolment`.
    #[cfg_attr(feature = "openapi", schema(example = "employee_enrolment"))]
    pub kind: String,
    /// The type as the service hall names it (业务类型).
    #[cfg_attr(feature = "openapi", schema(example = "单位职工参保登记"))]
    pub kind_label: String,
    /// done, revoked, pending_review…
    #[cfg_attr(feature = "openapi", schema(example = "done"))]
    pub status: String,
    /// When it was done (RFC 3339, China time).
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who did it (经办人): the name.
    #[cfg_attr(feature = "openapi", schema(example = "李经办"))]
    pub actor_name: String,
    /// legal_rep, agent, payroll, staff…
    #[cfg_attr(feature = "openapi", schema(example = "agent"))]
    pub actor_role: String,
    /// portal, counter, api or system.
    #[cfg_attr(feature = "openapi", schema(example = "portal"))]
    pub channel: String,
    /// The person concerned, when the item is about one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub person_no: Option<String>,
    /// Whether it can be revoked now.
    pub revocable: bool,
    /// Why not, when it cannot.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub not_revocable_code: Option<ErrorCode>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub not_revocable_reason: Option<String>,
}

/// One item with its before and after values.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessItemDetail {
    #[serde(flatten)]
    pub item: BusinessItemDto,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub before: Option<Value>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessItemPage {
    pub items: Vec<BusinessItemDto>,
    pub total: i64,
    pub page: usize,
    pub page_size: usize,
}

/// Which of the unit's items, and which page (`page` from 1).
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    /// Item kinds; none: every kind.
    pub kinds: Option<Vec<String>>,
    pub status: Option<String>,
    /// From this date (China time).
    pub from: Option<Date>,
    /// To this date inclusive (China time).
    pub to: Option<Date>,
    pub page: usize,
    pub page_size: usize,
}

fn item_not_found() -> AppError {
    AppError::new(ErrorCode::BusinessItemNotFound)
}

/// The role and name of a recorded actor (`role:subject:name`).
pub(crate) fn actor_parts(actor: &str) -> (String, String) {
    let mut it = actor.splitn(3, ':');
    let role = it.next().unwrap_or_default().to_string();
    let _subject = it.next();
    let name = it
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    (role, name)
}

fn person_of(item: &BusinessItem) -> Option<String> {
    if let Some(e) = Effects::of_item(item) {
        return Some(e.person_no);
    }
    let from = |j: &Option<String>| {
        let v: Value = serde_json::from_str(j.as_deref()?).ok()?;
        v.get("person_no")
            .or_else(|| v.get("summary").and_then(|s| s.get("person_no")))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    from(&item.after_json).or_else(|| from(&item.before_json))
}

fn dto(conn: &mut DbConn, item: &BusinessItem) -> Result<BusinessItemDto, AppError> {
    let (revocable, code, reason) = match check_revocable(conn, item)? {
        Ok(_) => (true, None, None),
        Err(e) => (false, Some(e.code()), Some(e.to_string())),
    };
    let (role, name) = actor_parts(&item.actor);
    Ok(BusinessItemDto {
        id: item.id.0,
        kind: item.kind.clone(),
        kind_label: label_of(&item.kind).to_string(),
        status: item.status.clone(),
        created_at: item.created_at.assume_utc(),
        actor_name: name,
        actor_role: role,
        channel: item.channel.clone(),
        person_no: person_of(item),
        revocable,
        not_revocable_code: code,
        not_revocable_reason: reason,
    })
}

/// The start of China day `d`, in UTC (as items are stored).
fn utc_start_of(d: Date) -> PrimitiveDateTime {
    let t = PrimitiveDateTime::new(d, Time::MIDNIGHT)
        .assume_offset(CHINA_OFFSET)
        .to_offset(UtcOffset::UTC);
    PrimitiveDateTime::new(t.date(), t.time())
}

/// One page of the unit's business records, newest first.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    q: &ItemQuery,
) -> Result<BusinessItemPage, AppError> {
    let filter = ItemFilter {
        kinds: q.kinds.clone(),
        status: q.status.clone(),
        created_from: q.from.map(utc_start_of),
        created_before: q.to.and_then(Date::next_day).map(utc_start_of),
    };
    let offset =
        i64::try_from(q.page.saturating_sub(1) * q.page_size).map_err(AppError::internal_cause)?;
    let limit = i64::try_from(q.page_size).map_err(AppError::internal_cause)?;
    read_transaction(conn, |c| {
        let (rows, total) = items_db::list_for_unit(c, unit_id, &filter, offset, limit)?;
        let items = rows
            .iter()
            .map(|i| dto(c, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BusinessItemPage {
            items,
            total,
            page: q.page,
            page_size: q.page_size,
        })
    })
}

/// One of the unit's business items with its before and after values
/// (another unit's item is `BUSINESS_ITEM_NOT_FOUND`, like a missing one).
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: BusinessItemId,
) -> Result<BusinessItemDetail, AppError> {
    read_transaction(conn, |c| {
        let item = items_db::get(c, id)?
            .filter(|i| i.unit_id == Some(unit_id))
            .ok_or_else(item_not_found)?;
        let parse = |j: &Option<String>| j.as_deref().and_then(|s| serde_json::from_str(s).ok());
        Ok(BusinessItemDetail {
            before: parse(&item.before_json),
            after: parse(&item.after_json),
            item: dto(c, &item)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_parts_split_role_and_name() {
        assert_eq!(
            actor_parts("agent:12:李经办"),
            ("agent".to_owned(), "李经办".to_owned())
        );
        assert_eq!(
            actor_parts("system"),
            ("system".to_owned(), "system".to_owned())
        );
    }

    #[test]
    fn a_china_day_starts_at_16_utc_the_day_before() {
        let d = time::macros::date!(2024 - 03 - 01);
        assert_eq!(utc_start_of(d), time::macros::datetime!(2024-02-29 16:00));
    }
}

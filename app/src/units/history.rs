//! The unit's change history (单位办件记录, R-UNIT-1, R-UNDO-1): every
//! business item of the unit with who, when, the channel and the
//! before/after values, newest first.

use qibao_db::ids::UnitId;
use qibao_db::rows::BusinessItem;
use qibao_db::{DbConn, units as unit_db};
use serde::Serialize;
use serde_json::Value;

use crate::clock::china_timestamp;
use crate::error::AppError;
use crate::tx::read_transaction;

/// One entry of the unit's change history (办件记录).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeHistoryItem {
    /// The business item's id.
    pub id: i64,
    /// Stable kind, e.g. `unit_general_change`, `agent_added`.
    #[cfg_attr(feature = "openapi", schema(example = "unit_general_change"))]
    pub kind: String,
    /// The kind in Chinese.
    #[cfg_attr(feature = "openapi", schema(example = "单位一般信息变更"))]
    pub label: String,
    /// `done`, `pending_review`, `approved`, `rejected`, `revoked`…
    #[cfg_attr(feature = "openapi", schema(example = "done"))]
    pub status: String,
    /// Who acted: `legal_rep`, `agent`, `payroll`, `staff`, `tax` (null when
    /// recorded by the system or the demo loader).
    #[cfg_attr(feature = "openapi", schema(required = true, example = "legal_rep"))]
    pub actor_role: Option<String>,
    /// The acting person's (or credential's) name.
    #[cfg_attr(feature = "openapi", schema(example = "刘建国"))]
    pub actor_name: String,
    /// `portal`, `counter`, `api` or `system`.
    #[cfg_attr(feature = "openapi", schema(example = "portal"))]
    pub channel: String,
    /// The values before the change (null when something was created).
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The values after the change.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub after: Option<Value>,
    /// When (RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: String,
}

/// One page of the change history, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeHistoryPage {
    pub items: Vec<ChangeHistoryItem>,
    /// All entries of the unit.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

fn history_item(item: BusinessItem) -> ChangeHistoryItem {
    let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let mut parts = item.actor.splitn(3, ':');
    let (actor_role, actor_name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(role), Some(_), Some(name)) => (Some(role.to_owned()), name.to_owned()),
        _ => (None, item.actor.clone()),
    };
    ChangeHistoryItem {
        id: item.id.0,
        label: qibao_core::business_item::label_of(&item.kind).to_owned(),
        kind: item.kind,
        status: item.status,
        actor_role,
        actor_name,
        channel: item.channel,
        before: parse(item.before_json),
        after: parse(item.after_json),
        created_at: china_timestamp(item.created_at),
    }
}

/// Page `page` (from 1) of `page_size` entries of the unit's history.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: i64,
    page_size: i64,
) -> Result<ChangeHistoryPage, AppError> {
    let offset = (page - 1).saturating_mul(page_size);
    let (rows, total) = read_transaction(conn, |c| {
        unit_db::list_unit_business_items(c, unit_id, offset, page_size)
    })?;
    Ok(ChangeHistoryPage {
        items: rows.into_iter().map(history_item).collect(),
        total,
        page,
        page_size,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use qibao_db::ids::BusinessItemId;
    use serde_json::json;

    #[test]
    fn actors_are_split_without_their_subject() {
        let at = time::PrimitiveDateTime::new(
            time::Date::from_calendar_date(2023, time::Month::April, 20).unwrap(),
            time::Time::from_hms(1, 30, 0).unwrap(),
        );
        let item = |actor: &str| BusinessItem {
            id: BusinessItemId(1),
            unit_id: Some(UnitId(1)),
            kind: "agent_added".into(),
            status: "done".into(),
            actor: actor.into(),
            channel: "portal".into(),
            before_json: None,
            after_json: Some(r#"{"a":1}"#.into()),
            created_at: at,
            updated_at: at,
        };
        let h = history_item(item("legal_rep:91420500MA4C8QD2X5:刘建国"));
        assert_eq!(h.actor_role.as_deref(), Some("legal_rep"));
        assert_eq!(h.actor_name, "刘建国");
        assert_eq!(h.label, "增加经办人");
        assert_eq!(h.after, Some(json!({"a": 1})));
        assert_eq!(h.created_at, "2023-04-20T09:30:00+08:00");
        let demo = history_item(item("demo"));
        assert_eq!((demo.actor_role, demo.actor_name.as_str()), (None, "demo"));
    }
}

//! OpenAPI schemas of the value types (only with the `openapi` feature):
//! money and rates are decimal strings, periods `YYYYMM` strings.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::insurance::Insurance;
use crate::money::{Money, Rate};
use crate::period::{Period, PeriodRange};

fn string_schema(description: &str, pattern: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .description(Some(description))
        .pattern(Some(pattern))
        .examples([serde_json::Value::String(example.to_string())])
        .into()
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "Exact amount in yuan with two decimals, as a string (never a float).",
            r"^-?\d+\.\d{2}$",
            "869.40",
        )
    }
}
impl ToSchema for Money {}

impl PartialSchema for Rate {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "Rate as an exact decimal fraction: 0.16 = 16%.",
            r"^\d+(\.\d+)?$",
            "0.16",
        )
    }
}
impl ToSchema for Rate {}

impl PartialSchema for Period {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "Month YYYYMM (费款所属期, AAE002/AAE003).",
            r"^\d{4}(0[1-9]|1[0-2])$",
            "202303",
        )
    }
}
impl ToSchema for Period {}

impl PartialSchema for crate::event::UnitEventType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some(
                "Type of a unit event (单位业务动态): `business_item.recorded`, `business_item.status_changed`, `order.issued`, `order.paid`, `order.expired`, `order.revoked`, `order.reopened`, `job.finished`.",
            ))
            .enum_values(Some(
                crate::event::UnitEventType::ALL.iter().map(|t| t.code()),
            ))
            .into()
    }
}
impl ToSchema for crate::event::UnitEventType {}

impl PartialSchema for Insurance {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some(
                "Insurance type (险种, AAE140): 110 pension, 210 unemployment, 410 work injury.",
            ))
            .enum_values(Some(["110", "210", "410"]))
            .into()
    }
}
impl ToSchema for Insurance {}

impl PartialSchema for PeriodRange {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Object))
            .description(Some("Inclusive range of months; `to` null = open-ended."))
            .property("from", Period::schema())
            .required("from")
            .property(
                "to",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .pattern(Some(r"^\d{6}$")),
            )
            // Always written (null when open-ended).
            .required("to")
            .into()
    }
}
impl ToSchema for PeriodRange {}

impl PartialSchema for crate::retirement::Age {
    fn schema() -> RefOr<Schema> {
        let int = || ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer));
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Object))
            .description(Some("An age in years and months (60岁1个月)."))
            .property("years", int().examples([serde_json::json!(60)]))
            .required("years")
            .property("months", int().examples([serde_json::json!(1)]))
            .required("months")
            .property(
                "label",
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .examples([serde_json::json!("60岁1个月")]),
            )
            .required("label")
            .into()
    }
}
impl ToSchema for crate::retirement::Age {}

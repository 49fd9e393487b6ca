//! Public checks that need no sign-in: identifier validation (R-ID-1…4), so
//! that payroll software and front ends can check a number before using it.

use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use qibao_app::error::ErrorCode;
use qibao_core::ids::{BankAccount, Email, Phone, ResidentId, ResidentIdError, Uscc};

use crate::http::extract::Json;
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// What kind of identifier to check.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// 居民身份证号码 (AAC002), 18 digits or a legacy 15-digit number.
    ResidentId,
    /// 统一社会信用代码, 18 characters.
    Uscc,
    Phone,
    BankAccount,
    Email,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IdentifierCheckRequest {
    pub kind: IdentifierKind,
    #[schema(example = "11010519491231002X")]
    pub value: String,
}

/// A valid identifier, normalised, with what it reveals.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentifierCheck {
    pub kind: IdentifierKind,
    /// The normalised form to store and send (upper-case X, 18 digits…).
    #[schema(example = "11010519491231002X")]
    pub normalised: String,
    /// For a resident ID: the birth date it encodes.
    #[schema(required = true, value_type = Option<String>, format = Date, example = "1949-12-31")]
    pub birth_date: Option<Date>,
    /// For a resident ID: M or F (from the 17th digit).
    #[schema(required = true, example = "F")]
    pub gender: Option<String>,
    /// For a legacy 15-digit ID: the number it was converted from.
    #[schema(required = true)]
    pub converted_from: Option<String>,
    /// Notes for the user (Chinese), e.g. that a 15-digit number was converted.
    pub notes: Vec<String>,
}

fn refuse(message: String, position: Option<usize>) -> ApiError {
    let mut field_msg = message.clone();
    if let Some(p) = position {
        field_msg = format!("{message}（第{p}位）");
    }
    ApiError::new(ErrorCode::IdentifierInvalid)
        .with_detail(message)
        .with_errors(vec![FieldError::new("value", field_msg)])
}

/// 证件号码校验 — check an identifier
///
/// Checks a resident ID (GB 11643 checksum, real birth date not in the future,
/// 15→18 conversion), a USCC (GB 32100 checksum), a phone number, a bank
/// account or an e-mail address. A bad one is refused with the position of
/// the problem; nothing is stored.
#[utoipa::path(
    tag = "public",
    operation_id = "create_identifier_check",
    request_body = IdentifierCheckRequest,
    responses(
        (status = 200, body = IdentifierCheck),
        (status = 400, description = "Malformed body (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The identifier is not valid (`IDENTIFIER_INVALID`); `errors[0].message` says where.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/identifier-checks")]
pub async fn create_identifier_check(
    state: web::Data<AppState>,
    body: Json<IdentifierCheckRequest>,
) -> Result<web::Json<IdentifierCheck>, ApiError> {
    let IdentifierCheckRequest { kind, value } = body.into_inner();
    let mut out = IdentifierCheck {
        kind,
        normalised: String::new(),
        birth_date: None,
        gender: None,
        converted_from: None,
        notes: Vec::new(),
    };
    match kind {
        IdentifierKind::ResidentId => {
            let parsed = ResidentId::parse(&value, state.clock.today())
                .map_err(|e: ResidentIdError| refuse(e.to_string(), e.position()))?;
            out.normalised = parsed.id.to_string();
            out.birth_date = Some(parsed.id.birth_date());
            out.gender = Some(parsed.id.gender().code().to_string());
            if let Some(old) = parsed.converted_from {
                out.notes
                    .push(format!("15位身份证号码{old}已转换为18位：{}", parsed.id));
                out.converted_from = Some(old);
            }
        }
        IdentifierKind::Uscc => {
            out.normalised = Uscc::parse(&value)
                .map_err(|e| refuse(e.to_string(), None))?
                .to_string();
        }
        IdentifierKind::Phone => {
            out.normalised = Phone::parse(&value)
                .map_err(|e| refuse(e.to_string(), None))?
                .as_str()
                .to_string();
        }
        IdentifierKind::BankAccount => {
            out.normalised = BankAccount::parse(&value)
                .map_err(|e| refuse(e.to_string(), None))?
                .as_str()
                .to_string();
        }
        IdentifierKind::Email => {
            out.normalised = Email::parse(&value)
                .map_err(|e| refuse(e.to_string(), None))?
                .as_str()
                .to_string();
        }
    }
    Ok(web::Json(out))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_identifier_check);
}

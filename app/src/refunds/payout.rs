//! Finance pays an approved refund out (R-REF-5): the refund becomes
//! `paid_out` with who, when and the bank transfer's reference, its business
//! item likewise, and the unit sees it on the refund document. Only an
//! approved refund can be paid, once (a conditional update decides).

use qibao_db::DbConn;
use qibao_db::refunds as refunds_db;
use time::PrimitiveDateTime;

use super::{ITEM_PAID_OUT, RefundDocument, load_app};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode};

/// Records the payout of refund `refund_no` with the transfer's
/// `reference`, in one transaction; answers the staff view of the document.
/// Not approved (pending, rejected or paid out already) is 409
/// `REFUND_NOT_APPROVED`.
pub fn pay_out(
    conn: &mut DbConn,
    who: &Actor,
    refund_no: &str,
    reference: &str,
    now: PrimitiveDateTime,
) -> Result<RefundDocument, AppError> {
    crate::tx::transaction(conn, |c| {
        let app = load_app(c, refund_no.trim(), None)?;
        if !refunds_db::set_paid_out(c, app.id, &who.name, reference, now)? {
            let detail = match app.status.as_str() {
                refunds_db::PAID_OUT => {
                    format!("退费单{}已退费，不能重复支付。", app.refund_no)
                }
                refunds_db::REJECTED => {
                    format!("退费单{}审核不通过，不能支付。", app.refund_no)
                }
                _ => format!("退费单{}尚未审核通过，不能支付。", app.refund_no),
            };
            return Err(AppError::new(ErrorCode::RefundNotApproved).with_detail(detail));
        }
        qibao_db::review::set_business_item_status(
            c,
            app.business_item_id,
            ITEM_PAID_OUT,
            None,
            now,
        )?;
        let app = load_app(c, &app.refund_no, None)?;
        super::query::document(c, &app, true)
    })
}

//! qibao-pdf: the printable documents of the service hall as A4 PDF bytes.
//!
//! Pure rendering: a caller fills one of the view models in [`model`] with
//! display-ready strings and gets the PDF back. No I/O, no clock, no other
//! qibao crate. The documents:
//!
//! - [`render_unit_certificate`], 湖北省社会保险参保证明（单位专用）
//! - [`render_personal_certificate`], 湖北省社会保险个人参保缴费证明
//! - [`render_payment_order`], 单位社会保险费应缴认定单
//! - [`render_refund_notice`], 社会保险费退费通知单
//! - [`render_termination_certificate`], 终止或解除劳动合同证明
//! - [`render_contribution_voucher`], 基本养老保险参保缴费凭证
//!
//! Text is set in Noto Sans CJK SC, shipped in `fonts/` and embedded as a
//! subset (only the glyphs a document uses, with a ToUnicode map so the text
//! can be searched and extracted). Long tables continue on further pages
//! under a repeated header; every page says "第i页/共N页".
//!
//! Layout works in PDF points (f32); nothing here touches money, so the
//! workspace's float-arithmetic lint (meant for amounts) is allowed.

#![allow(clippy::float_arithmetic)]

mod docs;
mod error;
mod font;
mod layout;
pub mod model;
mod render;

use std::sync::OnceLock;

pub use error::PdfError;
pub use model::{
    ContributionVoucher, InsuranceTotal, PaymentOrder, PaymentOrderLine, PersonalCertificate,
    PersonalMonth, RefundLine, RefundNotice, SurchargeDetail, TerminationCertificate,
    UnitCertificate, UnitCertificatePerson, Verification,
};

use font::Fonts;
use layout::{Composer, RunningHeader};

/// The font is parsed (and hashed by krilla) once per process.
fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| Fonts::load().ok())
        .as_ref()
        .ok_or(PdfError::Font)
}

/// Lays out one document and writes it.
fn build(
    header: RunningHeader,
    body: impl FnOnce(&mut Composer<'_>) -> Result<(), PdfError>,
) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let title = header.title.clone();
    let mut composer = Composer::new(fonts, header);
    body(&mut composer)?;
    let pages = composer.finish();
    render::render(fonts, &title, &pages)
}

/// 湖北省社会保险参保证明（单位专用）.
pub fn render_unit_certificate(doc: &UnitCertificate) -> Result<Vec<u8>, PdfError> {
    build(docs::unit_certificate::header(doc), |c| {
        docs::unit_certificate::layout(c, doc)
    })
}

/// 湖北省社会保险个人参保缴费证明.
pub fn render_personal_certificate(doc: &PersonalCertificate) -> Result<Vec<u8>, PdfError> {
    build(docs::personal_certificate::header(doc), |c| {
        docs::personal_certificate::layout(c, doc)
    })
}

/// 单位社会保险费应缴认定单.
pub fn render_payment_order(doc: &PaymentOrder) -> Result<Vec<u8>, PdfError> {
    build(docs::payment_order::header(doc), |c| {
        docs::payment_order::layout(c, doc)
    })
}

/// 社会保险费退费通知单.
pub fn render_refund_notice(doc: &RefundNotice) -> Result<Vec<u8>, PdfError> {
    build(docs::refund_notice::header(doc), |c| {
        docs::refund_notice::layout(c, doc)
    })
}

/// 终止或解除劳动合同证明.
pub fn render_termination_certificate(doc: &TerminationCertificate) -> Result<Vec<u8>, PdfError> {
    build(docs::termination_certificate::header(doc), |c| {
        docs::termination_certificate::layout(c, doc)
    })
}

/// 基本养老保险参保缴费凭证.
pub fn render_contribution_voucher(doc: &ContributionVoucher) -> Result<Vec<u8>, PdfError> {
    build(docs::contribution_voucher::header(doc), |c| {
        docs::contribution_voucher::layout(c, doc)
    })
}

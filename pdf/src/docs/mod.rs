//! The documents, one file each, and the blocks they share.

pub(crate) mod contribution_voucher;
pub(crate) mod payment_order;
pub(crate) mod personal_certificate;
pub(crate) mod refund_notice;
pub(crate) mod termination_certificate;
pub(crate) mod unit_certificate;

use crate::error::PdfError;
use crate::font::LINE_HEIGHT;
use crate::layout::{Align, Cell, Composer, Grid, MARGIN, WIDTH};
use crate::model::Verification;

/// Body text size.
pub(crate) const BODY: f32 = 10.0;
/// Table text size.
pub(crate) const TABLE: f32 = 9.0;
/// Minimum height of a table row.
pub(crate) const ROW: f32 = 20.0;
/// Height of the rows of the small key/value grids.
pub(crate) const INFO_ROW: f32 = 22.0;

/// Splits the width into columns: fixed widths and one column (at `flex`)
/// that takes what is left.
pub(crate) fn columns(fixed: &[f32], flex: usize) -> Vec<f32> {
    let used: f32 = fixed.iter().sum();
    let mut widths = fixed.to_vec();
    widths.insert(flex.min(widths.len()), (WIDTH - used).max(20.0));
    widths
}

/// A section heading above a table.
pub(crate) fn heading(c: &mut Composer<'_>, text: &str, room_below: f32) {
    c.ensure(BODY * LINE_HEIGHT + room_below);
    c.paragraph(text, BODY + 0.5, true, 0.0);
    c.gap(3.0);
}

/// "备注：" and the numbered notes, with a hanging indent.
pub(crate) fn notes(c: &mut Composer<'_>, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    c.ensure(3.0 * BODY * LINE_HEIGHT);
    c.paragraph("备注：", BODY, true, 0.0);
    for (i, note) in notes.iter().enumerate() {
        c.paragraph(&format!("{}. {}", i + 1, note), BODY - 0.5, false, 12.0);
    }
}

/// Rows of two label/value pairs (label, value, label, value) into a
/// four-column grid from row `first`, the values aligned `align`.
pub(crate) fn pair_rows(
    grid: &mut Grid,
    first: usize,
    rows: &[(&str, &str, &str, &str)],
    align: Align,
) {
    for (i, (l1, v1, l2, v2)) in rows.iter().enumerate() {
        let row = first + i;
        grid.push(Cell::label(row, 0, *l1, BODY));
        grid.push(Cell::value(row, 1, *v1, align, BODY));
        grid.push(Cell::label(row, 2, *l2, BODY));
        grid.push(Cell::value(row, 3, *v2, align, BODY));
    }
}

/// A header row of shaded bold labels, one per column.
pub(crate) fn header_row(widths: &[f32], labels: &[&str]) -> Grid {
    let mut g = Grid::new(widths.to_vec(), ROW);
    for (col, label) in labels.iter().enumerate() {
        g.push(Cell::label(0, col, *label, TABLE).bold());
    }
    g
}

/// Money, counts and codes read best right-aligned; words centred.
pub(crate) const R: Align = Align::Right;
pub(crate) const C: Align = Align::Center;
pub(crate) const L: Align = Align::Left;

/// The issuer's lines at the foot of a notice, right-aligned in the right
/// half, where a stamp goes on paper.
pub(crate) fn sign_off(c: &mut Composer<'_>, lines: &[String]) {
    c.gap(16.0);
    c.ensure(lines.len() as f32 * (BODY * LINE_HEIGHT + 4.0));
    let mut y = c.y();
    for line in lines {
        y += c.text_at(line, [MARGIN + WIDTH * 0.4, y, WIDTH * 0.6], BODY, R) + 4.0;
    }
    c.advance_to(y);
}

/// Side of the verification QR code.
const QR_SIDE: f32 = 78.0;

/// The certificates' closing block: notes, then the verification address,
/// code and print date beside the QR code, kept together on one page.
pub(crate) fn verification(c: &mut Composer<'_>, v: &Verification) -> Result<(), PdfError> {
    c.gap(8.0);
    notes(c, &v.notes);
    c.gap(8.0);
    c.ensure(QR_SIDE + 14.0);
    let top = c.y();
    let text_w = WIDTH - QR_SIDE - 16.0;
    let mut y = top + 6.0;
    for line in [
        format!("验证平台：{}", v.platform_url),
        format!("授权码：{}", v.code),
        format!("打印时间：{}", v.printed_at),
    ] {
        y += c.text_at(&line, [MARGIN, y, text_w], BODY, L) + 6.0;
    }
    let qr_x = MARGIN + WIDTH - QR_SIDE;
    c.qr(&v.qr_payload, qr_x, top, QR_SIDE)?;
    c.text_at("扫码验证真伪", [qr_x, top + QR_SIDE + 2.0, QR_SIDE], 8.0, C);
    c.advance_to(y.max(top + QR_SIDE + 14.0));
    Ok(())
}

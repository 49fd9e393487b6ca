//! Page layout: a display list per page, bordered grids whose cells never
//! overflow, and a composer that flows blocks down A4 pages, repeats the
//! running header and table headers on each new page, and numbers the pages.
//!
//! Layout is done first and drawing after (`render`), so the page count is
//! known when the footers "第1页/共N页" are written. Coordinates are PDF
//! points from the top-left corner of the page, y growing downwards.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::PdfError;
use crate::font::{Fitted, Fonts, LINE_HEIGHT};

/// A4 portrait, in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
/// Left and right margin.
pub(crate) const MARGIN: f32 = 45.0;
/// The width between the margins.
pub(crate) const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const TOP: f32 = 42.0;
/// Content ends above this line; the footer sits below it.
const BOTTOM: f32 = PAGE_H - 58.0;
const FOOTER_SIZE: f32 = 9.0;
const FOOTER_Y: f32 = PAGE_H - 40.0;

/// Inner padding of a grid cell.
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.5;
/// Table rule width.
const RULE: f32 = 0.6;
/// How far a cell may shrink its text before wrapping it.
const MIN_SCALE: f32 = 0.8;
/// The grey of header and label cells (0 black, 255 white).
const SHADE: u8 = 238;

/// One drawing operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// One line of text; `baseline` is the y of its baseline.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A rectangle, filled with a grey and/or stroked black.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<u8>,
        stroke: Option<f32>,
    },
    /// Black boxes filled as one path (the modules of a QR code).
    Boxes(Vec<[f32; 4]>),
}

/// Horizontal alignment of text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Draws fitted lines in a box, centred vertically, aligned horizontally.
fn place(
    fonts: &Fonts,
    ops: &mut Vec<Op>,
    fitted: &Fitted,
    area: [f32; 4],
    align: Align,
    bold: bool,
) {
    let [x, y, w, h] = area;
    let size = fitted.size;
    let line_h = size * LINE_HEIGHT;
    let mut top = y + (h - fitted.height()) / 2.0;
    for line in &fitted.lines {
        let lw = fonts.width(line, size);
        let lx = match align {
            Align::Left => x,
            Align::Center => x + (w - lw) / 2.0,
            Align::Right => x + w - lw,
        };
        ops.push(Op::Text {
            x: lx,
            baseline: top + (line_h - size) / 2.0 + fonts.ascent * size,
            size,
            bold,
            text: line.clone(),
        });
        top += line_h;
    }
}

/// One cell of a grid, placed on grid lines.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub(crate) col: usize,
    pub(crate) span: usize,
    pub(crate) row: usize,
    pub(crate) rowspan: usize,
    pub(crate) text: String,
    pub(crate) align: Align,
    pub(crate) size: f32,
    pub(crate) bold: bool,
    /// Grey background (labels, table headers).
    pub(crate) shade: bool,
}

impl Cell {
    /// A plain value cell, one column, one row.
    pub(crate) fn value(
        row: usize,
        col: usize,
        text: impl Into<String>,
        align: Align,
        size: f32,
    ) -> Self {
        Self {
            col,
            span: 1,
            row,
            rowspan: 1,
            text: text.into(),
            align,
            size,
            bold: false,
            shade: false,
        }
    }

    /// A shaded, centred label cell.
    pub(crate) fn label(row: usize, col: usize, text: impl Into<String>, size: f32) -> Self {
        Self {
            shade: true,
            ..Self::value(row, col, text, Align::Center, size)
        }
    }

    pub(crate) fn span(mut self, cols: usize) -> Self {
        self.span = cols;
        self
    }

    pub(crate) fn rows(mut self, rows: usize) -> Self {
        self.rowspan = rows;
        self
    }

    pub(crate) fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
}

/// A bordered grid of cells over fixed column widths; rows grow to fit.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub(crate) widths: Vec<f32>,
    pub(crate) cells: Vec<Cell>,
    pub(crate) min_row: f32,
}

/// A grid with its row heights known and its cells' text fitted.
struct LaidGrid {
    cells: Vec<(usize, Fitted, [f32; 4])>,
    height: f32,
}

impl Grid {
    pub(crate) fn new(widths: Vec<f32>, min_row: f32) -> Self {
        Self {
            widths,
            cells: Vec::new(),
            min_row,
        }
    }

    pub(crate) fn push(&mut self, cell: Cell) {
        self.cells.push(cell);
    }

    /// One row of value cells, one per column.
    pub(crate) fn row(widths: &[f32], texts: &[(&str, Align)], size: f32, min_row: f32) -> Self {
        let mut grid = Self::new(widths.to_vec(), min_row);
        for (col, (text, align)) in texts.iter().enumerate() {
            grid.push(Cell::value(0, col, *text, *align, size));
        }
        grid
    }

    fn layout(&self, fonts: &Fonts) -> LaidGrid {
        let rows = self
            .cells
            .iter()
            .map(|c| c.row + c.rowspan)
            .max()
            .unwrap_or(0);
        let mut col_x = Vec::with_capacity(self.widths.len() + 1);
        let mut x = 0.0_f32;
        col_x.push(x);
        for w in &self.widths {
            x += w;
            col_x.push(x);
        }
        let last = self.widths.len();
        let fitted: Vec<(Fitted, f32)> = self
            .cells
            .iter()
            .map(|c| {
                let from = c.col.min(last);
                let to = (c.col + c.span).min(last);
                let w = col_x[to] - col_x[from];
                let f = fonts.fit(&c.text, w - 2.0 * PAD_X, c.size, c.size * MIN_SCALE);
                (f, w)
            })
            .collect();
        let mut heights = vec![self.min_row; rows];
        let mut by_span: Vec<usize> = (0..self.cells.len()).collect();
        by_span.sort_by_key(|&i| self.cells[i].rowspan);
        for i in by_span {
            let c = &self.cells[i];
            let need = fitted[i].0.height() + 2.0 * PAD_Y;
            let have: f32 = heights[c.row..c.row + c.rowspan].iter().sum();
            if need > have {
                heights[c.row + c.rowspan - 1] += need - have;
            }
        }
        let mut row_y = Vec::with_capacity(rows + 1);
        let mut y = 0.0_f32;
        row_y.push(y);
        for h in &heights {
            y += h;
            row_y.push(y);
        }
        let cells = self
            .cells
            .iter()
            .zip(fitted)
            .enumerate()
            .map(|(i, (c, (f, w)))| {
                let h = row_y[c.row + c.rowspan] - row_y[c.row];
                (i, f, [col_x[c.col.min(last)], row_y[c.row], w, h])
            })
            .collect();
        LaidGrid { cells, height: y }
    }

    fn draw(&self, fonts: &Fonts, laid: &LaidGrid, x0: f32, y0: f32, ops: &mut Vec<Op>) {
        for (i, _, [x, y, w, h]) in &laid.cells {
            if self.cells[*i].shade {
                ops.push(Op::Rect {
                    x: x0 + x,
                    y: y0 + y,
                    w: *w,
                    h: *h,
                    fill: Some(SHADE),
                    stroke: None,
                });
            }
        }
        for (i, fitted, [x, y, w, h]) in &laid.cells {
            let c = &self.cells[*i];
            ops.push(Op::Rect {
                x: x0 + x,
                y: y0 + y,
                w: *w,
                h: *h,
                fill: None,
                stroke: Some(RULE),
            });
            let area = [x0 + x + PAD_X, y0 + y, w - 2.0 * PAD_X, *h];
            place(fonts, ops, fitted, area, c.align, c.bold);
        }
    }
}

/// What tops every page: the title and, under it, a left and a right text
/// (e.g. the unit and its number), so a loose page still says what it is.
#[derive(Debug, Clone)]
pub(crate) struct RunningHeader {
    pub(crate) title: String,
    pub(crate) left: String,
    pub(crate) right: String,
}

/// Flows blocks down pages.
pub(crate) struct Composer<'f> {
    fonts: &'f Fonts,
    header: RunningHeader,
    pages: Vec<Vec<Op>>,
    /// The next free y on the current page.
    y: f32,
    /// Where the body starts on a page (below the running header).
    body_top: f32,
}

const TITLE_SIZE: f32 = 17.0;
const HEADER_SIZE: f32 = 10.0;

impl<'f> Composer<'f> {
    pub(crate) fn new(fonts: &'f Fonts, header: RunningHeader) -> Self {
        let mut c = Self {
            fonts,
            header,
            pages: Vec::new(),
            y: TOP,
            body_top: TOP,
        };
        c.new_page();
        c
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a page and draws the running header on it.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        let title = self.header.title.clone();
        let fitted = self.fonts.fit(&title, WIDTH, TITLE_SIZE, 11.0);
        let h = fitted.height();
        let y = self.y;
        let fonts = self.fonts;
        place(
            fonts,
            self.ops(),
            &fitted,
            [MARGIN, y, WIDTH, h],
            Align::Center,
            true,
        );
        self.y += h + 12.0;
        let (left, right) = (self.header.left.clone(), self.header.right.clone());
        if !left.is_empty() || !right.is_empty() {
            self.fields(
                &[(left, 0.66, Align::Left), (right, 0.34, Align::Right)],
                HEADER_SIZE,
            );
            self.y += 4.0;
        }
        self.body_top = self.y;
    }

    /// Vertical space.
    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Moves to a new page unless `h` more points fit on this one (or the
    /// page is still empty: a block taller than a page is drawn anyway).
    pub(crate) fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > self.body_top {
            self.new_page();
        }
    }

    /// A row of texts side by side, each shrunk or wrapped into its share
    /// (a fraction of the width).
    pub(crate) fn fields(&mut self, items: &[(String, f32, Align)], size: f32) {
        let fitted: Vec<(Fitted, f32)> = items
            .iter()
            .map(|(text, share, _)| {
                let w = WIDTH * share;
                let pad = if items.len() > 1 { 6.0 } else { 0.0 };
                (self.fonts.fit(text, w - pad, size, size * MIN_SCALE), w)
            })
            .collect();
        let h = fitted.iter().map(|(f, _)| f.height()).fold(0.0, f32::max);
        self.ensure(h);
        let y = self.y;
        let mut x = MARGIN;
        let fonts = self.fonts;
        for ((f, w), (_, _, align)) in fitted.iter().zip(items) {
            place(fonts, self.ops(), f, [x, y, *w, h], *align, false);
            x += w;
        }
        self.y += h;
    }

    /// A paragraph over the full width, wrapped, breaking across pages
    /// between lines; `indent` applies to continuation lines (a hanging
    /// indent for numbered notes).
    pub(crate) fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let first = self.fonts.fill(text, WIDTH, size);
        let lines = if first.len() <= 1 || indent <= 0.0 {
            first
        } else {
            // Re-fill: the first line takes the full width, the rest are indented.
            let head = first[0].clone();
            let rest: String = text.chars().skip(head.chars().count()).collect();
            let mut lines = vec![head];
            lines.extend(self.fonts.fill(rest.trim_start(), WIDTH - indent, size));
            lines
        };
        let line_h = size * LINE_HEIGHT;
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(line_h);
            let x = if i == 0 { MARGIN } else { MARGIN + indent };
            let y = self.y;
            let fitted = Fitted {
                size,
                lines: vec![line],
            };
            let fonts = self.fonts;
            place(
                fonts,
                self.ops(),
                &fitted,
                [x, y, WIDTH, line_h],
                Align::Left,
                bold,
            );
            self.y += line_h;
        }
    }

    /// A grid kept whole on one page.
    pub(crate) fn grid(&mut self, grid: &Grid) {
        let laid = grid.layout(self.fonts);
        self.ensure(laid.height);
        let y = self.y;
        let fonts = self.fonts;
        grid.draw(fonts, &laid, MARGIN, y, self.ops());
        self.y += laid.height;
    }

    /// A table: a header grid and body rows (one grid each, same columns).
    /// Rows flow onto new pages, each starting with the header again; the
    /// header never stands alone at the foot of a page.
    pub(crate) fn table(&mut self, header: &Grid, rows: &[Grid]) {
        let head = header.layout(self.fonts);
        let laid: Vec<LaidGrid> = rows.iter().map(|r| r.layout(self.fonts)).collect();
        let first = laid.first().map_or(0.0, |l| l.height);
        self.ensure(head.height + first);
        self.draw_laid(header, &head);
        for (row, l) in rows.iter().zip(&laid) {
            if self.y + l.height > BOTTOM {
                self.new_page();
                self.draw_laid(header, &head);
            }
            self.draw_laid(row, l);
        }
    }

    fn draw_laid(&mut self, grid: &Grid, laid: &LaidGrid) {
        let y = self.y;
        let fonts = self.fonts;
        grid.draw(fonts, laid, MARGIN, y, self.ops());
        self.y += laid.height;
    }

    /// The current y (top of the next block).
    pub(crate) fn y(&self) -> f32 {
        self.y
    }

    /// Moves the current y down to `y` (never up).
    pub(crate) fn advance_to(&mut self, y: f32) {
        self.y = self.y.max(y);
    }

    /// Text at a fixed place on the current page, shrunk into `w`.
    pub(crate) fn text_at(&mut self, text: &str, area: [f32; 3], size: f32, align: Align) -> f32 {
        let [x, y, w] = area;
        let fitted = self.fonts.fit(text, w, size, size * MIN_SCALE);
        let h = fitted.height();
        let fonts = self.fonts;
        place(fonts, self.ops(), &fitted, [x, y, w, h], align, false);
        h
    }

    /// A QR code of `payload`, `side` points wide, top-left at (x, y).
    pub(crate) fn qr(&mut self, payload: &str, x: f32, y: f32, side: f32) -> Result<(), PdfError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| PdfError::Qr(e.to_string()))?;
        let n = code.width();
        let colors = code.to_colors();
        let module = side / n as f32;
        let mut boxes = Vec::new();
        for (r, row) in colors.chunks(n).enumerate() {
            let mut c = 0;
            while c < n {
                if row[c] == Color::Dark {
                    let start = c;
                    while c < n && row[c] == Color::Dark {
                        c += 1;
                    }
                    boxes.push([
                        x + start as f32 * module,
                        y + r as f32 * module,
                        (c - start) as f32 * module,
                        // A hair taller so stacked rows leave no seam.
                        module + 0.05,
                    ]);
                } else {
                    c += 1;
                }
            }
        }
        self.ops().push(Op::Boxes(boxes));
        Ok(())
    }

    /// Ends the layout: writes "第i页/共N页" on every page.
    pub(crate) fn finish(mut self) -> Vec<Vec<Op>> {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = format!("第{}页/共{}页", i + 1, total);
            let fitted = Fitted {
                size: FOOTER_SIZE,
                lines: vec![text],
            };
            let h = fitted.height();
            place(
                self.fonts,
                page,
                &fitted,
                [MARGIN, FOOTER_Y, WIDTH, h],
                Align::Center,
                false,
            );
        }
        self.pages
    }
}

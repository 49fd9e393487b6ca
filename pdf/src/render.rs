//! Drawing: turns the laid-out pages into a PDF with krilla.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;

use crate::error::PdfError;
use crate::font::Fonts;
use crate::layout::{Op, PAGE_H, PAGE_W};

/// Text drawn "bold" is filled and stroked with this fraction of its size
/// (one font file serves both weights).
const BOLD_STROKE: f32 = 0.035;

fn fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke(width: f32) -> Stroke {
    Stroke {
        width,
        ..Stroke::default()
    }
}

/// Writes the pages as one PDF document.
pub(crate) fn render(fonts: &Fonts, title: &str, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("zh-CN".to_owned())
            .creator("qibao".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Layout("page size"))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(fonts, &mut surface, op)?;
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(e.to_string()))
}

fn draw(fonts: &Fonts, surface: &mut Surface<'_>, op: &Op) -> Result<(), PdfError> {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            text,
        } => {
            let glyphs = fonts.glyphs(text);
            surface.set_fill(Some(fill(0)));
            surface.set_stroke(bold.then(|| stroke(size * BOLD_STROKE)));
            surface.draw_glyphs(
                Point::from_xy(*x, *baseline),
                &glyphs,
                fonts.pdf_font.clone(),
                text,
                *size,
                false,
            );
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: gray,
            stroke: width,
        } => {
            let rect = Rect::from_xywh(*x, *y, *w, *h).ok_or(PdfError::Layout("rectangle"))?;
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            let path = pb.finish().ok_or(PdfError::Layout("rectangle path"))?;
            surface.set_fill(gray.map(fill));
            surface.set_stroke(width.map(stroke));
            surface.draw_path(&path);
        }
        Op::Boxes(boxes) => {
            let mut pb = PathBuilder::new();
            for [x, y, w, h] in boxes {
                let rect = Rect::from_xywh(*x, *y, *w, *h).ok_or(PdfError::Layout("QR module"))?;
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(0)));
                surface.set_stroke(None);
                surface.draw_path(&path);
            }
        }
    }
    Ok(())
}

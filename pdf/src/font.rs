//! The one embedded font: glyph lookup, text measurement and line fitting.
//!
//! Chinese needs no shaping, so a glyph per character with its advance width
//! is the whole of text layout; widths come from the font's own metrics, so
//! the measured width is the printed width. krilla embeds the font as a CID
//! font subset with a ToUnicode map (text stays extractable and searchable).

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::error::PdfError;

/// Noto Sans CJK SC Regular, a character subset (see `fonts/README.md`).
static FONT_BYTES: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Regular-subset.otf");

/// Characters that must not begin a line (Chinese line-breaking rules).
const NO_LINE_START: &str = "，。、；：！？）》」』】〉”’·…%,.;:!?)]}";

/// How much a line of text takes vertically, as a multiple of the font size.
pub(crate) const LINE_HEIGHT: f32 = 1.3;

/// The font for krilla plus its metrics for layout.
pub(crate) struct Fonts {
    pub(crate) pdf_font: Font,
    face: FontRef<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
    /// Ascender of the ideographic em box (baseline to top), in em.
    pub(crate) ascent: f32,
}

/// Text broken into lines at one font size.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub(crate) size: f32,
    pub(crate) lines: Vec<String>,
}

impl Fitted {
    pub(crate) fn height(&self) -> f32 {
        line_count(self.lines.len()) * self.size * LINE_HEIGHT
    }
}
fn line_count(n: usize) -> f32 {
    n.max(1) as f32
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, PdfError> {
        let face = FontRef::new(FONT_BYTES).map_err(|_| PdfError::Font)?;
        let metrics = face.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(
            face.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let pdf_font = Font::new(FONT_BYTES.into(), 0).ok_or(PdfError::Font)?;
        Ok(Self {
            pdf_font,
            face,
            metrics,
            units_per_em,
            // Noto Sans CJK's ideographic em box runs from -0.12 em to 0.88 em.
            ascent: 0.88,
        })
    }

    /// The glyph and its advance (in em) for one character; characters the
    /// font lacks get the empty-box glyph 0.
    fn glyph(&self, c: char) -> (GlyphId, f32) {
        let gid = self.face.charmap().map(c).unwrap_or_default();
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
        (GlyphId::new(gid.to_u32()), advance)
    }

    /// The printed width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// The glyphs krilla draws for `text`, each tied to its source characters.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(gid, advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }

    /// Fits `text` into `width`: one line at `size` if it fits; else one line
    /// at the largest size down to `min_size` that fits; else as few lines as
    /// `min_size` needs, at the largest size that needs no more, balanced so
    /// the last line is not a stray character. Explicit newlines always break.
    pub(crate) fn fit(&self, text: &str, width: f32, size: f32, min_size: f32) -> Fitted {
        let paragraphs: Vec<&str> = text.split('\n').collect();
        let widest = |s: f32| {
            paragraphs
                .iter()
                .map(|p| self.width(p, s))
                .fold(0.0_f32, f32::max)
        };
        // Candidate sizes, largest first: size, size - 0.5, …, min_size.
        let mut sizes = vec![size];
        while let Some(&last) = sizes.last() {
            if last <= min_size {
                break;
            }
            sizes.push((last - 0.5).max(min_size));
        }
        if let Some(&s) = sizes.iter().find(|s| widest(**s) <= width) {
            return Fitted {
                size: s,
                lines: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            };
        }
        let wrapped = |s: f32, w: f32| -> Vec<String> {
            paragraphs.iter().flat_map(|p| self.wrap(p, w, s)).collect()
        };
        let fewest = wrapped(min_size, width).len();
        let s = sizes
            .iter()
            .copied()
            .find(|s| wrapped(*s, width).len() <= fewest)
            .unwrap_or(min_size);
        Fitted {
            size: s,
            lines: wrapped(s, width),
        }
    }

    /// Running text: lines filled greedily up to `width` (no balancing).
    pub(crate) fn fill(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        text.split('\n')
            .flat_map(|p| self.break_lines(p, size, |_, _| width))
            .collect()
    }

    /// Breaks a paragraph into lines no wider than `width`: as few lines as
    /// greedy breaking needs, with the characters shared fairly between them
    /// (so the last line is not a stray character).
    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let greedy = self.break_lines(text, size, |_, _| width);
        let n = greedy.len();
        if n < 2 {
            return greedy;
        }
        let total = self.width(text, size);
        let fair = self.break_lines(text, size, |done_lines, done_width| {
            let left = line_count(n.saturating_sub(done_lines));
            ((total - done_width) / left + size * 0.5).min(width)
        });
        if fair.len() <= n { fair } else { greedy }
    }

    /// Line breaking: each line takes characters while they fit in
    /// `limit(lines done, width done)`; a break at the last space in the line
    /// is preferred so words and numbers stay whole, and punctuation that may
    /// not start a line takes its neighbour along.
    fn break_lines(&self, text: &str, size: f32, limit: impl Fn(usize, f32) -> f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0_f32;
        let mut pushed_width = 0.0_f32;
        for c in text.chars() {
            let w = self.glyph(c).1 * size;
            let max = limit(lines.len(), pushed_width - line_width);
            if line_width + w > max && !line.is_empty() {
                let carry = match line.rfind(' ') {
                    // Only a Latin word or a number is kept whole: a run of
                    // Chinese breaks anywhere, so "1. 社会…" stays on one line.
                    Some(at) if at > 0 && !line[at + 1..].chars().any(is_cjk) => {
                        let rest = line[at + 1..].to_owned();
                        line.truncate(at);
                        rest
                    }
                    // Punctuation never starts a line: its neighbour comes along.
                    _ if NO_LINE_START.contains(c) && line.chars().count() > 1 => {
                        line.pop().map(String::from).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                lines.push(std::mem::take(&mut line));
                line = carry;
                line_width = self.width(&line, size);
            }
            line.push(c);
            line_width += w;
            pushed_width += w;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Whether `c` is a CJK character (ideographs, kana, full-width forms and
/// CJK punctuation), which may break a line anywhere.
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().unwrap()
    }

    #[test]
    fn every_ideograph_of_a_name_has_a_glyph() {
        let f = fonts();
        for c in "欧阳䶮堃犇淼龑㛃王秀英".chars() {
            assert_ne!(f.glyph(c).0.to_u32(), 0, "{c} has no glyph");
        }
        // An ideograph is one em wide.
        assert!((f.width("湖北", 10.0) - 20.0).abs() < 0.01);
    }

    #[test]
    fn short_text_keeps_its_size_on_one_line() {
        let fitted = fonts().fit("实缴到账", 100.0, 9.0, 7.2);
        assert_eq!(fitted.size, 9.0);
        assert_eq!(fitted.lines, vec!["实缴到账"]);
    }

    #[test]
    fn slightly_long_text_shrinks_before_it_wraps() {
        // 10 ideographs: 90 pt at 9 pt, 80 pt at 8 pt.
        let fitted = fonts().fit("企业职工基本养老保险", 82.0, 9.0, 7.2);
        assert_eq!(fitted.lines.len(), 1);
        assert!(fitted.size <= 8.2 && fitted.size >= 7.2);
    }

    #[test]
    fn long_text_wraps_inside_the_width_in_balanced_lines() {
        let f = fonts();
        let text = "湖北省武汉市东湖新技术开发区光谷智能制造产业园区长江智造科技股份有限公司";
        for width in [40.0, 73.0, 120.0, 200.0] {
            let fitted = f.fit(text, width, 10.0, 8.0);
            assert_eq!(fitted.lines.concat(), text);
            for line in &fitted.lines {
                assert!(
                    f.width(line, fitted.size) <= width + 0.01,
                    "{line} at {width}"
                );
            }
            let shortest = fitted
                .lines
                .iter()
                .map(|l| l.chars().count())
                .min()
                .unwrap();
            let longest = fitted
                .lines
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap();
            assert!(longest - shortest <= 2, "{:?}", fitted.lines);
        }
    }

    #[test]
    fn punctuation_does_not_start_a_line() {
        let f = fonts();
        for width in 30..90 {
            #[allow(clippy::cast_precision_loss, clippy::float_arithmetic)]
            let fitted = f.fit(
                "阿卜杜热合曼·艾合买提江·买买提依明，男。",
                width as f32,
                9.0,
                9.0,
            );
            for line in fitted.lines.iter().skip(1) {
                let first = line.chars().next().unwrap();
                assert!(!NO_LINE_START.contains(first), "{:?}", fitted.lines);
            }
        }
    }

    #[test]
    fn latin_words_break_at_spaces() {
        let fitted = fonts().fit("2021 1113 1336 29KR IFGN", 60.0, 10.0, 10.0);
        assert!(fitted.lines.iter().all(|l| !l.starts_with(' ')));
        assert_eq!(fitted.lines.join(" "), "2021 1113 1336 29KR IFGN");
    }

    #[test]
    fn newlines_always_break() {
        let fitted = fonts().fit("第一行\n第二行", 500.0, 10.0, 8.0);
        assert_eq!(fitted.lines, vec!["第一行", "第二行"]);
    }
}

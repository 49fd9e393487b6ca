//! The text policy (issue 11): which characters a field of each kind may
//! hold, one policy for every endpoint and for the importer.
//!
//! Every text the system stores is printable: no control characters (NUL
//! included: PostgreSQL cannot store it), no bidirectional overrides or
//! isolates (they make "张三" display as someone else), no zero-width
//! characters or byte-order marks (invisible differences between two
//! spellings of one name), no noncharacters (U+FFFE, U+FFFF, …) and no
//! private-use characters (no font shows them the same). Beyond that:
//!
//! - [`TextKind::Line`] (addresses, contacts, names of things, identifiers):
//!   one line — no line breaks or tabs;
//! - [`TextKind::Multiline`] (reasons, remarks): line breaks and tabs allowed;
//! - [`TextKind::PersonName`]: Chinese characters, letters, the middle dot
//!   of minority and foreign names (·), and single spaces between parts.
//!
//! Messages are Chinese, for the unit's agent.

use std::fmt;

/// What a field holds, deciding which characters it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line of printable text.
    Line,
    /// Printable text over several lines.
    Multiline,
    /// A person's name (姓名).
    PersonName,
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// A character no stored text may contain.
    Forbidden(char),
    /// A line break or tab in a one-line field.
    LineBreak,
    /// A character a name cannot contain.
    NotInName(char),
    /// Spaces at the start or end of a name, or two in a row.
    NameSpacing,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Forbidden(c) => write!(
                f,
                "含有不可见或不可打印的字符（U+{:04X}），请删除后重新输入",
                u32::from(*c)
            ),
            TextError::LineBreak => f.write_str("不能包含换行符或制表符，请在一行内填写"),
            TextError::NotInName(c) if c.is_ascii_digit() => {
                f.write_str("姓名不能包含数字，请按身份证件填写")
            }
            TextError::NotInName(c) => write!(
                f,
                "姓名只能包含汉字、字母、间隔号（·）和词间空格，不能包含“{c}”"
            ),
            TextError::NameSpacing => f.write_str("姓名首尾不能有空格，词之间只能有一个空格"),
        }
    }
}

/// Whether no stored text may contain `c` (see module docs).
pub fn is_forbidden(c: char) -> bool {
    let u = u32::from(c);
    // C0 and C1 controls and DEL (tab and line breaks are decided by kind).
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        // Bidirectional marks, embeddings, overrides and isolates.
        || matches!(u, 0x200E | 0x200F | 0x061C | 0x202A..=0x202E | 0x2066..=0x2069)
        // Zero-width characters, word joiner, invisible operators, BOM.
        || matches!(u, 0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x180E)
        // Noncharacters.
        || matches!(u, 0xFDD0..=0xFDEF)
        || (u & 0xFFFE) == 0xFFFE
        // Private use (BMP and planes 15–16).
        || matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
        // Line and paragraph separators (line breaks in disguise).
        || matches!(u, 0x2028 | 0x2029)
}

/// The characters a name may hold besides letters of any script.
const NAME_MARKS: [char; 2] = ['·', '•'];

/// Checks `s` against the policy of `kind`.
pub fn check(s: &str, kind: TextKind) -> Result<(), TextError> {
    if let Some(c) = s.chars().find(|c| is_forbidden(*c)) {
        return Err(TextError::Forbidden(c));
    }
    match kind {
        TextKind::Multiline => Ok(()),
        TextKind::Line => {
            if s.contains(['\t', '\n', '\r']) {
                Err(TextError::LineBreak)
            } else {
                Ok(())
            }
        }
        TextKind::PersonName => {
            if s.contains(['\t', '\n', '\r']) {
                return Err(TextError::LineBreak);
            }
            if let Some(c) = s
                .chars()
                .find(|c| !(c.is_alphabetic() || *c == ' ' || NAME_MARKS.contains(c)))
            {
                return Err(TextError::NotInName(c));
            }
            if s.starts_with(' ') || s.ends_with(' ') || s.contains("  ") {
                return Err(TextError::NameSpacing);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_attacks_of_issue_11_are_refused() {
        for bad in [
            "张\u{0}三",
            "张三\u{202E}",
            "张\u{200B}三",
            "\u{FEFF}张三",
            "张三\u{FFFF}",
            "张三\u{E000}",
            "宜昌\u{7}西陵区",
        ] {
            assert!(
                matches!(check(bad, TextKind::Line), Err(TextError::Forbidden(_))),
                "{bad:?}"
            );
            assert!(check(bad, TextKind::Multiline).is_err(), "{bad:?}");
            assert!(check(bad, TextKind::PersonName).is_err(), "{bad:?}");
        }
        assert_eq!(
            check("宜昌市\n西陵区", TextKind::Line),
            Err(TextError::LineBreak)
        );
        assert_eq!(check("原因一\n原因二", TextKind::Multiline), Ok(()));
    }

    #[test]
    fn names_are_letters_middle_dots_and_single_inner_spaces() {
        for good in [
            "张三",
            "欧阳娜娜",
            "买买提·艾力",
            "John Smith",
            "Zoë O",
            "𠮷野家",
        ] {
            assert_eq!(check(good, TextKind::PersonName), Ok(()), "{good}");
        }
        assert_eq!(
            check("张三1", TextKind::PersonName),
            Err(TextError::NotInName('1'))
        );
        assert_eq!(
            check("张三<script>", TextKind::PersonName),
            Err(TextError::NotInName('<'))
        );
        assert_eq!(
            check(" 张三", TextKind::PersonName),
            Err(TextError::NameSpacing)
        );
        assert_eq!(
            check("John  Smith", TextKind::PersonName),
            Err(TextError::NameSpacing)
        );
        assert!(TextError::NotInName('1').to_string().contains("数字"));
    }

    proptest! {
        /// Whatever a text holds, a text that passes is free of every
        /// forbidden character, and one-line kinds of line breaks.
        #[test]
        fn passing_text_is_printable(s in "\\PC*|[\\x00-\\x1f\u{202a}-\u{202e}\u{200b}\u{feff}a-z张]*") {
            for kind in [TextKind::Line, TextKind::Multiline, TextKind::PersonName] {
                if check(&s, kind).is_ok() {
                    prop_assert!(!s.chars().any(is_forbidden));
                    if kind != TextKind::Multiline {
                        prop_assert!(!s.contains(['\n', '\r', '\t']));
                    }
                }
            }
        }
    }
}

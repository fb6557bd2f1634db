//! Measuring and wrapping text for the PDF: advances come straight from the
//! font (one glyph per character, no shaping; enough for Chinese and
//! English), so what is measured is exactly what is drawn.

use std::cell::RefCell;
use std::collections::HashMap;

use krilla::text::{GlyphId, KrillaGlyph};

use super::fonts::Face;

/// Glyph ids and advances of one face, cached per character.
pub(crate) struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    units_per_em: f32,
    cache: RefCell<HashMap<char, (u16, f32)>>,
}

impl<'a> Metrics<'a> {
    pub fn new(face: &'a Face) -> Option<Metrics<'a>> {
        let face = face.ttf()?;
        let units_per_em = f32::from(face.units_per_em());
        Some(Metrics { face, units_per_em, cache: RefCell::new(HashMap::new()) })
    }

    /// Glyph id and advance (in em) of a character.
    fn glyph(&self, c: char) -> (u16, f32) {
        if let Some(g) = self.cache.borrow().get(&c) {
            return *g;
        }
        let id = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        let advance = f32::from(self.face.glyph_hor_advance(id).unwrap_or(0)) / self.units_per_em;
        self.cache.borrow_mut().insert(c, (id.0, advance));
        (id.0, advance)
    }

    /// Width of a character at a font size, in points.
    pub fn char_width(&self, c: char, size: f32) -> f32 {
        self.glyph(c).1 * size
    }

    /// Width of a single line of text at a font size, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    /// The glyphs krilla draws for one line (clusters map back to the text
    /// so that the PDF's text is selectable and searchable).
    pub fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (id, advance) = self.glyph(c);
                KrillaGlyph::new(GlyphId::new(u32::from(id)), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }

    /// Wraps text to lines no wider than `max` points at `size`; `\n`
    /// starts a new line. See [`wrap_with`].
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        wrap_with(text, max, |c| self.char_width(c, size))
    }

    /// The text cut to fit `max` points, ending in "…" when cut.
    pub fn fit(&self, text: &str, size: f32, max: f32) -> String {
        let text = clean(text);
        if self.width(&text, size) <= max {
            return text;
        }
        let ellipsis = self.char_width('…', size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.char_width(c, size);
            if w + cw + ellipsis > max {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.truncate(out.trim_end().len());
        out.push('…');
        out
    }
}

/// Control characters (tabs, stray carriage returns) become spaces.
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { ' ' } else { c }).collect()
}

/// Chinese, Japanese and Korean characters and full-width forms: a line may
/// break before or after any of them.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Punctuation that must not start a line.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉”’…—～·%,.;:?!)]}>".contains(c)
}

/// Punctuation that must not end a line.
fn no_line_end(c: char) -> bool {
    "（《「『【〔〈“‘([{<".contains(c)
}

/// Whether a line may break between `a` and `b`.
fn can_break(a: char, b: char) -> bool {
    if b.is_whitespace() || no_line_start(b) || no_line_end(a) {
        return false;
    }
    a.is_whitespace() || is_cjk(a) || is_cjk(b)
}

/// Greedy line breaking with per-character widths: breaks after spaces
/// and between Chinese characters, keeps closing punctuation with the
/// character before it, drops spaces at line ends, and splits a word that
/// is wider than a whole line by character.
pub(crate) fn wrap_with(text: &str, max: f32, width: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in clean(text).split('\n') {
        let chars: Vec<(char, f32)> = paragraph.chars().map(|c| (c, width(c))).collect();
        let n = chars.len();
        let mut start = 0;
        loop {
            while start < n && chars[start].0.is_whitespace() {
                start += 1;
            }
            if start >= n {
                break;
            }
            let mut w = 0.0;
            let mut brk = None;
            let mut end = n;
            for i in start..n {
                if i > start && can_break(chars[i - 1].0, chars[i].0) {
                    brk = Some(i);
                }
                let (c, cw) = chars[i];
                if w + cw > max && i > start && !c.is_whitespace() {
                    end = brk.unwrap_or(i);
                    break;
                }
                w += cw;
            }
            let line: String = chars[start..end].iter().map(|(c, _)| *c).collect();
            lines.push(line.trim_end().to_string());
            start = end;
        }
        if paragraph.trim().is_empty() {
            lines.push(String::new());
        }
    }
    // A text that is only blank lines wraps to nothing.
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(text: &str, max_chars: f32) -> Vec<String> {
        // Every character one unit wide.
        wrap_with(text, max_chars, |_| 1.0)
    }

    #[test]
    fn chinese_wraps_per_character() {
        assert_eq!(wrap("贫困发生率持续下降", 4.0), ["贫困发生", "率持续下", "降"]);
    }

    #[test]
    fn english_wraps_at_spaces() {
        assert_eq!(wrap("poverty rate keeps falling", 13.0), ["poverty rate", "keeps falling"]);
    }

    #[test]
    fn closing_punctuation_stays_with_the_character_before() {
        // "，" would start line 2; the break moves one character earlier.
        assert_eq!(wrap("贫困发生，率下降", 4.0), ["贫困发", "生，率下", "降"]);
    }

    #[test]
    fn long_words_split_and_newlines_break() {
        assert_eq!(wrap("abcdefgh", 3.0), ["abc", "def", "gh"]);
        assert_eq!(wrap("甲\n乙", 10.0), ["甲", "乙"]);
        assert!(wrap("   \n  ", 10.0).is_empty());
    }

    #[test]
    fn mixed_text_breaks_between_scripts() {
        assert_eq!(wrap("年度 Year 2017年贫困", 9.0), ["年度 Year", "2017年贫困"]);
    }
}

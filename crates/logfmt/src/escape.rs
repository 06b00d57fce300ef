//! Escaping of text that user input can reach, so it can neither break nor forge a line.
//!
//! Prompts, headers and paths may carry CR, LF, ESC (the start of every ANSI terminal
//! sequence), C1 controls (U+009B is a one-character CSI on some terminals), Unicode line
//! separators and bidirectional overrides (which reorder what a reader sees). In the text
//! formats each becomes a visible escape such as `\n`, `\x1b` or `\u{202e}`; in JSON, a `\u`
//! escape that parses back to the same character. Everything else, Korean and emoji included,
//! is copied unchanged.

/// How special characters are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// A message or unquoted field: control characters only.
    Text,
    /// Inside `"..."` in a text format: control characters, `"` and `\`.
    Quoted,
    /// Inside a JSON string: as `Quoted`, with JSON's escape syntax.
    Json,
}

const fn table(quote_too: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    // Lead bytes of the only multi-byte characters we escape: C1 controls (C2 80..9F) and
    // U+2028..U+202E, U+2066..U+2069 (E2 80 A8..AE, E2 81 A6..A9).
    t[0xc2] = true;
    t[0xe2] = true;
    if quote_too {
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
    }
    t
}

static TEXT: [bool; 256] = table(false);
static QUOTED: [bool; 256] = table(true);

/// If the character starting at `bytes[i]` must be escaped, returns it and its length.
fn special_at(bytes: &[u8], i: usize) -> Option<(u32, usize)> {
    let b = bytes[i];
    match b {
        0xc2 => {
            let next = *bytes.get(i + 1)?;
            (0x80..=0x9f).contains(&next).then_some((next as u32, 2))
        }
        0xe2 => {
            let (b1, b2) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
            let c = 0x2000 | ((b1 as u32 & 0x3f) << 6) | (b2 as u32 & 0x3f);
            let special = (0x2028..=0x202e).contains(&c) || (0x2066..=0x2069).contains(&c);
            special.then_some((c, 3))
        }
        _ => Some((b as u32, 1)),
    }
}

fn write_escape(c: u32, style: Style, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short: Option<&[u8]> = match (c, style) {
        (0x0a, _) => Some(b"\\n"),
        (0x0d, _) => Some(b"\\r"),
        (0x09, _) => Some(b"\\t"),
        (0x22, _) => Some(b"\\\""),
        (0x5c, _) => Some(b"\\\\"),
        (0x08, Style::Json) => Some(b"\\b"),
        (0x0c, Style::Json) => Some(b"\\f"),
        _ => None,
    };
    if let Some(s) = short {
        out.extend_from_slice(s);
        return;
    }
    let hex = |shift: u32| HEX[((c >> shift) & 0xf) as usize];
    match style {
        Style::Json => out.extend_from_slice(&[b'\\', b'u', hex(12), hex(8), hex(4), hex(0)]),
        Style::Text | Style::Quoted if c < 0x80 => {
            out.extend_from_slice(&[b'\\', b'x', hex(4), hex(0)]);
        }
        Style::Text | Style::Quoted => {
            out.extend_from_slice(b"\\u{");
            let digits = (32 - c.leading_zeros()).div_ceil(4);
            for d in (0..digits).rev() {
                out.push(hex(d * 4));
            }
            out.push(b'}');
        }
    }
}

/// Appends `s` to `out` with every special character escaped for `style`.
pub(crate) fn escape_into(s: &str, style: Style, out: &mut Vec<u8>) {
    let table = match style {
        Style::Text => &TEXT,
        Style::Quoted | Style::Json => &QUOTED,
    };
    let quote_too = style != Style::Text;
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most text is printable ASCII: skip eight such bytes at a time.
        if let Some(chunk) = bytes[i..].first_chunk::<8>()
            && !may_be_special(u64::from_le_bytes(*chunk), quote_too)
        {
            i += 8;
            continue;
        }
        if !table[bytes[i] as usize] {
            i += 1;
            continue;
        }
        match special_at(bytes, i) {
            Some((c, len)) => {
                out.extend_from_slice(&bytes[copied..i]);
                write_escape(c, style, out);
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `x` is zero (exact for "any", as a whole).
const fn has_zero_byte(x: u64) -> bool {
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// Whether the eight bytes in `x` may hold a byte that the tables mark: a control character
/// (below 0x20, or 0x7f), a non-ASCII byte (a C1 control or line separator may start there),
/// or, when `quote_too`, `"` or `\`. False means the eight bytes are copied as they are.
const fn may_be_special(x: u64, quote_too: bool) -> bool {
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
    let special = below_space || x & HIGHS != 0 || has_zero_byte(x ^ (ONES * 0x7f));
    special || quote_too && (has_zero_byte(x ^ (ONES * b'"' as u64)) || has_zero_byte(x ^ (ONES * b'\\' as u64)))
}

/// Whether `s` holds nothing that [`escape_into`] would change in `style`.
pub(crate) fn is_clean(s: &str, style: Style) -> bool {
    let table = match style {
        Style::Text => &TEXT,
        Style::Quoted | Style::Json => &QUOTED,
    };
    let bytes = s.as_bytes();
    (0..bytes.len()).all(|i| !table[bytes[i] as usize] || special_at(bytes, i).is_none())
}

/// Appends `text` escaped for the inside of a JSON string (without the quotes): `"`, `\`,
/// control characters, C1 controls, line separators and bidirectional overrides become `\`
/// escapes that parse back to the same characters; everything else, Korean and emoji included,
/// is copied.
///
/// ```
/// let mut out = Vec::new();
/// logfmt::escape_json("a\"b\n\u{1b}[31m 한국어", &mut out);
/// assert_eq!(String::from_utf8(out).unwrap(), r#"a\"b\n\u001b[31m 한국어"#);
/// ```
pub fn escape_json(text: &str, out: &mut Vec<u8>) {
    escape_into(text, Style::Json, out);
}

/// Appends `text` with control characters, C1 controls, line separators and bidirectional
/// overrides written as visible escapes (`\n`, `\x1b`, `\u{202e}`), so that it stays on one
/// line and cannot move a terminal's cursor or colour. `"` and `\` are copied.
///
/// ```
/// let mut out = Vec::new();
/// logfmt::escape_text("line one\nfake line \u{1b}[2J", &mut out);
/// assert_eq!(String::from_utf8(out).unwrap(), r"line one\nfake line \x1b[2J");
/// ```
pub fn escape_text(text: &str, out: &mut Vec<u8>) {
    escape_into(text, Style::Text, out);
}

/// Collects `fmt::Display` output as UTF-8 bytes, for text that is escaped afterwards.
pub(crate) struct ByteWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, style: Style) -> String {
        let mut out = Vec::new();
        escape_into(s, style, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn special_bytes_are_found_at_every_position_of_a_chunk() {
        for special in ["\n", "\x1b", "\x7f", "\u{9b}", "\u{2028}", "\"", "\\"] {
            for at in 0..20 {
                let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(20 - at));
                let mut slow = Vec::new();
                for c in s.chars() {
                    let mut buf = [0; 4];
                    let c = c.encode_utf8(&mut buf);
                    let mut one = Vec::new();
                    escape_into(c, Style::Quoted, &mut one);
                    slow.extend(one);
                }
                assert_eq!(esc(&s, Style::Quoted).into_bytes(), slow, "{s:?}");
                let text = esc(&s, Style::Text);
                let quoting = matches!(special, "\"" | "\\");
                assert_eq!(text == s, quoting, "{s:?} -> {text:?}");
            }
        }
    }

    #[test]
    fn text_escapes_line_breaks_and_terminal_sequences() {
        assert_eq!(esc("a\nb\r\nc\td", Style::Text), "a\\nb\\r\\nc\\td");
        assert_eq!(esc("\x1b[31mred\x1b[0m", Style::Text), "\\x1b[31mred\\x1b[0m");
        assert_eq!(esc("nul\0del\x7f", Style::Text), "nul\\x00del\\x7f");
        assert_eq!(esc("csi\u{9b}2J nel\u{85}", Style::Text), "csi\\u{9b}2J nel\\u{85}");
        assert_eq!(
            esc("ls\u{2028}ps\u{2029}rlo\u{202e}", Style::Text),
            "ls\\u{2028}ps\\u{2029}rlo\\u{202e}"
        );
        assert_eq!(esc("fsi\u{2068}", Style::Text), "fsi\\u{2068}");
    }

    #[test]
    fn text_keeps_quotes_korean_emoji_and_joiners() {
        let s = "\"quoted\" \\path 이미지에는 사무실 👨\u{200d}👩\u{200d}👧 é \u{2014} \u{2030}";
        assert_eq!(esc(s, Style::Text), s);
        assert!(is_clean(s, Style::Text));
    }

    #[test]
    fn quoted_also_escapes_quote_and_backslash() {
        assert_eq!(esc("say \"hi\" C:\\x", Style::Quoted), "say \\\"hi\\\" C:\\\\x");
        assert!(!is_clean("a\"b", Style::Quoted));
        assert!(is_clean("a b", Style::Quoted));
    }

    #[test]
    fn json_uses_json_escapes_that_parse_back() {
        let s = "q\"b\\n\nt\tbs\x08ff\x0cesc\x1bc1\u{9b}ls\u{2028}한국어😀";
        let escaped = esc(s, Style::Json);
        assert_eq!(
            escaped,
            "q\\\"b\\\\n\\nt\\tbs\\bff\\fesc\\u001bc1\\u009bls\\u2028한국어😀"
        );
        let parsed: String = serde_json::from_str(&format!("\"{escaped}\"")).unwrap();
        assert_eq!(parsed, s);
    }
}

//! Cutting user text to a preview length without breaking characters.
//!
//! Prompts and model responses are logged as short previews. Slicing a `&str` at a byte
//! offset panics inside a multi-byte character, and even a cut on a char boundary can strip
//! an accent from its letter, split an emoji family into loose people, or turn one flag into
//! two meaningless letters. These functions count Unicode scalar values and then back off to
//! the start of the user-perceived character (an approximate grapheme cluster) at the cut, so
//! a preview never panics and never ends in half a character. The cluster rules are a small
//! table of the marks that matter for our traffic (Korean, emoji, accents), not full UAX #29,
//! which keeps this dependency-free and allocation-free.

use std::borrow::Cow;

const ZWJ: char = '\u{200D}';

/// Returns the longest prefix of `s` with at most `max_chars` chars that ends between
/// user-perceived characters.
///
/// When the cut would separate a base character from a following combining mark, variation
/// selector, skin tone, tag, Hangul vowel/final jamo or zero width joiner, or would split a
/// flag's pair of regional indicators, the whole cluster is dropped. This can return fewer
/// than `max_chars` chars, down to `""`. Never allocates.
///
/// ```
/// use logfmt::truncate_chars;
///
/// assert_eq!(truncate_chars("이미지에는 사무실", 3), "이미지");
/// // The accent belongs to the "e": both go, rather than leaving a bare "e".
/// assert_eq!(truncate_chars("cafe\u{301}!", 4), "caf");
/// assert_eq!(truncate_chars("short", 10), "short");
/// ```
pub fn truncate_chars(s: &str, max_chars: usize) -> &str {
    // A char takes at least one byte, so this many bytes cannot exceed the limit.
    if s.len() <= max_chars {
        return s;
    }
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => &s[..cluster_start(s, cut)],
        None => s,
    }
}

/// Returns `s` unchanged if it has at most `max_chars` chars, otherwise
/// [`truncate_chars`]`(s, max_chars)` followed by `"..."`.
///
/// The dots are ASCII so previews look the same in every log sink, and are not counted in
/// `max_chars`.
///
/// ```
/// use std::borrow::Cow;
/// use logfmt::preview;
///
/// let reply = "이미지에는 사무실 환경이 보입니다";
/// assert_eq!(preview(reply, 13), "이미지에는 사무실 환경이...");
/// assert!(matches!(preview("ok", 13), Cow::Borrowed("ok")));
/// ```
pub fn preview(s: &str, max_chars: usize) -> Cow<'_, str> {
    let head = truncate_chars(s, max_chars);
    if head.len() == s.len() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(head.len() + 3);
    out.push_str(head);
    out.push_str("...");
    Cow::Owned(out)
}

/// Moves a char-boundary `cut` back until it no longer falls inside a cluster.
fn cluster_start(s: &str, mut cut: usize) -> usize {
    loop {
        let before = &s[..cut];
        let Some(prev) = before.chars().next_back() else {
            return 0;
        };
        let next = s[cut..].chars().next();
        let inside = prev == ZWJ
            || next.is_some_and(is_extender)
            || next.is_some_and(is_regional_indicator) && is_regional_indicator(prev) && odd_regional_run(before);
        if !inside {
            return cut;
        }
        cut -= prev.len_utf8();
    }
}

/// Flags are pairs of regional indicators with no separator, so only the parity of the
/// run before the cut says whether the cut lands between the two halves of one flag.
fn odd_regional_run(before: &str) -> bool {
    let run = before.chars().rev().take_while(|&c| is_regional_indicator(c)).count();
    run % 2 == 1
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1F1E6}'..='\u{1F1FF}')
}

/// Chars that attach to the char before them and must not start a preview's cut-off tail.
fn is_extender(c: char) -> bool {
    matches!(
        c,
        // Combining marks: Latin/Greek accents, Cyrillic, Hebrew, Arabic, Devanagari signs,
        // extended and supplementary diacritics, marks for symbols, half marks.
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0900}'..='\u{0903}'
            | '\u{093A}'..='\u{094F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
            // Variation selectors (text vs emoji presentation, ideographic variants).
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0100}'..='\u{E01EF}'
            // Zero width non-joiner and joiner.
            | '\u{200C}'..='\u{200D}'
            // Emoji skin-tone modifiers and tag characters (subdivision flags).
            | '\u{1F3FB}'..='\u{1F3FF}'
            | '\u{E0020}'..='\u{E007F}'
            // Hangul medial vowels and final consonants of decomposed (NFD) syllables.
            | '\u{1160}'..='\u{11FF}'
            | '\u{D7B0}'..='\u{D7FF}'
            // Japanese combining voiced and semi-voiced sound marks.
            | '\u{3099}'..='\u{309A}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KOREAN: &str = "이미지에는 사무실 환경이 보입니다";
    const FAMILY: &str = "👨\u{200D}👩\u{200D}👧\u{200D}👦";

    #[test]
    fn korean_precomposed_cuts_on_syllables() {
        assert_eq!(truncate_chars(KOREAN, 10), "이미지에는 사무실 ");
        assert_eq!(truncate_chars(KOREAN, 3), "이미지");
        assert_eq!(preview(KOREAN, 13), "이미지에는 사무실 환경이...");
    }

    #[test]
    fn korean_decomposed_jamo_keeps_syllables_whole() {
        // "한국" as conjoining jamo: ᄒ ᅡ ᆫ ᄀ ᅮ ᆨ.
        let nfd = "\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}";
        assert_eq!(truncate_chars(nfd, 1), "");
        assert_eq!(truncate_chars(nfd, 2), "");
        assert_eq!(truncate_chars(nfd, 3), "\u{1112}\u{1161}\u{11AB}");
        assert_eq!(truncate_chars(nfd, 5), "\u{1112}\u{1161}\u{11AB}");
        assert_eq!(truncate_chars(nfd, 6), nfd);
    }

    #[test]
    fn zwj_family_is_all_or_nothing() {
        let s = format!("hi {FAMILY}!");
        for max in 3..10 {
            assert_eq!(truncate_chars(&s, max), "hi ", "max {max}");
        }
        assert_eq!(truncate_chars(&s, 10), format!("hi {FAMILY}"));
    }

    #[test]
    fn skin_tone_stays_with_its_emoji() {
        let s = "ok 👍🏽";
        assert_eq!(truncate_chars(s, 4), "ok ");
        assert_eq!(truncate_chars(s, 5), s);
    }

    #[test]
    fn flags_are_never_split() {
        let s = "🇰🇷🇯🇵";
        assert_eq!(truncate_chars(s, 1), "");
        assert_eq!(truncate_chars(s, 2), "🇰🇷");
        assert_eq!(truncate_chars(s, 3), "🇰🇷");
        assert_eq!(truncate_chars(s, 4), s);
    }

    #[test]
    fn accent_is_not_stripped_from_its_letter() {
        let s = "re\u{301}sume\u{301}";
        assert_eq!(truncate_chars(s, 2), "r");
        assert_eq!(truncate_chars(s, 3), "re\u{301}");
        assert_eq!(preview(s, 2), "r...");
    }

    #[test]
    fn zero_and_empty_limits() {
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("", 0), "");
        assert_eq!(preview("abc", 0), "...");
        assert!(matches!(preview("", 0), Cow::Borrowed("")));
    }

    #[test]
    fn fitting_input_is_borrowed_whole() {
        assert!(matches!(preview(KOREAN, 100), Cow::Borrowed(s) if s == KOREAN));
        assert!(matches!(preview("abc", 3), Cow::Borrowed("abc")));
        assert_eq!(preview("abcd", 3), "abc...");
    }

    /// Text built from the pieces that make cluster rules matter.
    fn mixed_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z ]{1,3}",
            "[가-힣]{1,3}",
            "[\u{1100}-\u{1112}][\u{1161}-\u{1175}][\u{11A8}-\u{11C2}]?",
            prop::sample::select(vec![
                FAMILY,
                "👍🏽",
                "🇰🇷",
                "🇯🇵",
                "\u{1F1F0}",
                "❤\u{FE0F}",
                "\u{200D}",
                "\u{301}",
                "e\u{301}",
                "\u{20E3}",
                "\u{E0067}",
                "\u{3099}",
                "\u{0915}\u{094D}",
            ])
            .prop_map(str::to_owned),
            "[\\x00-\\x1F\\x7F]",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    fn check(s: &str, max: usize) -> Result<(), TestCaseError> {
        let t = truncate_chars(s, max);
        let p = preview(s, max);
        prop_assert!(s.starts_with(t));
        prop_assert!(t.chars().count() <= max);
        if s.chars().count() <= max {
            prop_assert_eq!(t, s);
            prop_assert!(matches!(p, Cow::Borrowed(b) if b == s));
            return Ok(());
        }
        prop_assert_eq!(p, format!("{t}..."));
        if !t.is_empty() {
            let next = s[t.len()..].chars().next().unwrap();
            prop_assert!(!is_extender(next));
            prop_assert!(!t.ends_with(ZWJ));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn any_string_is_cut_safely(s in any::<String>(), max in 0usize..64) {
            check(&s, max)?;
        }

        #[test]
        fn mixed_text_is_cut_safely(s in mixed_text(), max in 0usize..64) {
            check(&s, max)?;
        }
    }
}

//! Masking secrets in log text before it is written.
//!
//! Request bodies, headers and prompts reach the log, and with them API keys, bearer tokens
//! and passwords. [`redact`] replaces each secret value with `[REDACTED]` and leaves the rest
//! of the line, including the key names, so a log still shows *that* a credential was sent.
//!
//! It runs on every formatted message, so the common case (no secret) is one pass over the
//! bytes that only stops at a few trigger bytes (`:`, `=`, `-`, `b`/`B`) and returns the
//! input borrowed. The parser is deliberately forgiving rather than exact: log text is JSON,
//! headers, query strings, TOML or prose, is often truncated, and a false positive only costs
//! a masked value, while a missed secret costs a credential. All positions it cuts at are
//! ASCII bytes or the end of the text, so it never splits a UTF-8 character.

use std::borrow::Cow;

const REDACTED: &str = "[REDACTED]";

/// Bytes at which a secret can be detected: key-value separators, the `b` of `bearer` and
/// the `-` of `sk-` (rarer in prose than the `s`).
const fn is_trigger(c: u8) -> bool {
    // Non-short-circuit `|` keeps this branch-free so the chunk test below vectorises.
    (c == b':') | (c == b'=') | (c == b'-') | (c | 0x20 == b'b')
}

/// [`is_trigger`] as a table, which is faster for finding the byte once a chunk has one.
static TRIGGERS: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = is_trigger(c as u8);
        c += 1;
    }
    table
};

/// Position of the next trigger byte at or after `from`.
fn next_trigger(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    // Most bytes are not triggers, so skip sixteen at a time with a test that compiles to
    // SIMD compares, and only look at single bytes in a chunk known to hold one.
    while let Some(chunk) = b[i..].first_chunk::<16>() {
        let mut any = 0u8;
        for &c in chunk {
            any |= u8::from(is_trigger(c));
        }
        if any != 0 {
            break;
        }
        i += 16;
    }
    b[i..].iter().position(|&c| TRIGGERS[usize::from(c)]).map(|p| i + p)
}

/// Returns `text` with secret values replaced by `[REDACTED]`; borrowed when nothing matched.
///
/// Three kinds of secret are masked:
/// - a token after the word `bearer` (any case), e.g. `Authorization: Bearer <token>`, if it
///   is at least 8 characters long or has a non-letter in it (so prose like "the bearer of
///   bad news" is left alone);
/// - the value of a key for which [`is_sensitive_key`] holds, in JSON, headers, query
///   strings, form bodies, TOML or free text (`"api_key": "…"`, `password=…`, `Cookie: …`);
/// - OpenAI/Anthropic-style keys `sk-…` anywhere.
///
/// Applying it twice gives the same result as applying it once.
///
/// ```
/// use logfmt::redact;
///
/// assert_eq!(
///     redact(r#"{"api_key": "abc", "max_tokens": 512}"#),
///     r#"{"api_key": "[REDACTED]", "max_tokens": 512}"#,
/// );
/// assert_eq!(redact("Authorization: Bearer abc.def"), "Authorization: Bearer [REDACTED]");
/// assert_eq!(redact("password=hunter2&user=bob"), "password=[REDACTED]&user=bob");
/// assert_eq!(redact("use sk-proj-a1b2c3d4e5 now"), "use [REDACTED] now");
/// assert!(matches!(redact("nothing to hide"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Rewriter::new(text);
    let mut i = 0;
    while let Some(at) = next_trigger(bytes, i) {
        // Every handler returns a position past `at`, so the scan always advances.
        i = match bytes[at] {
            b':' | b'=' => key_value(bytes, at, &mut out),
            b'-' => api_key(bytes, at, &mut out),
            _ => bearer(bytes, at, &mut out),
        };
    }
    out.finish()
}

/// Whether a field or parameter named `name` holds a secret.
///
/// Case-insensitive, with `-` treated as `_`. True when the name contains `password`,
/// `passwd`, `secret`, `api_key`, `apikey`, `private_key`, `credential`, `authorization` or
/// `cookie`, or ends with `token`. Names that merely count tokens (`max_tokens`,
/// `token_count`, `tokenizer`) are not secrets.
///
/// ```
/// use logfmt::is_sensitive_key;
///
/// assert!(is_sensitive_key("X-Api-Key"));
/// assert!(is_sensitive_key("refresh_token"));
/// assert!(!is_sensitive_key("max_tokens"));
/// ```
pub fn is_sensitive_key(name: &str) -> bool {
    let key = name.as_bytes();
    sensitive_key(key, key.iter().fold(0, |m, &c| m | letter_bit(c)))
}

/// Whether an HTTP header named `name` carries credentials and must not be logged as is.
///
/// Case-insensitive: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`,
/// `X-Api-Key`, `Api-Key`, `X-Auth-Token`, and any name [`is_sensitive_key`] accepts.
///
/// ```
/// use logfmt::is_sensitive_header;
///
/// assert!(is_sensitive_header("Set-Cookie"));
/// assert!(!is_sensitive_header("Content-Type"));
/// ```
pub fn is_sensitive_header(name: &str) -> bool {
    // Listed explicitly so the header contract does not hinge on the key heuristics.
    const HEADERS: [&str; 7] = [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
    ];
    HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) || is_sensitive_key(name)
}

/// Copies `text` into a new string only once the first secret is found, so clean messages
/// cost no allocation.
#[derive(Debug)]
struct Rewriter<'a> {
    text: &'a str,
    out: Option<String>,
    copied: usize,
}

impl<'a> Rewriter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            out: None,
            copied: 0,
        }
    }

    /// Masks `text[start..end]`; spans must come in increasing order.
    fn replace(&mut self, start: usize, end: usize) {
        let secret = &self.text[start..end];
        // Nothing to hide in an empty value, and re-masking a mask would allocate for nothing.
        if secret.is_empty() || secret == REDACTED {
            return;
        }
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.text.len() + REDACTED.len()));
        out.push_str(&self.text[self.copied..start]);
        out.push_str(REDACTED);
        self.copied = end;
    }

    fn finish(self) -> Cow<'a, str> {
        match self.out {
            None => Cow::Borrowed(self.text),
            Some(mut out) => {
                out.push_str(&self.text[self.copied..]);
                Cow::Owned(out)
            }
        }
    }
}

/// Handles a `:` or `=` at `sep`: masks the value if the key before it is sensitive.
fn key_value(b: &[u8], sep: usize, out: &mut Rewriter<'_>) -> usize {
    // `::` separates path segments (`auth::password::check`), it does not introduce a value.
    let next = sep + 1;
    if b[sep] == b':' && (b.get(next) == Some(&b':') || sep > 0 && b[sep - 1] == b':') {
        return next;
    }
    match key_before(b, sep) {
        Some((key, letters)) if sensitive_key(key, letters) => {
            // Line breaks too: pretty-printed JSON may put the value on the next line.
            let v = run(b, next, |c| c.is_ascii_whitespace());
            value(b, v, key, out)
        }
        _ => next,
    }
}

/// The key that ends at `sep` (key bytes, an optional (escaped) closing quote, blanks),
/// with its [`letter_bit`]s collected on the way.
fn key_before(b: &[u8], sep: usize) -> Option<(&[u8], u32)> {
    let mut j = sep;
    while j > 0 && is_blank(b[j - 1]) {
        j -= 1;
    }
    if j > 0 && matches!(b[j - 1], b'"' | b'\'') {
        j -= 1;
        // An escaped quote, as in JSON logged inside a string: `{\"api_key\": …}`.
        if j > 0 && b[j - 1] == b'\\' {
            j -= 1;
        }
    }
    let end = j;
    let mut letters = 0;
    while let Some(&c) = j.checked_sub(1).and_then(|k| b.get(k)) {
        let bits = KEY_BITS[usize::from(c)];
        if bits == 0 {
            break;
        }
        letters |= bits;
        j -= 1;
    }
    (j < end).then(|| (&b[j..end], letters))
}

/// Masks the value that starts at `v` and returns where scanning resumes.
fn value(b: &[u8], v: usize, key: &[u8], out: &mut Rewriter<'_>) -> usize {
    if b[v..].starts_with(REDACTED.as_bytes()) {
        return v + REDACTED.len();
    }
    match b.get(v) {
        None => b.len(),
        Some(&quote @ (b'"' | b'\'')) => {
            let end = closing_quote(b, v + 1, quote);
            out.replace(v + 1, end);
            (end + 1).min(b.len())
        }
        // A JSON document logged inside a string or via `{:?}`: `{\"api_key\": \"…\"}`.
        Some(b'\\') if b.get(v + 1) == Some(&b'"') => {
            let end = find(b, v + 2, b"\\\"").unwrap_or(b.len());
            out.replace(v + 2, end);
            (end + 2).min(b.len())
        }
        // Nested objects and arrays are scanned on: their own keys decide.
        Some(b'{' | b'[') => v,
        // Cookie headers hold many `name=value; ` pairs, all of them session secrets.
        Some(_) if contains_ci(key, b"cookie") => {
            let end = run(b, v, |c| {
                !matches!(c, b'\r' | b'\n' | b',' | b'"' | b'\'' | b'}' | b']' | b')')
            });
            out.replace(v, end);
            end
        }
        Some(_) => bare_value(b, v, out),
    }
}

/// Masks an unquoted value; an auth scheme word takes its credential along with it.
fn bare_value(b: &[u8], v: usize, out: &mut Rewriter<'_>) -> usize {
    let end = run(b, v, |c| !ends_bare(c));
    let word = &b[v..end];
    if is_auth_scheme(word) {
        let cred = skip_blanks(b, end);
        if cred > end && b[cred..].starts_with(REDACTED.as_bytes()) {
            return cred + REDACTED.len();
        }
        let cred_end = run(b, cred, |c| !ends_bare(c));
        if cred > end && cred_end > cred {
            // `Bearer [REDACTED]` matches what the free-standing bearer rule writes.
            let from = if word.eq_ignore_ascii_case(b"bearer") { cred } else { v };
            out.replace(from, cred_end);
            return cred_end;
        }
    }
    out.replace(v, end);
    end
}

fn is_auth_scheme(word: &[u8]) -> bool {
    [&b"bearer"[..], b"basic", b"digest", b"token", b"apikey"]
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s))
}

/// Index of the closing `quote` for a string whose content starts at `start`, honouring
/// backslash escapes; the end of the text when the string was cut off.
fn closing_quote(b: &[u8], start: usize, quote: u8) -> usize {
    let mut k = start;
    while k < b.len() && b[k] != quote {
        // The escaped byte may be a UTF-8 lead byte; landing on its continuation bytes is
        // harmless because only the ASCII quote can stop the loop.
        k += if b[k] == b'\\' { 2 } else { 1 };
    }
    k.min(b.len())
}

/// Handles `bearer` (any case) at `i`: masks the token after it.
fn bearer(b: &[u8], i: usize, out: &mut Rewriter<'_>) -> usize {
    let word_end = i + 6;
    let is_word = b.get(i..word_end).is_some_and(|w| w.eq_ignore_ascii_case(b"bearer"));
    if !is_word || i > 0 && is_word_byte(b[i - 1]) {
        return i + 1;
    }
    let start = skip_blanks(b, word_end);
    if start == word_end {
        return word_end;
    }
    let end = run(b, start, is_token_byte);
    let token = &b[start..end];
    // Prose uses the word too ("the bearer of bad news"). Real tokens are long or contain
    // digits or punctuation, so a short all-letter word after `bearer` is left alone. Under a
    // sensitive key (`Authorization: Bearer x`) the key rule masks it regardless.
    if token.len() < 8 && token.iter().all(u8::is_ascii_alphabetic) {
        return end;
    }
    out.replace(start, end);
    end
}

/// Handles the `-` at `dash`: masks an `sk-` key of at least 8 more key characters.
fn api_key(b: &[u8], dash: usize, out: &mut Rewriter<'_>) -> usize {
    let next = dash + 1;
    let Some(start) = dash.checked_sub(2) else {
        return next;
    };
    // `start < out.copied` would mean the `sk` lies inside a span already masked.
    if &b[start..dash] != b"sk" || start > 0 && is_sk_byte(b[start - 1]) || start < out.copied {
        return next;
    }
    let end = run(b, next, is_sk_byte);
    if end - next >= 8 {
        out.replace(start, end);
    }
    end
}

/// Substrings that make a key sensitive, already folded (see [`fold`]).
const NEEDLES: [&[u8]; 9] = [
    b"password",
    b"passwd",
    b"secret",
    b"api_key",
    b"apikey",
    b"private_key",
    b"credential",
    b"authorization",
    b"cookie",
];

/// The letters each needle needs, so most keys are rejected with one AND per needle.
static NEEDLE_LETTERS: [u32; NEEDLES.len()] = {
    let mut masks = [0; NEEDLES.len()];
    let mut i = 0;
    while i < NEEDLES.len() {
        let mut j = 0;
        while j < NEEDLES[i].len() {
            masks[i] |= letter_bit(NEEDLES[i][j]);
            j += 1;
        }
        i += 1;
    }
    masks
};

/// Letters that every needle and `token` has at least one of: a key with none of them is
/// rejected after a single AND.
const RARE_LETTERS: u32 =
    letter_bit(b'c') | letter_bit(b'k') | letter_bit(b'v') | letter_bit(b'w') | letter_bit(b'y') | letter_bit(b'z');

/// For each byte: its [`letter_bit`] plus a flag bit if it may appear in a key, else zero,
/// so the backward key scan costs one load per byte.
static KEY_BITS: [u32; 256] = {
    let mut table = [0; 256];
    let mut c = 0;
    while c < 256 {
        let byte = c as u8;
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-') {
            table[c] = letter_bit(byte) | 1 << 31;
        }
        c += 1;
    }
    table
};

/// One bit per ASCII letter, case-insensitively; zero for anything else.
const fn letter_bit(c: u8) -> u32 {
    let index = (c | 0x20).wrapping_sub(b'a');
    if index < 26 { 1 << index } else { 0 }
}

/// `letters` holds (at least) the [`letter_bit`]s of `key`.
fn sensitive_key(key: &[u8], letters: u32) -> bool {
    // Shorter than the shortest needle ("token"): rejects timestamps and numbers.
    if key.len() < 5 || letters & RARE_LETTERS == 0 {
        return false;
    }
    if starts_with_ci(&key[key.len() - 5..], b"token") {
        // A tokenizer's special tokens (`eos_token = "</s>"`) are vocabulary, not credentials,
        // and an LLM server's operators need to see them.
        return !SPECIAL_TOKENS.iter().any(|name| ends_with_ci(key, name));
    }
    NEEDLES
        .iter()
        .zip(&NEEDLE_LETTERS)
        .any(|(needle, &need)| letters & need == need && contains_ci(key, needle))
}

/// Lower-cases ASCII and maps `-` to `_`, so `X-Api-Key` and `x_api_key` compare equal.
fn fold(b: u8) -> u8 {
    if b == b'-' { b'_' } else { b.to_ascii_lowercase() }
}

/// Names of tokenizer special tokens, folded.
const SPECIAL_TOKENS: [&[u8]; 8] = [
    b"eos_token",
    b"bos_token",
    b"pad_token",
    b"unk_token",
    b"sep_token",
    b"cls_token",
    b"mask_token",
    b"special_token",
];

/// `needle` must already be folded.
fn ends_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && starts_with_ci(&hay[hay.len() - needle.len()..], needle)
}

/// `needle` must already be folded.
fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.iter().zip(needle).all(|(&h, &n)| fold(h) == n)
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    (0..hay.len()).any(|i| starts_with_ci(&hay[i..], needle))
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// End of the run of bytes from `from` that satisfy `keep`.
fn run(b: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    b[from..].iter().position(|&c| !keep(c)).map_or(b.len(), |p| from + p)
}

fn skip_blanks(b: &[u8], from: usize) -> usize {
    run(b, from, is_blank)
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t')
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_sk_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')
}

/// RFC 6750 `b64token` characters (including `_`, which base64url tokens use).
fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
}

fn ends_bare(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'&' | b'}' | b']' | b')' | b'"' | b'\'')
}

#[cfg(test)]
mod tests;

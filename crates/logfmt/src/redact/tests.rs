//! Tests of redaction: each rule, the ordinary fields it must leave alone, and properties over
//! generated secrets in generated contexts.

use super::*;
use proptest::prelude::*;

fn same(input: &str) {
    assert!(
        matches!(redact(input), Cow::Borrowed(s) if s == input),
        "changed or allocated: {input:?} -> {:?}",
        redact(input)
    );
}

#[test]
fn bearer_tokens_anywhere() {
    let cases = [
        ("Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"),
        (
            "curl -H 'authorization: bearer eyJ0eXAi.e30.c2ln'",
            "curl -H 'authorization: bearer [REDACTED]'",
        ),
        ("sent BEARER\tabcdefghijkl upstream", "sent BEARER\t[REDACTED] upstream"),
        ("auth=(Bearer xyz_123)", "auth=(Bearer [REDACTED])"),
    ];
    for (input, want) in cases {
        assert_eq!(redact(input), want, "{input:?}");
    }
}

#[test]
fn prose_bearer_and_lookalikes_untouched() {
    same("the bearer of bad news");
    same("missing bearer token");
    same("forbearer abc.def");
    same("Bearer");
}

#[test]
fn authorization_schemes_take_their_credential() {
    assert_eq!(redact("Authorization: Basic dXNlcjpwYXNz"), "Authorization: [REDACTED]");
    assert_eq!(
        redact("Proxy-Authorization: Digest abc, x=1"),
        "Proxy-Authorization: [REDACTED], x=1"
    );
    assert_eq!(redact("token: Bearer of"), "token: Bearer [REDACTED]");
    assert_eq!(redact("Authorization: Bearer"), "Authorization: [REDACTED]");
}

#[test]
fn json_values() {
    assert_eq!(
        redact(r#"{"api_key": "abc", "max_tokens": 512}"#),
        r#"{"api_key": "[REDACTED]", "max_tokens": 512}"#
    );
    assert_eq!(redact(r#""password": 12345"#), r#""password": [REDACTED]"#);
    assert_eq!(
        redact(r#"{"secret":"a\"b\\","x":1}"#),
        r#"{"secret":"[REDACTED]","x":1}"#
    );
    assert_eq!(
        redact(r#"body="{\"api_key\": \"abc123\"}""#),
        r#"body="{\"api_key\": \"[REDACTED]\"}""#
    );
    assert_eq!(redact("{'access_token': 'abc'}"), "{'access_token': '[REDACTED]'}");
}

#[test]
fn value_on_the_next_line() {
    assert_eq!(
        redact("{\n  \"password\":\n    \"x\"\n}"),
        "{\n  \"password\":\n    \"[REDACTED]\"\n}"
    );
}

#[test]
fn truncated_json_still_redacts() {
    assert_eq!(redact(r#"{"password": "hunt"#), r#"{"password": "[REDACTED]"#);
    assert_eq!(redact(r#"{"password": "hunt\"#), r#"{"password": "[REDACTED]"#);
}

#[test]
fn nested_values_are_searched_not_masked() {
    assert_eq!(
        redact(r#"{"credentials": {"user": "bob", "password": "x"}}"#),
        r#"{"credentials": {"user": "bob", "password": "[REDACTED]"}}"#
    );
}

#[test]
fn query_form_toml_and_headers() {
    assert_eq!(redact("password=hunter2&user=bob"), "password=[REDACTED]&user=bob");
    assert_eq!(
        redact("GET /v1?hf_token=abc&model=m"),
        "GET /v1?hf_token=[REDACTED]&model=m"
    );
    assert_eq!(
        redact("client_secret = \"s3\"\nport = 1"),
        "client_secret = \"[REDACTED]\"\nport = 1"
    );
    assert_eq!(redact("X-Api-Key: k1; Host: h"), "X-Api-Key: [REDACTED]; Host: h");
    assert_eq!(
        redact("Cookie: sid=abc; theme=dark\nHost: h"),
        "Cookie: [REDACTED]\nHost: h"
    );
}

#[test]
fn sk_keys() {
    assert_eq!(redact("use sk-abcdefgh now"), "use [REDACTED] now");
    assert_eq!(redact("k=(sk-proj-AbC123_xyZ-789)"), "k=([REDACTED])");
    assert_eq!(redact("sk-ant-api03-abcdefgh."), "[REDACTED].");
    same("task-force disk-usage sk-abc ask-abcdefghij");
}

#[test]
fn ordinary_fields_untouched() {
    same(r#"{"max_tokens": 512, "prompt_tokens": 9, "tokens_per_second": 31.5, "top_k": 5}"#);
    same("2025-01-19 14:30:15 | INFO | key=value monkey=1 token_count=3 tokenizer=bpe");
    same("app::auth::password::verify ok");
    same(r#"{"password": ""}"#);
}

#[test]
fn korean_around_secrets() {
    assert_eq!(
        redact("사용자 password=비밀번호123 입니다"),
        "사용자 password=[REDACTED] 입니다"
    );
    assert_eq!(redact("키:sk-abcdefgh12345678입니다 👍"), "키:[REDACTED]입니다 👍");
    assert_eq!(redact("토큰Bearer abc.def가나다"), "토큰Bearer [REDACTED]가나다");
    same("토큰Bearer 가나다라");
}

#[test]
fn idempotent_and_borrowed_when_already_redacted() {
    for input in [
        "Authorization: Bearer abc.def",
        "Authorization: Basic dXNlcjpwYXNz",
        r#"{"api_key": "abc", "password": 1}"#,
        "Cookie: a=1; b=2",
        "use sk-abcdefgh now",
        r#"{"password": "hunt"#,
    ] {
        let once = redact(input).into_owned();
        assert_ne!(once, input);
        same(&once);
    }
}

#[test]
fn sensitive_keys_and_headers() {
    let secret = "password DB_PASSWORD passwd client-secret api_key x-api-key apiKey private_key \
        credentials Authorization proxy-authorization cookie token access_token refresh_token \
        id_token auth_token X-Auth-Token hf_token";
    for k in secret.split_whitespace() {
        assert!(is_sensitive_key(k) && is_sensitive_header(k), "{k}");
    }
    let plain = "max_tokens prompt_tokens completion_tokens tokens_generated tokens_per_second \
        num_tokens token_count tokenizer top_k key monkey 토큰 eos_token bos_token pad_token \
        tokenizer.eos_token additional_special_token";
    for k in plain.split_whitespace().chain([""]) {
        assert!(!is_sensitive_key(k), "{k}");
    }
    for h in ["Set-Cookie", "API-KEY", "x-auth-token", "Proxy-Authorization"] {
        assert!(is_sensitive_header(h), "{h}");
    }
    for h in ["Content-Type", "Host", "X-Request-Id", "Accept"] {
        assert!(!is_sensitive_header(h), "{h}");
    }
}

/// Whether `s` has a word that any rule could react to (case-insensitive, `-` as `_`).
fn has_trigger_word(s: &str) -> bool {
    let folded = s.to_ascii_lowercase().replace('-', "_");
    "bearer sk_ password passwd secret api_key apikey private_key credential authorization \
        cookie token"
        .split_whitespace()
        .any(|w| folded.contains(w))
}

fn contexts() -> impl Strategy<Value = (String, String)> {
    let secret = "[A-Za-z0-9]{12,40}";
    let prompt = "[^\"\\\\]{0,40}";
    (secret, prompt, 0..4usize).prop_map(|(secret, prompt, kind)| {
        let text = match kind {
            0 => format!(r#"{{"prompt": "{prompt}", "api_key": "{secret}"}}"#),
            1 => format!("{prompt}\nAuthorization: Bearer {secret}\r\n"),
            2 => format!("GET /x?a=1&password={secret}&b=2 {prompt}"),
            _ => format!("{prompt} use sk-{secret} now"),
        };
        (secret, text)
    })
}

proptest! {
    #[test]
    fn clean_text_is_returned_borrowed(s in any::<String>()) {
        let out = redact(&s);
        if !has_trigger_word(&s) {
            prop_assert!(matches!(out, Cow::Borrowed(b) if b == s));
        }
    }

    #[test]
    fn punctuated_clean_text_is_returned_borrowed(s in "[a-z0-9 :=\"'{}\\[\\],;&\\\\\n가-힣]{0,80}") {
        prop_assume!(!has_trigger_word(&s));
        prop_assert!(matches!(redact(&s), Cow::Borrowed(b) if b == s));
    }

    #[test]
    fn secrets_never_survive((secret, text) in contexts()) {
        let once = redact(&text);
        prop_assert!(!once.contains(&secret), "{:?} -> {:?}", text, once);
        prop_assert_eq!(redact(&once), once.clone());
    }

    #[test]
    fn any_text_is_idempotent(s in "([a-zA-Z0-9 :=\"'{}\\[\\],;&\\\\\n가]|bearer |sk-|password|token|cookie|Basic |\\[REDACTED\\]){0,30}") {
        let once = redact(&s);
        prop_assert_eq!(redact(&once), once.clone());
    }
}

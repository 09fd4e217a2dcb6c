//! Hiding obvious secrets in sentences Casefile writes about the logs (what-changed headlines, example
//! messages), so a screenshot or a copied summary does not carry a password or a token.
//!
//! Only text Casefile composes is redacted; the events themselves are shown as written (the user
//! dropped them and may need to read them). What counts as obvious:
//! - the value after a key whose name says secret (`password=`, `"api_key": "…"`, `token:`,
//!   `client_secret=`, `Authorization: Bearer …`, `session_id=`, `cookie:` …);
//! - `Bearer` / `Basic` credentials, JSON Web Tokens (`eyJ….eyJ….…`), AWS access key ids (`AKIA…`),
//!   private key blocks, and the password in a URL (`https://user:pw@host`);
//! - a long hex or base64 value (24+ characters) after a generic key-like name (`key=`, `signature=`,
//!   `hmac=`, `salt=`).
//!
//! A redacted value reads [`REDACTED`]; the key name stays, so the sentence still says what it was.

use std::sync::OnceLock;

use regex::Regex;

/// What a hidden value reads as.
pub const REDACTED: &str = "[redacted]";

/// Names that say a value is secret, as the end of a key (`db_password`, `x-auth-token`).
const SECRET_NAMES: &str = r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|authorization|auth|session[_-]?id|sessionid|cookie";

struct Rules {
    /// `name=value`, `name: value`, `"name": "value"` with a secret name.
    named: Regex,
    /// A long hex/base64 value after a generic key-like name.
    keyed: Regex,
    bearer: Regex,
    jwt: Regex,
    aws: Regex,
    url_password: Regex,
    private_key: Regex,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("redaction rules are valid regexes");
        Rules {
            named: re(&format!(
                r#"(?i)\b([a-z0-9_.-]*(?:{SECRET_NAMES}))(["']?\s*[=:]\s*["']?)((?:(?:bearer|basic)\s+)?[^\s"',;&}}\]\[]+)"#
            )),
            keyed: re(
                r#"(?i)\b([a-z0-9_.-]*(?:key|signature|sig|hmac|salt|hash|nonce))(["']?\s*[=:]\s*["']?)([a-f0-9]{24,}|[a-z0-9+/_-]{24,}={0,2})"#,
            ),
            bearer: re(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}"),
            jwt: re(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
            aws: re(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            url_password: re(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"),
            private_key: re(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
        }
    })
}

/// `text` with obvious secrets replaced by [`REDACTED`] (see the module docs).
pub fn redact(text: &str) -> String {
    let r = rules();
    let mut out = r.private_key.replace_all(text, REDACTED).into_owned();
    out = r
        .url_password
        .replace_all(&out, format!("${{1}}{REDACTED}@"))
        .into_owned();
    out = r
        .named
        .replace_all(&out, |c: &regex::Captures<'_>| {
            if &c[3] == REDACTED {
                return c[0].to_string();
            }
            format!("{}{}{REDACTED}", &c[1], &c[2])
        })
        .into_owned();
    out = r
        .keyed
        .replace_all(&out, format!("${{1}}${{2}}{REDACTED}"))
        .into_owned();
    out = r
        .bearer
        .replace_all(&out, format!("${{1}} {REDACTED}"))
        .into_owned();
    out = r.jwt.replace_all(&out, REDACTED).into_owned();
    r.aws.replace_all(&out, REDACTED).into_owned()
}

/// Whether a field named `name` holds a secret by its name (`password`, `api_key`, `x-auth-token`).
pub fn is_secret_name(name: &str) -> bool {
    static NAME: OnceLock<Regex> = OnceLock::new();
    NAME.get_or_init(|| {
        Regex::new(&format!(r"(?i)(?:^|[_.-]|[a-z0-9])(?:{SECRET_NAMES})$")).expect("a valid regex")
    })
    .is_match(name)
        || ["password", "token", "secret", "api_key", "apikey"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_after_secret_names_are_hidden() {
        assert_eq!(
            redact("'login failed password=hunter2 user=bob' went from 0 to 3 per minute"),
            "'login failed password=[redacted] user=bob' went from 0 to 3 per minute"
        );
        assert_eq!(
            redact(r#"{"db_password": "s3cr3t!", "api_key":"abc123", "n": 1}"#),
            r#"{"db_password": "[redacted]", "api_key":"[redacted]", "n": 1}"#
        );
        assert_eq!(
            redact("retry with token: 9f8e7d6c and x-auth-token=QWxhZGRpbjpvcGVu"),
            "retry with token: [redacted] and x-auth-token=[redacted]"
        );
        assert_eq!(
            redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"),
            "Authorization: [redacted]"
        );
        assert_eq!(
            redact("client_secret=Zm9vYmFy&grant_type=client_credentials"),
            "client_secret=[redacted]&grant_type=client_credentials"
        );
    }

    #[test]
    fn credentials_without_names_are_hidden() {
        assert_eq!(
            redact("called upstream with Bearer abcdef0123456789xyz"),
            "called upstream with Bearer [redacted]"
        );
        assert_eq!(
            redact("using AKIAIOSFODNN7EXAMPLE for s3"),
            "using [redacted] for s3"
        );
        assert_eq!(
            redact("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U rejected"),
            "jwt [redacted] rejected"
        );
        assert_eq!(
            redact("connect postgres://app:pa55w0rd@db:5432/pay failed"),
            "connect postgres://app:[redacted]@db:5432/pay failed"
        );
        assert_eq!(
            redact(
                "signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 bad"
            ),
            "signature=[redacted] bad"
        );
        assert_eq!(
            redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- loaded"),
            "[redacted] loaded"
        );
    }

    #[test]
    fn ordinary_sentences_are_kept() {
        for s in [
            "'Connection timed out after 30 seconds' went from 0 to 212 per minute at 10:48 in app-payments.jsonl",
            "status=504 went from 0 to 12 per minute in nginx-access.log",
            "request_id=f6eac1aef42bb276 appeared (once) in app.log",
            "'Out of memory: Killed process 4242 (java)' appeared (once) at 10:40 in syslog",
            "cache_key=user:42 fell from 3 to 1 per minute in app.log",
            "max_tokens=5 stopped in app.log (was 2 per minute, 40 times before)",
        ] {
            assert_eq!(redact(s), s);
        }
    }

    #[test]
    fn secret_field_names() {
        for n in [
            "password",
            "db_password",
            "api_key",
            "x-auth-token",
            "Authorization",
            "secret",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["status", "request_id", "tokens_used", "user", "keyboard"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}

//! The lenient query parser: text in, a best-effort [`Expr`] tree plus positioned errors out.
//!
//! Parsing never fails as a whole. A mistake (an unclosed quote or parenthesis, a dangling `OR`, an
//! unknown level) becomes a [`QueryError`] with the byte range to underline, and the parser carries on
//! with what it can read, so the filter keeps working while the user types.

use serde::{Deserialize, Serialize};

/// A byte range `start..end` in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// A mistake in the query: what is wrong, as a sentence, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryError {
    pub span: Span,
    pub message: String,
}

/// How a field is compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `field:value`: equal, case-insensitive, `*` and `?` wildcards; for `level` at or above.
    Match,
    /// `field=value`: equal, case-insensitive, wildcards; for `level` exactly that level.
    Equal,
    /// `field!=value`
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Match => ":",
            CompareOp::Equal => "=",
            CompareOp::NotEqual => "!=",
            CompareOp::Less => "<",
            CompareOp::LessOrEqual => "<=",
            CompareOp::Greater => ">",
            CompareOp::GreaterOrEqual => ">=",
        }
    }
}

/// The query as a tree. Every leaf keeps the span it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expr {
    And {
        items: Vec<Expr>,
    },
    Or {
        items: Vec<Expr>,
    },
    Not {
        item: Box<Expr>,
    },
    /// A bare word (may hold `*` wildcards) or a quoted phrase.
    Text {
        text: String,
        phrase: bool,
        span: Span,
    },
    /// `/pattern/flags`
    Regex {
        pattern: String,
        flags: String,
        span: Span,
    },
    /// `name OP value`
    Field {
        name: String,
        op: CompareOp,
        value: String,
        span: Span,
    },
    /// `has:name`
    Has {
        name: String,
        span: Span,
    },
    /// `after:T`, `before:T`, `around:T/5m`, `last 15m`: times are kept as written and resolved when
    /// the query is compiled (they need the zone and the data's span).
    Time {
        filter: TimeFilter,
        span: Span,
    },
}

/// A time restriction as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimeFilter {
    /// At or after this instant.
    After { at: String },
    /// Strictly before this instant.
    Before { at: String },
    /// Within `window` either side of the instant (default one minute).
    Around { at: String, window: Option<String> },
    /// The last stretch of the data, ending at its latest event (a duration such as `15m`).
    Last { duration: String },
}

/// A parsed query: the tree (`None` for an empty query) and every mistake found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedQuery {
    pub expr: Option<Expr>,
    pub errors: Vec<QueryError>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A `-` directly before a term.
    Minus,
    Term(Expr),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Span,
}

const REGEX_FLAGS: &[u8] = b"imsxUc";

fn is_field_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'@'
}

fn is_field_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'@' | b'-')
}

/// Reads a duration such as `15m`, `2h`, `30s`, `500ms`, `1d`; returns nanoseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let digits = s.bytes().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let n: i64 = s[..digits].parse().ok()?;
    let unit: i64 = match &s[digits..] {
        "ms" => 1_000_000,
        "s" | "sec" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    at: usize,
    errors: Vec<QueryError>,
}

impl<'a> Lexer<'a> {
    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(QueryError {
            span: Span::new(start, end.max(start)),
            message: message.into(),
        });
    }

    /// Reads a `"..."` string starting at the quote; returns its unescaped content and end offset.
    fn quoted(&mut self, start: usize) -> (String, usize) {
        let mut out = String::new();
        let mut i = start + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'"' => return (out, i + 1),
                b'\\' if i + 1 < self.b.len() => {
                    let ch = self.src[i + 1..].chars().next().unwrap_or('\\');
                    out.push(ch);
                    i += 1 + ch.len_utf8();
                }
                _ => {
                    let ch = self.src[i..].chars().next().unwrap_or(' ');
                    out.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        self.error(
            start,
            self.b.len(),
            "this quote is never closed; add a closing \"",
        );
        (out, self.b.len())
    }

    /// At a `/`: the end of `/pattern/flags` when a closing slash is followed by valid flags and then a
    /// separator; `None` when this is not a regex (a path such as `/api/v1/pay` is a word).
    fn regex_end(&self, start: usize) -> Option<(usize, usize)> {
        let mut i = start + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => i += 2,
                b'/' => {
                    let flags_end = i
                        + 1
                        + self.b[i + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphabetic())
                            .count();
                    let flags_ok = self.b[i + 1..flags_end]
                        .iter()
                        .all(|c| REGEX_FLAGS.contains(c));
                    let separated = self
                        .b
                        .get(flags_end)
                        .is_none_or(|c| c.is_ascii_whitespace() || *c == b')');
                    if flags_ok && separated && i > start + 1 {
                        return Some((i, flags_end));
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// The end of a bare word starting at `start`.
    fn word_end(&self, start: usize) -> usize {
        let mut i = start;
        while i < self.b.len() {
            let c = self.b[i];
            if c.is_ascii_whitespace() || c == b'(' || c == b')' {
                break;
            }
            if c == b'"' && i > start {
                break;
            }
            i += 1;
        }
        i
    }

    fn tokens(mut self) -> (Vec<Token>, Vec<QueryError>) {
        let mut out = Vec::new();
        while self.at < self.b.len() {
            let c = self.b[self.at];
            let start = self.at;
            if c.is_ascii_whitespace() {
                self.at += 1;
                continue;
            }
            let tok = match c {
                b'(' => {
                    self.at += 1;
                    Tok::Open
                }
                b')' => {
                    self.at += 1;
                    Tok::Close
                }
                b'-' if self
                    .b
                    .get(start + 1)
                    .is_some_and(|n| !n.is_ascii_whitespace() && *n != b')') =>
                {
                    self.at += 1;
                    Tok::Minus
                }
                b'"' => {
                    let (text, end) = self.quoted(start);
                    self.at = end;
                    Tok::Term(Expr::Text {
                        text,
                        phrase: true,
                        span: Span::new(start, end),
                    })
                }
                b'/' => match self.regex_end(start) {
                    Some((close, flags_end)) => {
                        self.at = flags_end;
                        Tok::Term(Expr::Regex {
                            pattern: self.src[start + 1..close].replace("\\/", "/"),
                            flags: self.src[close + 1..flags_end].to_string(),
                            span: Span::new(start, flags_end),
                        })
                    }
                    None => self.word(start),
                },
                _ => self.word(start),
            };
            out.push(Token {
                tok,
                span: Span::new(start, self.at),
            });
        }
        (out, self.errors)
    }

    /// A bare word, keyword or `field OP value` term starting at `start`.
    fn word(&mut self, start: usize) -> Tok {
        let end = self.word_end(start);
        let word = &self.src[start..end];
        match word {
            "AND" | "&&" => {
                self.at = end;
                return Tok::And;
            }
            "OR" | "||" => {
                self.at = end;
                return Tok::Or;
            }
            "NOT" => {
                self.at = end;
                return Tok::Not;
            }
            _ => {}
        }
        if let Some(tok) = self.field(start, end) {
            return tok;
        }
        self.at = end.max(start + 1);
        Tok::Term(Expr::Text {
            text: self.src[start..self.at].to_string(),
            phrase: false,
            span: Span::new(start, self.at),
        })
    }

    /// `name OP value` where the value may be quoted or a regex; `None` when the word is not one.
    fn field(&mut self, start: usize, word_end: usize) -> Option<Tok> {
        if !is_field_name_start(self.b[start]) {
            return None;
        }
        let name_end = start
            + self.b[start..word_end]
                .iter()
                .take_while(|c| is_field_name_byte(**c))
                .count();
        let rest = &self.b[name_end..];
        let (op, op_len) = match rest {
            [b'>', b'=', ..] => (CompareOp::GreaterOrEqual, 2),
            [b'<', b'=', ..] => (CompareOp::LessOrEqual, 2),
            [b'!', b'=', ..] => (CompareOp::NotEqual, 2),
            [b'>', ..] => (CompareOp::Greater, 1),
            [b'<', ..] => (CompareOp::Less, 1),
            [b'=', ..] => (CompareOp::Equal, 1),
            [b':', ..] => (CompareOp::Match, 1),
            _ => return None,
        };
        let name = self.src[start..name_end].to_string();
        let value_start = name_end + op_len;
        // `http://host` is a word, not a field named http.
        if self.b[value_start..].starts_with(b"//") {
            return None;
        }
        let (value, end) = match self.b.get(value_start) {
            Some(b'"') => self.quoted(value_start),
            Some(b'/') if op == CompareOp::Match => match self.regex_end(value_start) {
                Some((close, flags_end)) => {
                    let pattern = self.src[value_start + 1..close].replace("\\/", "/");
                    let flags = &self.src[close + 1..flags_end];
                    // A regex value is kept as `/pattern/flags` and recognised when compiled.
                    (format!("/{pattern}/{flags}"), flags_end)
                }
                None => {
                    let end = self.word_end(value_start);
                    (self.src[value_start..end].to_string(), end)
                }
            },
            _ => {
                let end = self.word_end(value_start);
                (self.src[value_start..end].to_string(), end)
            }
        };
        self.at = end;
        let span = Span::new(start, end);
        let lower = name.to_ascii_lowercase();
        let term = match lower.as_str() {
            "has" if op == CompareOp::Match => {
                if value.is_empty() {
                    self.error(start, end, "has: needs a field name, as in has:trace_id");
                }
                Expr::Has { name: value, span }
            }
            "after" | "before" | "around" if op == CompareOp::Match => {
                if value.is_empty() {
                    self.error(
                        start,
                        end,
                        format!("{lower}: needs a time, as in {lower}:2026-07-03T10:00"),
                    );
                }
                let filter = match lower.as_str() {
                    "after" => TimeFilter::After { at: value },
                    "before" => TimeFilter::Before { at: value },
                    _ => match value.rsplit_once('/') {
                        Some((at, window)) if parse_duration(window).is_some() => {
                            TimeFilter::Around {
                                at: at.to_string(),
                                window: Some(window.to_string()),
                            }
                        }
                        _ => TimeFilter::Around {
                            at: value,
                            window: None,
                        },
                    },
                };
                Expr::Time { filter, span }
            }
            "last" if op == CompareOp::Match => {
                if parse_duration(&value).is_none() {
                    self.error(
                        value_start,
                        end,
                        "last: needs a duration such as 15m, 2h, 30s or 1d",
                    );
                }
                Expr::Time {
                    filter: TimeFilter::Last { duration: value },
                    span,
                }
            }
            _ => {
                if value.is_empty() && self.b.get(value_start) != Some(&b'"') {
                    self.error(
                        start,
                        end,
                        format!("{name}{} needs a value after it", op.as_str()),
                    );
                }
                Expr::Field {
                    name,
                    op,
                    value,
                    span,
                }
            }
        };
        Some(Tok::Term(term))
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    errors: Vec<QueryError>,
    /// The length of the query, for errors at its end.
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(QueryError {
            span,
            message: message.into(),
        });
    }

    fn or_expr(&mut self, depth: usize) -> Option<Expr> {
        let mut items = Vec::new();
        let mut pending_or: Option<Span> = None;
        loop {
            if let Some(e) = self.and_expr(depth) {
                items.push(e);
                pending_or = None;
            } else if let Some(span) = pending_or.take() {
                self.error(span, "OR needs a term on both sides");
            }
            match self.peek() {
                Some(Token { tok: Tok::Or, span }) => {
                    let span = *span;
                    if items.is_empty() {
                        self.error(span, "OR needs a term on both sides");
                    }
                    pending_or = Some(span);
                    self.at += 1;
                }
                _ => break,
            }
        }
        if let Some(span) = pending_or {
            self.error(span, "OR needs a term on both sides");
        }
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Expr::Or { items }),
        }
    }

    fn and_expr(&mut self, depth: usize) -> Option<Expr> {
        let mut items = Vec::new();
        loop {
            match self.peek().map(|t| (t.tok.clone(), t.span)) {
                None | Some((Tok::Or, _)) => break,
                Some((Tok::Close, span)) => {
                    if depth > 0 {
                        break;
                    }
                    self.error(span, "this ) has no ( before it");
                    self.at += 1;
                }
                Some((Tok::And, span)) => {
                    self.at += 1;
                    let next_is_term = matches!(
                        self.peek().map(|t| &t.tok),
                        Some(Tok::Term(_) | Tok::Open | Tok::Not | Tok::Minus)
                    );
                    if items.is_empty() || !next_is_term {
                        self.error(span, "AND needs a term on both sides");
                    }
                }
                Some(_) => {
                    if let Some(e) = self.unary(depth) {
                        items.push(e);
                    }
                }
            }
        }
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Expr::And { items }),
        }
    }

    fn unary(&mut self, depth: usize) -> Option<Expr> {
        let token = self.peek()?.clone();
        match token.tok {
            Tok::Not | Tok::Minus => {
                self.at += 1;
                match self.peek().map(|t| &t.tok) {
                    Some(Tok::Term(_) | Tok::Open | Tok::Not | Tok::Minus) => {
                        let item = self.unary(depth)?;
                        Some(Expr::Not {
                            item: Box::new(item),
                        })
                    }
                    _ => {
                        let what = if token.tok == Tok::Not { "NOT" } else { "-" };
                        self.error(token.span, format!("{what} needs a term after it"));
                        None
                    }
                }
            }
            Tok::Open => {
                self.at += 1;
                let inner = self.or_expr(depth + 1);
                match self.peek() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => self.at += 1,
                    _ => self.error(
                        Span::new(token.span.start, self.len),
                        "this ( is never closed; add a )",
                    ),
                }
                if inner.is_none() {
                    self.error(token.span, "empty parentheses");
                }
                inner
            }
            Tok::Term(e) => {
                self.at += 1;
                Some(e)
            }
            Tok::And | Tok::Or | Tok::Close => None,
        }
    }
}

/// Turns `last` followed by a duration word into a time term.
fn join_last(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if let Tok::Term(Expr::Text {
            text,
            phrase: false,
            ..
        }) = &t.tok
        {
            if parse_duration(text).is_some() {
                if let Some(Token {
                    tok:
                        Tok::Term(Expr::Text {
                            text: prev,
                            phrase: false,
                            span,
                        }),
                    ..
                }) = out.last()
                {
                    if prev.eq_ignore_ascii_case("last") {
                        let span = Span::new(span.start, t.span.end);
                        out.pop();
                        out.push(Token {
                            tok: Tok::Term(Expr::Time {
                                filter: TimeFilter::Last {
                                    duration: text.clone(),
                                },
                                span,
                            }),
                            span,
                        });
                        continue;
                    }
                }
            }
        }
        out.push(t);
    }
    out
}

/// Parses a query. Never fails: see the module docs.
pub fn parse(query: &str) -> ParsedQuery {
    let lexer = Lexer {
        src: query,
        b: query.as_bytes(),
        at: 0,
        errors: Vec::new(),
    };
    let (tokens, errors) = lexer.tokens();
    let mut parser = Parser {
        tokens: join_last(tokens),
        at: 0,
        errors,
        len: query.len(),
    };
    let mut items = Vec::new();
    while parser.at < parser.tokens.len() {
        let before = parser.at;
        if let Some(e) = parser.or_expr(0) {
            items.push(e);
        }
        if parser.at == before {
            // A token no rule takes (cannot happen at depth 0, but never loop forever).
            parser.at += 1;
        }
    }
    let expr = match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Expr::And { items }),
    };
    let mut errors = parser.errors;
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    ParsedQuery { expr, errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, s: usize, e: usize) -> Expr {
        Expr::Text {
            text: t.into(),
            phrase: false,
            span: Span::new(s, e),
        }
    }

    #[test]
    fn implicit_and_binds_tighter_than_or() {
        let q = parse("a b OR c");
        assert!(q.errors.is_empty());
        assert_eq!(
            q.expr,
            Some(Expr::Or {
                items: vec![
                    Expr::And {
                        items: vec![text("a", 0, 1), text("b", 2, 3)]
                    },
                    text("c", 7, 8)
                ]
            })
        );
    }

    #[test]
    fn negation_parentheses_phrases_and_regexes() {
        let q = parse(r#"-(x OR "y z") NOT /ti\/med out|refused/i"#);
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        let Some(Expr::And { items }) = q.expr else {
            panic!()
        };
        assert!(matches!(&items[0], Expr::Not { item } if matches!(**item, Expr::Or { .. })));
        assert!(matches!(&items[1], Expr::Not { item } if matches!(
            &**item,
            Expr::Regex { pattern, flags, .. } if pattern == "ti/med out|refused" && flags == "i"
        )));
    }

    #[test]
    fn paths_are_words_not_regexes() {
        let q = parse("/api/v1/pay");
        assert_eq!(q.expr, Some(text("/api/v1/pay", 0, 11)));
        let q = parse("http://x/y");
        assert_eq!(q.expr, Some(text("http://x/y", 0, 10)));
    }

    #[test]
    fn fields_comparisons_and_special_names() {
        let q = parse(
            r#"status>=500 service:payment-* level:warn+ has:trace_id msg:"a b" after:2026-07-03T10:00 last 15m"#,
        );
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        let Some(Expr::And { items }) = q.expr else {
            panic!()
        };
        assert!(
            matches!(&items[0], Expr::Field { name, op: CompareOp::GreaterOrEqual, value, .. } if name == "status" && value == "500")
        );
        assert!(matches!(&items[1], Expr::Field { value, .. } if value == "payment-*"));
        assert!(matches!(&items[2], Expr::Field { value, .. } if value == "warn+"));
        assert!(matches!(&items[3], Expr::Has { name, .. } if name == "trace_id"));
        assert!(matches!(&items[4], Expr::Field { value, .. } if value == "a b"));
        assert!(
            matches!(&items[5], Expr::Time { filter: TimeFilter::After { at }, .. } if at == "2026-07-03T10:00")
        );
        assert!(
            matches!(&items[6], Expr::Time { filter: TimeFilter::Last { duration }, span } if duration == "15m" && *span == Span::new(88, 96))
        );
    }

    #[test]
    fn mistakes_are_positioned_and_the_rest_still_parses() {
        let q = parse(r#"(error OR "timed out"#);
        assert_eq!(q.errors.len(), 2, "{:?}", q.errors);
        assert_eq!(q.errors[0].span, Span::new(0, 20));
        assert!(q.errors[0].message.contains("never closed"));
        assert_eq!(q.errors[1].span, Span::new(10, 20));
        assert!(matches!(q.expr, Some(Expr::Or { .. })));

        let q = parse("a OR");
        assert_eq!(q.errors.len(), 1);
        assert_eq!(q.errors[0].span, Span::new(2, 4));
        assert_eq!(q.expr, Some(text("a", 0, 1)));

        let q = parse("a ) b");
        assert_eq!(q.errors[0].span, Span::new(2, 3));
        assert!(matches!(q.expr, Some(Expr::And { .. })));

        let q = parse("x AND NOT");
        assert_eq!(q.errors.len(), 1, "{:?}", q.errors);
        assert_eq!(q.expr, Some(text("x", 0, 1)));
    }

    #[test]
    fn empty_query_is_no_tree_and_no_error() {
        let q = parse("   ");
        assert_eq!(q.expr, None);
        assert!(q.errors.is_empty());
    }
}

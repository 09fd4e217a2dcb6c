//! Compiling a parsed query into a [`Plan`]: regexes built, times resolved, levels read, once per query.
//!
//! Compilation is as lenient as parsing: a leaf that cannot be compiled (a broken regex, an unreadable
//! time, an unknown level) becomes a positioned [`QueryError`] and is left out, so the rest of the
//! query still filters.

use std::sync::Arc;

use regex::bytes::{Regex as BytesRegex, RegexBuilder};
use regex::Regex;

use super::literals::{required_literals, Needles, RegexFlags};
use super::parse::{parse_duration, CompareOp, Expr, ParsedQuery, QueryError, Span, TimeFilter};
use crate::engine::index::GramQuery;
use crate::engine::level::Level;
use crate::engine::store::SourceData;
use crate::engine::time::{self, TimeContext, Zone};

/// What a query needs to know besides its text.
#[derive(Debug, Clone, Default)]
pub struct QueryContext {
    /// Zone for times in the query written without one.
    pub zone: Zone,
    /// Earliest and latest event instants of the whole case (all shards), for `last 15m`.
    pub data_first: Option<i64>,
    pub data_last: Option<i64>,
}

impl QueryContext {
    /// The context for a case made of `sources` (when one process holds them all).
    pub fn for_sources(sources: &[SourceData], zone: Zone) -> Self {
        QueryContext {
            zone,
            data_first: sources.iter().filter_map(|s| s.info.first_ts).min(),
            data_last: sources.iter().filter_map(|s| s.info.last_ts).max(),
        }
    }
}

/// A compiled text matcher: the regex that finds candidates in raw bytes.
#[derive(Debug, Clone)]
pub struct TextMatcher {
    pub regex: Arc<BytesRegex>,
    /// Tokens every match must contain whole (lowercase), for the block index; empty when unknown.
    pub required_tokens: Vec<String>,
    /// Needles of which every match contains one, searched for before the regex runs (for words,
    /// phrases and the `/regex/` queries whose literals are known; see [`super::literals`]).
    pub needles: Option<Arc<Needles>>,
    /// Alternatives of tokens, every match holding all tokens of one (the whole words of each
    /// needle, see [`Needles::whole_words`]); empty when unknown.
    pub any_tokens: Vec<Vec<String>>,
    /// The needles' trigrams, for the index's trigram sketch (`None` without needles).
    pub grams: Option<Arc<GramQuery>>,
}

impl TextMatcher {
    fn new(regex: BytesRegex, required_tokens: Vec<String>, needles: Option<Needles>) -> Self {
        TextMatcher {
            regex: Arc::new(regex),
            required_tokens,
            any_tokens: needles
                .as_ref()
                .and_then(|n| n.whole_words())
                .unwrap_or_default(),
            grams: needles
                .as_ref()
                .and_then(|n| GramQuery::new(n.bytes()))
                .map(Arc::new),
            needles: needles.map(Arc::new),
        }
    }
}

/// How a field's value is tested.
#[derive(Debug, Clone)]
pub enum ValueTest {
    /// Equal ignoring ASCII case.
    Exact(String),
    /// A wildcard or `/regex/` value.
    Pattern(Arc<Regex>),
    /// Compared as numbers (ordering operators with a number).
    Number(CompareOp, f64),
    /// Compared as text (ordering operators with a non-number, such as dates).
    Text(CompareOp, String),
}

impl ValueTest {
    pub fn test(&self, value: &str) -> bool {
        match self {
            ValueTest::Exact(want) => value.eq_ignore_ascii_case(want),
            ValueTest::Pattern(re) => re.is_match(value),
            ValueTest::Number(op, want) => match value.trim().parse::<f64>() {
                Ok(v) => compare(*op, v.partial_cmp(want)),
                Err(_) => false,
            },
            ValueTest::Text(op, want) => compare(*op, Some(value.cmp(want.as_str()))),
        }
    }
}

fn compare(op: CompareOp, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, ord) {
        (_, None) => false,
        (CompareOp::Less, Some(o)) => o == Less,
        (CompareOp::LessOrEqual, Some(o)) => o != Greater,
        (CompareOp::Greater, Some(o)) => o == Greater,
        (CompareOp::GreaterOrEqual, Some(o)) => o != Less,
        (CompareOp::NotEqual, Some(o)) => o != Equal,
        (CompareOp::Match | CompareOp::Equal, Some(o)) => o == Equal,
    }
}

/// A field test: the field's value must pass `test`.
#[derive(Debug, Clone)]
pub struct FieldTest {
    pub name: String,
    pub test: ValueTest,
    /// Text every matching event must contain (the value, or the key name where names appear in the
    /// text), used to rule events out before extracting fields.
    pub value_hint: Option<Arc<BytesRegex>>,
    /// The index tokens of that value (lowercase; empty when there is no value hint).
    pub value_tokens: Vec<String>,
    pub name_hint: Option<Arc<BytesRegex>>,
    /// `"name":` as a JSON key or `name=` (top-level names only): every JSON event that has the
    /// field holds a match, and the value can often be read right at it without parsing the object.
    pub json_key: Option<Arc<BytesRegex>>,
}

/// The compiled query tree, evaluated per source by [`super::eval`].
#[derive(Debug, Clone)]
pub enum Plan {
    All,
    Nothing,
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
    /// Level column within `min..=max`.
    Level {
        min: Level,
        max: Level,
    },
    /// The source's name (or its file name) matches.
    Source(Arc<Regex>),
    /// Event time within `from..to` (untimed events take the time of the event before them).
    Time {
        from: i64,
        to: i64,
    },
    Text(TextMatcher),
    Field(FieldTest),
    /// The event has the field.
    Has {
        name: String,
        name_hint: Option<Arc<BytesRegex>>,
    },
}

/// A compiled query: the plan and every error from parsing and compiling, in text order.
#[derive(Debug, Clone)]
pub struct CompiledQuery {
    pub plan: Plan,
    pub errors: Vec<QueryError>,
}

/// ASCII word bytes, as regex `\b` (ASCII mode) sees them; the token alphabet of the index too.
pub fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Escapes text for a bytes regex without Unicode mode: ASCII escaped, other bytes as `\xHH`.
fn escape_bytes(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if b.is_ascii() {
            let mut buf = [0u8; 1];
            out.push_str(&regex::escape((b as char).encode_utf8(&mut buf)));
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
}

/// Lowercase ASCII word tokens of `text` (the index's tokenisation).
pub fn tokens_of(text: &str) -> Vec<String> {
    text.as_bytes()
        .split(|c| !is_word_byte(*c))
        .filter(|t| !t.is_empty())
        .map(|t| String::from_utf8_lossy(t).to_ascii_lowercase())
        .collect()
}

/// The regex for a word or phrase: case-insensitive (ASCII), whole words at both ends, any run of
/// white space between words; in words `*` stands for any word characters.
pub fn text_regex(text: &str, phrase: bool) -> String {
    let mut out = String::from("(?i-u)");
    let pieces: Vec<&str> = text.split_whitespace().collect();
    let first = pieces.first().and_then(|p| p.bytes().next());
    let last = pieces.last().and_then(|p| p.bytes().last());
    if first.is_some_and(is_word_byte) {
        out.push_str(r"\b");
    }
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(r"\s+");
        }
        if phrase {
            escape_bytes(piece, &mut out);
        } else {
            for (j, part) in piece.split('*').enumerate() {
                if j > 0 {
                    out.push_str(r"\w*");
                }
                escape_bytes(part, &mut out);
            }
        }
    }
    if last.is_some_and(is_word_byte) {
        out.push_str(r"\b");
    }
    out
}

/// Tokens a word or phrase match must contain whole: every token not touching a `*`.
fn required_tokens(text: &str, phrase: bool) -> Vec<String> {
    if phrase {
        return tokens_of(text);
    }
    text.split_whitespace()
        .flat_map(|piece| {
            let parts: Vec<&str> = piece.split('*').collect();
            let n = parts.len();
            parts
                .into_iter()
                .enumerate()
                .flat_map(move |(j, part)| {
                    let toks = tokens_of(part);
                    let k = toks.len();
                    let glued_left = j > 0 && part.bytes().next().is_some_and(is_word_byte);
                    let glued_right = j + 1 < n && part.bytes().last().is_some_and(is_word_byte);
                    toks.into_iter().enumerate().filter_map(move |(i, t)| {
                        let partial = (i == 0 && glued_left) || (i + 1 == k && glued_right);
                        (!partial).then_some(t)
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn bytes_regex(pattern: &str) -> Result<BytesRegex, regex::Error> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        .size_limit(32 << 20)
        .build()
}

/// A glob (`*`, `?`) as an anchored case-insensitive regex.
fn glob_regex(glob: &str) -> Result<Regex, regex::Error> {
    let mut out = String::from("(?is)^");
    for ch in glob.chars() {
        match ch {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => {
                let mut buf = [0u8; 4];
                out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    out.push('$');
    Regex::new(&out)
}

/// A `/pattern/flags` field value, if the value is written that way.
fn split_regex_value(value: &str) -> Option<(&str, &str)> {
    let inner = value.strip_prefix('/')?;
    let close = inner.rfind('/')?;
    Some((&inner[..close], &inner[close + 1..]))
}

/// Reads a time written in a query: RFC 3339 or similar, a date alone, or an epoch number.
pub fn parse_query_time(text: &str, zone: &Zone) -> Option<i64> {
    let cx = TimeContext::new(zone.clone(), None);
    let b = text.trim().as_bytes();
    let date_only;
    let b = if b.len() == 10 && b.get(4) == Some(&b'-') {
        date_only = [b, b"T00:00"].concat();
        &date_only[..]
    } else {
        b
    };
    let (stamp, used) = time::parse_any(b)?;
    (used == b.len()).then_some(())?;
    cx.resolve(&stamp)
}

/// The options of a `/pattern/flags` query (`m` is always on: `^` and `$` match at every line of
/// an event; a later `c` undoes an earlier `i`; unknown letters are ignored).
fn regex_flags(flags: &str) -> RegexFlags {
    let mut out = RegexFlags::default();
    for f in flags.chars() {
        match f {
            'i' => out.case_insensitive = true,
            'c' => out.case_insensitive = false,
            's' => out.dot_matches_new_line = true,
            'x' => out.ignore_whitespace = true,
            'U' => out.swap_greed = true,
            _ => {}
        }
    }
    out
}

struct Compiler<'a> {
    cx: &'a QueryContext,
    errors: Vec<QueryError>,
}

impl Compiler<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(QueryError {
            span,
            message: message.into(),
        });
    }

    fn compile(&mut self, expr: &Expr) -> Plan {
        match expr {
            Expr::And { items } => Plan::And(items.iter().map(|e| self.compile(e)).collect()),
            Expr::Or { items } => Plan::Or(items.iter().map(|e| self.compile(e)).collect()),
            Expr::Not { item } => match self.compile(item) {
                Plan::All => Plan::All, // a broken leaf under NOT is left out, not inverted
                p => Plan::Not(Box::new(p)),
            },
            Expr::Text { text, phrase, span } => {
                if text.trim().is_empty() || (!phrase && text.chars().all(|c| c == '*')) {
                    if *phrase {
                        self.error(*span, "an empty phrase matches everything");
                    }
                    return Plan::All;
                }
                let pattern = text_regex(text, *phrase);
                match bytes_regex(&pattern) {
                    // Needles too (the word's or phrase's longest fixed run, either case): the
                    // text the token index does not cover yet, right after a load, is scanned, and
                    // in wasm the regex crate finds a case-insensitive word far slower than a
                    // `memchr2` on its rarest letter does (see `super::literals`).
                    Ok(re) => Plan::Text(TextMatcher::new(
                        re,
                        required_tokens(text, *phrase),
                        required_literals(&pattern, RegexFlags::default()),
                    )),
                    Err(e) => {
                        self.error(*span, format!("this text cannot be searched: {e}"));
                        Plan::All
                    }
                }
            }
            Expr::Regex {
                pattern,
                flags,
                span,
            } => match self.user_regex(pattern, flags) {
                Ok(re) => Plan::Text(TextMatcher::new(
                    re,
                    Vec::new(),
                    required_literals(pattern, regex_flags(flags)),
                )),
                Err(message) => {
                    self.error(*span, message);
                    Plan::All
                }
            },
            Expr::Has { name, span } => {
                if name.is_empty() {
                    return Plan::All;
                }
                match name.to_ascii_lowercase().as_str() {
                    "level" => Plan::Level {
                        min: Level::Trace,
                        max: Level::Critical,
                    },
                    "source" => Plan::All,
                    "ts" | "time" => Plan::Time {
                        from: i64::MIN + 1,
                        to: i64::MAX,
                    },
                    _ => {
                        let _ = span;
                        Plan::Has {
                            name: name.clone(),
                            name_hint: name_hint(name),
                        }
                    }
                }
            }
            Expr::Time { filter, span } => self.time(filter, *span),
            Expr::Field {
                name,
                op,
                value,
                span,
            } => self.field(name, *op, value, *span),
        }
    }

    fn user_regex(&self, pattern: &str, flags: &str) -> Result<BytesRegex, String> {
        let f = regex_flags(flags);
        RegexBuilder::new(pattern)
            .multi_line(true)
            .size_limit(32 << 20)
            .case_insensitive(f.case_insensitive)
            .dot_matches_new_line(f.dot_matches_new_line)
            .ignore_whitespace(f.ignore_whitespace)
            .swap_greed(f.swap_greed)
            .build()
            .map_err(|e| match e {
                regex::Error::Syntax(s) => {
                    let first = s.lines().last().unwrap_or("").trim_start_matches("error: ");
                    format!("this regular expression is not valid: {first}")
                }
                other => format!("this regular expression is not valid: {other}"),
            })
    }

    fn time(&mut self, filter: &TimeFilter, span: Span) -> Plan {
        let at = |c: &mut Self, text: &str| -> Option<i64> {
            let t = parse_query_time(text, &c.cx.zone);
            if t.is_none() && !text.is_empty() {
                c.error(
                    span,
                    format!("\"{text}\" is not a time; write it like 2026-07-03T10:00 or 2026-07-03T10:00:00Z"),
                );
            }
            t
        };
        match filter {
            TimeFilter::After { at: text } => match at(self, text) {
                Some(t) => Plan::Time {
                    from: t,
                    to: i64::MAX,
                },
                None => Plan::All,
            },
            TimeFilter::Before { at: text } => match at(self, text) {
                Some(t) => Plan::Time {
                    from: i64::MIN + 1,
                    to: t,
                },
                None => Plan::All,
            },
            TimeFilter::Around { at: text, window } => {
                let window_ns = window
                    .as_deref()
                    .and_then(parse_duration)
                    .unwrap_or(60_000_000_000);
                match at(self, text) {
                    Some(t) => Plan::Time {
                        from: t.saturating_sub(window_ns),
                        to: t.saturating_add(window_ns).saturating_add(1),
                    },
                    None => Plan::All,
                }
            }
            TimeFilter::Last { duration } => {
                let Some(d) = parse_duration(duration) else {
                    return Plan::All; // already reported by the parser
                };
                match self.cx.data_last {
                    // The stretch ends at (and includes) the latest event.
                    Some(last) => Plan::Time {
                        from: last.saturating_sub(d),
                        to: last.saturating_add(1),
                    },
                    None => Plan::Nothing,
                }
            }
        }
    }

    fn field(&mut self, name: &str, op: CompareOp, value: &str, span: Span) -> Plan {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "level" => return self.level(op, value, span),
            "source" | "file" => {
                let plan = match split_regex_value(value) {
                    Some((p, f)) => {
                        let flags = if f.contains('c') { "" } else { "(?i)" };
                        Regex::new(&format!("{flags}{p}"))
                    }
                    None => glob_regex(value),
                };
                return match (plan, op) {
                    (Ok(re), CompareOp::Match | CompareOp::Equal) => Plan::Source(Arc::new(re)),
                    (Ok(re), CompareOp::NotEqual) => {
                        Plan::Not(Box::new(Plan::Source(Arc::new(re))))
                    }
                    (Ok(_), _) => {
                        self.error(span, "source can only be compared with : = or !=");
                        Plan::All
                    }
                    (Err(e), _) => {
                        self.error(span, format!("this source pattern is not valid: {e}"));
                        Plan::All
                    }
                };
            }
            _ => {}
        }
        let number = value.trim().parse::<f64>().ok().filter(|n| n.is_finite());
        let test = match op {
            CompareOp::Match | CompareOp::Equal | CompareOp::NotEqual => {
                if let Some((p, f)) = split_regex_value(value).filter(|_| op == CompareOp::Match) {
                    let ci = if f.contains('i') { "(?i)" } else { "" };
                    match Regex::new(&format!("{ci}{p}")) {
                        Ok(re) => ValueTest::Pattern(Arc::new(re)),
                        Err(e) => {
                            self.error(span, format!("this regular expression is not valid: {e}"));
                            return Plan::All;
                        }
                    }
                } else if let Some(n) = number {
                    // 502 equals 502.0; a non-number value never equals a number.
                    ValueTest::Number(CompareOp::Equal, n)
                } else if value.contains(['*', '?']) {
                    match glob_regex(value) {
                        Ok(re) => ValueTest::Pattern(Arc::new(re)),
                        Err(e) => {
                            self.error(span, format!("this pattern is not valid: {e}"));
                            return Plan::All;
                        }
                    }
                } else {
                    ValueTest::Exact(value.to_string())
                }
            }
            _ => match number {
                Some(n) => ValueTest::Number(op, n),
                None => ValueTest::Text(op, value.to_string()),
            },
        };
        let value_hint = match &test {
            ValueTest::Exact(v)
                if !v.is_empty()
                    && v.bytes()
                        .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\') =>
            {
                let mut re = String::from("(?i-u)");
                escape_bytes(v, &mut re);
                bytes_regex(&re).ok().map(Arc::new)
            }
            // Digits as written, without leading zeros (`status:0502` equals a written 502).
            ValueTest::Number(CompareOp::Equal, _)
                if value.bytes().all(|c| c.is_ascii_digit())
                    && !value.is_empty()
                    && (value == "0" || !value.starts_with('0')) =>
            {
                bytes_regex(&format!(r"(?-u)\b{}", regex::escape(value.trim())))
                    .ok()
                    .map(Arc::new)
            }
            _ => None,
        };
        let value_tokens = if value_hint.is_some() {
            tokens_of(value)
        } else {
            Vec::new()
        };
        let plan = Plan::Field(FieldTest {
            name: name.to_string(),
            test,
            value_hint,
            value_tokens,
            name_hint: name_hint(name),
            json_key: json_key_regex(name),
        });
        if op == CompareOp::NotEqual {
            Plan::Not(Box::new(match plan {
                Plan::Field(mut f) => {
                    f.test = match f.test {
                        ValueTest::Number(_, n) => ValueTest::Number(CompareOp::Equal, n),
                        other => other,
                    };
                    Plan::Field(f)
                }
                other => other,
            }))
        } else {
            plan
        }
    }

    fn level(&mut self, op: CompareOp, value: &str, span: Span) -> Plan {
        let (word, plus) = match value.strip_suffix('+') {
            Some(w) => (w, true),
            None => (value, false),
        };
        let level = if word.eq_ignore_ascii_case("none") {
            Some(Level::None)
        } else {
            Level::from_word(word.as_bytes())
        };
        let Some(level) = level else {
            self.error(
                span,
                format!("\"{value}\" is not a level; use trace, debug, info, notice, warn, error or critical"),
            );
            return Plan::All;
        };
        let (min, max) = match op {
            CompareOp::Match => (level, Level::Critical),
            CompareOp::Equal if plus => (level, Level::Critical),
            CompareOp::Equal => (level, level),
            CompareOp::NotEqual => {
                return Plan::Not(Box::new(Plan::Level {
                    min: level,
                    max: level,
                }))
            }
            CompareOp::GreaterOrEqual => (level, Level::Critical),
            CompareOp::LessOrEqual => (Level::None, level),
            CompareOp::Greater if level == Level::Critical => return Plan::Nothing,
            CompareOp::Greater => (Level::from_u8(level as u8 + 1), Level::Critical),
            CompareOp::Less if level == Level::None => return Plan::Nothing,
            CompareOp::Less => (Level::None, Level::from_u8(level as u8 - 1)),
        };
        Plan::Level { min, max }
    }
}

/// A regex finding the last part of a field's name as written in JSON or logfmt text.
fn name_hint(name: &str) -> Option<Arc<BytesRegex>> {
    let last = name.rsplit('.').next()?;
    if last.is_empty()
        || !last
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\')
    {
        return None;
    }
    let mut re = String::from("(?-u)");
    escape_bytes(last, &mut re);
    bytes_regex(&re).ok().map(Arc::new)
}

/// A regex finding `"name"` and `name=` in JSON text, for names without dots. Literals
/// only, so the search runs on the regex crate's literal prefilter alone.
fn json_key_regex(name: &str) -> Option<Arc<BytesRegex>> {
    if name.is_empty()
        || name.contains('.')
        || !name
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\')
    {
        return None;
    }
    let mut escaped = String::new();
    escape_bytes(name, &mut escaped);
    bytes_regex(&format!(r#"(?-u)"{escaped}"|{escaped}="#))
        .ok()
        .map(Arc::new)
}

/// Simplifies constant parts away (`All` in an AND, `Nothing` in an OR).
fn simplify(plan: Plan) -> Plan {
    match plan {
        Plan::And(items) => {
            let mut out = Vec::new();
            for p in items.into_iter().map(simplify) {
                match p {
                    Plan::All => {}
                    Plan::Nothing => return Plan::Nothing,
                    Plan::And(inner) => out.extend(inner),
                    p => out.push(p),
                }
            }
            match out.len() {
                0 => Plan::All,
                1 => out.pop().unwrap_or(Plan::All),
                _ => Plan::And(out),
            }
        }
        Plan::Or(items) => {
            let mut out = Vec::new();
            for p in items.into_iter().map(simplify) {
                match p {
                    Plan::Nothing => {}
                    Plan::All => return Plan::All,
                    Plan::Or(inner) => out.extend(inner),
                    p => out.push(p),
                }
            }
            match out.len() {
                0 => Plan::Nothing,
                1 => out.pop().unwrap_or(Plan::Nothing),
                _ => Plan::Or(out),
            }
        }
        Plan::Not(item) => match simplify(*item) {
            Plan::All => Plan::Nothing,
            Plan::Nothing => Plan::All,
            Plan::Not(inner) => *inner,
            p => Plan::Not(Box::new(p)),
        },
        p => p,
    }
}

/// Compiles a parsed query. Never fails: see the module docs.
pub fn compile(parsed: &ParsedQuery, cx: &QueryContext) -> CompiledQuery {
    let mut c = Compiler {
        cx,
        errors: parsed.errors.clone(),
    };
    let plan = match &parsed.expr {
        Some(e) => simplify(c.compile(e)),
        None => Plan::All,
    };
    let mut errors = c.errors;
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    CompiledQuery { plan, errors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::query::parse::parse;

    #[test]
    fn words_and_phrases_become_whole_word_case_insensitive_regexes() {
        let re = BytesRegex::new(&text_regex("Timed  out", true)).unwrap();
        assert!(re.is_match(b"connection TIMED\tout after"));
        assert!(!re.is_match(b"untimed out"));
        let re = BytesRegex::new(&text_regex("payment-*", false)).unwrap();
        assert!(re.is_match(b"svc payment-gateway up"));
        assert!(!re.is_match(b"svc payments"));
        let re = BytesRegex::new(&text_regex("Café", false)).unwrap();
        assert!(re.is_match("Café Ünïcode".as_bytes()));
        assert_eq!(required_tokens("payment-* x*y", false), vec!["payment"]);
        assert_eq!(
            required_tokens("Connection timed out", true),
            vec!["connection", "timed", "out"]
        );
    }

    #[test]
    fn levels_times_and_errors() {
        let cx = QueryContext {
            zone: Zone::Utc,
            data_first: Some(0),
            data_last: Some(3_600_000_000_000),
        };
        let q = compile(
            &parse("level:warn+ level=info last 15m after:2026-07-03 level:bogus /(/"),
            &cx,
        );
        assert_eq!(q.errors.len(), 2, "{:?}", q.errors);
        assert!(q.errors[0].message.contains("not a level"));
        assert!(q.errors[1].message.contains("regular expression"));
        let Plan::And(items) = q.plan else { panic!() };
        assert!(matches!(
            items[0],
            Plan::Level {
                min: Level::Warn,
                max: Level::Critical
            }
        ));
        assert!(matches!(
            items[1],
            Plan::Level {
                min: Level::Info,
                max: Level::Info
            }
        ));
        assert!(matches!(
            items[2],
            Plan::Time {
                from: 2_700_000_000_000,
                to: 3_600_000_000_001
            }
        ));
        let day = parse_query_time("2026-07-03T00:00:00Z", &Zone::Utc).unwrap();
        assert!(matches!(items[3], Plan::Time { from, .. } if from == day));
    }

    #[test]
    fn value_tests() {
        assert!(ValueTest::Number(CompareOp::GreaterOrEqual, 500.0).test("502"));
        assert!(!ValueTest::Number(CompareOp::GreaterOrEqual, 500.0).test("failed"));
        assert!(ValueTest::Exact("GET".into()).test("get"));
        assert!(
            ValueTest::Pattern(Arc::new(glob_regex("payment-*").unwrap())).test("Payment-Gateway")
        );
    }
}

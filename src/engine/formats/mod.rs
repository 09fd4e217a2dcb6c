//! Format detection and line classification.
//!
//! Every format is a [`LineParser`]: given one physical line (without its line end) it says whether the
//! line starts an event (with the event's time and level), continues the event above, or is neither.
//! That one question is all ingest needs at load time; fields are extracted on demand later.
//!
//! [`detect`] picks the parser for a file from a sample of its first lines by letting every candidate
//! classify the sample and keeping the one that recognises the most event starts.

mod access;
mod csv;
mod json;
mod text;

use serde::{Deserialize, Serialize};

use super::level::Level;
use super::time::TimeContext;

pub use self::access::AccessLogParser;
pub use self::csv::CsvParser;
pub use self::json::{JsonLinesParser, JsonScan, RawValue};
pub use self::text::{find_level_word, TextParser};

/// The documented names of the formats Casefile reads (the `format` field of `casefile summary`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FormatName {
    /// One JSON object per line.
    JsonLines,
    /// Apache/nginx common or combined access log (with trailing extra fields).
    AccessLog,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// Plain text lines that start with a timestamp; other lines join the event above.
    Text,
    /// Nothing could be read (empty or not a text log).
    #[default]
    Unknown,
}

impl FormatName {
    pub fn as_str(self) -> &'static str {
        match self {
            FormatName::JsonLines => "json_lines",
            FormatName::AccessLog => "access_log",
            FormatName::Csv => "csv",
            FormatName::Tsv => "tsv",
            FormatName::Text => "text",
            FormatName::Unknown => "unknown",
        }
    }
}

/// What one physical line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineClass {
    /// The line starts a new event.
    Start { ts: Option<i64>, level: Level },
    /// The line belongs to the event above (a stack frame, an indented continuation, a quoted newline).
    Continue,
    /// The line neither starts nor continues an event (counted in `unparsed_lines`).
    Unparsed,
    /// The line is not an event and not an error (a CSV header, a blank line between events).
    Skip,
}

/// Classifies the lines of one file, in order. Parsers may keep state between lines (CSV quoting).
pub trait LineParser: Send {
    fn name(&self) -> FormatName;
    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass;
}

/// How many lines of the sample [`detect`] looks at.
const DETECT_LINES: usize = 200;

/// Chooses the parser for a file from a sample of its first bytes (whole lines) and its name.
pub fn detect(sample: &[u8], file_name: &str, cx: &TimeContext) -> Box<dyn LineParser> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        if let Some(p) = CsvParser::sniff(sample, b',') {
            return Box::new(p);
        }
    }
    if lower.ends_with(".tsv") || lower.ends_with(".tab") {
        if let Some(p) = CsvParser::sniff(sample, b'\t') {
            return Box::new(p);
        }
    }
    let mut candidates: Vec<Box<dyn LineParser>> =
        vec![Box::new(JsonLinesParser), Box::new(AccessLogParser)];
    let mut best: Option<(usize, Box<dyn LineParser>)> = None;
    for mut parser in candidates.drain(..) {
        let starts = count_starts(parser.as_mut(), sample, cx);
        if starts > 0 && best.as_ref().is_none_or(|(b, _)| starts > *b) {
            best = Some((starts, parser));
        }
    }
    let lines = sample_lines(sample).filter(|l| !l.is_empty()).count();
    if let Some((starts, _)) = &best {
        // A structured format must explain most of the sample; otherwise plain text reads it better.
        if *starts * 2 >= lines {
            return best.map(|(_, p)| p).expect("checked above");
        }
    }
    if let Some(p) = CsvParser::sniff(sample, b',').or_else(|| CsvParser::sniff(sample, b'\t')) {
        return Box::new(p);
    }
    Box::new(TextParser::default())
}

fn sample_lines(sample: &[u8]) -> impl Iterator<Item = &[u8]> {
    sample
        .split(|b| *b == b'\n')
        .take(DETECT_LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

fn count_starts(parser: &mut dyn LineParser, sample: &[u8], cx: &TimeContext) -> usize {
    sample_lines(sample)
        .filter(|l| !l.is_empty())
        .filter(|l| matches!(parser.classify(l, cx), LineClass::Start { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(sample: &str, name: &str) -> FormatName {
        detect(sample.as_bytes(), name, &TimeContext::default()).name()
    }

    #[test]
    fn detects_the_basic_families() {
        assert_eq!(
            detected("{\"ts\":\"2026-07-03T09:00:00Z\",\"msg\":\"x\"}\n", "a.log"),
            FormatName::JsonLines
        );
        assert_eq!(
            detected(
                "1.2.3.4 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 200 12 \"-\" \"x\"\n",
                "a"
            ),
            FormatName::AccessLog
        );
        assert_eq!(detected("a,b,c\n1,2,3\n4,5,6\n", "x.csv"), FormatName::Csv);
        assert_eq!(
            detected("2026-07-03 09:00:00 INFO hello\n", "x.log"),
            FormatName::Text
        );
    }
}

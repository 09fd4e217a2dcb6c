//! CSV and TSV with a header row: one record per event, quoted fields may hold newlines, and a
//! timestamp column is found by name or by content.

use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

const TIME_NAMES: &[&str] = &[
    "timestamp",
    "time",
    "ts",
    "date",
    "datetime",
    "@timestamp",
    "created_at",
    "event_time",
];
const LEVEL_NAMES: &[&str] = &["level", "severity", "lvl", "loglevel", "status_level"];

#[derive(Debug)]
pub struct CsvParser {
    delimiter: u8,
    header_seen: bool,
    /// Inside a quoted field at the end of the previous line.
    in_quotes: bool,
    time_column: Option<usize>,
    level_column: Option<usize>,
}

/// Splits one physical line into fields, honouring quotes. Returns the fields (quotes removed, doubled
/// quotes left as written) and whether the line ends inside a quoted field.
fn split_fields(line: &[u8], delimiter: u8, mut in_quotes: bool) -> (Vec<&[u8]>, bool) {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if c == b'"' {
            if in_quotes && line.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            in_quotes = !in_quotes;
        } else if c == delimiter && !in_quotes {
            fields.push(trim_quotes(&line[start..i]));
            start = i + 1;
        }
        i += 1;
    }
    fields.push(trim_quotes(&line[start..]));
    (fields, in_quotes)
}

fn trim_quotes(f: &[u8]) -> &[u8] {
    f.strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(f)
}

impl CsvParser {
    /// Accepts the sample as CSV with `delimiter` when the first lines have a consistent number of
    /// fields (at least two) and the first one reads as a header.
    pub fn sniff(sample: &[u8], delimiter: u8) -> Option<CsvParser> {
        let mut lines = sample
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let header = lines.next()?;
        let (names, open) = split_fields(header, delimiter, false);
        if names.len() < 2 || open || names.iter().any(|n| n.is_empty()) {
            return None;
        }
        let mut consistent = 0;
        let mut checked = 0;
        let mut in_quotes = false;
        let mut count = 0;
        for line in lines.take(50) {
            if line.is_empty() && !in_quotes {
                continue;
            }
            let (fields, open) = split_fields(line, delimiter, in_quotes);
            count += fields.len() - usize::from(in_quotes);
            in_quotes = open;
            if !open {
                checked += 1;
                if count == names.len() {
                    consistent += 1;
                }
                count = 0;
            }
        }
        if checked == 0 || consistent * 10 < checked * 9 {
            return None;
        }
        Some(CsvParser {
            delimiter,
            header_seen: false,
            in_quotes: false,
            time_column: None,
            level_column: None,
        })
    }

    fn learn_header(&mut self, names: &[&[u8]]) {
        let lower: Vec<String> = names
            .iter()
            .map(|n| String::from_utf8_lossy(n).trim().to_ascii_lowercase())
            .collect();
        self.time_column = TIME_NAMES
            .iter()
            .find_map(|want| lower.iter().position(|n| n == want))
            .or_else(|| {
                lower
                    .iter()
                    .position(|n| n.contains("time") || n.ends_with("_ms") || n.ends_with("_at"))
            });
        self.level_column = LEVEL_NAMES
            .iter()
            .find_map(|want| lower.iter().position(|n| n == want));
    }
}

impl LineParser for CsvParser {
    fn name(&self) -> FormatName {
        if self.delimiter == b'\t' {
            FormatName::Tsv
        } else {
            FormatName::Csv
        }
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        let continuing = self.in_quotes;
        let (fields, open) = split_fields(line, self.delimiter, self.in_quotes);
        self.in_quotes = open;
        if continuing {
            return LineClass::Continue;
        }
        if !self.header_seen {
            self.header_seen = true;
            self.learn_header(&fields);
            return LineClass::Skip;
        }
        if line.is_empty() {
            return LineClass::Skip;
        }
        let ts = self
            .time_column
            .and_then(|c| fields.get(c))
            .and_then(|f| time::parse_any(f))
            .and_then(|(stamp, _)| cx.resolve(&stamp));
        let level = self
            .level_column
            .and_then(|c| fields.get(c))
            .and_then(|f| Level::from_word(f))
            .unwrap_or_default();
        LineClass::Start { ts, level }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn header_is_skipped_and_time_column_found() {
        let sample = b"txn_id,timestamp_ms,merchant\nT1,1783069201181,\"Bob's \"\"Best\"\" Bikes\"\nT2,1783069201477,\"Acme, Inc.\"\n";
        let mut p = CsvParser::sniff(sample, b',').unwrap();
        let cx = TimeContext::default();
        assert_eq!(
            p.classify(b"txn_id,timestamp_ms,merchant", &cx),
            LineClass::Skip
        );
        match p.classify(b"T1,1783069201181,\"Acme, Inc.\"", &cx) {
            LineClass::Start { ts: Some(ts), .. } => {
                assert_eq!(format_rfc3339(ts), "2026-07-03T09:00:01.181Z")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_newlines_continue_the_record() {
        let mut p = CsvParser::sniff(b"a,b\n1,2\n", b',').unwrap();
        let cx = TimeContext::default();
        p.classify(b"a,b", &cx);
        assert!(matches!(
            p.classify(b"1,\"two", &cx),
            LineClass::Start { .. }
        ));
        assert_eq!(p.classify(b"lines\"", &cx), LineClass::Continue);
        assert!(matches!(p.classify(b"3,4", &cx), LineClass::Start { .. }));
    }

    #[test]
    fn prose_is_not_csv() {
        assert!(CsvParser::sniff(b"hello world\nthis is, text\n", b',').is_none());
    }
}

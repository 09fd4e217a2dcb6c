//! Format detection and line classification.
//!
//! Every format is a [`LineParser`]: given one physical line (without its line end) it says whether the
//! line starts an event (with the event's time and level), continues the event above, or is neither.
//! That one question is all ingest needs at load time; fields are extracted on demand later.
//!
//! [`detect`] picks the parser for a file from a sample of its first lines by letting every candidate
//! classify the sample and keeping the one that recognises the most event starts. Parsers also read the
//! odd line of another format (a file that mixes formats): a foreign line that opens with a timestamp
//! is an event of its own. Multi-line entries (stack traces) fold into the event that starts them; see
//! `multiline` for the rules used where lines carry no timestamps.
//!
//! The hot path is [`LineParser::classify`], called for every line at ingest: parsers are byte
//! scanners that neither allocate per line nor use regexes.

mod access;
mod container;
pub mod csv;
mod json;
mod loghub;
mod multiline;
mod syslog;
mod text;
mod web;

use serde::{Deserialize, Serialize};

use super::level::Level;
use super::time::{self, TimeContext};

pub use self::access::AccessLogParser;
pub use self::container::ContainerParser;
pub use self::csv::CsvParser;
pub use self::json::{json_unescape, unescape_json, JsonLinesParser, JsonScan, RawValue};
pub use self::loghub::{BglParser, HpcParser};
pub use self::multiline::TraceJoiner;
pub use self::syslog::SyslogParser;
pub use self::text::{find_level_word, text_family, TextParser};
pub use self::web::{AwsAlbParser, JournaldExportParser, LogfmtParser, W3cParser};

/// The documented names of the formats Casefile reads (the `format` field of `casefile summary`).
/// The names are stable: they are part of the CLI's JSON output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FormatName {
    /// One JSON object per line, with the time, level and message under any common key (`ts`, `time`,
    /// `@timestamp`, `level`, `severity`, `log.level`, bunyan/pino numeric levels, ...).
    JsonLines,
    /// `key=value` pairs (`ts=... level=info msg="..."`), as written by logrus, go-kit, Heroku.
    Logfmt,
    /// Apache/nginx common or combined access log (with trailing extra fields).
    AccessLog,
    /// nginx error log: `2026/07/03 09:00:00 [error] 12#0: *1 message`.
    NginxError,
    /// Apache httpd error log: `[Wed Oct 11 14:32:52.123 2000] [core:error] [pid 1] message`.
    ApacheError,
    /// W3C extended log (IIS and others), columns named by its `#Fields:` header.
    W3c,
    /// AWS Application or Classic Load Balancer access log.
    AwsAlb,
    /// AWS CloudTrail records (`eventTime`, `eventSource`): one object per line, or the document AWS
    /// delivers, `{"Records":[...]}` (one record per event; level error when `errorCode` is set).
    Cloudtrail,
    /// Syslog RFC 3164 (`Jul  3 09:00:53 host tag: message`, optional `<PRI>`; year from the file).
    Syslog,
    /// Syslog RFC 5424 (`<PRI>1 2026-07-03T09:00:53Z host app procid msgid [sd] message`).
    Syslog5424,
    /// systemd journal export format (`journalctl -o export`): records of `FIELD=value` lines.
    JournaldExport,
    /// systemd journal as JSON lines (`journalctl -o json`).
    JournaldJson,
    /// Docker json-file driver: `{"log":"...","stream":"stdout","time":"..."}`; the inner line is read too.
    DockerJson,
    /// Kubernetes CRI container log: `TIME stdout F message`, partial lines (`P`) joined.
    Cri,
    /// log4j / logback pattern layouts: a timestamp, then a level word, thread and logger.
    Log4j,
    /// Python `logging`: `2026-07-03 09:00:00,123 - name - LEVEL - message`.
    Python,
    /// Go's standard `log` package: `2026/07/03 09:00:00 message`.
    GoLog,
    /// glog / klog: `I0703 09:00:00.123456 1234 file.go:12] message`.
    Glog,
    /// Ruby on Rails / Ruby Logger: `I, [2026-07-03T09:00:00.123456 #1234]  INFO -- : message`.
    Rails,
    /// Hadoop HDFS (loghub): `081109 203615 148 INFO dfs.DataNode: message`.
    Hdfs,
    /// Apache Spark (loghub): `17/06/09 20:10:40 INFO executor.Executor: message`.
    Spark,
    /// Blue Gene/L RAS log (loghub): `- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 ...`.
    Bgl,
    /// HPC cluster log (loghub): `134681 node-246 unix.hw state_change.unavailable 1077804742 1 ...`.
    Hpc,
    /// HealthApp (loghub): `20171223-22:15:29:606|Step_LSC|30002312|message`.
    HealthApp,
    /// Proxifier (loghub): `[10.30 16:49:06] chrome.exe - message` (no year).
    Proxifier,
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
    /// Every name, in documentation order.
    pub const ALL: [FormatName; 29] = [
        FormatName::JsonLines,
        FormatName::Logfmt,
        FormatName::AccessLog,
        FormatName::NginxError,
        FormatName::ApacheError,
        FormatName::W3c,
        FormatName::AwsAlb,
        FormatName::Cloudtrail,
        FormatName::Syslog,
        FormatName::Syslog5424,
        FormatName::JournaldExport,
        FormatName::JournaldJson,
        FormatName::DockerJson,
        FormatName::Cri,
        FormatName::Log4j,
        FormatName::Python,
        FormatName::GoLog,
        FormatName::Glog,
        FormatName::Rails,
        FormatName::Hdfs,
        FormatName::Spark,
        FormatName::Bgl,
        FormatName::Hpc,
        FormatName::HealthApp,
        FormatName::Proxifier,
        FormatName::Csv,
        FormatName::Tsv,
        FormatName::Text,
        FormatName::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormatName::JsonLines => "json_lines",
            FormatName::Logfmt => "logfmt",
            FormatName::AccessLog => "access_log",
            FormatName::NginxError => "nginx_error",
            FormatName::ApacheError => "apache_error",
            FormatName::W3c => "w3c",
            FormatName::AwsAlb => "aws_alb",
            FormatName::Cloudtrail => "cloudtrail",
            FormatName::Syslog => "syslog",
            FormatName::Syslog5424 => "syslog5424",
            FormatName::JournaldExport => "journald_export",
            FormatName::JournaldJson => "journald_json",
            FormatName::DockerJson => "docker_json",
            FormatName::Cri => "cri",
            FormatName::Log4j => "log4j",
            FormatName::Python => "python",
            FormatName::GoLog => "go_log",
            FormatName::Glog => "glog",
            FormatName::Rails => "rails",
            FormatName::Hdfs => "hdfs",
            FormatName::Spark => "spark",
            FormatName::Bgl => "bgl",
            FormatName::Hpc => "hpc",
            FormatName::HealthApp => "health_app",
            FormatName::Proxifier => "proxifier",
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
    /// The line belongs to the event above and carries its time or level (a field of a journal export
    /// record after its first line): `ts` replaces the event's time when set, `level` its level unless
    /// `Level::None`.
    Amend { ts: Option<i64>, level: Level },
}

/// Classifies the lines of one file, in order. Parsers may keep state between lines (CSV quoting).
pub trait LineParser: Send {
    fn name(&self) -> FormatName;
    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass;

    /// Whether `line` is one of this format's own event lines. Detection counts only these, not the
    /// lines of other formats a parser also reads in a mixed file. By default: a start with a time.
    fn recognises(&mut self, line: &[u8], cx: &TimeContext) -> bool {
        matches!(
            self.classify(line, cx),
            LineClass::Start { ts: Some(_), .. }
        )
    }

    /// Called once at the end of the file: a sentence naming what was wrong with the file's structure
    /// (a CSV quote never closed, with its line), if anything.
    fn finish(&mut self) -> Option<String> {
        None
    }
}

/// How many lines of the sample [`detect`] looks at.
const DETECT_LINES: usize = 200;

/// Chooses the parser for a file from a sample of its first bytes (whole lines) and its name.
///
/// Container wrappers and the journal export format are recognised first (they wrap other formats);
/// then every structured candidate classifies the sample and the one that finds the most timestamped
/// event starts wins (ties go to the more specific, earlier candidate), provided it explains at least
/// half of the lines. Otherwise the sample is tried as CSV/TSV, and finally read as text, named after its
/// family.
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
    if is_journal_export(sample) {
        return Box::new(JournaldExportParser::default());
    }
    let lines: Vec<&[u8]> = sample_lines(sample).filter(|l| !l.is_empty()).collect();
    let (mut docker, mut cri) = (0, 0);
    for l in &lines {
        match ContainerParser::kind_of(l, cx) {
            Some(FormatName::DockerJson) => docker += 1,
            Some(_) => cri += 1,
            None => {}
        }
    }
    if (docker + cri) * 2 >= lines.len() && docker + cri > 0 {
        let name = if docker >= cri {
            FormatName::DockerJson
        } else {
            FormatName::Cri
        };
        return Box::new(ContainerParser::new(name));
    }
    let candidates: Vec<Box<dyn LineParser>> = vec![
        Box::new(JsonLinesParser::for_sample(&lines)),
        Box::new(AwsAlbParser),
        Box::new(AccessLogParser),
        Box::new(SyslogParser::new(syslog_name(&lines, cx))),
        Box::new(BglParser),
        Box::new(HpcParser),
        Box::new(W3cParser::default()),
        Box::new(LogfmtParser),
    ];
    let mut best: Option<(usize, usize, Box<dyn LineParser>)> = None;
    for mut parser in candidates {
        let (starts, skipped) = count_starts(parser.as_mut(), &lines, cx);
        if starts > 0 && best.as_ref().is_none_or(|(b, _, _)| starts > *b) {
            best = Some((starts, skipped, parser));
        }
    }
    if let Some((starts, skipped, _)) = &best {
        // A structured format must explain most of the sample (its header lines aside); otherwise
        // plain text reads it better.
        if *starts * 2 >= lines.len() - skipped {
            return best.map(|(_, _, p)| p).expect("checked above");
        }
    }
    // Lines that open with a timestamp or a level word followed by text are a log even when they
    // hold commas (`2015-10-18 18:01:47,978 INFO ...`, `WARN disk low, 10%`); a timestamp followed
    // by a delimiter is a CSV column.
    let log_lines = lines.iter().filter(|l| opens_like_a_log(l)).count();
    if log_lines * 2 < lines.len() {
        if let Some(p) = CsvParser::sniff_unnamed(sample) {
            return Box::new(p);
        }
    }
    let family = lines
        .iter()
        .take(20)
        .map(|l| text_family(l))
        .find(|n| *n != FormatName::Text)
        .unwrap_or(FormatName::Text);
    Box::new(TextParser::named(family))
}

/// Whether a line opens the way log lines do: a timestamp, or a level word (`INFO`, `[WARN]`,
/// `error:`), followed by text rather than by a CSV delimiter.
fn opens_like_a_log(line: &[u8]) -> bool {
    let text_follows = |at: usize| !matches!(line.get(at), Some(b',' | b'\t' | b';' | b'|'));
    if let Some((_, r)) = time::find_leading(line) {
        return text_follows(r.end);
    }
    let token_end = line
        .iter()
        .position(|c| matches!(c, b' ' | b':' | b']' | b',' | b'\t' | b';' | b'|'))
        .unwrap_or(line.len());
    let token = line[..token_end]
        .strip_prefix(b"[")
        .unwrap_or(&line[..token_end]);
    token.len() >= 3
        && token_end < line.len()
        && Level::from_word(token).is_some()
        && text_follows(token_end)
}

/// Whether a sample is the systemd journal export format (`journalctl -o export`): its records open
/// with `__CURSOR=` or `__REALTIME_TIMESTAMP=`. Such files may hold binary fields.
pub fn is_journal_export(sample: &[u8]) -> bool {
    sample_lines(sample)
        .take(64)
        .any(|l| l.starts_with(b"__CURSOR=") || l.starts_with(b"__REALTIME_TIMESTAMP="))
}

fn syslog_name(lines: &[&[u8]], cx: &TimeContext) -> FormatName {
    let rfc5424 = lines
        .iter()
        .filter_map(|l| SyslogParser::head(l, cx))
        .take(20)
        .filter(|h| h.rfc5424)
        .count();
    if rfc5424 > 0 {
        FormatName::Syslog5424
    } else {
        FormatName::Syslog
    }
}

fn sample_lines(sample: &[u8]) -> impl Iterator<Item = &[u8]> {
    sample
        .split(|b| *b == b'\n')
        .take(DETECT_LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Lines of the sample a parser recognises as its own event lines, and the lines it skips as headers.
fn count_starts(parser: &mut dyn LineParser, lines: &[&[u8]], cx: &TimeContext) -> (usize, usize) {
    let (mut starts, mut skipped) = (0, 0);
    for l in lines {
        if parser.recognises(l, cx) {
            starts += 1;
        } else if parser.classify(l, cx) == LineClass::Skip {
            skipped += 1;
        }
    }
    (starts, skipped)
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
            FormatName::Log4j
        );
        assert_eq!(
            detected("2026-07-03 09:00:00 hello\n", "x.log"),
            FormatName::Text
        );
        assert_eq!(
            detected("Jul  3 09:00:06 gw-01 systemd[1]: Started.\n", "syslog"),
            FormatName::Syslog
        );
        assert_eq!(
            detected(
                "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2026-07-03T09:00:00Z\"}\n",
                "c.log"
            ),
            FormatName::DockerJson
        );
    }

    #[test]
    fn names_and_serde_agree() {
        for name in FormatName::ALL {
            let json = serde_json::to_string(&name).unwrap();
            assert_eq!(json, format!("\"{}\"", name.as_str()));
            assert_eq!(serde_json::from_str::<FormatName>(&json).unwrap(), name);
        }
    }

    #[test]
    fn detects_every_log_family() {
        let cases: &[(&str, FormatName)] = &[
            ("ts=2026-07-03T09:00:00Z level=info msg=\"a b\" n=1\n", FormatName::Logfmt),
            ("2026/07/03 09:00:00 [error] 12#0: *1 open() failed\n", FormatName::NginxError),
            ("[Tue Apr 04 06:28:08.605341 2017] [core:error] [pid 17962] x\n", FormatName::ApacheError),
            ("#Version: 1.0\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n2026-07-03 09:00:00 10.0.0.1 GET / 200\n", FormatName::W3c),
            ("h2 2016-08-10T00:10:33.145057Z app/lb/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 \"GET https://x/ HTTP/2.0\" \"curl\" - -\n", FormatName::AwsAlb),
            ("{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-07-03T09:00:00Z\",\"eventSource\":\"s3.amazonaws.com\"}\n", FormatName::Cloudtrail),
            ("<165>1 2026-07-03T09:00:00.003Z host app 1 ID47 - message\n", FormatName::Syslog5424),
            ("__CURSOR=s=1\n__REALTIME_TIMESTAMP=1342540861416409\nMESSAGE=x\n\n", FormatName::JournaldExport),
            ("{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1342540861416409\",\"PRIORITY\":\"6\",\"MESSAGE\":\"x\"}\n", FormatName::JournaldJson),
            ("2016-10-06T00:17:09.669794202Z stdout F hello\n", FormatName::Cri),
            ("I0703 09:00:00.123456    1234 main.go:12] started\n", FormatName::Glog),
            ("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO x\n", FormatName::Bgl),
            ("134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change\n", FormatName::Hpc),
        ];
        for (sample, name) in cases {
            assert_eq!(detected(sample, "x.log"), *name, "{sample}");
        }
    }

    #[test]
    fn lines_of_another_format_in_a_file_are_events_of_their_own() {
        let cx = TimeContext::default();
        let sample = "{\"ts\":\"2026-07-03T09:00:00Z\",\"level\":\"info\"}\n".repeat(5);
        let mut p = detect(sample.as_bytes(), "app.log", &cx);
        assert_eq!(p.name(), FormatName::JsonLines);
        assert!(matches!(
            p.classify(b"2026-07-03 09:00:01,5 WARN [main] plain banner line", &cx),
            LineClass::Start {
                ts: Some(_),
                level: Level::Warn
            }
        ));
        assert_eq!(
            p.classify(b"{\"ts\":\"2026-07-03T09:00:00Z\", \"cut", &cx),
            LineClass::Unparsed
        );
        let sample =
            "1.2.3.4 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\"\n"
                .repeat(5);
        let mut p = detect(sample.as_bytes(), "access.log", &cx);
        assert_eq!(p.name(), FormatName::AccessLog);
        assert!(matches!(
            p.classify(
                b"2026/07/03 09:00:04 [error] 7#7: *1 upstream timed out",
                &cx
            ),
            LineClass::Start {
                ts: Some(_),
                level: Level::Error
            }
        ));
    }

    /// Builds a file of `n` lines from a line maker, after an optional first line.
    fn file(first: &str, n: usize, line: impl Fn(usize) -> String) -> String {
        let mut text = first.to_string();
        for i in 0..n {
            text.push_str(&line(i));
            text.push('\n');
        }
        text
    }

    #[test]
    fn free_text_with_one_comma_per_line_is_read_as_a_log() {
        let cases = [
            // A banner that could pass for a header over a numeric column.
            file("Booting, please wait\n", 60, |i| {
                format!("Loaded module {i}, {}", i * 3)
            }),
            // Prose on both sides of the comma, under a name-like first line.
            file("Started, ok\n", 60, |i| {
                format!("user{i} logged in, session {}", i * 7)
            }),
            // Timestamped lines whose text holds one comma.
            file("Server log, host a\n", 60, |i| {
                format!("2024-01-01 10:00:{:02} request {i} served, 200", i % 60)
            }),
            file("", 60, |i| {
                format!("[2024-01-01 10:00:{:02}] user {i} logged in, ok", i % 60)
            }),
            // Level words open the lines.
            file("Severity, text\n", 60, |i| {
                format!("{} request {i}, took {} ms", ["INFO", "WARN"][i % 2], i)
            }),
        ];
        for text in &cases {
            let name = detected(text, "app.log");
            assert!(
                !matches!(name, FormatName::Csv | FormatName::Tsv),
                "{name:?} for {}",
                text.lines().nth(1).unwrap_or_default()
            );
        }
        // And every line of the timestamped file is its own event.
        let cx = TimeContext::default();
        let mut p = detect(cases[2].as_bytes(), "app.log", &cx);
        let starts = cases[2]
            .lines()
            .filter(|l| {
                matches!(
                    p.classify(l.as_bytes(), &cx),
                    LineClass::Start { ts: Some(_), .. }
                )
            })
            .count();
        assert_eq!(starts, 60);
    }

    #[test]
    fn convincing_tables_without_a_csv_name_stay_csv() {
        let cases = [
            // Two columns: names over a typed column.
            file("Message, Count\n", 40, |i| {
                format!("request {i} served, {i}")
            }),
            file("time,message\n", 40, |i| {
                format!("2024-01-01T10:00:{:02}Z,hello there world {i}", i % 60)
            }),
            // Three columns, prose included: two delimiters per row are rare in free text.
            file("id,user,comment\n", 40, |i| {
                format!("{i},user{i},said something about it")
            }),
        ];
        for text in &cases {
            assert_eq!(
                detected(text, "export"),
                FormatName::Csv,
                "{}",
                text.lines().next().unwrap_or_default()
            );
        }
    }
}

//! Typed errors of the engine. Each reaches the user as a sentence naming the problem; the file name is
//! added by whoever reports it (the summary, the status line), since a source knows its own name.
//!
//! A source can carry several problems (a CSV quote never closed and an over-long line); ingest joins
//! their sentences with "; " into the source's one error text.

/// What is wrong with one source. Reading may have produced some events before the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("the file is empty")]
    Empty,
    #[error("this is not a text log (it holds binary data), so it was skipped")]
    NotText,
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    /// A problem in the file's structure, as the format's parser words it (e.g. "line 12: a quoted
    /// field is never closed ...").
    #[error("{0}")]
    Structure(String),
    #[error("{} not read as {format} (first: line {first_line}); they were kept with the event above", lines_phrase(*.lines))]
    LinesNotUnderstood {
        first_line: u64,
        lines: u64,
        format: &'static str,
    },
    #[error("{} longer than {limit_mib} MiB {} cut to the first {limit_mib} MiB (each still counts as one event)", count_phrase(*.events, "event", "events"), if *.events == 1 { "was" } else { "were" })]
    EventsCut { events: u64, limit_mib: u64 },
    /// A compressed stream or archive stops in the middle.
    #[error("the {kind} stream ends early after {}; the events before that were read", size_phrase(*.after_bytes))]
    Truncated {
        kind: &'static str,
        after_bytes: u64,
    },
    /// A compressed stream or archive is damaged (a bad checksum, an invalid block).
    #[error("the {kind} data is damaged after {} ({detail}); the events before that were read", size_phrase(*.after_bytes))]
    Damaged {
        kind: &'static str,
        after_bytes: u64,
        detail: String,
    },
    /// An archive member stored in a way Casefile cannot unpack.
    #[error("this archive member is {0}, which Casefile cannot unpack, so it was skipped")]
    Unsupported(String),
    /// A whole file compressed in a way Casefile cannot unpack.
    #[error("this file is compressed with {0}, which Casefile cannot unpack, so it was skipped")]
    UnsupportedCompression(&'static str),
    #[error("the archive holds no files")]
    EmptyArchive,
}

fn count_phrase(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn lines_phrase(n: u64) -> String {
    if n == 1 {
        "1 line was".to_string()
    } else {
        format!("{n} lines were")
    }
}

/// `812 bytes`, `3.4 KB`, `12.5 MB` (decimal units, as file managers show).
pub fn size_phrase(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} bytes")
    } else if bytes < 1_000_000 {
        format!("{:.1} KB", bytes as f64 / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.2} GB", bytes as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_read_well() {
        assert_eq!(
            SourceError::Truncated {
                kind: "gzip",
                after_bytes: 12_500_000
            }
            .to_string(),
            "the gzip stream ends early after 12.5 MB; the events before that were read"
        );
        assert_eq!(
            SourceError::EventsCut {
                events: 1,
                limit_mib: 1
            }
            .to_string(),
            "1 event longer than 1 MiB was cut to the first 1 MiB (each still counts as one event)"
        );
        assert_eq!(
            SourceError::LinesNotUnderstood {
                first_line: 3,
                lines: 2,
                format: "json_lines"
            }
            .to_string(),
            "2 lines were not read as json_lines (first: line 3); they were kept with the event above"
        );
    }
}

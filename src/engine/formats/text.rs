//! Plain text: a line that starts with a timestamp starts an event; other lines join the event above,
//! or stand alone when the file has no timestamps at all.

use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

#[derive(Debug, Default)]
pub struct TextParser {
    seen_timestamp: bool,
}

/// Finds the first level word (`INFO`, `[error]`, `W`, ...) among the first few tokens of `b`.
pub fn find_level_word(b: &[u8]) -> Level {
    let window = &b[..b.len().min(96)];
    for token in window
        .split(|c| {
            matches!(
                c,
                b' ' | b'\t' | b'[' | b']' | b':' | b'|' | b'<' | b'>' | b'(' | b')' | b','
            )
        })
        .filter(|t| !t.is_empty())
        .take(8)
    {
        // Single letters are levels only in upper case (glog `E`, `W`), not ordinary words like "a".
        if token.len() == 1 && !token[0].is_ascii_uppercase() {
            continue;
        }
        if let Some(level) = Level::from_word(token) {
            return level;
        }
    }
    Level::None
}

impl LineParser for TextParser {
    fn name(&self) -> FormatName {
        FormatName::Text
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match time::find_leading(line) {
            Some((stamp, range)) => {
                self.seen_timestamp = true;
                LineClass::Start {
                    ts: cx.resolve(&stamp),
                    level: find_level_word(&line[range.end..]),
                }
            }
            None if self.seen_timestamp => LineClass::Continue,
            None => LineClass::Start {
                ts: None,
                level: find_level_word(line),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_without_time_join_the_event_above() {
        let cx = TimeContext::default();
        let mut p = TextParser::default();
        assert!(matches!(
            p.classify(b"2026-07-03 09:00:00,123 ERROR [main] boom", &cx),
            LineClass::Start {
                ts: Some(_),
                level: Level::Error
            }
        ));
        assert_eq!(p.classify(b"\tat x.y(Z.java:1)", &cx), LineClass::Continue);
    }

    #[test]
    fn files_without_time_are_one_event_per_line() {
        let mut p = TextParser::default();
        assert_eq!(
            p.classify(b"just words", &TimeContext::default()),
            LineClass::Start {
                ts: None,
                level: Level::None
            }
        );
    }
}

//! JSON documents that hold an array of records, read as one record per line.
//!
//! AWS delivers CloudTrail logs as one JSON document per file, `{"Records":[{...},{...}]}`, usually on
//! one line of several megabytes (gzipped), sometimes pretty-printed over many lines. Ingest reads
//! lines, so [`RecordsFramer`] rewrites the document as it streams by:
//! - the `[` that opens the records array, the `,` between two records and the `]` that closes the
//!   array become line ends, so every record starts a line of its own;
//! - outside strings, a line end and the indentation after it are dropped, and so is whitespace
//!   between records, so a pretty-printed record is one line too, starting with its `{`.
//!
//! The header (`{"Records":`) and the closing `}` become lines of their own, which the JSON reader
//! skips. A one-line document keeps its length (only the three kinds of separator change); a
//! pretty-printed one loses its indentation, as a UTF-16 file loses bytes when transcoded (`bytes` in
//! the summary stays the size of the file as given). Records are found by tracking the nesting depth
//! of `{`/`[` outside strings, which needs a few bytes of state and no look-ahead: chunks may be cut
//! anywhere.

/// Whether a stream's first bytes open a records document: `{"Records":[` (whitespace and a UTF-8
/// byte order mark allowed). `None` while the bytes seen so far could still open one.
pub fn opens_records_document(head: &[u8]) -> Option<bool> {
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    for expected in [&b"{"[..], b"\"Records\"", b":", b"["] {
        rest = rest.trim_ascii_start();
        if rest.len() < expected.len() {
            return if expected.starts_with(rest) {
                None
            } else {
                Some(false)
            };
        }
        match rest.strip_prefix(expected) {
            Some(r) => rest = r,
            None => return Some(false),
        }
    }
    Some(true)
}

/// Rewrites a records document into one record per line. See the module docs.
#[derive(Debug, Default)]
pub struct RecordsFramer {
    /// Open `{` and `[` outside strings.
    depth: u32,
    in_string: bool,
    /// The byte before was a backslash inside a string.
    escaped: bool,
    /// After a line end outside strings: spaces and tabs (indentation) are dropped.
    indent: bool,
    /// The records array has opened (depth 2 is then between records).
    array_open: bool,
    /// The records array has closed: the rest is left as it is, line ends aside.
    array_closed: bool,
}

impl RecordsFramer {
    /// Rewrites the next bytes of the document, appending the result to `out`.
    pub fn reframe(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        let mut i = 0;
        while i < input.len() {
            if self.in_string {
                // Copy up to the closing quote, a run at a time.
                let Some(rel) = memchr::memchr2(b'"', b'\\', &input[i..]).filter(|_| !self.escaped)
                else {
                    if self.escaped {
                        self.escaped = false;
                        out.push(input[i]);
                        i += 1;
                    } else {
                        out.extend_from_slice(&input[i..]);
                        i = input.len();
                    }
                    continue;
                };
                out.extend_from_slice(&input[i..=i + rel]);
                if input[i + rel] == b'"' {
                    self.in_string = false;
                } else {
                    self.escaped = true;
                }
                i += rel + 1;
                continue;
            }
            let b = input[i];
            i += 1;
            let between_records = self.array_open && !self.array_closed && self.depth == 2;
            match b {
                b'\n' | b'\r' => {
                    self.indent = true;
                    continue;
                }
                b' ' | b'\t' if self.indent || between_records => continue,
                _ => self.indent = false,
            }
            let b = match b {
                b'"' => {
                    self.in_string = true;
                    b
                }
                b'{' => {
                    self.depth += 1;
                    b
                }
                b'[' => {
                    self.depth += 1;
                    if !self.array_open && self.depth == 2 {
                        self.array_open = true;
                        b'\n'
                    } else {
                        b
                    }
                }
                b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    b
                }
                b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if between_records {
                        self.array_closed = true;
                        b'\n'
                    } else {
                        b
                    }
                }
                b',' if between_records => b'\n',
                _ => b,
            };
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(doc: &str, chunk: usize) -> String {
        let mut out = Vec::new();
        let mut f = RecordsFramer::default();
        for c in doc.as_bytes().chunks(chunk) {
            f.reframe(c, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_line_documents_become_one_record_per_line() {
        let doc = r#"{"Records":[{"a":"x,]}\"[\\","b":[1,{"c":2}]},{"a":"y"}]}"#;
        for chunk in [1, 2, 5, 100] {
            let out = framed(doc, chunk);
            assert_eq!(out.len(), doc.len());
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(
                lines,
                [
                    r#"{"Records":"#,
                    r#"{"a":"x,]}\"[\\","b":[1,{"c":2}]}"#,
                    r#"{"a":"y"}"#,
                    "}"
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn pretty_printed_records_are_one_line_each() {
        let doc = "{\n  \"Records\": [\n    {\n      \"a\": \"x\\n  y\",\n      \"b\": {\"c\": \"d\"}\n    },\n    {\n\t\"a\": 2\r\n    }\n  ]\n}\n";
        for chunk in [1, 3, 100] {
            let out = framed(doc, chunk);
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(
                lines,
                [
                    "{\"Records\": ",
                    "{\"a\": \"x\\n  y\",\"b\": {\"c\": \"d\"}}",
                    "{\"a\": 2}",
                    "}"
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn tells_a_records_document_from_its_first_bytes() {
        assert_eq!(opens_records_document(b"{\"Records\":[{"), Some(true));
        assert_eq!(
            opens_records_document(b"\xEF\xBB\xBF{\n  \"Records\" : [\n"),
            Some(true)
        );
        assert_eq!(opens_records_document(b"{\"Rec"), None);
        assert_eq!(opens_records_document(b"  "), None);
        assert_eq!(opens_records_document(b"{\"ts\":1}"), Some(false));
        assert_eq!(opens_records_document(b"2026-07-03 x"), Some(false));
        assert_eq!(opens_records_document(b"{\"Records\":{}}"), Some(false));
    }
}

//! JSON documents that hold an array of records, read as one record per line.
//!
//! AWS delivers CloudTrail logs as one JSON document per file, `{"Records":[{...},{...}]}`, usually on
//! one line of several megabytes (gzipped), sometimes pretty-printed over many lines. Ingest reads
//! lines, so [`RecordsFramer`] rewrites the document as it streams by, in place and byte for byte:
//! - the `[` that opens the records array, the `,` between two records and the `]` that closes the
//!   array become line ends, so every record starts a line of its own;
//! - every line end outside a string becomes a space, so a pretty-printed record is one line too.
//!
//! The header (`{"Records":`) and the closing `}` become lines of their own, which the JSON reader
//! skips. Nothing is inserted or removed, so offsets and sizes stay those of the file. Records are
//! found by tracking the nesting depth of `{`/`[` outside strings, which needs a few bytes of state
//! and no look-ahead: chunks may be cut anywhere.

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
    /// The records array has opened (depth 2 is then between records).
    array_open: bool,
    /// The records array has closed: the rest is left as it is, line ends aside.
    array_closed: bool,
}

impl RecordsFramer {
    /// Rewrites the next bytes of the document in place.
    pub fn reframe(&mut self, bytes: &mut [u8]) {
        for b in bytes.iter_mut() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if *b == b'\\' {
                    self.escaped = true;
                } else if *b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            let between_records = self.array_open && !self.array_closed && self.depth == 2;
            match *b {
                b'"' => self.in_string = true,
                b'\n' | b'\r' => *b = b' ',
                b'{' => self.depth += 1,
                b'[' => {
                    self.depth += 1;
                    if !self.array_open && self.depth == 2 {
                        self.array_open = true;
                        *b = b'\n';
                    }
                }
                b'}' => self.depth = self.depth.saturating_sub(1),
                b']' => {
                    if between_records {
                        self.array_closed = true;
                        *b = b'\n';
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                b',' if between_records => *b = b'\n',
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(doc: &str, chunk: usize) -> String {
        let mut bytes = doc.as_bytes().to_vec();
        let mut f = RecordsFramer::default();
        for c in bytes.chunks_mut(chunk) {
            f.reframe(c);
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn one_line_documents_become_one_record_per_line() {
        let doc = r#"{"Records":[{"a":"x,]}\"[","b":[1,{"c":2}]},{"a":"y"}]}"#;
        for chunk in [1, 2, 5, 100] {
            let out = framed(doc, chunk);
            assert_eq!(out.len(), doc.len());
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(
                lines,
                [
                    r#"{"Records":"#,
                    r#"{"a":"x,]}\"[","b":[1,{"c":2}]}"#,
                    r#"{"a":"y"}"#,
                    "}"
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn pretty_printed_records_are_one_line_each() {
        let doc = "{\n  \"Records\": [\n    {\n      \"a\": 1,\n      \"b\": {\"c\": \"d\"}\n    },\n    {\n      \"a\": 2\n    }\n  ]\n}\n";
        let out = framed(doc, 3);
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        assert_eq!(
            lines,
            [
                "{   \"Records\":",
                "{       \"a\": 1,       \"b\": {\"c\": \"d\"}     }",
                "{       \"a\": 2     }",
                "}"
            ]
        );
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

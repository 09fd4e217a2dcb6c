//! Stack traces and other multi-line entries written without a timestamp on every line.
//!
//! In a file whose events start with a timestamp, every line without one joins the event above, so
//! traces fold on their own. These rules are for the other case: text without timestamps (a bare
//! `stderr`, a container's output, a pasted trace), where a line joins the line above only when it is
//! recognisably part of the same entry: an indented line (Java, JS, .NET, Ruby and Python frames), `Caused
//! by:` and `... N more` (Java), `--- End of ... ---` (.NET), `#N` frames and `Stack trace:` (PHP, Dart), a
//! Python traceback up to and including its exception line, a Go panic with its goroutine dumps, and a
//! line after one that ends with a backslash. The rules follow the detectors of fluent-bit and
//! fluent-plugin-detect-exceptions; they work on bytes and keep one small state, no regexes.

/// What the lines above have opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Open {
    #[default]
    Nothing,
    /// After `Traceback (most recent call last):`, until the exception line.
    PythonTraceback,
    /// After `panic:` / `fatal error:`, while goroutine dumps go on.
    GoPanic,
    /// After Dart's `Unhandled exception:`; `frames` once `#0` was seen.
    DartException { frames: bool },
}

/// Decides, line by line, whether a line continues the entry above.
#[derive(Clone, Debug, Default)]
pub struct TraceJoiner {
    open: Open,
    /// The line above ended with a backslash.
    backslash: bool,
    /// The line above ended with Java's `nested exception is:`.
    nested: bool,
}

impl TraceJoiner {
    /// Whether `line` continues the entry above; updates the state either way. `line` is not blank.
    pub fn continues(&mut self, line: &[u8]) -> bool {
        let backslash = std::mem::replace(&mut self.backslash, line.ends_with(b"\\"));
        let nested = std::mem::replace(&mut self.nested, line.ends_with(b"nested exception is:"));
        if backslash || nested {
            return true;
        }
        let indented = matches!(line.first(), Some(b' ' | b'\t'));
        let text = trim_start(line);
        if indented && self.open == Open::Nothing && is_ruby_exception_header(text) {
            // ` NoMethodError (undefined method ...):` opens a Rails trace even when indented.
            self.open_by(text);
            return false;
        }
        match self.open {
            Open::PythonTraceback => {
                if indented
                    || text.starts_with(b"Traceback (most recent call last)")
                    || text.starts_with(b"During handling of the above exception")
                    || text.starts_with(b"The above exception was the direct cause")
                {
                    return true;
                }
                // The exception line ends the traceback and belongs to it.
                self.open = Open::Nothing;
                return true;
            }
            Open::GoPanic => {
                if indented
                    || text.starts_with(b"goroutine ")
                    || text.starts_with(b"[signal ")
                    || text.starts_with(b"created by ")
                    || looks_like_call(text)
                {
                    return true;
                }
                self.open = Open::Nothing;
            }
            Open::DartException { frames } => {
                if is_numbered_frame(text) || text == b"<asynchronous suspension>" {
                    self.open = Open::DartException { frames: true };
                    return true;
                }
                if !frames {
                    return true;
                }
                self.open = Open::Nothing;
            }
            Open::Nothing => {}
        }
        if indented {
            return true;
        }
        if text.starts_with(b"Caused by: ")
            || text.starts_with(b"Suppressed: ")
            || text.starts_with(b"--- End of ")
            || text.starts_with(b"Stack trace:")
            || is_numbered_frame(text)
            || is_more_frames(text)
        {
            return true;
        }
        self.open_by(text);
        false
    }

    /// Notes what a line that starts an entry opens (a Python traceback, a Go panic).
    pub fn started(&mut self, line: &[u8]) {
        self.backslash = line.ends_with(b"\\");
        self.nested = line.ends_with(b"nested exception is:");
        self.open = Open::Nothing;
        self.open_by(trim_start(line));
    }

    /// A blank line: continues an open Go panic or Dart trace; otherwise it ends what was open.
    pub fn blank_continues(&mut self) -> bool {
        self.backslash = false;
        self.nested = false;
        match self.open {
            Open::GoPanic | Open::DartException { .. } => true,
            Open::PythonTraceback => false,
            Open::Nothing => false,
        }
    }

    fn open_by(&mut self, text: &[u8]) {
        let text = trim_start(text);
        if text.starts_with(b"Traceback (most recent call last)") {
            self.open = Open::PythonTraceback;
        } else if text.starts_with(b"panic: ")
            || text.starts_with(b"fatal error: ")
            || text.starts_with(b"http: panic serving")
        {
            self.open = Open::GoPanic;
        } else if text.starts_with(b"Unhandled exception:") {
            self.open = Open::DartException { frames: false };
        }
    }
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    &line[n..]
}

/// `NoMethodError (undefined method x):`, `ActionController::RoutingError (No route matches ...):`.
fn is_ruby_exception_header(text: &[u8]) -> bool {
    let Some(sp) = memchr::memchr(b' ', text) else {
        return false;
    };
    let name = &text[..sp];
    (name.ends_with(b"Error") || name.ends_with(b"Exception"))
        && text[sp..].starts_with(b" (")
        && text.ends_with(b"):")
}

/// `#0 ...`, `#12 ...` (PHP, Dart, Ruby frames).
fn is_numbered_frame(text: &[u8]) -> bool {
    text.first() == Some(&b'#') && {
        let n = text[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        n > 0 && matches!(text.get(1 + n), Some(b' ' | b'\t'))
    }
}

/// `... 42 more`, `... 27 common frames omitted`.
fn is_more_frames(text: &[u8]) -> bool {
    let Some(rest) = text.strip_prefix(b"... ") else {
        return false;
    };
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    n > 0 && (rest[n..].starts_with(b" more") || rest[n..].starts_with(b" common frames omitted"))
}

/// A Go frame's function line: `main.main()`, `net/http.(*conn).serve(0xc00007eaa0)`, `panic(0x4, 0x5)`.
fn looks_like_call(text: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'(', text) else {
        return false;
    };
    open > 0
        && text.ends_with(b")")
        && !text[..open].contains(&b' ')
        && text[..open]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._/*()$-[]".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joins(lines: &[&str]) -> Vec<bool> {
        let mut j = TraceJoiner::default();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                j.started(l.as_bytes());
                out.push(false);
            } else if l.trim().is_empty() {
                out.push(j.blank_continues());
            } else {
                let c = j.continues(l.as_bytes());
                if !c {
                    j.started(l.as_bytes());
                }
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn python_traceback_ends_with_its_exception_line() {
        assert_eq!(
            joins(&[
                "Traceback (most recent call last):",
                "  File \"x.py\", line 1, in <module>",
                "    f()",
                "ValueError: bad",
                "next line",
            ]),
            [false, true, true, true, false]
        );
    }

    #[test]
    fn java_causes_and_more() {
        assert_eq!(
            joins(&[
                "java.lang.IllegalStateException: x",
                "\tat a.b(C.java:1)",
                "Caused by: java.lang.NullPointerException",
                "\t... 3 more",
                "plain",
            ]),
            [false, true, true, true, false]
        );
    }

    #[test]
    fn go_panic_with_blank_lines_and_arbitrary_text_apart() {
        assert_eq!(
            joins(&[
                "panic: boom",
                "",
                "goroutine 1 [running]:",
                "main.main()",
                "\tfoo.go:9 +0x6f",
                "one more line",
            ]),
            [false, true, true, true, true, false]
        );
        assert_eq!(
            joins(&[
                "This text.",
                "It sounds tympanic: a drum.",
                "",
                "No exception."
            ]),
            [false, false, false, false]
        );
    }
}

//! Text encodings: everything after this stage is UTF-8 (or bytes that were not valid anywhere).
//!
//! A source's first bytes decide its encoding once, before any line is split:
//! - a byte-order mark says UTF-8, UTF-16 LE or UTF-16 BE (the mark itself is dropped);
//! - without one, UTF-16 is recognised by its zero bytes (every other byte of ASCII text is 0);
//! - text that is not valid UTF-8 but whose high bytes read as Latin-1 letters (`é` as `0xE9` next to
//!   ASCII letters) is Latin-1; Windows-1252's printable 0x80–0x9F (`€`, curly quotes) are honoured,
//!   as every real "Latin-1" export uses them;
//! - everything else stays as it is: valid UTF-8 passes through untouched (no copy), and UTF-8 with a
//!   few invalid bytes keeps them, to be shown with U+FFFD when displayed.
//!
//! Old Mac line ends (a lone CR, as Excel for Mac still writes CSV) are turned into LF when the first
//! bytes hold CRs and no LF at all, so such a file is not read as one endless line.
//!
//! UTF-16 and Latin-1 are transcoded to UTF-8 as a stream (a code unit or surrogate pair split between
//! two chunks is carried over), so line splitting and format detection only ever see UTF-8.

/// Bytes looked at to choose the encoding (fewer when the file is shorter).
pub const DECIDE_BYTES: usize = 64 * 1024;

/// The encoding a source was read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Latin1 => "latin-1",
        }
    }
}

/// Streams bytes of one source into UTF-8. See the module docs.
#[derive(Debug)]
pub struct TextDecoder {
    state: State,
}

#[derive(Debug)]
enum State {
    /// Still collecting the first bytes.
    Undecided(Vec<u8>),
    Decided {
        encoding: Encoding,
        /// Bytes of an incomplete UTF-16 code unit or surrogate pair from the previous chunk.
        carry: Vec<u8>,
        /// Lines end with a lone CR: turned into LF.
        cr_lines: bool,
    },
}

impl Default for TextDecoder {
    fn default() -> Self {
        TextDecoder {
            state: State::Undecided(Vec::new()),
        }
    }
}

impl TextDecoder {
    /// The encoding, once decided.
    pub fn encoding(&self) -> Option<Encoding> {
        match &self.state {
            State::Undecided(_) => None,
            State::Decided { encoding, .. } => Some(*encoding),
        }
    }

    /// Whether `input` can be used as it is (decided as UTF-8 and past the byte-order mark).
    pub fn passes_through(&self) -> bool {
        matches!(
            self.state,
            State::Decided {
                encoding: Encoding::Utf8,
                cr_lines: false,
                ..
            }
        )
    }

    /// Decodes `input` and appends UTF-8 to `out`. `last` marks the end of the source (then buffered
    /// first bytes are decided on, and a dangling UTF-16 byte becomes U+FFFD).
    pub fn decode(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) {
        let used = self.decode_head(input, last, out);
        if used < input.len() || (last && used == input.len() && input.is_empty()) {
            self.decode_decided(&input[used..], last, out);
        }
    }

    /// While undecided, takes as much of `input` as deciding needs (and decides once it has enough,
    /// writing the decoded first bytes to `out`). Returns how much of `input` it took; the rest is for
    /// [`TextDecoder::decode`], or passes through as it is when [`TextDecoder::passes_through`].
    pub fn decode_head(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        let State::Undecided(buf) = &mut self.state else {
            return 0;
        };
        let take = DECIDE_BYTES.saturating_sub(buf.len()).min(input.len());
        buf.extend_from_slice(&input[..take]);
        if buf.len() < DECIDE_BYTES && !last {
            return take;
        }
        let buf = std::mem::take(buf);
        let (encoding, bom) = decide(&buf);
        let cr_lines = encoding != Encoding::Utf16Le
            && encoding != Encoding::Utf16Be
            && memchr::memchr(b'\n', &buf).is_none()
            && memchr::memchr(b'\r', &buf).is_some();
        self.state = State::Decided {
            encoding,
            carry: Vec::new(),
            cr_lines,
        };
        let is_all = take == input.len();
        self.decode_decided(&buf[bom..], last && is_all, out);
        take
    }

    fn decode_decided(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) {
        let State::Decided {
            encoding,
            carry,
            cr_lines,
        } = &mut self.state
        else {
            return;
        };
        let from = out.len();
        match encoding {
            Encoding::Utf8 => out.extend_from_slice(input),
            Encoding::Latin1 => latin1_to_utf8(input, out),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let big_endian = *encoding == Encoding::Utf16Be;
                if carry.is_empty() {
                    utf16_to_utf8(input, big_endian, last, carry, out);
                } else {
                    let mut joined = std::mem::take(carry);
                    joined.extend_from_slice(input);
                    utf16_to_utf8(&joined, big_endian, last, carry, out);
                }
            }
        }
        if *cr_lines {
            for b in &mut out[from..] {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
    }
}

/// Chooses the encoding of a source from its first bytes; returns it and the length of its BOM.
pub fn decide(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (Encoding::Utf8, 3);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, 2);
    }
    if let Some(e) = utf16_without_bom(head) {
        return (e, 0);
    }
    if looks_latin1(head) {
        return (Encoding::Latin1, 0);
    }
    (Encoding::Utf8, 0)
}

/// UTF-16 of mostly ASCII text has a zero in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<Encoding> {
    let n = head.len().min(4096) & !1;
    if n < 16 {
        return None;
    }
    let pairs = n / 2;
    let (mut even_zero, mut odd_zero) = (0, 0);
    for p in head[..n].chunks_exact(2) {
        even_zero += usize::from(p[0] == 0);
        odd_zero += usize::from(p[1] == 0);
    }
    if odd_zero * 10 >= pairs * 7 && even_zero * 20 <= pairs {
        Some(Encoding::Utf16Le)
    } else if even_zero * 10 >= pairs * 7 && odd_zero * 20 <= pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Not valid UTF-8, and most high bytes are lone Latin-1 letters or symbols among ASCII text.
fn looks_latin1(head: &[u8]) -> bool {
    let (mut invalid, mut valid_multibyte) = (0usize, 0usize);
    for chunk in head.utf8_chunks() {
        valid_multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    // The last chunk may be a sequence cut by the sample's end.
    if invalid == 0 || invalid <= valid_multibyte {
        return false;
    }
    let high = head.iter().filter(|b| **b >= 0x80).count();
    let control = head
        .iter()
        .filter(|&&b| b < 0x09 || (b > 0x0d && b < 0x20))
        .count();
    let c1_unprintable = head
        .iter()
        .filter(|&&b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        .count();
    control * 100 <= head.len() && high * 4 <= head.len() && c1_unprintable * 10 <= high
}

/// Windows-1252's meanings of 0x80..=0x9F (0 where it has none: read as the C1 control).
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

fn latin1_to_utf8(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 8);
    let mut buf = [0u8; 4];
    for &b in input {
        if b < 0x80 {
            out.push(b);
            continue;
        }
        let cp = if (0x80..0xA0).contains(&b) {
            match CP1252_HIGH[(b - 0x80) as usize] {
                0 => b as u32,
                c => c as u32,
            }
        } else {
            b as u32
        };
        let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// Transcodes whole UTF-16 code units of `input`; an odd trailing byte or a trailing lead surrogate is
/// left in `carry` unless `last`.
fn utf16_to_utf8(
    input: &[u8],
    big_endian: bool,
    last: bool,
    carry: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    let mut units: Vec<u16> = input
        .chunks_exact(2)
        .map(|p| {
            if big_endian {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        })
        .collect();
    let mut keep = input.len() % 2;
    if !last {
        if let Some(&u) = units.last() {
            if (0xD800..0xDC00).contains(&u) {
                units.pop();
                keep += 2;
            }
        }
    }
    out.reserve(units.len());
    let mut buf = [0u8; 4];
    for c in char::decode_utf16(units.iter().copied()) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    carry.clear();
    if keep > 0 {
        if last {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        } else {
            carry.extend_from_slice(&input[input.len() - keep..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_chunks(bytes: &[u8], chunk: usize) -> (Encoding, String) {
        let mut d = TextDecoder::default();
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            d.decode(c, false, &mut out);
        }
        d.decode(&[], true, &mut out);
        (d.encoding().unwrap(), String::from_utf8(out).unwrap())
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if bom {
            v.extend_from_slice(if big_endian {
                &[0xFE, 0xFF]
            } else {
                &[0xFF, 0xFE]
            });
        }
        for u in text.encode_utf16() {
            v.extend_from_slice(&if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        v
    }

    #[test]
    fn utf16_with_and_without_bom_in_any_chunking() {
        let text = "2026-07-03 09:00:00 INFO héllo 😎\n2026-07-03 09:00:01 WARN ok\n";
        for big_endian in [false, true] {
            for bom in [true, false] {
                let bytes = utf16(text, big_endian, bom);
                for chunk in [1, 3, 7, 4096] {
                    let (e, s) = decode_in_chunks(&bytes, chunk);
                    assert_eq!(s, text);
                    assert_eq!(
                        e,
                        if big_endian {
                            Encoding::Utf16Be
                        } else {
                            Encoding::Utf16Le
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn latin1_is_recognised_and_transcoded() {
        let bytes = b"name,city\nJos\xe9,M\xfcnchen\nFran\xe7ois,\x80 price\n";
        let (e, s) = decode_in_chunks(bytes, 5);
        assert_eq!(e, Encoding::Latin1);
        assert_eq!(s, "name,city\nJosé,München\nFrançois,€ price\n");
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_stays_utf8() {
        let bytes = "caf\u{e9} ok \u{e9}\u{e9}\n".as_bytes().to_vec();
        let mut with_bad = bytes.clone();
        with_bad.push(0xff);
        let (e, _) = decode_in_chunks(&bytes, 4);
        assert_eq!(e, Encoding::Utf8);
        assert_eq!(decide(&with_bad).0, Encoding::Utf8);
    }

    #[test]
    fn lone_cr_line_ends_become_lf() {
        let (_, s) = decode_in_chunks(b"a,b\r1,2\r3,4\r", 3);
        assert_eq!(s, "a,b\n1,2\n3,4\n");
        let (_, s) = decode_in_chunks(b"a,b\r\n1,2\r\n", 3);
        assert_eq!(s, "a,b\r\n1,2\r\n");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let (e, s) = decode_in_chunks(b"\xef\xbb\xbfa,b\n", 2);
        assert_eq!(e, Encoding::Utf8);
        assert_eq!(s, "a,b\n");
    }
}

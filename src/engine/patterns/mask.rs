//! Splitting a message into words and masking the parts that are clearly variable.
//!
//! A message is split at whitespace into words. A word that is wholly a URL, a path, an IP address
//! (with port), a MAC/IPv6 address, an e-mail address or a time of day is masked whole. Otherwise the
//! word is cut at punctuation (`= , ; : ( ) [ ] { } < > " ' |`) into segments and each segment that
//! carries digits is classified: numbers, hex values, UUIDs, dates, durations, sizes and identifiers
//! with digits (`blk_-1608`, `appattempt_1445_0020`) are masked; a word with one short digit run after
//! letters (`SOCKS5`, `ssh2`, `Slf4jLogger`) is kept, because such words are usually names, and the
//! grouping step decides from the data whether a position varies.
//!
//! The masked message is a key: words joined by one space, each masked part replaced by [`VAR`]. The
//! kind of each masked part is reported separately, so that messages differing only in the kind of a
//! value (`0x1f` and `31`) share a key, while templates still show the kind when it is always the same.

/// Marks a masked part inside a key (a byte that never occurs in a key otherwise).
pub const VAR: u8 = 0x01;

/// The kind of a masked value, shown in template text as a typed placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum VarKind {
    Num = 0,
    Hex,
    Ip,
    Uuid,
    Time,
    Duration,
    Size,
    Path,
    Url,
    Email,
    Id,
}

impl VarKind {
    pub const ALL: [VarKind; 11] = [
        VarKind::Num,
        VarKind::Hex,
        VarKind::Ip,
        VarKind::Uuid,
        VarKind::Time,
        VarKind::Duration,
        VarKind::Size,
        VarKind::Path,
        VarKind::Url,
        VarKind::Email,
        VarKind::Id,
    ];

    /// The placeholder written in template text.
    pub fn placeholder(self) -> &'static str {
        match self {
            VarKind::Num => "<NUM>",
            VarKind::Hex => "<HEX>",
            VarKind::Ip => "<IP>",
            VarKind::Uuid => "<UUID>",
            VarKind::Time => "<TIME>",
            VarKind::Duration => "<DURATION>",
            VarKind::Size => "<SIZE>",
            VarKind::Path => "<PATH>",
            VarKind::Url => "<URL>",
            VarKind::Email => "<EMAIL>",
            VarKind::Id => "<ID>",
        }
    }

    pub fn bit(self) -> u16 {
        1 << (self as u8)
    }

    /// The one kind in a set of kind bits, if there is exactly one.
    pub fn single(bits: u16) -> Option<VarKind> {
        (bits.count_ones() == 1).then(|| VarKind::ALL[bits.trailing_zeros() as usize])
    }
}

/// A masked message: its key, the kinds of its masked parts, and where each key word came from.
#[derive(Debug, Default, Clone)]
pub struct Masked {
    pub key: Vec<u8>,
    /// Kind bits ([`VarKind::bit`]) of each masked part, in order; a part standing for several
    /// values of different kinds has several bits.
    pub kinds: Vec<u16>,
    /// Byte range in the message of each word of the key.
    pub spans: Vec<(u32, u32)>,
}

impl Masked {
    pub fn clear(&mut self) {
        self.key.clear();
        self.kinds.clear();
        self.spans.clear();
    }

    fn var(&mut self, kind: VarKind) {
        self.key.push(VAR);
        self.kinds.push(kind.bit());
    }
}

/// The masked form of recently seen words, so that a word seen again costs one hash and one
/// comparison instead of its shape checks.
///
/// Messages that never repeat as a whole (an access log line carries its own size, latency and
/// request id) still repeat most of their words: the method and path, the protocol, the user agent.
/// The memo is a fixed table (direct-mapped by the word's hash, a newer word replacing an older one in
/// its slot), so its memory is bounded. A word's masked form depends on the word alone (units and
/// runs of numbers, which join neighbouring words, are decided outside it), so a hit gives exactly
/// what [`mask_word`] would. When words hardly repeat (a CSV line is one word of its own), the memo
/// rests like the message memo does: after [`WORD_WINDOW`] lookups with fewer than one hit in
/// [`WORD_MIN_HIT_RATIO`], it skips the next [`WORD_REST`] words, then tries again.
#[derive(Debug)]
pub struct WordMemo {
    slots: Vec<WordSlot>,
    /// Lookups and hits in the current window.
    lookups: u32,
    hits: u32,
    /// Words still to skip while resting.
    resting: u32,
}

/// Slots in the word table (a power of two).
const WORD_SLOTS: usize = 4096;
/// Longer words are not remembered (they rarely repeat).
const MAX_WORD: usize = 64;
/// Masked parts remembered per word; words with more are not remembered.
const MAX_WORD_PARTS: usize = 6;
/// Lookups per judgement of the hit rate.
const WORD_WINDOW: u32 = 4096;
/// Below one hit in this many lookups the memo rests.
const WORD_MIN_HIT_RATIO: u32 = 4;
/// Words skipped while resting.
const WORD_REST: u32 = 65_536;

#[derive(Debug, Default, Clone)]
struct WordSlot {
    hash: u64,
    /// The word, then its masked form.
    bytes: Vec<u8>,
    word_len: u32,
    kinds: [u16; MAX_WORD_PARTS],
    parts: u8,
    all_var: bool,
}

impl Default for WordMemo {
    fn default() -> Self {
        Self::new()
    }
}

impl WordMemo {
    pub fn new() -> Self {
        WordMemo {
            slots: vec![WordSlot::default(); WORD_SLOTS],
            lookups: 0,
            hits: 0,
            resting: 0,
        }
    }

    /// [`mask_word`] through the table.
    fn mask_word(&mut self, word: &[u8], wm: u32, out: &mut Masked) -> bool {
        if word.len() > MAX_WORD || !self.active() {
            return mask_word(word, wm, out);
        }
        let hash = word_hash(word);
        // The high bits: FxHash mixes them best.
        let slot = &mut self.slots[(hash >> 52) as usize & (WORD_SLOTS - 1)];
        let len = slot.word_len as usize;
        if slot.hash == hash && len == word.len() && slot.bytes.get(..len) == Some(word) {
            self.hits += 1;
            out.key.extend_from_slice(&slot.bytes[len..]);
            out.kinds
                .extend_from_slice(&slot.kinds[..slot.parts as usize]);
            return slot.all_var;
        }
        let (key_start, kind_start) = (out.key.len(), out.kinds.len());
        let all_var = mask_word(word, wm, out);
        let kinds = &out.kinds[kind_start..];
        if kinds.len() <= MAX_WORD_PARTS {
            slot.hash = hash;
            slot.word_len = word.len() as u32;
            slot.bytes.clear();
            slot.bytes.extend_from_slice(word);
            slot.bytes.extend_from_slice(&out.key[key_start..]);
            slot.kinds[..kinds.len()].copy_from_slice(kinds);
            slot.parts = kinds.len() as u8;
            slot.all_var = all_var;
        }
        all_var
    }

    /// Whether to look the next word up (`false` while resting).
    #[inline]
    fn active(&mut self) -> bool {
        if self.resting > 0 {
            self.resting -= 1;
            return false;
        }
        if self.lookups >= WORD_WINDOW {
            if self.hits * WORD_MIN_HIT_RATIO < self.lookups {
                self.resting = WORD_REST;
            }
            self.lookups = 0;
            self.hits = 0;
        }
        self.lookups += 1;
        true
    }
}

fn word_hash(word: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(word);
    h.finish()
}

/// A word made only of masked parts and punctuation (`<NUM>`, `<IP>:<NUM>`, `(<NUM>)`).
pub fn is_var_word(w: &[u8]) -> bool {
    w.contains(&VAR) && w.iter().all(|c| *c == VAR || c.is_ascii_punctuation())
}

/// Masks `msg` into `out` (cleared first).
///
/// A unit word after a number (`93.0 B`, `2087 bytes`, `30 seconds`) joins the number: the pair is one
/// masked size or duration, so messages whose values come in different units share a key. A run of
/// two or more words that are only numbers, sizes or durations (`1 2 3 4`, `451 bytes (0.4 KB)`)
/// becomes one masked part, so a quantity written as a varying number of words keeps the key.
///
/// This runs once per event at load, so it reads each byte once through a class table and only looks
/// closer at words holding digits, slashes, colons or at signs.
pub fn mask(msg: &[u8], out: &mut Masked) {
    mask_with(msg, out, None);
}

/// [`mask`], looking words up in `memo` first (see [`WordMemo`]); the result is the same.
pub fn mask_memo(msg: &[u8], out: &mut Masked, memo: &mut WordMemo) {
    mask_with(msg, out, Some(memo));
}

fn mask_with(msg: &[u8], out: &mut Masked, mut memo: Option<&mut WordMemo>) {
    const NUMERIC: u16 =
        1 << (VarKind::Num as u8) | 1 << (VarKind::Size as u8) | 1 << (VarKind::Duration as u8);
    out.clear();
    // The current run of numeric words: (its first word, key offset, first masked part).
    let mut run: Option<(usize, usize, usize)> = None;
    // Whether the last word ended with a plain number (a unit word may follow).
    let mut after_number = false;
    let n = msg.len();
    let mut at = 0usize;
    loop {
        while at < n && TABLE[msg[at] as usize] & SPACE != 0 {
            at += 1;
        }
        if at >= n {
            break;
        }
        let start = at;
        let mut wm = 0u32;
        while at < n {
            let k = TABLE[msg[at] as usize];
            if k & SPACE != 0 {
                break;
            }
            wm |= k;
            at += 1;
        }
        let word = &msg[start..at];
        if after_number && word.len() <= 9 && wm & DIGIT == 0 {
            let trail = word
                .iter()
                .rev()
                .take_while(|c| matches!(c, b')' | b']' | b'}' | b',' | b';' | b'.' | b':'))
                .count();
            if let Some(kind) = unit_kind(&word[..word.len() - trail]) {
                if let Some(k) = out.kinds.last_mut() {
                    *k = (*k & !VarKind::Num.bit()) | kind.bit();
                }
                out.key.extend_from_slice(&word[word.len() - trail..]);
                if let Some(span) = out.spans.last_mut() {
                    span.1 = at as u32;
                }
                after_number = false;
                continue;
            }
        }
        if !out.key.is_empty() {
            out.key.push(b' ');
        }
        out.spans.push((start as u32, at as u32));
        // Most words are plain: no digit, slash, colon or at sign means nothing to mask.
        if wm & (DIGIT | SLASH | BACKSLASH | COLON | AT) == 0 {
            push_text(out, word, wm);
            after_number = false;
            run = None;
            continue;
        }
        let key_start = out.key.len();
        let kind_start = out.kinds.len();
        let all_var = if wm & !(DIGIT | DOT) == 0 && word[0].is_ascii_digit() {
            number_word(word, wm, out)
        } else {
            match memo.as_deref_mut() {
                Some(memo) => memo.mask_word(word, wm, out),
                None => mask_word(word, wm, out),
            }
        };
        after_number =
            out.key.last() == Some(&VAR) && out.kinds.last() == Some(&VarKind::Num.bit());
        let numeric = all_var && out.kinds[kind_start..].iter().all(|k| k & !NUMERIC == 0);
        if !numeric {
            run = None;
            continue;
        }
        match run {
            Some((first, run_key, run_kind)) => {
                // Fold this word into the run's single masked part.
                let bits = out.kinds[run_kind..].iter().fold(0, |a, b| a | b);
                out.kinds.truncate(run_kind);
                out.kinds.push(bits);
                out.key.truncate(run_key);
                out.key.push(VAR);
                let span_start = out.spans[first].0;
                out.spans.truncate(first);
                out.spans.push((span_start, at as u32));
            }
            None => run = Some((out.spans.len() - 1, key_start, kind_start)),
        }
    }
}

/// Masks a word of digits and dots that starts with a digit (`200`, `0.018`, `10.0.0.7`), the most
/// common values of all, as [`mask_word`] would: an IPv4 address (keeping trailing dots) or a
/// number. Returns whether the word came out masked whole.
fn number_word(word: &[u8], wm: u32, out: &mut Masked) -> bool {
    if wm == DIGIT {
        out.var(VarKind::Num);
        return true;
    }
    if word.windows(2).any(|w| w == b"..") {
        // Runs of dots separate segments (`1..5`): the general way.
        return mask_word(word, wm, out);
    }
    let trail = word.iter().rev().take_while(|c| **c == b'.').count();
    let core = &word[..word.len() - trail];
    if is_ipv4(core) {
        out.var(VarKind::Ip);
        out.key.extend_from_slice(&word[core.len()..]);
    } else {
        out.var(VarKind::Num);
    }
    true
}

/// The kind of a unit written as its own word after a number.
fn unit_kind(word: &[u8]) -> Option<VarKind> {
    if word.is_empty() || word.len() > 7 {
        return None;
    }
    let mut buf = [0u8; 7];
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    match &buf[..word.len()] {
        b"ns" | b"us" | b"ms" | b"s" | b"sec" | b"secs" | b"second" | b"seconds" | b"min"
        | b"mins" | b"minute" | b"minutes" | b"h" | b"hour" | b"hours" | b"day" | b"days" => {
            Some(VarKind::Duration)
        }
        b"b" | b"byte" | b"bytes" | b"kb" | b"kib" | b"mb" | b"mib" | b"gb" | b"gib" | b"tb"
        | b"tib" => Some(VarKind::Size),
        _ => None,
    }
}

/// Byte classes, one bit each; a word's classes are the OR over its bytes, so most shape checks are
/// one mask test instead of another pass over the word.
pub(super) mod class {
    pub const DIGIT: u32 = 1;
    /// `a`-`f`, `A`-`F`.
    pub const HEX_LETTER: u32 = 1 << 1;
    /// Other letters except `T` and `Z`.
    pub const OTHER_LETTER: u32 = 1 << 2;
    /// `T`, `Z` (they occur in timestamps).
    pub const TZ: u32 = 1 << 3;
    pub const LOWER: u32 = 1 << 4;
    pub const UPPER: u32 = 1 << 5;
    pub const SLASH: u32 = 1 << 6;
    pub const BACKSLASH: u32 = 1 << 7;
    pub const COLON: u32 = 1 << 8;
    pub const DOT: u32 = 1 << 9;
    pub const DASH: u32 = 1 << 10;
    pub const UNDERSCORE: u32 = 1 << 11;
    pub const AT: u32 = 1 << 12;
    pub const COMMA: u32 = 1 << 13;
    pub const PLUS: u32 = 1 << 14;
    /// `= ; ( ) [ ] { } < > " ' |` (with `,` and `:`, the segment delimiters).
    pub const DELIM: u32 = 1 << 15;
    /// `~ * % $ # & ?`
    pub const PATH_PUNCT: u32 = 1 << 16;
    /// Other punctuation and space-like bytes.
    pub const OTHER: u32 = 1 << 17;
    pub const CONTROL: u32 = 1 << 18;
    /// Bytes of multi-byte UTF-8 characters.
    pub const HIGH: u32 = 1 << 19;
    /// ASCII whitespace (also counted as control or other).
    pub const SPACE: u32 = 1 << 20;

    pub const LETTER: u32 = HEX_LETTER | OTHER_LETTER | TZ | LOWER | UPPER;

    const fn of(b: u8) -> u32 {
        match b {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'f' => HEX_LETTER | LOWER,
            b'A'..=b'F' => HEX_LETTER | UPPER,
            b'T' | b'Z' => TZ,
            b'g'..=b'z' => OTHER_LETTER | LOWER,
            b'G'..=b'Z' => OTHER_LETTER | UPPER,
            b'/' => SLASH,
            b'\\' => BACKSLASH,
            b':' => COLON,
            b'.' => DOT,
            b'-' => DASH,
            b'_' => UNDERSCORE,
            b'@' => AT,
            b',' => COMMA,
            b'+' => PLUS,
            b'=' | b';' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'"' | b'\''
            | b'|' => DELIM,
            b'~' | b'*' | b'%' | b'$' | b'#' | b'&' | b'?' => PATH_PUNCT,
            0..=0x1f | 0x7f => CONTROL,
            0x80..=0xff => HIGH,
            _ => OTHER,
        }
    }

    pub const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = of(i as u8);
            if (i as u8).is_ascii_whitespace() {
                t[i] |= SPACE;
            }
            i += 1;
        }
        t
    };

    /// The classes of all bytes of `b`.
    #[inline]
    pub fn of_all(b: &[u8]) -> u32 {
        b.iter().fold(0, |m, &c| m | TABLE[c as usize])
    }

    /// Whether `m` has only classes in `allowed`.
    #[inline]
    pub fn only(m: u32, allowed: u32) -> bool {
        m & !allowed == 0
    }
}

use class::*;

/// Characters that split a word into segments.
#[inline]
fn is_delim(c: u8) -> bool {
    TABLE[c as usize] & (DELIM | COMMA | COLON) != 0
}

fn push_text(out: &mut Masked, b: &[u8], m: u32) {
    if m & CONTROL == 0 {
        out.key.extend_from_slice(b);
    } else {
        out.key.extend(
            b.iter()
                .map(|&c| if c < 0x20 || c == 0x7f { b'?' } else { c }),
        );
    }
}

/// Masks one word with byte classes `wm`; returns whether it came out as masked parts and
/// punctuation only (no letters or digits kept).
fn mask_word(word: &[u8], wm: u32, out: &mut Masked) -> bool {
    // Whole-word shapes, inside wrapping punctuation.
    let lead = word
        .iter()
        .take_while(|c| matches!(c, b'(' | b'[' | b'{' | b'<' | b'"' | b'\''))
        .count();
    let trail = word[lead..]
        .iter()
        .rev()
        .take_while(|c| {
            matches!(
                c,
                b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b',' | b';' | b'.' | b':'
            )
        })
        .count();
    let mut core = &word[lead..word.len() - trail];
    let mut lead = lead;
    let mut cm = if lead + trail == 0 { wm } else { of_all(core) };
    if core.len() > 1
        && core[0] == b'/'
        && only(cm, DIGIT | DOT | COLON | SLASH)
        && is_ip_port(&core[1..])
    {
        // `/10.251.73.220:50010` (Java's InetSocketAddress) is an address, not a path.
        core = &core[1..];
        lead += 1;
        cm &= !SLASH;
    }
    if let Some(kind) = whole_word_kind(core, cm) {
        out.key.extend_from_slice(&word[..lead]);
        out.var(kind);
        out.key.extend_from_slice(&word[word.len() - trail..]);
        return true;
    }
    let dots = wm & DOT != 0 && word.windows(2).any(|w| w == b"..");
    if wm & (DELIM | COMMA | COLON) == 0 && !dots {
        // One segment.
        return match segment_kind(word, wm) {
            Some(kind) => {
                out.var(kind);
                true
            }
            None => {
                push_text(out, word, wm);
                false
            }
        };
    }
    let mut all_var = true;
    let mut at = 0;
    // A run of two or more dots also separates segments (`instruction......0`).
    let dot_run = |at: usize| dots && word[at] == b'.' && word.get(at + 1) == Some(&b'.');
    while at < word.len() {
        let c = word[at];
        if is_delim(c) {
            out.key.push(c);
            at += 1;
            continue;
        }
        if dot_run(at) {
            while at < word.len() && word[at] == b'.' {
                out.key.push(b'.');
                at += 1;
            }
            continue;
        }
        let start = at;
        let mut sm = 0;
        while at < word.len() {
            let k = TABLE[word[at] as usize];
            if k & (DELIM | COMMA | COLON) != 0 || dot_run(at) {
                break;
            }
            sm |= k;
            at += 1;
        }
        let seg = &word[start..at];
        match segment_kind(seg, sm) {
            Some(kind) => out.var(kind),
            None => {
                all_var &= sm & (DIGIT | LETTER | HIGH) == 0;
                push_text(out, seg, sm);
            }
        }
    }
    all_var
}

/// Kinds recognised on a whole word (they contain segment delimiters such as `:` or `@`); `m` is
/// the word's byte classes.
fn whole_word_kind(core: &[u8], m: u32) -> Option<VarKind> {
    if core.len() < 2 {
        return None;
    }
    if m & COLON != 0 && m & SLASH != 0 {
        if let Some(p) = core.windows(3).position(|w| w == b"://") {
            if p > 0
                && core[..p]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'+')
            {
                return Some(VarKind::Url);
            }
        }
    }
    if m & SLASH != 0 && is_clf_date(core) {
        return Some(VarKind::Time);
    }
    if m & (SLASH | BACKSLASH) != 0 && is_path(core, m) {
        return Some(VarKind::Path);
    }
    if m & AT != 0 {
        if let Some(at) = memchr::memchr(b'@', core) {
            let (user, domain) = (&core[..at], &core[at + 1..]);
            if !user.is_empty()
                && domain.contains(&b'.')
                && only(of_all(domain), DIGIT | LETTER | DOT | DASH)
            {
                return Some(VarKind::Email);
            }
        }
    }
    if m & DIGIT == 0 || m & COLON == 0 && m & DOT == 0 {
        return None;
    }
    if only(m, DIGIT | DOT | COLON) && is_ip_port(core) {
        return Some(VarKind::Ip);
    }
    if m & COLON == 0 {
        return None;
    }
    let colons = core.iter().filter(|c| **c == b':').count();
    if colons >= 2 && only(m, DIGIT | HEX_LETTER | LOWER | UPPER | COLON | DOT) {
        // A time of day (`20:10:40`, `18:01:47.978`) or an IPv6/MAC address.
        return Some(if only(m, DIGIT | COLON | DOT) && colons <= 3 {
            VarKind::Time
        } else if core.windows(2).any(|w| w == b"::") || colons == 7 {
            VarKind::Ip
        } else {
            VarKind::Hex
        });
    }
    if core[0].is_ascii_digit()
        && only(m, DIGIT | COLON | DOT | COMMA | DASH | SLASH | TZ | PLUS)
        && m & (DASH | SLASH) != 0
    {
        // `2017-12-23T22:15:29`, `20171223-22:15:29:606`
        return Some(VarKind::Time);
    }
    None
}

/// `/usr/lib/x.so`, `./a/b`, `~/x`, `C:\dir`, `dir/sub/file` (two or more slashes); `m` is the
/// classes of `b`.
fn is_path(b: &[u8], m: u32) -> bool {
    const PATH: u32 = DIGIT
        | LETTER
        | LOWER
        | UPPER
        | SLASH
        | BACKSLASH
        | DOT
        | UNDERSCORE
        | DASH
        | PLUS
        | PATH_PUNCT
        | AT
        | COLON
        | COMMA
        | HIGH;
    // An absolute path with two or more slashes may hold brackets (`/logs/[2017-07-03]-x.txt`).
    let deep_absolute = b[0] == b'/' && b.iter().filter(|c| **c == b'/').count() >= 2;
    let fits = only(m, PATH)
        || (deep_absolute
            && only(m, PATH | DELIM)
            && !b
                .iter()
                .any(|c| matches!(c, b'"' | b'\'' | b'|' | b'<' | b'>' | b'=' | b';')));
    if !fits {
        return false;
    }
    let starts = (b[0] == b'/' && b.len() > 1 && b[1] != b'/')
        || b.starts_with(b"./")
        || b.starts_with(b"../")
        || b.starts_with(b"~/")
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\');
    starts || (b[0] != b'/' && m & LETTER != 0 && b.iter().filter(|c| **c == b'/').count() >= 2)
}

/// `11/Feb/2013:06:43:36` or `28/Oct/2014` (Apache's date).
fn is_clf_date(b: &[u8]) -> bool {
    let day = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&day)
        && b.len() >= day + 9
        && b[day] == b'/'
        && b[day + 1..day + 4].iter().all(u8::is_ascii_alphabetic)
        && b[day + 4] == b'/'
        && b[day + 5..day + 9].iter().all(u8::is_ascii_digit)
}

/// `10.251.73.220` or `10.251.73.220:50010`.
fn is_ip_port(b: &[u8]) -> bool {
    let ip = match memchr::memchr(b':', b) {
        Some(c) => {
            if b[c + 1..].is_empty() || !b[c + 1..].iter().all(u8::is_ascii_digit) {
                return false;
            }
            &b[..c]
        }
        None => b,
    };
    is_ipv4(ip)
}

fn is_ipv4(b: &[u8]) -> bool {
    let mut parts = 0;
    for part in b.split(|c| *c == b'.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
    }
    parts == 4
}

/// The kind of a segment, or `None` when it is kept as written; `m` is the classes of `seg`.
fn segment_kind(seg: &[u8], m: u32) -> Option<VarKind> {
    if m & DIGIT == 0 {
        return (seg.len() > 1 && seg[0] == b'/' && is_path(seg, m)).then_some(VarKind::Path);
    }
    let (body, m) = match seg[0] {
        b'-' | b'+' => (&seg[1..], of_all(&seg[1..])),
        _ => (seg, m),
    };
    if body.is_empty() {
        return None;
    }
    let first_digit = body[0].is_ascii_digit();
    if only(m, DIGIT | DOT) && first_digit {
        return Some(if m & DOT != 0 && is_ipv4(body) {
            VarKind::Ip
        } else {
            VarKind::Num
        });
    }
    if body.len() > 2
        && (body.starts_with(b"0x") || body.starts_with(b"0X"))
        && body[2..].iter().all(u8::is_ascii_hexdigit)
    {
        return Some(VarKind::Hex);
    }
    if body.len() == 36 && is_uuid(body) {
        return Some(VarKind::Uuid);
    }
    if first_digit && m & (LETTER) != 0 {
        if let Some(kind) = number_with_unit(body) {
            return Some(kind);
        }
    }
    if body.len() >= 6
        && only(m, DIGIT | HEX_LETTER | LOWER | UPPER)
        && m & HEX_LETTER != 0
        && m & (LOWER | UPPER) != LOWER | UPPER
    {
        return Some(VarKind::Hex);
    }
    if first_digit && only(m, DIGIT | DASH | SLASH | DOT | TZ | PLUS | UNDERSCORE) {
        return Some(VarKind::Time);
    }
    if !first_digit && m & LETTER != 0 && is_name_with_digits(body) {
        return None;
    }
    Some(VarKind::Id)
}

/// A name such as `SOCKS5`, `ssh2`, `Slf4jLogger`, `IPv4`: letters with one short run of digits, not
/// at the start.
fn is_name_with_digits(b: &[u8]) -> bool {
    if b.first().is_none_or(u8::is_ascii_digit) {
        return false;
    }
    // Exactly one run of one or two digits right after a letter, and at least two letters.
    let Some(first) = b.iter().position(u8::is_ascii_digit) else {
        return false;
    };
    let run = b[first..].iter().take_while(|c| c.is_ascii_digit()).count();
    run <= 2
        && b[first - 1].is_ascii_alphabetic()
        && !b[first + run..].iter().any(u8::is_ascii_digit)
        && b.iter().filter(|c| c.is_ascii_alphabetic()).count() >= 2
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `150ms`, `3.5s`, `10KB`, `2GiB`: a number and a unit of time or size.
fn number_with_unit(b: &[u8]) -> Option<VarKind> {
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    if n == 0 || n == b.len() {
        return None;
    }
    let unit = &b[n..];
    if unit.len() > 5 {
        return None;
    }
    let mut buf = [0u8; 5];
    for (d, s) in buf.iter_mut().zip(unit) {
        *d = s.to_ascii_lowercase();
    }
    match &buf[..unit.len()] {
        b"ns" | b"us" | b"ms" | b"s" | b"sec" | b"secs" | b"m" | b"min" | b"mins" | b"h"
        | b"hr" | b"hrs" | b"d" | b"days" => Some(VarKind::Duration),
        b"b" | b"k" | b"kb" | b"kib" | b"mb" | b"mib" | b"g" | b"gb" | b"gib" | b"tb" | b"tib"
        | b"bytes" => Some(VarKind::Size),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(msg: &str) -> (String, Vec<VarKind>) {
        let mut m = Masked::default();
        mask(msg.as_bytes(), &mut m);
        let key = String::from_utf8(
            m.key
                .iter()
                .map(|&b| if b == VAR { b'*' } else { b })
                .collect(),
        )
        .unwrap();
        let kinds = m
            .kinds
            .iter()
            .map(|b| VarKind::single(*b).unwrap())
            .collect();
        (key, kinds)
    }

    #[test]
    fn numbers_ids_and_addresses_are_masked() {
        use VarKind::*;
        assert_eq!(
            masked("PacketResponder 1 for block blk_-6952295868487656571 terminating"),
            (
                "PacketResponder * for block * terminating".into(),
                vec![Num, Id]
            )
        );
        assert_eq!(
            masked("Received block blk_-1608 src: /10.251.73.220:50010 dest: /10.250.19.16:50010"),
            ("Received block * src: /* dest: /*".into(), vec![Id, Ip, Ip])
        );
        assert_eq!(
            masked("uid=0 euid=0 tty=ssh rhost=202.100.179.208 user=root"),
            (
                "uid=* euid=* tty=ssh rhost=* user=root".into(),
                vec![Num, Num, Ip]
            )
        );
        assert_eq!(
            masked("took 150ms for 10KB at 0x7f3a").1,
            vec![Duration, Size, Hex]
        );
        assert_eq!(
            masked("id 123e4567-e89b-12d3-a456-426614174000 at 20:10:40 on fe80::1").1,
            vec![Uuid, Time, Ip]
        );
        assert_eq!(
            masked("write to /logs/IOReporters/[2017-07-03_16,27,09.30]-a.xml").0,
            "write to *"
        );
        assert_eq!(
            masked("GET /api/v1/login https://x.org/a?b=1 a@b.com").1,
            vec![Path, Url, Email]
        );
    }

    #[test]
    fn names_with_a_digit_are_kept() {
        assert_eq!(
            masked("open through proxy SOCKS5").0,
            "open through proxy SOCKS5"
        );
        assert_eq!(masked("port 22 ssh2").0, "port * ssh2");
        assert_eq!(
            masked("illegal instruction......0 dcbf.........1").0,
            "illegal instruction......* dcbf.........*"
        );
        assert_eq!(masked("node R02-M1-N0-C:J12-U11").0, "node *:*");
    }

    /// A word memo hit gives what masking the word gives, also where words join their neighbours
    /// (units after numbers, runs of numbers) and when the memo rests.
    #[test]
    fn the_word_memo_changes_nothing() {
        let messages = [
            "GET /api/v1/login HTTP/1.1\" 200 3677 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" 0.018 req_id=269e0d37f2a74de4",
            "took 30 seconds for 451 bytes (0.4 KB) at 0x7f3a",
            "node R02-M1-N0-C:J12-U11 sent 1 2 3 4 to /10.251.73.220:50010",
            "port 22 ssh2 uid=0 euid=0 rhost=202.100.179.208 user=root",
            "write to /logs/IOReporters/[2017-07-03_16,27,09.30]-a.xml at 20:10:40",
            "illegal instruction......0 dcbf.........1 a@b.com https://x.org/a?b=1",
            "ctl\u{1}word 12:34:56:78:9a:bc 123e4567-e89b-12d3-a456-426614174000 150ms 10KB",
        ];
        let mut memo = WordMemo::new();
        let mut plain = Masked::default();
        let mut memoed = Masked::default();
        // Enough rounds for the memo to see repeats, then (with unique words) to rest.
        for round in 0..3000 {
            for m in messages {
                let m = if round % 2 == 0 {
                    m.to_string()
                } else {
                    format!("{m} id{round}x {round}.5 v{round}:{round}")
                };
                mask(m.as_bytes(), &mut plain);
                mask_memo(m.as_bytes(), &mut memoed, &mut memo);
                assert_eq!(plain.key, memoed.key, "{m}");
                assert_eq!(plain.kinds, memoed.kinds, "{m}");
                assert_eq!(plain.spans, memoed.spans, "{m}");
            }
        }
        assert!(memo.hits > 0 || memo.resting > 0);
    }

    #[test]
    fn masking_does_not_depend_on_spacing() {
        assert_eq!(masked("a  b\t c").0, masked("a b c").0);
    }
}

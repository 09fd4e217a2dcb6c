//! zip and tar archives as push streams: every member that is a file becomes a [`FileIngest`] of its
//! own (so a `.gz` or another archive inside is opened in turn), named `ARCHIVE!/path/in/archive`.
//!
//! **zip** is read front to back through its *local* headers, not the central directory at the end:
//! the browser worker and the CLI push the file in order, and a member's text can flow into its ingest
//! as it is inflated, so nothing but the current header is ever buffered. (Crates such as `zip` need
//! `Read + Seek` over the whole archive; this reader needs neither.) Members are stored or deflated
//! (flate2's pure-Rust backend, so it works in wasm). A member written with a trailing data descriptor
//! (sizes unknown up front, as streaming zip writers do) is fine when deflated, since deflate marks its
//! own end. zstd (method 93) and bzip2 (method 12) members are read too, when their size is in the
//! header. Encrypted members, other methods (LZMA, xz) and stored members without sizes are listed with
//! a sentence saying so. ZIP64 sizes are read from the extra field.
//!
//! **tar** is ustar/GNU/pax: 512-byte headers, GNU long names (`L`) and pax `path`/`size` records are
//! honoured, links and directories skipped. The member's modification time is handed to its ingest
//! (syslog lines without a year take it from there).

use flate2::{Decompress, FlushDecompress, Status};

use super::compression::{Bzip2Decoder, ZstdDecoder};
use super::FileIngest;
use crate::engine::error::SourceError;
use crate::engine::ingest::IngestOptions;
use crate::engine::store::SourceData;
use crate::engine::time::NANOS_PER_SEC;

const OUT_BYTES: usize = 256 * 1024;

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

fn member_name(archive: &str, path: &str) -> String {
    format!(
        "{archive}!/{}",
        path.trim_start_matches("./").trim_start_matches('/')
    )
}

/// A member's options: the archive's zone, the member's own size and modification time.
fn member_options(
    archive: &IngestOptions,
    size: Option<u64>,
    modified_ns: Option<i64>,
) -> IngestOptions {
    IngestOptions {
        zone: archive.zone.clone(),
        modified_ns: modified_ns.or(archive.modified_ns),
        size,
    }
}

/// Collects finished members and remembers the one being read.
struct Members {
    archive: String,
    options: IngestOptions,
    depth: u8,
    done: Vec<SourceData>,
    current: Option<Box<FileIngest>>,
}

impl Members {
    fn events_so_far(&self) -> usize {
        self.done.iter().map(SourceData::len).sum::<usize>()
            + self.current.as_ref().map_or(0, |m| m.events_so_far())
    }

    fn open(&mut self, path: &str, size: Option<u64>, modified_ns: Option<i64>) {
        self.close(None);
        let name = member_name(&self.archive, path);
        let options = member_options(&self.options, size, modified_ns);
        let detect = super::strip_compression_suffix(&name);
        self.current = Some(Box::new(FileIngest::nested(
            &name, &detect, options, self.depth,
        )));
    }

    fn push(&mut self, bytes: &[u8]) {
        if let Some(m) = self.current.as_mut() {
            m.push(bytes);
        }
    }

    fn close(&mut self, note: Option<SourceError>) {
        if let Some(m) = self.current.take() {
            self.done.extend(m.finish_with(note));
        }
    }

    /// Lists a member that could not be read, with why.
    fn skipped(&mut self, path: &str, size: u64, why: SourceError) {
        self.close(None);
        self.done
            .push(SourceData::new(crate::engine::store::SourceInfo {
                name: member_name(&self.archive, path),
                bytes: size,
                error: Some(why.to_string()),
                ..Default::default()
            }));
    }

    /// Ends the archive; `note` goes to the member being read, or to the archive itself.
    fn finish(mut self, note: Option<SourceError>) -> Vec<SourceData> {
        if self.current.is_some() {
            self.close(note);
        } else if let Some(n) = note {
            match self.done.last_mut() {
                Some(last) => append_error(&mut last.info.error, &n),
                None => self
                    .done
                    .push(SourceData::new(crate::engine::store::SourceInfo {
                        name: self.archive.clone(),
                        bytes: self.options.size.unwrap_or(0),
                        error: Some(n.to_string()),
                        ..Default::default()
                    })),
            }
        }
        self.done
    }
}

fn append_error(error: &mut Option<String>, note: &SourceError) {
    *error = Some(match error.take() {
        Some(e) => format!("{e}; {note}"),
        None => note.to_string(),
    });
}

// ---------------------------------------------------------------------------------------------------
// zip

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZipState {
    /// At a signature: a local header, the central directory, or the end.
    Header,
    /// Copying a stored member (`left` bytes to go).
    Stored {
        left: u64,
    },
    /// Inflating a deflated member (`left` compressed bytes to go, when known).
    Deflated {
        left: Option<u64>,
    },
    /// Decoding a zstd-compressed member (method 93; `left` compressed bytes to go).
    Zstd {
        left: u64,
    },
    /// Decoding a bzip2-compressed member (method 12; `left` compressed bytes to go).
    Bzip2 {
        left: u64,
    },
    /// Skipping `left` bytes of member data that is not read (or not needed).
    Skip {
        left: u64,
    },
    /// Reading the data descriptor after a member.
    Descriptor,
    /// The central directory or end record: the rest is not needed.
    Done,
    Failed,
}

/// Reads a zip archive pushed in chunks. See the module docs.
pub struct ZipReader {
    members: Members,
    state: ZipState,
    held: Vec<u8>,
    inflate: Decompress,
    out: Vec<u8>,
    /// Archive bytes consumed so far (for messages).
    offset: u64,
    /// The current member is followed by a data descriptor, with ZIP64 sizes.
    descriptor_follows: bool,
    zip64: bool,
    zstd: Option<Box<ZstdDecoder>>,
    bzip2: Option<Box<Bzip2Decoder>>,
    error: Option<SourceError>,
}

impl ZipReader {
    pub(crate) fn new(archive: &str, options: IngestOptions, depth: u8) -> Self {
        ZipReader {
            members: Members {
                archive: archive.to_string(),
                options,
                depth,
                done: Vec::new(),
                current: None,
            },
            state: ZipState::Header,
            held: Vec::new(),
            inflate: Decompress::new(false),
            out: vec![0; OUT_BYTES],
            offset: 0,
            descriptor_follows: false,
            zip64: false,
            zstd: None,
            bzip2: None,
            error: None,
        }
    }

    /// The state after a member's data.
    fn after_data(&self) -> ZipState {
        if self.descriptor_follows {
            ZipState::Descriptor
        } else {
            ZipState::Header
        }
    }

    pub(crate) fn push(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            let before = input.len();
            match self.state {
                ZipState::Done | ZipState::Failed => return,
                ZipState::Header => {
                    let start = self.held.len();
                    self.held.extend_from_slice(input);
                    match self.parse_header() {
                        Some(used) => {
                            input = &input[used.saturating_sub(start).min(input.len())..];
                            self.held.clear();
                        }
                        None => input = &[],
                    }
                }
                ZipState::Stored { left } => {
                    let n = (left.min(input.len() as u64)) as usize;
                    self.members.push(&input[..n]);
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        self.members.close(None);
                        self.after_data()
                    } else {
                        ZipState::Stored {
                            left: left - n as u64,
                        }
                    };
                }
                ZipState::Zstd { left } => {
                    let n = (left.min(input.len() as u64)) as usize;
                    let members = &mut self.members;
                    if let Some(z) = self.zstd.as_mut() {
                        z.push(&input[..n], &mut |text| members.push(text));
                    }
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        let note = self
                            .zstd
                            .take()
                            .and_then(|z| z.finish(&mut |text| members.push(text)));
                        members.close(note);
                        self.after_data()
                    } else {
                        ZipState::Zstd {
                            left: left - n as u64,
                        }
                    };
                }
                ZipState::Bzip2 { left } => {
                    let n = (left.min(input.len() as u64)) as usize;
                    let members = &mut self.members;
                    if let Some(z) = self.bzip2.as_mut() {
                        z.push(&input[..n], &mut |text| members.push(text));
                    }
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        let note = self.bzip2.take().and_then(|z| z.finish());
                        members.close(note);
                        self.after_data()
                    } else {
                        ZipState::Bzip2 {
                            left: left - n as u64,
                        }
                    };
                }
                ZipState::Skip { left } => {
                    let n = (left.min(input.len() as u64)) as usize;
                    input = &input[n..];
                    self.state = if left == n as u64 {
                        self.after_data()
                    } else {
                        ZipState::Skip {
                            left: left - n as u64,
                        }
                    };
                }
                ZipState::Deflated { left } => {
                    input = self.inflate_some(input, left);
                    if input.len() == before && matches!(self.state, ZipState::Deflated { .. }) {
                        // The inflater took nothing and gave nothing: never loop on it.
                        return self.fail("a member's deflate data cannot be read".into());
                    }
                }
                ZipState::Descriptor => {
                    let start = self.held.len();
                    self.held.extend_from_slice(input);
                    match descriptor_len(&self.held, self.zip64) {
                        Some(n) if n >= start => {
                            input = &input[n - start..];
                            self.held.clear();
                            self.state = ZipState::Header;
                        }
                        Some(n) => {
                            // The descriptor ended inside bytes held from before: hand those on first.
                            let early = self.held[n..start].to_vec();
                            self.held.clear();
                            self.state = ZipState::Header;
                            self.offset += n as u64;
                            self.push(&early);
                            self.offset -= (start - n) as u64;
                        }
                        None => input = &[],
                    }
                }
            }
            self.offset += (before - input.len()) as u64;
        }
    }

    /// Inflates from `input` (at most `left` bytes of it); returns the unused rest.
    fn inflate_some<'a>(&mut self, mut input: &'a [u8], mut left: Option<u64>) -> &'a [u8] {
        loop {
            let avail = left.map_or(input.len(), |l| l.min(input.len() as u64) as usize);
            let in_before = self.inflate.total_in();
            let out_before = self.inflate.total_out();
            let status =
                self.inflate
                    .decompress(&input[..avail], &mut self.out, FlushDecompress::None);
            let used = (self.inflate.total_in() - in_before) as usize;
            let made = (self.inflate.total_out() - out_before) as usize;
            input = &input[used..];
            left = left.map(|l| l - used as u64);
            if made > 0 {
                self.members.push(&self.out[..made]);
            }
            match status {
                Ok(Status::StreamEnd) => {
                    self.members.close(None);
                    self.state = match left {
                        Some(l) if l > 0 => ZipState::Skip { left: l },
                        _ => self.after_data(),
                    };
                    return input;
                }
                Err(e) => {
                    self.fail(e.to_string());
                    return &[];
                }
                Ok(_) if made == self.out.len() => {}
                Ok(_) if used == 0 && made == 0 && left == Some(0) => {
                    self.fail("a member's data ends before its deflate stream does".into());
                    return &[];
                }
                Ok(_) if avail == used || (used == 0 && made == 0) => {
                    self.state = ZipState::Deflated { left };
                    return input;
                }
                Ok(_) => {}
            }
        }
    }

    /// Parses the record at the start of `held`; returns the bytes it used, `None` to wait for more.
    fn parse_header(&mut self) -> Option<usize> {
        let b = &self.held;
        if b.len() < 4 {
            return None;
        }
        let sig = le32(b, 0);
        match sig {
            0x0403_4b50 => {}
            0x0201_4b50 | 0x0605_4b50 | 0x0606_4b50 => {
                let len = b.len();
                self.state = ZipState::Done;
                return Some(len);
            }
            _ => {
                let len = b.len();
                let at = self.offset;
                self.fail(format!(
                    "no zip header where one was expected (at byte {at})"
                ));
                return Some(len);
            }
        }
        if b.len() < 30 {
            return None;
        }
        let flags = le16(b, 6);
        let method = le16(b, 8);
        let (time, date) = (le16(b, 10), le16(b, 12));
        let mut csize = le32(b, 18) as u64;
        let mut usize_ = le32(b, 22) as u64;
        let name_len = le16(b, 26) as usize;
        let extra_len = le16(b, 28) as usize;
        let total = 30 + name_len + extra_len;
        if b.len() < total {
            return None;
        }
        let raw_name = &b[30..30 + name_len];
        let path = if flags & 0x0800 != 0 {
            String::from_utf8_lossy(raw_name).into_owned()
        } else {
            raw_name.iter().map(|&c| c as char).collect()
        };
        let extra = &b[30 + name_len..total];
        let mut zip64 = false;
        let mut mtime = dos_time_ns(date, time);
        let mut at = 0;
        while at + 4 <= extra.len() {
            let id = le16(extra, at);
            let len = le16(extra, at + 2) as usize;
            let body = &extra[at + 4..(at + 4 + len).min(extra.len())];
            if id == 0x0001 {
                zip64 = true;
                let mut p = 0;
                if usize_ == 0xFFFF_FFFF && body.len() >= p + 8 {
                    usize_ = le64(body, p);
                    p += 8;
                }
                if csize == 0xFFFF_FFFF && body.len() >= p + 8 {
                    csize = le64(body, p);
                }
            } else if id == 0x5455 && body.len() >= 5 && body[0] & 1 != 0 {
                mtime = Some(le32(body, 1) as i32 as i64 * NANOS_PER_SEC);
            }
            at += 4 + len;
        }
        let descriptor = flags & 0x0008 != 0;
        self.descriptor_follows = descriptor;
        self.zip64 = zip64;
        let sizes_known = !descriptor || csize != 0;
        let is_dir = path.ends_with('/');
        self.state = if is_dir {
            // Nothing to read; deflated directory data (an empty stream) is inflated into nothing.
            self.members.close(None);
            if method == 8 && !sizes_known {
                self.inflate.reset(false);
                ZipState::Deflated { left: None }
            } else if csize == 0 {
                self.after_data()
            } else {
                ZipState::Skip { left: csize }
            }
        } else if flags & 0x0001 != 0 {
            self.members
                .skipped(&path, usize_, SourceError::Unsupported("encrypted".into()));
            self.skip_or_fail(sizes_known, csize, "an encrypted member without its size")
        } else {
            match method {
                0 if sizes_known => {
                    self.members.open(&path, Some(usize_), mtime);
                    if csize == 0 {
                        self.members.close(None);
                        self.after_data()
                    } else {
                        ZipState::Stored { left: csize }
                    }
                }
                0 => {
                    self.members.skipped(
                        &path,
                        0,
                        SourceError::Unsupported(
                            "stored without its size in the local header".into(),
                        ),
                    );
                    self.fail("a stored member without its size".into());
                    ZipState::Failed
                }
                93 if sizes_known => {
                    self.members.open(&path, Some(usize_), mtime);
                    self.zstd = Some(Box::default());
                    if csize == 0 {
                        self.members.close(None);
                        self.after_data()
                    } else {
                        ZipState::Zstd { left: csize }
                    }
                }
                12 if sizes_known => {
                    self.members.open(&path, Some(usize_), mtime);
                    self.bzip2 = Some(Box::default());
                    if csize == 0 {
                        self.members.close(None);
                        self.after_data()
                    } else {
                        ZipState::Bzip2 { left: csize }
                    }
                }
                8 => {
                    self.members
                        .open(&path, (usize_ > 0 || !descriptor).then_some(usize_), mtime);
                    self.inflate.reset(false);
                    ZipState::Deflated {
                        left: (!descriptor || csize != 0).then_some(csize),
                    }
                }
                m => {
                    self.members
                        .skipped(&path, usize_, SourceError::Unsupported(method_name(m)));
                    self.skip_or_fail(sizes_known, csize, "a member of an unknown size")
                }
            }
        };
        Some(total)
    }

    fn skip_or_fail(&mut self, sizes_known: bool, csize: u64, what: &str) -> ZipState {
        if sizes_known {
            ZipState::Skip { left: csize }
        } else {
            self.fail(format!("{what} cannot be skipped"));
            ZipState::Failed
        }
    }

    fn fail(&mut self, detail: String) {
        self.state = ZipState::Failed;
        self.error = Some(SourceError::Damaged {
            kind: "zip",
            after_bytes: self.offset,
            detail,
        });
    }

    pub(crate) fn events_so_far(&self) -> usize {
        self.members.events_so_far()
    }

    pub(crate) fn finish(mut self, note: Option<SourceError>) -> Vec<SourceData> {
        let own = match self.state {
            ZipState::Done => None,
            ZipState::Failed => self.error.take(),
            ZipState::Header if self.held.is_empty() => None,
            // The central directory is missing or the stream stops inside a member.
            _ => Some(SourceError::Truncated {
                kind: "zip",
                after_bytes: self.offset,
            }),
        };
        self.members.finish(own.or(note))
    }
}

fn method_name(m: u16) -> String {
    match m {
        9 => "compressed with Deflate64".into(),
        12 => "compressed with bzip2".into(),
        14 => "compressed with LZMA".into(),
        93 => "compressed with zstd".into(),
        95 => "compressed with xz".into(),
        m => format!("compressed with method {m}"),
    }
}

/// A zip data descriptor's length: an optional signature, the CRC, and two sizes of 4 (or 8 with
/// ZIP64) bytes. Chosen by which length is followed by a known signature.
fn descriptor_len(b: &[u8], zip64: bool) -> Option<usize> {
    let has_sig = b.len() >= 4 && le32(b, 0) == 0x0807_4b50;
    let base = if has_sig { 4 } else { 0 };
    let options: &[usize] = if zip64 { &[20, 12] } else { &[12, 20] };
    for &n in options {
        let end = base + n;
        if b.len() >= end + 4 {
            let next = le32(b, end);
            if matches!(next, 0x0403_4b50 | 0x0201_4b50 | 0x0605_4b50 | 0x0606_4b50) {
                return Some(end);
            }
        }
    }
    if b.len() >= base + 24 {
        // Nothing recognisable follows: take the usual length and let the header check complain.
        return Some(base + if zip64 { 20 } else { 12 });
    }
    None
}

/// MS-DOS date and time (local time of the zipping machine, read as UTC).
fn dos_time_ns(date: u16, time: u16) -> Option<i64> {
    let year = 1980 + (date >> 9) as i32;
    let month = ((date >> 5) & 0xF) as u32;
    let day = (date & 0x1F) as u32;
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = crate::engine::time::days_from_civil(year, month, day);
    let secs = days * 86_400
        + ((time >> 11) as i64) * 3600
        + (((time >> 5) & 0x3F) as i64) * 60
        + ((time & 0x1F) as i64) * 2;
    Some(secs * NANOS_PER_SEC)
}

// ---------------------------------------------------------------------------------------------------
// tar

/// Whether a 512-byte block is a tar header: `ustar` magic, or an old-style header whose checksum adds up.
pub fn looks_like_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    header_checksum_ok(&head[..512]) && head[..100].iter().any(|&c| c != 0)
}

fn header_checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = parse_octal(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if (148..156).contains(&i) {
                32
            } else {
                c as u64
            }
        })
        .sum();
    sum == stored
}

/// An octal number field (NUL/space padded), or GNU base-256 when the high bit is set.
fn parse_octal(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|c| c & 0x80 != 0) {
        let mut v: u64 = (f[0] & 0x7f) as u64;
        for &c in &f[1..] {
            v = v.checked_mul(256)?.checked_add(c as u64)?;
        }
        return Some(v);
    }
    let digits: Vec<u8> = f
        .iter()
        .copied()
        .skip_while(|c| *c == b' ' || *c == 0)
        .take_while(|c| (b'0'..=b'7').contains(c))
        .collect();
    if digits.is_empty() {
        return f.iter().all(|c| *c == 0 || *c == b' ').then_some(0);
    }
    let mut v: u64 = 0;
    for c in digits {
        v = v.checked_mul(8)?.checked_add((c - b'0') as u64)?;
    }
    Some(v)
}

fn cstr(f: &[u8]) -> String {
    let end = memchr::memchr(0, f).unwrap_or(f.len());
    String::from_utf8_lossy(&f[..end]).into_owned()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TarData {
    /// A member's text.
    Member,
    /// A GNU long name or a pax header for the next member.
    Meta(u8),
    /// Not read.
    Skip,
}

/// Reads a tar archive pushed in chunks. See the module docs.
pub struct TarReader {
    members: Members,
    held: Vec<u8>,
    /// Bytes of member data still to come, then the padding to 512.
    data_left: u64,
    pad_left: u64,
    data: Option<TarData>,
    meta: Vec<u8>,
    long_name: Option<String>,
    pax_path: Option<String>,
    pax_size: Option<u64>,
    ended: bool,
    offset: u64,
    error: Option<SourceError>,
}

impl TarReader {
    pub(crate) fn new(archive: &str, options: IngestOptions, depth: u8) -> Self {
        TarReader {
            members: Members {
                archive: archive.to_string(),
                options,
                depth,
                done: Vec::new(),
                current: None,
            },
            held: Vec::new(),
            data_left: 0,
            pad_left: 0,
            data: None,
            meta: Vec::new(),
            long_name: None,
            pax_path: None,
            pax_size: None,
            ended: false,
            offset: 0,
            error: None,
        }
    }

    pub(crate) fn push(&mut self, mut input: &[u8]) {
        while !input.is_empty() && !self.ended && self.error.is_none() {
            if let Some(kind) = self.data.clone() {
                if self.data_left > 0 {
                    let n = self.data_left.min(input.len() as u64) as usize;
                    match kind {
                        TarData::Member => self.members.push(&input[..n]),
                        TarData::Meta(_) => self.meta.extend_from_slice(&input[..n]),
                        TarData::Skip => {}
                    }
                    self.data_left -= n as u64;
                    self.offset += n as u64;
                    input = &input[n..];
                    continue;
                }
                if self.pad_left > 0 {
                    let n = self.pad_left.min(input.len() as u64) as usize;
                    self.pad_left -= n as u64;
                    self.offset += n as u64;
                    input = &input[n..];
                    continue;
                }
                self.end_data(kind);
                continue;
            }
            let need = 512 - self.held.len();
            let n = need.min(input.len());
            self.held.extend_from_slice(&input[..n]);
            self.offset += n as u64;
            input = &input[n..];
            if self.held.len() == 512 {
                let header = std::mem::take(&mut self.held);
                self.header(&header);
            }
        }
        // A member with no data ends as soon as its header is read.
        if let Some(kind) = self.data.clone() {
            if self.data_left == 0 && self.pad_left == 0 {
                self.end_data(kind);
            }
        }
    }

    fn end_data(&mut self, kind: TarData) {
        self.data = None;
        match kind {
            TarData::Member => self.members.close(None),
            TarData::Meta(b'L') => {
                self.long_name = Some(cstr(&self.meta));
                self.meta.clear();
            }
            TarData::Meta(_) => {
                self.read_pax();
                self.meta.clear();
            }
            TarData::Skip => {}
        }
    }

    fn read_pax(&mut self) {
        // Records: "<len> <key>=<value>\n".
        let text = String::from_utf8_lossy(&self.meta).into_owned();
        for record in text.split('\n') {
            let Some((_, kv)) = record.split_once(' ') else {
                continue;
            };
            if let Some(path) = kv.strip_prefix("path=") {
                self.pax_path = Some(path.to_string());
            } else if let Some(size) = kv.strip_prefix("size=") {
                self.pax_size = size.parse().ok();
            }
        }
    }

    fn header(&mut self, h: &[u8]) {
        if h.iter().all(|&c| c == 0) {
            self.ended = true;
            return;
        }
        if !header_checksum_ok(h) {
            self.error = Some(SourceError::Damaged {
                kind: "tar",
                after_bytes: self.offset - 512,
                detail: "a header's checksum does not match".into(),
            });
            return;
        }
        let typeflag = h[156];
        let size = self
            .pax_size
            .take()
            .or_else(|| parse_octal(&h[124..136]))
            .unwrap_or(0);
        let mtime = parse_octal(&h[136..148]).map(|s| s as i64 * NANOS_PER_SEC);
        let mut path = cstr(&h[..100]);
        if &h[257..262] == b"ustar" {
            let prefix = cstr(&h[345..500]);
            if !prefix.is_empty() {
                path = format!("{prefix}/{path}");
            }
        }
        if let Some(long) = self.long_name.take() {
            path = long;
        }
        if let Some(p) = self.pax_path.take() {
            path = p;
        }
        self.data_left = size;
        self.pad_left = (512 - size % 512) % 512;
        self.data = Some(match typeflag {
            b'0' | 0 | b'7' if !path.ends_with('/') => {
                self.members.open(&path, Some(size), mtime);
                TarData::Member
            }
            b'L' | b'x' => TarData::Meta(typeflag),
            _ => TarData::Skip,
        });
    }

    pub(crate) fn events_so_far(&self) -> usize {
        self.members.events_so_far()
    }

    pub(crate) fn finish(mut self, note: Option<SourceError>) -> Vec<SourceData> {
        let own = if self.error.is_some() {
            self.error.take()
        } else if self.data.is_some() && (self.data_left > 0) {
            Some(SourceError::Truncated {
                kind: "tar",
                after_bytes: self.offset,
            })
        } else {
            None
        };
        // A tar inside a truncated gzip: the gzip's sentence says more than the tar's.
        self.members.finish(note.or(own))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ingest_file_bytes, FileIngest};
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder};
    use flate2::Compression;
    use std::io::Write;

    /// A minimal zip writer for tests: deflated members, optionally with data descriptors.
    fn zip(members: &[(&str, &[u8])], descriptor: bool) -> Vec<u8> {
        zip_with(members, descriptor, 8)
    }

    /// A minimal zip writer: members deflated (method 8) or bzip2-compressed (method 12).
    fn zip_with(members: &[(&str, &[u8])], descriptor: bool, method: u16) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in members {
            let comp = if method == 12 {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            } else {
                let mut e = DeflateEncoder::new(Vec::new(), Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            };
            let crc = crc32fast::hash(data);
            let offset = out.len() as u32;
            let flags: u16 = if descriptor { 0x0808 } else { 0x0800 };
            let mut h = Vec::new();
            h.extend(0x0403_4b50u32.to_le_bytes());
            h.extend(20u16.to_le_bytes());
            h.extend(flags.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend([0u8; 4]); // time, date
            let (c, cs, us) = if descriptor {
                (0, 0, 0)
            } else {
                (crc, comp.len() as u32, data.len() as u32)
            };
            h.extend(c.to_le_bytes());
            h.extend(cs.to_le_bytes());
            h.extend(us.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(name.as_bytes());
            out.extend(&h);
            out.extend(&comp);
            if descriptor {
                out.extend(0x0807_4b50u32.to_le_bytes());
                out.extend(crc.to_le_bytes());
                out.extend((comp.len() as u32).to_le_bytes());
                out.extend((data.len() as u32).to_le_bytes());
            }
            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend([0u8; 38]);
            central.extend(offset.to_le_bytes());
            central.extend(name.as_bytes());
        }
        out.extend(central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0u8; 18]);
        out
    }

    fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            let mut h = [0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            h[100..107].copy_from_slice(b"0000644");
            h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
            h[136..147].copy_from_slice(format!("{:011o}", 1_783_080_000u64).as_bytes());
            h[156] = b'0';
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            h[148..156].copy_from_slice(b"        ");
            let sum: u32 = h.iter().map(|&c| c as u32).sum();
            h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
            out.extend(h);
            out.extend(*data);
            out.extend(vec![0u8; (512 - data.len() % 512) % 512]);
        }
        out.extend([0u8; 1024]);
        out
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_chunked(name: &str, bytes: &[u8], chunk: usize) -> Vec<SourceData> {
        let mut f = FileIngest::open(name, IngestOptions::default());
        for c in bytes.chunks(chunk) {
            f.push(c);
        }
        f.finish()
    }

    const A: &[u8] = b"2026-07-03 09:00:00 INFO a\n2026-07-03 09:00:01 INFO b\n";
    const B: &[u8] = b"{\"ts\":\"2026-07-03T09:00:00Z\",\"msg\":\"x\"}\n";

    #[test]
    fn zip_members_become_sources_with_and_without_descriptors() {
        for descriptor in [false, true] {
            let z = zip(
                &[("logs/", b""), ("logs/a.log", A), ("b.jsonl", B)],
                descriptor,
            );
            for chunk in [1, 13, 4096] {
                let mut f = FileIngest::open("bundle.zip", IngestOptions::default());
                for c in z.chunks(chunk) {
                    f.push(c);
                }
                assert_eq!(f.events_so_far(), 3);
                let s = f.finish();
                let names: Vec<&str> = s.iter().map(|s| s.info.name.as_str()).collect();
                assert_eq!(names, ["bundle.zip!/logs/a.log", "bundle.zip!/b.jsonl"]);
                assert_eq!(s[0].len(), 2);
                assert_eq!(s[1].len(), 1);
                assert!(s.iter().all(|s| s.info.error.is_none()), "{:?}", s[0].info);
            }
        }
    }

    #[test]
    fn bzip2_zip_members_are_read() {
        let z = zip_with(&[("logs/a.log", A), ("b.jsonl", B)], false, 12);
        for chunk in [7, 4096] {
            let s = read_chunked("bundle.zip", &z, chunk);
            let names: Vec<&str> = s.iter().map(|s| s.info.name.as_str()).collect();
            assert_eq!(names, ["bundle.zip!/logs/a.log", "bundle.zip!/b.jsonl"]);
            assert_eq!(s[0].len(), 2);
            assert_eq!(s[1].len(), 1);
            assert!(s.iter().all(|s| s.info.error.is_none()), "{:?}", s[0].info);
        }
    }

    #[test]
    fn tar_gz_and_nested_gz_in_zip() {
        let t = gz(&tar(&[("a.log", A), ("dir/b.jsonl", B)]));
        let s = read_chunked("logs.tgz", &t, 777);
        let names: Vec<&str> = s.iter().map(|s| s.info.name.as_str()).collect();
        assert_eq!(names, ["logs.tgz!/a.log", "logs.tgz!/dir/b.jsonl"]);
        assert_eq!(s[0].len(), 2);
        assert_eq!(s[1].len(), 1);

        let z = zip(
            &[("inner/a.log.gz", &gz(A)), ("t.tar", &tar(&[("x.log", A)]))],
            false,
        );
        let s = ingest_file_bytes("outer.zip", &z, IngestOptions::default());
        let names: Vec<&str> = s.iter().map(|s| s.info.name.as_str()).collect();
        assert_eq!(
            names,
            ["outer.zip!/inner/a.log.gz", "outer.zip!/t.tar!/x.log"]
        );
        assert!(s.iter().all(|s| s.len() == 2));
    }

    #[test]
    fn truncated_archives_say_so() {
        let z = zip(&[("a.log", A), ("b.jsonl", B)], false);
        let second = z.windows(4).rposition(|w| w == b"PK\x03\x04").unwrap();
        let s = ingest_file_bytes("cut.zip", &z[..second + 40], IngestOptions::default());
        assert_eq!(s[0].info.error, None, "{s:?}");
        assert!(s[1]
            .info
            .error
            .as_deref()
            .unwrap()
            .contains("zip stream ends early"));
        let t = tar(&[("a.log", A)]);
        let s = ingest_file_bytes("cut.tar", &t[..540], IngestOptions::default());
        assert!(s[0]
            .info
            .error
            .as_deref()
            .unwrap()
            .contains("tar stream ends early"));
    }

    #[test]
    fn tar_member_mtime_reaches_the_ingest() {
        let t = tar(&[("syslog", b"Jul  3 09:00:53 host app: hi\n")]);
        let s = ingest_file_bytes("s.tar", &t, IngestOptions::default());
        let ts = s[0].ts(0).unwrap();
        assert_eq!(
            crate::engine::time::format_rfc3339(ts),
            "2026-07-03T09:00:53Z"
        );
    }

    #[test]
    fn damaged_archives_never_panic_and_always_say_something() {
        let inputs = [
            zip(&[("a.log", A), ("b.jsonl", B)], false),
            zip(&[("a.log", A), ("b.jsonl", B)], true),
            gz(&tar(&[("a.log", A), ("dir/b.jsonl", B)])),
            tar(&[("a.log", A)]),
            ruzstd::encoding::compress_to_vec(
                &tar(&[("a.log", A), ("b.jsonl", B)])[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for data in &inputs {
            for round in 0..300 {
                let mut d = data.clone();
                if round % 2 == 0 {
                    d.truncate((next() as usize) % d.len());
                } else {
                    for _ in 0..3 {
                        let at = (next() as usize) % d.len();
                        d[at] ^= (next() as u8) | 1;
                    }
                }
                let sources = read_chunked("fuzz.bin", &d, 1 + (next() as usize) % 97);
                assert!(!sources.is_empty());
            }
        }
    }

    #[test]
    fn zstd_members_of_a_zip_are_read() {
        let comp =
            ruzstd::encoding::compress_to_vec(A, ruzstd::encoding::CompressionLevel::Fastest);
        let mut z = Vec::new();
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend(63u16.to_le_bytes());
        z.extend(0x0800u16.to_le_bytes());
        z.extend(93u16.to_le_bytes());
        z.extend([0u8; 4]);
        z.extend(crc32fast::hash(A).to_le_bytes());
        z.extend((comp.len() as u32).to_le_bytes());
        z.extend((A.len() as u32).to_le_bytes());
        z.extend(5u16.to_le_bytes());
        z.extend(0u16.to_le_bytes());
        z.extend(b"a.log");
        z.extend(&comp);
        z.extend(0x0605_4b50u32.to_le_bytes());
        z.extend([0u8; 18]);
        for chunk in [3, 4096] {
            let s = read_chunked("z.zip", &z, chunk);
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].info.name, "z.zip!/a.log");
            assert_eq!(s[0].len(), 2);
            assert_eq!(s[0].info.error, None);
        }
    }

    #[test]
    fn empty_zip_is_named() {
        let z = zip(&[], false);
        let s = ingest_file_bytes("none.zip", &z, IngestOptions::default());
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].info.error.as_deref(),
            Some("the archive holds no files")
        );
    }
}

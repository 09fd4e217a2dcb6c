//! gzip, zstd and bzip2 as push streams: compressed chunks in, decompressed chunks out, never the
//! whole file at once.
//!
//! **bzip2** streams (several in a row, as `pbzip2` and `cat a.bz2 b.bz2` write them) go through the
//! `bzip2` crate's raw `Decompress` on its default backend, libbz2-rs-sys, a pure-Rust port of
//! libbzip2 (no C, builds for wasm32). bzip2 works in blocks of up to 900 kB, so text comes out a
//! block at a time.
//!
//! **zstd** frames (several in a row, skippable frames skipped) go through ruzstd's `FrameDecoder`,
//! pure Rust: it decodes whole blocks (at most 128 KiB each) from the bytes held so far, so at most
//! one block of compressed input is held back between pushes, and the decoded text is drained as it
//! comes (only the zstd window stays in memory).
//!
//! **gzip:**
//! The member framing (RFC 1952 header, CRC-32 and size trailer, several members one after another as
//! `cat a.gz b.gz` and bgzip write them) is read here; the deflate data goes through flate2's raw
//! [`flate2::Decompress`] with the pure-Rust miniz_oxide backend, which builds for wasm32 without C.
//! A stream that stops inside a member is reported as truncated with how much text came out before;
//! a checksum mismatch as damaged. Zero padding after the last member (tape blocks) is ignored.

use flate2::{Decompress, FlushDecompress, Status};

use crate::engine::error::SourceError;

/// Decompressed bytes handed on per call of the sink.
const OUT_BYTES: usize = 256 * 1024;

/// gzip magic bytes.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting a member header (bytes in `held`).
    Header,
    Deflate,
    /// Collecting the 8-byte trailer (bytes in `held`).
    Trailer,
    /// After a member: another member, zero padding, or the end.
    Between,
    /// Trailing bytes that are not gzip: ignored.
    Ignoring,
    Failed,
}

/// Decompresses a gzip stream pushed in chunks. See the module docs.
pub struct GzipDecoder {
    state: State,
    held: Vec<u8>,
    inflate: Decompress,
    crc: crc32fast::Hasher,
    member_out: u64,
    out: Vec<u8>,
    total_out: u64,
    error: Option<SourceError>,
}

impl Default for GzipDecoder {
    fn default() -> Self {
        GzipDecoder {
            state: State::Header,
            held: Vec::new(),
            inflate: Decompress::new(false),
            crc: crc32fast::Hasher::new(),
            member_out: 0,
            out: vec![0; OUT_BYTES],
            total_out: 0,
            error: None,
        }
    }
}

/// Length of a complete gzip member header at the start of `b`, `Ok(None)` when more bytes are needed.
fn header_len(b: &[u8]) -> Result<Option<usize>, String> {
    if b.len() < 10 {
        return Ok(None);
    }
    if b[..2] != GZIP_MAGIC {
        return Err("not a gzip member header".into());
    }
    if b[2] != 8 {
        return Err(format!("unknown compression method {}", b[2]));
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        let Some(xlen) = b.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + u16::from_le_bytes([xlen[0], xlen[1]]) as usize;
    }
    for bit in [0x08u8, 0x10] {
        if flags & bit != 0 {
            match b.get(at..).and_then(|rest| memchr::memchr(0, rest)) {
                Some(nul) => at += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    Ok((b.len() >= at).then_some(at))
}

impl GzipDecoder {
    /// Decompressed bytes produced so far.
    pub fn total_out(&self) -> u64 {
        self.total_out
    }

    /// Feeds compressed bytes; decompressed text goes to `sink`.
    pub fn push(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) {
        // Also loop while a full output buffer may have left more text inside the inflater.
        let mut more_out = false;
        while !input.is_empty() || more_out {
            more_out = false;
            match self.state {
                State::Failed | State::Ignoring => return,
                State::Between => {
                    if input[0] == 0 {
                        let zeros = input.iter().take_while(|b| **b == 0).count();
                        input = &input[zeros..];
                    } else if input[0] == GZIP_MAGIC[0] {
                        self.state = State::Header;
                    } else {
                        self.state = State::Ignoring;
                    }
                }
                State::Header => {
                    let before = self.held.len();
                    self.held.extend_from_slice(input);
                    match header_len(&self.held) {
                        Ok(None) => return,
                        Ok(Some(n)) => {
                            input = &input[n - before..];
                            self.held.clear();
                            self.inflate.reset(false);
                            self.crc = crc32fast::Hasher::new();
                            self.member_out = 0;
                            self.state = State::Deflate;
                        }
                        Err(detail) => return self.fail(detail),
                    }
                }
                State::Deflate => {
                    let in_before = self.inflate.total_in();
                    let out_before = self.inflate.total_out();
                    let status =
                        self.inflate
                            .decompress(input, &mut self.out, FlushDecompress::None);
                    let used = (self.inflate.total_in() - in_before) as usize;
                    let made = (self.inflate.total_out() - out_before) as usize;
                    input = &input[used..];
                    if made > 0 {
                        self.crc.update(&self.out[..made]);
                        self.member_out += made as u64;
                        self.total_out += made as u64;
                        sink(&self.out[..made]);
                    }
                    match status {
                        Ok(Status::StreamEnd) => self.state = State::Trailer,
                        Ok(_) if made == self.out.len() => more_out = true,
                        Ok(_) if used == 0 && made == 0 => return,
                        Ok(_) => {}
                        Err(e) => return self.fail(e.to_string()),
                    }
                }
                State::Trailer => {
                    let need = 8 - self.held.len();
                    let take = need.min(input.len());
                    self.held.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if self.held.len() < 8 {
                        return;
                    }
                    let crc = u32::from_le_bytes([
                        self.held[0],
                        self.held[1],
                        self.held[2],
                        self.held[3],
                    ]);
                    let size = u32::from_le_bytes([
                        self.held[4],
                        self.held[5],
                        self.held[6],
                        self.held[7],
                    ]);
                    self.held.clear();
                    let hasher = std::mem::replace(&mut self.crc, crc32fast::Hasher::new());
                    if hasher.finalize() != crc || size != self.member_out as u32 {
                        return self.fail("its checksum does not match".into());
                    }
                    self.state = State::Between;
                }
            }
        }
    }

    fn fail(&mut self, detail: String) {
        self.state = State::Failed;
        self.error = Some(SourceError::Damaged {
            kind: "gzip",
            after_bytes: self.total_out,
            detail,
        });
    }

    /// Ends the stream: the problem, if it stopped early or was damaged.
    pub fn finish(self) -> Option<SourceError> {
        if self.error.is_some() {
            return self.error;
        }
        match self.state {
            State::Header if self.held.is_empty() && self.total_out == 0 => {
                Some(SourceError::Truncated {
                    kind: "gzip",
                    after_bytes: 0,
                })
            }
            State::Header | State::Deflate | State::Trailer => Some(SourceError::Truncated {
                kind: "gzip",
                after_bytes: self.total_out,
            }),
            State::Between | State::Ignoring | State::Failed => None,
        }
    }
}

/// bzip2 magic bytes (`BZh`, then the block size digit).
pub const BZIP2_MAGIC: [u8; 3] = *b"BZh";

/// Decompresses a bzip2 stream pushed in chunks. See the module docs.
pub struct Bzip2Decoder {
    /// The stream being decoded; `None` between streams (and before the first).
    stream: Option<bzip2::Decompress>,
    /// Trailing bytes that are not bzip2 are ignored, as `bzip2 -d` does.
    ignoring: bool,
    /// Some stream has ended (an empty input is then no truncation).
    streams_ended: u64,
    out: Vec<u8>,
    total_out: u64,
    error: Option<SourceError>,
}

impl Default for Bzip2Decoder {
    fn default() -> Self {
        Bzip2Decoder {
            stream: None,
            ignoring: false,
            streams_ended: 0,
            out: vec![0; OUT_BYTES],
            total_out: 0,
            error: None,
        }
    }
}

impl Bzip2Decoder {
    /// Feeds compressed bytes; decompressed text goes to `sink`.
    pub fn push(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) {
        let mut more_out = false;
        while (!input.is_empty() || more_out) && !self.ignoring && self.error.is_none() {
            more_out = false;
            let Some(stream) = self.stream.as_mut() else {
                // Between streams: another stream, zero padding, or trailing bytes to ignore.
                let zeros = input.iter().take_while(|b| **b == 0).count();
                input = &input[zeros..];
                match input.first() {
                    None => return,
                    Some(&b) if b == BZIP2_MAGIC[0] => {
                        self.stream = Some(bzip2::Decompress::new(false));
                    }
                    Some(_) => self.ignoring = true,
                }
                continue;
            };
            let (in_before, out_before) = (stream.total_in(), stream.total_out());
            let status = stream.decompress(input, &mut self.out);
            let used = (stream.total_in() - in_before) as usize;
            let made = (stream.total_out() - out_before) as usize;
            input = &input[used..];
            if made > 0 {
                self.total_out += made as u64;
                sink(&self.out[..made]);
            }
            match status {
                Ok(bzip2::Status::StreamEnd) => {
                    self.stream = None;
                    self.streams_ended += 1;
                }
                Ok(_) if made == self.out.len() => more_out = true,
                Ok(_) if used == 0 && made == 0 => return,
                Ok(_) => {}
                Err(e) => {
                    self.error = Some(SourceError::Damaged {
                        kind: "bzip2",
                        after_bytes: self.total_out,
                        detail: e.to_string(),
                    });
                }
            }
        }
    }

    /// Ends the stream: the problem, if it stopped early or was damaged.
    pub fn finish(self) -> Option<SourceError> {
        if self.error.is_some() {
            return self.error;
        }
        (self.stream.is_some() || self.streams_ended == 0).then_some(SourceError::Truncated {
            kind: "bzip2",
            after_bytes: self.total_out,
        })
    }
}

/// zstd magic bytes (little-endian 0xFD2FB528).
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// Compressed bytes handed to the frame decoder per call (more than one block, so it progresses).
const ZSTD_STEP: usize = 256 * 1024;
/// The largest zstd window accepted (the format allows more; 128 MiB covers `zstd --long`).
const ZSTD_MAX_WINDOW: u64 = 128 << 20;

/// Decompresses a zstd stream pushed in chunks. See the module docs.
pub struct ZstdDecoder {
    decoder: ruzstd::decoding::FrameDecoder,
    /// Compressed bytes not yet decoded (less than one block, or a frame header).
    held: Vec<u8>,
    in_frame: bool,
    /// Bytes of a skippable frame still to skip.
    skip: u64,
    out: Vec<u8>,
    total_out: u64,
    error: Option<SourceError>,
}

impl Default for ZstdDecoder {
    fn default() -> Self {
        let mut decoder = ruzstd::decoding::FrameDecoder::new();
        decoder.set_max_window_size(ZSTD_MAX_WINDOW);
        ZstdDecoder {
            decoder,
            held: Vec::new(),
            in_frame: false,
            skip: 0,
            out: vec![0; OUT_BYTES],
            total_out: 0,
            error: None,
        }
    }
}

impl ZstdDecoder {
    /// Feeds compressed bytes; decompressed text goes to `sink`.
    pub fn push(&mut self, input: &[u8], sink: &mut dyn FnMut(&[u8])) {
        if self.error.is_some() {
            return;
        }
        self.held.extend_from_slice(input);
        self.run(false, sink);
    }

    fn fail(&mut self, detail: String) {
        self.held = Vec::new();
        self.error = Some(SourceError::Damaged {
            kind: "zstd",
            after_bytes: self.total_out,
            detail,
        });
    }

    fn run(&mut self, at_end: bool, sink: &mut dyn FnMut(&[u8])) {
        let mut at = 0;
        loop {
            if self.skip > 0 {
                let n = self.skip.min((self.held.len() - at) as u64) as usize;
                at += n;
                self.skip -= n as u64;
                if self.skip > 0 {
                    break;
                }
            }
            if !self.in_frame {
                let rest = &self.held[at..];
                if rest.is_empty() || (rest.len() < 18 && !at_end) {
                    break;
                }
                if rest.len() >= 4 && rest[..4] != ZSTD_MAGIC {
                    let magic = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
                    if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                        if rest.len() < 8 {
                            break;
                        }
                        self.skip = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as u64;
                        at += 8;
                        continue;
                    }
                    if rest.iter().all(|b| *b == 0) {
                        at = self.held.len();
                        break;
                    }
                    self.held.drain(..at);
                    return self.fail("no zstd frame where one was expected".into());
                }
                let mut src = rest;
                match self.decoder.reset(&mut src) {
                    Ok(()) => {
                        at = self.held.len() - src.len();
                        self.in_frame = true;
                    }
                    Err(_) if !at_end && rest.len() < 18 => break,
                    Err(e) => {
                        self.held.drain(..at);
                        return self.fail(e.to_string());
                    }
                }
            }
            // Decode what whole blocks there are, a step at a time, draining the text as it comes.
            let end = (at + ZSTD_STEP).min(self.held.len());
            let (read, written) = match self
                .decoder
                .decode_from_to(&self.held[at..end], &mut self.out)
            {
                Ok(v) => v,
                Err(e) => {
                    self.held.drain(..at);
                    return self.fail(e.to_string());
                }
            };
            // The decoder counts a frame checksum it has not yet been given as read: then nothing was
            // read, and the checksum is waited for.
            let read = if read > end - at { 0 } else { read };
            at += read;
            if written > 0 {
                self.total_out += written as u64;
                sink(&self.out[..written]);
            }
            if self.decoder.is_finished() && self.decoder.can_collect() == 0 {
                self.in_frame = false;
                continue;
            }
            if read == 0 && written == 0 {
                break;
            }
        }
        self.held.drain(..at);
    }

    /// Ends the stream: the problem, if it stopped early or was damaged.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) -> Option<SourceError> {
        if self.error.is_none() {
            self.run(true, sink);
        }
        if self.error.is_some() {
            return self.error;
        }
        (self.in_frame || !self.held.is_empty() || self.skip > 0).then_some(
            SourceError::Truncated {
                kind: "zstd",
                after_bytes: self.total_out,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gunzip(data: &[u8], chunk: usize) -> (Vec<u8>, Option<SourceError>) {
        let mut d = GzipDecoder::default();
        let mut out = Vec::new();
        for c in data.chunks(chunk) {
            d.push(c, &mut |b| out.extend_from_slice(b));
        }
        (out, d.finish())
    }

    #[test]
    fn multi_member_in_any_chunking() {
        let mut data = gz(b"first member\n");
        data.extend(gz(b"second member\n"));
        data.extend([0u8; 16]);
        for chunk in [1, 5, 64, 1 << 20] {
            let (out, err) = gunzip(&data, chunk);
            assert_eq!(out, b"first member\nsecond member\n");
            assert_eq!(err, None);
        }
    }

    fn unzstd(data: &[u8], chunk: usize) -> (Vec<u8>, Option<SourceError>) {
        let mut d = ZstdDecoder::default();
        let mut out = Vec::new();
        for c in data.chunks(chunk) {
            d.push(c, &mut |b| out.extend_from_slice(b));
        }
        let err = d.finish(&mut |b| out.extend_from_slice(b));
        (out, err)
    }

    #[test]
    fn zstd_frames_in_any_chunking_and_truncated() {
        let text: Vec<u8> = (0..60_000)
            .flat_map(|i| format!("2026-07-03 09:00:00 INFO line {i}\n").into_bytes())
            .collect();
        let one = ruzstd::encoding::compress_to_vec(
            &text[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let mut two = one.clone();
        // A skippable frame between two frames.
        two.extend(0x184D_2A50u32.to_le_bytes());
        two.extend(3u32.to_le_bytes());
        two.extend([1, 2, 3]);
        two.extend(ruzstd::encoding::compress_to_vec(
            &b"tail\n"[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        ));
        let mut want = text.clone();
        want.extend(b"tail\n");
        for chunk in [7, 4096, 1 << 20] {
            let (out, err) = unzstd(&two, chunk);
            assert_eq!(err, None);
            assert!(
                out == want,
                "chunk {chunk}: {} of {} bytes",
                out.len(),
                want.len()
            );
        }
        let (out, err) = unzstd(&one[..one.len() / 2], 1000);
        assert!(out.len() < text.len() && text.starts_with(&out));
        assert!(
            matches!(err, Some(SourceError::Truncated { kind: "zstd", .. })),
            "{err:?}"
        );
    }

    #[test]
    fn truncated_and_damaged_streams_are_named() {
        let text: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let data = gz(&text);
        let (out, err) = gunzip(&data[..data.len() / 2], 4096);
        assert!(!out.is_empty() && out.len() < text.len());
        assert_eq!(
            err,
            Some(SourceError::Truncated {
                kind: "gzip",
                after_bytes: out.len() as u64
            })
        );
        let mut bad = data.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // in the CRC
        let (_, err) = gunzip(&bad, 4096);
        assert!(matches!(err, Some(SourceError::Damaged { .. })));
    }
}

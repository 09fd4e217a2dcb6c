//! Opening what people drop: plain files, compressed files and archives, all as push streams.
//!
//! [`FileIngest::open`] takes a name and [`IngestOptions`] and returns something to push the file's
//! chunks into; [`FileIngest::finish`] returns one [`SourceData`] per text file found. What the bytes
//! are is decided by their first bytes (magic numbers), never by the name alone:
//! - gzip (`1f 8b`, also several members in a row), zstd (`28 b5 2f fd`) and bzip2 (`BZh`) are
//!   decompressed on the fly ([`compression`]);
//! - zip (`PK\x03\x04`) and tar (`ustar` at byte 257, or a valid old-style header) are unpacked member by
//!   member ([`archive`]); zip is read through its local headers, so no central directory and no random
//!   access are needed and a member's text flows straight into its own ingest;
//! - anything else is text, read by a [`SourceIngest`] (which also handles encodings and binary data);
//!   a JSON document of records (CloudTrail's `{"Records":[...]}`) is first reframed one record per
//!   line ([`records`]).
//!
//! Layers nest: a `.tar.gz`, a `.gz` inside a `.zip`, a zip inside a tar.
//!
//! **Names.** An archive member is named `ARCHIVE!/path/in/archive`; a member of a nested archive adds
//! another `!/` (`bundle.zip!/logs/old.tar!/app.log`). Compression does not rename: `app.log.gz` stays
//! `app.log.gz` (and `bundle.zip!/logs/b.log.gz` keeps its name), so a source's name is always a path
//! the user can find; only format detection looks at the name without `.gz` (so `x.csv.gz` reads as CSV).
//!
//! **Sizes.** A source's `bytes` is the size of the file as given: the compressed size for `app.log.gz`,
//! the member's size in the archive for a member.

pub mod archive;
pub mod compression;
pub mod encoding;
pub mod records;

use super::error::SourceError;
use super::ingest::{fill_vec, Fill, IngestOptions, SourceIngest};
use super::store::{SourceData, SourceInfo};

use self::archive::{TarReader, ZipReader};
use self::compression::{
    Bzip2Decoder, GzipDecoder, ZstdDecoder, BZIP2_MAGIC, GZIP_MAGIC, ZSTD_MAGIC,
};
use self::records::{opens_records_document, RecordsFramer};

/// Bytes needed to tell the container kind (a tar header is 512 bytes).
const MAGIC_BYTES: usize = 512;
/// Archives inside archives deeper than this are not opened (they are read as they are).
const MAX_DEPTH: u8 = 6;

/// What a stream's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Gzip,
    Zstd,
    Bzip2,
    Zip,
    Tar,
    Plain,
}

/// Tells the container from a stream's first bytes; `None` while more bytes could change the answer.
pub fn sniff_container(head: &[u8], at_end: bool) -> Option<Container> {
    if head.len() >= 2 && head[..2] == GZIP_MAGIC {
        return Some(Container::Gzip);
    }
    if head.len() >= 4 && (head[..4] == *b"PK\x03\x04" || head[..4] == *b"PK\x05\x06") {
        return Some(Container::Zip);
    }
    if head.len() >= 4 && head[..4] == ZSTD_MAGIC {
        return Some(Container::Zstd);
    }
    if head.len() >= 10
        && head[..3] == BZIP2_MAGIC
        && head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
    {
        return Some(Container::Bzip2);
    }
    if head.len() < MAGIC_BYTES && !at_end {
        // Could still be gzip/zip? Only while fewer than 4 bytes arrived; tar needs the whole header.
        return None;
    }
    if archive::looks_like_tar(head) {
        return Some(Container::Tar);
    }
    Some(Container::Plain)
}

enum Stage {
    /// Collecting the first bytes.
    Sniffing(Vec<u8>),
    Plain(Box<SourceIngest>),
    /// A JSON document of records (CloudTrail), reframed one record per line on its way to ingest.
    Records {
        framer: RecordsFramer,
        /// The chunk being reframed (reused).
        scratch: Vec<u8>,
        ingest: Box<SourceIngest>,
    },
    Gzip {
        decoder: GzipDecoder,
        inner: Box<FileIngest>,
    },
    Zstd {
        decoder: Box<ZstdDecoder>,
        inner: Box<FileIngest>,
    },
    Bzip2 {
        decoder: Box<Bzip2Decoder>,
        inner: Box<FileIngest>,
    },
    Zip(Box<ZipReader>),
    Tar(Box<TarReader>),
}

/// Reads one dropped or named file, which may hold several sources. See the module docs.
pub struct FileIngest {
    name: String,
    /// Name used for format detection (compression suffixes removed).
    detect_name: String,
    options: IngestOptions,
    depth: u8,
    stage: Stage,
    bytes_in: u64,
}

/// `app.log.gz` → `app.log`, `x.tgz` → `x.tar`, `x.csv.zst` → `x.csv`, `x.log.bz2` → `x.log`.
pub fn strip_compression_suffix(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for suffix in [".tgz", ".tbz2", ".tbz", ".tzst"] {
        if lower.ends_with(suffix) {
            return format!("{}.tar", &name[..name.len() - suffix.len()]);
        }
    }
    for suffix in [".gz", ".gzip", ".zst", ".zstd", ".bz2", ".bzip2"] {
        if lower.ends_with(suffix) {
            return name[..name.len() - suffix.len()].to_string();
        }
    }
    name.to_string()
}

impl FileIngest {
    /// Starts reading a file called `name` (a path, a dropped file's name, or `ARCHIVE!/member`).
    pub fn open(name: &str, options: IngestOptions) -> FileIngest {
        FileIngest::nested(name, name, options, 0)
    }

    pub(crate) fn nested(name: &str, detect_name: &str, options: IngestOptions, depth: u8) -> Self {
        FileIngest {
            name: name.to_string(),
            detect_name: detect_name.to_string(),
            options,
            depth,
            stage: Stage::Sniffing(Vec::new()),
            bytes_in: 0,
        }
    }

    /// The name given to [`FileIngest::open`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes pushed so far (compressed bytes for a compressed file).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_in
    }

    /// Events recognised so far in every source of this file (for progress reports).
    pub fn events_so_far(&self) -> usize {
        match &self.stage {
            Stage::Sniffing(_) => 0,
            Stage::Plain(ingest) | Stage::Records { ingest, .. } => ingest.events_so_far(),
            Stage::Gzip { inner, .. } | Stage::Zstd { inner, .. } | Stage::Bzip2 { inner, .. } => {
                inner.events_so_far()
            }
            Stage::Zip(zip) => zip.events_so_far(),
            Stage::Tar(tar) => tar.events_so_far(),
        }
    }

    /// The events stored so far of the file's one text source (a plain or compressed file; `None`
    /// for an archive or before the kind of file is known): their ids are final, so they can be mined
    /// while the rest is read.
    pub fn stored(&self) -> Option<&SourceData> {
        match &self.stage {
            Stage::Plain(ingest) | Stage::Records { ingest, .. } => Some(ingest.stored()),
            Stage::Gzip { inner, .. } | Stage::Zstd { inner, .. } | Stage::Bzip2 { inner, .. } => {
                inner.stored()
            }
            Stage::Sniffing(_) | Stage::Zip(_) | Stage::Tar(_) => None,
        }
    }

    /// Feeds the next bytes of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes_in += chunk.len() as u64;
        if let Stage::Sniffing(head) = &mut self.stage {
            head.extend_from_slice(chunk);
            let Some(kind) = sniff_container(head, false) else {
                return;
            };
            let head = std::mem::take(head);
            self.start(kind, &head);
            self.push_to_stage(&head);
            return;
        }
        self.push_to_stage(chunk);
    }

    /// Feeds the next `len` bytes of the file, written by `fill`: straight into the text buffer of a
    /// plain file's ingest ([`SourceIngest::push_filled`]), else into `scratch` and pushed as usual.
    /// The result is exactly that of [`FileIngest::push`] with the same bytes.
    pub fn push_filled(&mut self, len: usize, scratch: &mut Vec<u8>, fill: Fill<'_>) {
        match &mut self.stage {
            Stage::Plain(ingest) => {
                self.bytes_in += len as u64;
                ingest.push_filled(len, scratch, fill);
            }
            _ => self.push(fill_vec(scratch, len, fill)),
        }
    }

    fn start(&mut self, kind: Container, head: &[u8]) {
        let kind = if self.depth >= MAX_DEPTH {
            Container::Plain
        } else {
            kind
        };
        self.stage = match kind {
            Container::Plain => {
                let mut ingest = SourceIngest::new(&self.name, self.options.clone());
                if self.detect_name != self.name {
                    ingest.set_detect_name(&self.detect_name);
                }
                if opens_records_document(head) == Some(true) {
                    Stage::Records {
                        framer: RecordsFramer::default(),
                        scratch: Vec::new(),
                        ingest: Box::new(ingest),
                    }
                } else {
                    Stage::Plain(Box::new(ingest))
                }
            }
            Container::Gzip => Stage::Gzip {
                decoder: GzipDecoder::default(),
                inner: Box::new(FileIngest::nested(
                    &self.name,
                    &strip_compression_suffix(&self.detect_name),
                    self.options.clone(),
                    self.depth + 1,
                )),
            },
            Container::Zstd => Stage::Zstd {
                decoder: Box::default(),
                inner: Box::new(FileIngest::nested(
                    &self.name,
                    &strip_compression_suffix(&self.detect_name),
                    self.options.clone(),
                    self.depth + 1,
                )),
            },
            Container::Bzip2 => Stage::Bzip2 {
                decoder: Box::default(),
                inner: Box::new(FileIngest::nested(
                    &self.name,
                    &strip_compression_suffix(&self.detect_name),
                    self.options.clone(),
                    self.depth + 1,
                )),
            },
            Container::Zip => Stage::Zip(Box::new(ZipReader::new(
                &self.name,
                self.options.clone(),
                self.depth + 1,
            ))),
            Container::Tar => Stage::Tar(Box::new(TarReader::new(
                &self.name,
                self.options.clone(),
                self.depth + 1,
            ))),
        };
    }

    fn push_to_stage(&mut self, chunk: &[u8]) {
        match &mut self.stage {
            Stage::Sniffing(_) => {}
            Stage::Plain(ingest) => ingest.push(chunk),
            Stage::Records {
                framer,
                scratch,
                ingest,
            } => {
                scratch.clear();
                framer.reframe(chunk, scratch);
                ingest.push(scratch);
            }
            Stage::Gzip { decoder, inner } => decoder.push(chunk, &mut |text| inner.push(text)),
            Stage::Zstd { decoder, inner } => decoder.push(chunk, &mut |text| inner.push(text)),
            Stage::Bzip2 { decoder, inner } => decoder.push(chunk, &mut |text| inner.push(text)),
            Stage::Zip(zip) => zip.push(chunk),
            Stage::Tar(tar) => tar.push(chunk),
        }
    }

    /// Ends the file: every source found, in the order met.
    pub fn finish(self) -> Vec<SourceData> {
        self.finish_with(None)
    }

    /// Ends the file, adding `note` (a problem of an enclosing layer, such as a truncated gzip around
    /// a tar) to the source that was being read when the stream stopped.
    pub(crate) fn finish_with(mut self, note: Option<SourceError>) -> Vec<SourceData> {
        if let Stage::Sniffing(head) = &mut self.stage {
            let head = std::mem::take(head);
            let kind = sniff_container(&head, true).unwrap_or(Container::Plain);
            self.start(kind, &head);
            self.push_to_stage(&head);
        }
        let bytes = self.options.size.unwrap_or(self.bytes_in);
        let mut sources = match self.stage {
            Stage::Sniffing(_) => Vec::new(),
            Stage::Plain(mut ingest) | Stage::Records { mut ingest, .. } => {
                if let Some(n) = note {
                    ingest.add_note(n);
                }
                vec![ingest.finish()]
            }
            Stage::Gzip { decoder, inner } => {
                let own = decoder.finish();
                let note = match (own, note) {
                    (Some(a), _) => Some(a),
                    (None, b) => b,
                };
                inner.finish_with(note)
            }
            Stage::Zstd { decoder, mut inner } => {
                let own = decoder.finish(&mut |text| inner.push(text));
                inner.finish_with(own.or(note))
            }
            Stage::Bzip2 { decoder, inner } => inner.finish_with(decoder.finish().or(note)),
            Stage::Zip(zip) => zip.finish(note),
            Stage::Tar(tar) => tar.finish(note),
        };
        if sources.is_empty() {
            sources.push(SourceData::new(SourceInfo {
                name: self.name.clone(),
                bytes,
                error: Some(SourceError::EmptyArchive.to_string()),
                ..Default::default()
            }));
        }
        // A plain file inside a compressed one reports the size of the file as given.
        if sources.len() == 1 && sources[0].info.name == self.name {
            sources[0].info.bytes = bytes;
        }
        sources
    }
}

/// Reads a whole in-memory file (a test, a small drop) that may be compressed or an archive.
pub fn ingest_file_bytes(name: &str, bytes: &[u8], options: IngestOptions) -> Vec<SourceData> {
    let mut ingest = FileIngest::open(name, options);
    for chunk in bytes.chunks(4 << 20) {
        ingest.push(chunk);
    }
    ingest.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::level::Level;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read(name: &str, bytes: &[u8], chunk: usize) -> Vec<SourceData> {
        let mut ingest = FileIngest::open(name, IngestOptions::default());
        for c in bytes.chunks(chunk) {
            ingest.push(c);
        }
        ingest.finish()
    }

    /// Everything a reader can see of a source: its facts, each event's time, level and text, and
    /// where its blocks start in the file.
    type Observed = (SourceInfo, Vec<(Option<i64>, Level, Vec<u8>)>, Vec<u64>);

    fn observed(s: &SourceData) -> Observed {
        let events = (0..s.len())
            .map(|e| (s.ts(e), s.level(e), s.text(e).to_vec()))
            .collect();
        let offsets = s.blocks().iter().map(|b| b.file_offset).collect();
        (s.info.clone(), events, offsets)
    }

    #[test]
    fn bytes_written_in_place_read_as_pushed_bytes_do() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let hdfs = std::fs::read(corpus.join("loghub/HDFS/HDFS_2k.log")).unwrap();
        let java = std::fs::read(
            corpus.join("multiline/fluent-plugin-detect-exceptions/complex_java_exc.txt"),
        )
        .unwrap();
        let mut long_line = b"2026-07-03 09:00:00 INFO start\n".to_vec();
        long_line.extend(std::iter::repeat_n(
            b'x',
            crate::engine::ingest::MAX_EVENT_BYTES + 5000,
        ));
        long_line.extend_from_slice(b"\n2026-07-03 09:00:01 WARN after\n");
        let mut latin1 = b"2026-07-03 09:00:00 INFO caf\xe9\n".to_vec();
        latin1.extend(hdfs.iter().take(70_000));
        let utf16: Vec<u8> = "2026-07-03 09:00:00 INFO \u{e9}t\u{e9}\n"
            .repeat(3000)
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let files: Vec<(&str, Vec<u8>)> = vec![
            ("HDFS_2k.log", hdfs.clone()),
            ("java.txt", java),
            ("long.log", long_line),
            ("latin1.log", latin1),
            ("utf16.log", [&[0xFF, 0xFE][..], &utf16].concat()),
            ("HDFS_2k.log.gz", gz(&hdfs)),
            ("empty.log", Vec::new()),
        ];
        for (name, bytes) in &files {
            // Small pieces make a long line cost a reallocation per piece: not for the long line.
            let smallest = if bytes.len() > 1 << 20 { 4096 } else { 7 };
            for chunk in [smallest, 700, 65_536, 1 << 20] {
                let pushed = read(name, bytes, chunk);
                let mut filled = FileIngest::open(name, IngestOptions::default());
                let mut scratch = Vec::new();
                for c in bytes.chunks(chunk) {
                    filled.push_filled(c.len(), &mut scratch, &mut |space| {
                        space.write_copy_of_slice(c)
                    });
                }
                assert_eq!(
                    filled.bytes_read(),
                    bytes.len() as u64,
                    "{name} chunk {chunk}"
                );
                let filled = filled.finish();
                assert_eq!(filled.len(), pushed.len(), "{name} chunk {chunk}");
                assert_eq!(
                    pushed[0].is_empty(),
                    bytes.is_empty(),
                    "{name} chunk {chunk}"
                );
                for (a, b) in filled.iter().zip(&pushed) {
                    assert_eq!(observed(a), observed(b), "{name} chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn plain_text_is_one_source() {
        let s = read("a.log", b"2026-07-03 09:00:00 INFO x\n", 3);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].len(), 1);
        assert_eq!(s[0].info.name, "a.log");
    }

    #[test]
    fn gzip_keeps_its_name_and_size_and_detects_by_inner_name() {
        let data = gz(b"a,time\nx,2026-07-03T09:00:00Z\ny,2026-07-03T09:00:01Z\n");
        for chunk in [1, 7, 1 << 20] {
            let s = read("t.csv.gz", &data, chunk);
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].info.name, "t.csv.gz");
            assert_eq!(s[0].info.bytes, data.len() as u64);
            assert_eq!(s[0].info.format, crate::engine::formats::FormatName::Csv);
            assert_eq!(s[0].len(), 2);
            assert_eq!(s[0].info.error, None);
        }
    }

    #[test]
    fn zstd_is_read() {
        let data = ruzstd::encoding::compress_to_vec(
            &b"a,time\nx,2026-07-03T09:00:00Z\n"[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let s = read("t.csv.zst", &data, 5);
        assert_eq!(s[0].info.format, crate::engine::formats::FormatName::Csv);
        assert_eq!(s[0].len(), 1);
        assert_eq!(s[0].info.bytes, data.len() as u64);
    }

    fn bz2(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn bzip2_is_read_as_a_stream_also_several_streams_in_a_row() {
        let text: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("2026-07-03 09:00:00 INFO line {i}\n").into_bytes())
            .collect();
        let (a, b) = text.split_at(text.len() / 3 + 7);
        // Two streams, as pbzip2 or `cat a.bz2 b.bz2` write them (the cut is mid-line).
        let mut data = bz2(a);
        data.extend(bz2(b));
        for chunk in [1 << 10, 1 << 20] {
            let s = read("app.log.bz2", &data, chunk);
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].info.name, "app.log.bz2");
            assert_eq!(s[0].info.bytes, data.len() as u64);
            assert_eq!(s[0].info.error, None);
            assert_eq!(s[0].len(), 20_000);
            assert_eq!(s[0].text(19_999), b"2026-07-03 09:00:00 INFO line 19999");
        }
        // The name without `.bz2` is used for detection.
        let s = read("t.csv.bz2", &bz2(b"a,time\nx,2026-07-03T09:00:00Z\n"), 3);
        assert_eq!(s[0].info.format, crate::engine::formats::FormatName::Csv);
        // Cut short: what came out is kept and the file says so.
        let s = read("app.log.bz2", &data[..data.len() / 2], 1 << 12);
        assert!(s[0].len() > 1000);
        let err = s[0].info.error.as_deref().unwrap();
        assert!(
            err.starts_with("the bzip2 stream ends early after "),
            "{err}"
        );
        // Damaged data says so too.
        let mut damaged = bz2(a);
        let mid = damaged.len() / 2;
        damaged[mid..mid + 16].fill(0x55);
        let s = read("bad.log.bz2", &damaged, 1 << 12);
        let err = s[0].info.error.as_deref().unwrap();
        assert!(err.starts_with("the bzip2 data is damaged after "), "{err}");
    }

    #[test]
    fn a_tar_inside_bzip2_is_unpacked() {
        let mut tar = Vec::new();
        let body = b"2026-07-03 09:00:00 INFO x\n";
        let mut header = [0u8; 512];
        header[..5].copy_from_slice(b"a.log");
        header[100..108].copy_from_slice(b"0000644\0");
        header[124..136].copy_from_slice(format!("{:011o}\0", body.len()).as_bytes());
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].fill(b' ');
        let sum: u32 = header.iter().map(|b| *b as u32).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        tar.extend_from_slice(&header);
        tar.extend_from_slice(body);
        tar.resize(tar.len().div_ceil(512) * 512 + 1024, 0);
        let s = read("logs.tbz2", &bz2(&tar), 100);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].info.name, "logs.tbz2!/a.log");
        assert_eq!(s[0].len(), 1);
    }

    #[test]
    fn magic_bytes_win_over_the_name() {
        let data = gz(b"2026-07-03 09:00:00 INFO x\n");
        let s = read("no-extension", &data, 100);
        assert_eq!(s[0].len(), 1);
        assert_eq!(s[0].text(0), b"2026-07-03 09:00:00 INFO x");
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read() {
        let text: Vec<u8> = (0..50_000)
            .flat_map(|i| format!("2026-07-03 09:00:00 INFO line {i}\n").into_bytes())
            .collect();
        let data = gz(&text);
        let s = read("big.log.gz", &data[..data.len() / 2], 1 << 16);
        assert_eq!(s.len(), 1);
        assert!(s[0].len() > 1000);
        let err = s[0].info.error.as_deref().unwrap();
        assert!(
            err.starts_with("the gzip stream ends early after "),
            "{err}"
        );
        assert!(err.ends_with("; the events before that were read"), "{err}");
    }

    /// A CloudTrail record as AWS writes it.
    fn cloudtrail_record(i: usize, error: bool) -> String {
        let error = if error {
            r#","errorCode":"AccessDenied","errorMessage":"User: x is not authorized, [sic] {}""#
        } else {
            ""
        };
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/a{i}"}},"eventTime":"2026-07-03T09:00:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","requestParameters":{{"bucketName":"b","key":"k,{i}]"}}{error}}}"#,
            i % 60
        )
    }

    #[test]
    fn cloudtrail_documents_are_one_event_per_record() {
        use crate::engine::fields::FieldReader;
        use crate::engine::formats::FormatName;
        use crate::engine::level::Level;
        let records: Vec<String> = (0..300).map(|i| cloudtrail_record(i, i % 7 == 3)).collect();
        let one_line = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&one_line).unwrap(),
        )
        .unwrap();
        for (name, bytes) in [
            ("trail.json", one_line.clone().into_bytes()),
            ("trail.json.gz", gz(one_line.as_bytes())),
            ("pretty.json", pretty.into_bytes()),
        ] {
            for chunk in [97, 1 << 20] {
                let s = read(name, &bytes, chunk);
                assert_eq!(s.len(), 1);
                let s = &s[0];
                assert_eq!(s.info.format, FormatName::Cloudtrail, "{name}");
                assert_eq!(s.len(), 300, "{name} chunk {chunk}");
                assert_eq!(s.info.unparsed_lines, 0, "{name}");
                assert_eq!(s.info.error, None, "{name}");
                let fields = FieldReader::for_source(s);
                for i in 0..300 {
                    assert_eq!(
                        s.ts(i),
                        Some(
                            crate::engine::time::parse_any(
                                format!("2026-07-03T09:00:{:02}Z", i % 60).as_bytes()
                            )
                            .and_then(
                                |(st, _)| crate::engine::time::TimeContext::default().resolve(&st)
                            )
                            .unwrap()
                        )
                    );
                    let error = i % 7 == 3;
                    let level = if error { Level::Error } else { Level::Info };
                    assert_eq!(s.level(i), level, "{name} record {i}");
                    let text = s.text(i);
                    assert_eq!(fields.get(text, "eventName").as_deref(), Some("GetObject"));
                    assert_eq!(
                        fields.get(text, "eventSource").as_deref(),
                        Some("s3.amazonaws.com")
                    );
                    assert_eq!(
                        fields.get(text, "errorCode").is_some(),
                        error,
                        "{name} record {i}"
                    );
                }
            }
        }
    }
}

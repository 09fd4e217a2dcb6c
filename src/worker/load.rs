//! Reading a load's inputs into sources: the one routine both the one-worker case ([`super`]) and a
//! shard worker ([`super::shard`]) load and re-read with, so that both hold the same sources.
//!
//! An input goes through [`FileIngest`], so a `.gz`, `.zip`, `.tar(.gz)` or `.zst` gives every text
//! member a source of its own. The caller adds the [`ReadSource`]s to its case, reports progress
//! through [`LoadReport`], and mines their templates once the load is committed
//! ([`MiningBacklog`](crate::engine::patterns::backlog::MiningBacklog)): mining while reading
//! made a load take half as long again.

use std::cell::RefCell;

use web_sys::File;

use super::case::Case;
use super::read::{now_ms, read_blob, read_bytes, stats, ChunkSink, ReadEnd, ReadPacer};
use crate::engine::decode::FileIngest;
use crate::engine::error::SourceError;
use crate::engine::ingest::{finish_reread, start_reread, IngestOptions};
use crate::engine::store::SourceData;
use crate::engine::time::Zone;

/// One thing to read into a case.
pub enum Input {
    File(File),
    Bytes {
        name: String,
        bytes: Vec<u8>,
        modified_ns: Option<i64>,
    },
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(f) => f.name(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    pub fn size(&self) -> u64 {
        match self {
            Input::File(f) => f.size() as u64,
            Input::Bytes { bytes, .. } => bytes.len() as u64,
        }
    }

    fn modified_ns(&self) -> Option<i64> {
        match self {
            Input::File(f) => Some((f.last_modified() * 1e6) as i64),
            Input::Bytes { modified_ns, .. } => *modified_ns,
        }
    }
}

/// What a load tells its caller and asks it while reading.
pub trait LoadReport {
    /// The input being read has reached `ingest` (`None` between inputs); `force` asks for a message
    /// even if one was posted a moment ago.
    fn progress(&mut self, ingest: Option<&dyn ChunkSink>, force: bool);
    /// Whether the load should stop.
    fn cancelled(&self) -> bool;
}

/// A source read.
pub struct ReadSource {
    pub data: SourceData,
    /// Reading's share of the load time (an archive's split evenly over its members), in ms.
    pub reading_ms: f64,
}

/// Relays the reader's ticks to the report.
struct ReportPacer<'a> {
    report: &'a mut dyn LoadReport,
}

impl ReadPacer for ReportPacer<'_> {
    fn tick(&mut self, ingest: &dyn ChunkSink) {
        self.report.progress(Some(ingest), false);
    }

    fn cancelled(&self) -> bool {
        self.report.cancelled()
    }
}

/// Reads `input` (every source it holds), its zone-less timestamps in `zone`. `None` when the
/// load was cancelled: the input is then dropped whole, archive members too. A file the browser fails
/// to read keeps what was read, and its last source carries the sentence.
pub async fn read_input(
    input: Input,
    zone: &Zone,
    report: &mut dyn LoadReport,
) -> Option<Vec<ReadSource>> {
    let started_ms = now_ms();
    let name = input.name();
    let mut ingest = FileIngest::open(
        &name,
        IngestOptions {
            zone: zone.clone(),
            modified_ns: input.modified_ns(),
            size: Some(input.size()),
        },
    );
    let mut pacer = ReportPacer { report };
    let (end, sources) = match input {
        Input::File(file) => match read_blob(&file, &mut ingest, &mut pacer).await {
            Ok(end) => (end, stats::time("finish_ms", || ingest.finish())),
            Err(failed) => {
                let mut sources = ingest.finish();
                // The source being read when the browser failed carries the sentence.
                if let Some(last) = sources.last_mut() {
                    let unreadable = SourceError::Unreadable(failed.0).to_string();
                    last.info.error = Some(match last.info.error.take() {
                        Some(e) => format!("{e}; {unreadable}"),
                        None => unreadable,
                    });
                }
                (ReadEnd::Complete, sources)
            }
        },
        Input::Bytes { bytes, .. } => {
            let end = read_bytes(&bytes, &mut ingest, &mut pacer).await;
            (end, ingest.finish())
        }
    };
    if end == ReadEnd::Cancelled {
        return None;
    }
    let reading_ms = (now_ms() - started_ms) / sources.len().max(1) as f64;
    Some(
        sources
            .into_iter()
            .map(|data| ReadSource { data, reading_ms })
            .collect(),
    )
}

/// Reads source `index` of `case` again from the bytes it keeps, its zone-less timestamps in `zone`,
/// (its templates are mined again after the commit); `None` when cancelled. The case is not
/// changed: the caller puts the result in place of the old source.
pub async fn reread_source(
    case: &RefCell<Case>,
    index: usize,
    zone: &Zone,
    report: &mut dyn LoadReport,
) -> Option<ReadSource> {
    let started_ms = now_ms();
    // The blocks are shared (Arc), so holding them does not copy the text.
    let (mut ingest, blocks) = {
        let case = case.borrow();
        let original = case.sources().get(index)?;
        let blocks: Vec<_> = original.blocks().iter().map(|b| b.bytes.clone()).collect();
        (start_reread(original, zone.clone()), blocks)
    };
    let mut pacer = ReportPacer { report };
    for block in &blocks {
        if read_bytes(block, &mut ingest, &mut pacer).await == ReadEnd::Cancelled {
            return None;
        }
    }
    let data = {
        let case = case.borrow();
        finish_reread(ingest, case.sources().get(index)?)
    };
    let reading_ms = now_ms() - started_ms;
    Some(ReadSource { data, reading_ms })
}

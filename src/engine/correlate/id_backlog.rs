//! The id index of a case's sources, built after the sources are loaded, a bounded amount of work at
//! a time.
//!
//! Why in steps: over a large case the [`IdIndex`] takes seconds to build (every event's text is
//! scanned for ids, then the occurrences are sorted), and a query typed meanwhile must not wait for
//! all of it. So a worker builds it between the queries it answers, as it mines templates
//! ([`crate::engine::patterns::backlog`]): [`IdBacklog::step`] scans a number of events, or once
//! every source is scanned sorts a few of the index's partitions. What needs the index (skew,
//! follow, an event's relations) waits until [`IdBacklog::is_complete`] or finishes it at once
//! ([`IdBacklog::finish_now`]).
//!
//! The index built in steps is the one [`IdIndex::build`] gives over the same sources, however the
//! work was cut: every event's occurrences are added to their partitions, and every partition is
//! sorted after the last event was scanned. A source read again (in another zone) has its
//! occurrences dropped and is scanned again.

use std::collections::VecDeque;

use super::ids::{event_hashes, IdIndex, PARTITIONS};
use crate::engine::store::SourceData;

/// The id index of the sources scanned so far, and the work left.
#[derive(Debug)]
pub struct IdBacklog {
    /// Occurrences of the sources scanned so far; complete once nothing waits and every partition
    /// is sorted.
    index: IdIndex,
    /// Sources waiting to be scanned, oldest first (not the one being scanned).
    waiting: VecDeque<usize>,
    /// The source being scanned and its next event.
    current: Option<(usize, usize)>,
    /// Sources with occurrences in the index (scanned in part or whole).
    in_index: Vec<bool>,
    /// The next partition to sort, once every source is scanned; [`PARTITIONS`] when all are
    /// sorted.
    next_sort: usize,
    /// One event's id hashes (kept to reuse its allocation).
    seen: Vec<u64>,
}

/// The index of no source at all: empty and complete.
impl Default for IdBacklog {
    fn default() -> Self {
        IdBacklog {
            index: IdIndex::default(),
            waiting: VecDeque::new(),
            current: None,
            in_index: Vec::new(),
            next_sort: PARTITIONS,
            seen: Vec::new(),
        }
    }
}

impl IdBacklog {
    /// Source `index` joined the case: it waits to be scanned.
    pub fn added(&mut self, index: usize) {
        self.replaced(index);
    }

    /// Source `index` was read again (its events changed): its occurrences are dropped and it is
    /// scanned again from its first event.
    pub fn replaced(&mut self, index: usize) {
        if self.in_index.get(index).copied().unwrap_or(false) {
            self.index.remove_source(index);
            self.in_index[index] = false;
        }
        if self.current.is_some_and(|(i, _)| i == index) {
            self.current = None;
        }
        self.waiting.retain(|&i| i != index);
        self.waiting.push_back(index);
        // Partitions sorted already are sorted again after the scan.
        self.next_sort = 0;
    }

    /// Whether the index covers every source.
    pub fn is_complete(&self) -> bool {
        self.current.is_none() && self.waiting.is_empty() && self.next_sort >= PARTITIONS
    }

    /// The index, once complete.
    pub fn index(&self) -> Option<&IdIndex> {
        self.is_complete().then_some(&self.index)
    }

    /// Scans up to `max_events` events of `sources` (the case's sources, in order), or, once every
    /// source is scanned, sorts partitions holding up to `max_events` occurrences (at least one
    /// partition). Returns whether the index is complete.
    pub fn step(&mut self, sources: &[SourceData], max_events: usize) -> bool {
        let budget = max_events.max(1);
        if self.scan(sources, budget) {
            let mut sorted = 0;
            while self.next_sort < PARTITIONS && sorted < budget {
                sorted += self.index.sort_partition(self.next_sort).max(1);
                self.next_sort += 1;
            }
        }
        self.is_complete()
    }

    /// Scans up to `budget` events; whether every source is scanned.
    fn scan(&mut self, sources: &[SourceData], mut budget: usize) -> bool {
        while budget > 0 {
            let (index, from) = match self.current {
                Some(current) => current,
                None => {
                    let Some(next) = self.waiting.pop_front() else {
                        return true;
                    };
                    if next >= sources.len() {
                        // A source the case does not hold (any more): nothing to scan.
                        continue;
                    }
                    (next, 0)
                }
            };
            let source = &sources[index];
            let to = source.len().min(from + budget);
            for e in from..to {
                event_hashes(source.text(e), &mut self.seen);
                self.index.push(index, e, &self.seen);
            }
            if to > from {
                if self.in_index.len() <= index {
                    self.in_index.resize(index + 1, false);
                }
                self.in_index[index] = true;
            }
            budget -= to - from;
            self.current = (to < source.len()).then_some((index, to));
        }
        self.current.is_none() && self.waiting.is_empty()
    }

    /// Builds everything left at once; the complete index.
    pub fn finish_now(&mut self, sources: &[SourceData]) -> &IdIndex {
        while !self.step(sources, usize::MAX / 2) {}
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, read_files, reread, IngestOptions, GENERATED_SET};
    use crate::engine::time::Zone;
    use std::path::Path;

    fn corpus() -> Vec<SourceData> {
        let loghub = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/loghub");
        read_files(
            &loghub,
            &[
                "HDFS/HDFS_2k.log",
                "OpenSSH/OpenSSH_2k.log",
                "Spark/Spark_2k.log",
                "Hadoop/Hadoop_2k.log",
            ],
        )
    }

    fn backlog_of(count: usize) -> IdBacklog {
        let mut backlog = IdBacklog::default();
        for i in 0..count {
            backlog.added(i);
        }
        backlog
    }

    /// Builds in steps of `step` until complete; the number of steps taken.
    fn build_in_steps(backlog: &mut IdBacklog, sources: &[SourceData], step: usize) -> usize {
        let mut steps = 1;
        while !backlog.step(sources, step) {
            assert!(backlog.index().is_none(), "no index before it is complete");
            steps += 1;
            assert!(steps < 10_000_000, "building in steps of {step} ends");
        }
        steps
    }

    /// Builds the index of `sources` in steps of each size, with source `reread` read again in the
    /// middle (as `again`, then the build goes on over the new sources), and checks each against
    /// [`IdIndex::build`] over the sources as they end.
    fn check_steps(
        mut sources: Vec<SourceData>,
        steps: &[usize],
        reread: usize,
        again: SourceData,
    ) {
        let whole = IdIndex::build(&sources);
        assert!(whole.len() > sources.len(), "the sources have ids");
        let events: usize = sources.iter().map(SourceData::len).sum();
        for &step in steps {
            let mut backlog = backlog_of(sources.len());
            let taken = build_in_steps(&mut backlog, &sources, step);
            assert!(taken >= events.div_ceil(step), "steps of {step}");
            assert_eq!(backlog.index(), Some(&whole), "steps of {step}");
        }
        let mut reread_sources = sources.clone();
        reread_sources[reread] = again;
        let want = IdIndex::build(&reread_sources);
        for &step in steps {
            // Read again halfway through the scan, and again once the build is complete.
            let mut backlog = backlog_of(sources.len());
            for _ in 0..events / 2 / step {
                backlog.step(&sources, step);
            }
            assert!(!backlog.is_complete());
            backlog.replaced(reread);
            build_in_steps(&mut backlog, &reread_sources, step);
            assert_eq!(backlog.index(), Some(&want), "read again, steps of {step}");
            backlog.replaced(reread);
            assert!(backlog.index().is_none());
            build_in_steps(&mut backlog, &sources, step);
            assert_eq!(backlog.index(), Some(&whole), "read back, steps of {step}");
        }
        // A source that joins a complete index.
        let extra = sources[0].clone();
        sources.push(extra);
        let mut backlog = backlog_of(sources.len() - 1);
        backlog.finish_now(&sources);
        backlog.added(sources.len() - 1);
        assert!(!backlog.is_complete());
        backlog.finish_now(&sources);
        assert_eq!(backlog.index(), Some(&IdIndex::build(&sources)));
    }

    #[test]
    fn the_index_built_in_steps_is_the_index_built_at_once_over_the_corpus() {
        let sources = corpus();
        // OpenSSH read again as half its events: other text, fewer events.
        let half: Vec<u8> = (0..1000)
            .flat_map(|e| [sources[1].text(e), b"\n"].concat())
            .collect();
        let again = ingest_bytes("OpenSSH_2k.log", &half, IngestOptions::default());
        check_steps(sources, &[1, 7, 1000, 2000, 2001, 100_000], 1, again);
    }

    /// The generated 20 MB set (`python3 ../shared/bench/genlogs.py /tmp/g20 --mb 20`), syslog read
    /// again in another zone midway; slow in a debug build: `cargo test --release --lib id_backlog --
    /// --ignored`.
    #[test]
    #[ignore]
    fn the_index_built_in_steps_is_the_index_built_at_once_over_the_generated_set() {
        let sources = read_files(Path::new("/tmp/g20"), &GENERATED_SET);
        // Read again in another zone: the same text, other times.
        let again = reread(&sources[3], Zone::Fixed(2 * 3600));
        assert_ne!(
            again.info.first_ts, sources[3].info.first_ts,
            "another zone"
        );
        check_steps(sources, &[4096, 65_536, 1_000_003], 3, again);
    }

    #[test]
    fn the_index_of_no_source_is_complete_and_empty() {
        let backlog = IdBacklog::default();
        assert!(backlog.is_complete());
        assert_eq!(backlog.index(), Some(&IdIndex::build(&[])));
    }

    #[test]
    fn a_source_index_the_case_does_not_hold_is_skipped() {
        let sources = corpus();
        let mut backlog = IdBacklog::default();
        backlog.added(7);
        backlog.added(0);
        backlog.finish_now(&sources);
        assert_eq!(
            backlog.index(),
            Some(&IdIndex::build(&sources[..1])),
            "only source 0 is indexed"
        );
    }
}

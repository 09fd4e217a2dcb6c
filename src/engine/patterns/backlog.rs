//! The templates of a case's sources, mined after the sources are loaded, a bounded number of events
//! at a time.
//!
//! Why after: in wasm, mining costs about as much CPU as the rest of a load, and a person wants to
//! query their files as soon as they are read. So a worker reads and indexes a load's sources, says
//! they are ready, and only then mines them, in steps between the queries it answers
//! ([`MiningBacklog::step`]). What needs the templates waits for them: the asks about templates
//! (patterns, spikes, what changed) until [`MiningBacklog::is_complete`], and a query naming a
//! template placeholder field (`tpl.num1`) mines the rest at once ([`MiningBacklog::finish_now`]).
//!
//! A source is mined from its first event to its last by one [`PatternMiner`], exactly as
//! [`mine_source`](super::mine_source) does, so the templates do not depend on how the work was
//! cut into steps. A source read again in another zone ([`MiningBacklog::replaced`]) is mined again
//! from the start.

use std::collections::VecDeque;

use super::{PatternMiner, SourcePatterns};
use crate::engine::store::SourceData;

/// The patterns of the sources mined so far, and the sources still to mine.
#[derive(Debug, Default)]
pub struct MiningBacklog {
    /// Per source, parallel to the case's sources: its patterns once mined, empty until then.
    patterns: Vec<SourcePatterns>,
    /// Sources waiting to be mined, oldest first (not the one being mined).
    waiting: VecDeque<usize>,
    /// The source being mined, with its miner (which has taken `miner.events()` events so far).
    current: Option<(usize, PatternMiner)>,
}

impl MiningBacklog {
    /// Source `index` joined the case: it waits for mining with no templates meanwhile.
    pub fn added(&mut self, index: usize) {
        if self.patterns.len() <= index {
            self.patterns
                .resize_with(index + 1, SourcePatterns::default);
        }
        self.replaced(index);
    }

    /// Source `index` was read again (its events changed): its templates are dropped and it is
    /// mined again from its first event.
    pub fn replaced(&mut self, index: usize) {
        if let Some(slot) = self.patterns.get_mut(index) {
            *slot = SourcePatterns::default();
        }
        if self.current.as_ref().is_some_and(|(i, _)| *i == index) {
            self.current = None;
        }
        self.waiting.retain(|&i| i != index);
        self.waiting.push_back(index);
    }

    /// Whether every source is mined.
    pub fn is_complete(&self) -> bool {
        self.current.is_none() && self.waiting.is_empty()
    }

    /// Events left to mine over `sources` (the case's sources, in order).
    pub fn events_left(&self, sources: &[SourceData]) -> usize {
        let current = self.current.as_ref().map_or(0, |(i, miner)| {
            sources
                .get(*i)
                .map_or(0, |s| s.len().saturating_sub(miner.events()))
        });
        let waiting: usize = self
            .waiting
            .iter()
            .filter_map(|&i| sources.get(i))
            .map(SourceData::len)
            .sum();
        current + waiting
    }

    /// Mines up to `max_events` events of `sources` (the case's sources, in order; a source is
    /// finished, its templates grouped, once its last event is mined). Returns whether every
    /// source is mined.
    pub fn step(&mut self, sources: &[SourceData], max_events: usize) -> bool {
        let mut budget = max_events.max(1);
        while budget > 0 {
            if self.current.is_none() {
                let Some(next) = self.waiting.pop_front() else {
                    return true;
                };
                if next >= sources.len() {
                    // A source the case does not hold (any more): nothing to mine.
                    continue;
                }
                self.current = Some((next, PatternMiner::new()));
            }
            let Some((index, miner)) = self.current.as_mut() else {
                continue;
            };
            let source = &sources[*index];
            let from = miner.events();
            let to = source.len().min(from + budget);
            for e in from..to {
                miner.add(source.text(e), source.level(e));
            }
            budget -= to - from;
            if to == source.len() {
                let (index, miner) = self.current.take().expect("a source is being mined");
                self.patterns[index] = miner.finish(source.ts_column());
            }
        }
        self.is_complete()
    }

    /// Mines everything left at once.
    pub fn finish_now(&mut self, sources: &[SourceData]) {
        while !self.step(sources, usize::MAX / 2) {}
    }

    /// The patterns of the sources, in source order (a source not yet mined has none).
    pub fn patterns(&self) -> &[SourcePatterns] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, read_files, IngestOptions};
    use crate::engine::patterns::mine_source;

    fn corpus_source(name: &str) -> SourceData {
        let loghub =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/loghub");
        read_files(&loghub, &[&format!("{name}/{name}_2k.log")]).remove(0)
    }

    fn sources() -> Vec<SourceData> {
        ["HDFS", "OpenSSH", "Spark"]
            .iter()
            .map(|n| corpus_source(n))
            .collect()
    }

    /// The patterns `mine_source` gives each source, as the comparable text of their templates and
    /// event columns.
    fn mined_whole(sources: &[SourceData]) -> Vec<SourcePatterns> {
        sources.iter().map(mine_source).collect()
    }

    fn assert_same(got: &[SourcePatterns], want: &[SourcePatterns]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(!w.templates.is_empty(), "the corpus source has templates");
            assert_eq!(g.templates, w.templates);
            assert_eq!(g.event_template, w.event_template);
        }
    }

    #[test]
    fn mining_in_steps_of_any_size_gives_the_templates_of_mining_whole_sources() {
        let sources = sources();
        let want = mined_whole(&sources);
        for step in [1, 7, 1000, 2000, 2001, 100_000] {
            let mut backlog = MiningBacklog::default();
            for i in 0..sources.len() {
                backlog.added(i);
            }
            assert!(!backlog.is_complete());
            assert_eq!(backlog.events_left(&sources), 6000);
            let mut steps = 0;
            while !backlog.step(&sources, step) {
                steps += 1;
                assert!(steps <= 6000, "mining in steps of {step} ends");
            }
            assert_eq!(steps, 6000usize.div_ceil(step) - 1, "steps of {step}");
            assert_eq!(backlog.events_left(&sources), 0);
            assert_same(backlog.patterns(), &want);
        }
    }

    #[test]
    fn sources_are_mined_in_the_order_they_joined_and_unmined_ones_have_no_templates() {
        let sources = sources();
        let mut backlog = MiningBacklog::default();
        backlog.added(0);
        backlog.added(1);
        backlog.added(2);
        backlog.step(&sources, 2500);
        let p = backlog.patterns();
        assert!(!p[0].templates.is_empty());
        assert!(p[1].templates.is_empty() && p[1].event_template.is_empty());
        assert!(p[2].templates.is_empty());
        assert_eq!(backlog.events_left(&sources), 3500);
    }

    #[test]
    fn a_source_read_again_is_mined_again_from_its_first_event() {
        let mut sources = sources();
        let mut backlog = MiningBacklog::default();
        for i in 0..sources.len() {
            backlog.added(i);
        }
        backlog.finish_now(&sources);
        // Source 1 read again as other text (half of it), in the middle of mining source 0 again.
        backlog.replaced(0);
        backlog.step(&sources, 500);
        let half = corpus_source("OpenSSH");
        let text: Vec<u8> = (0..1000)
            .flat_map(|e| [half.text(e), b"\n"].concat())
            .collect();
        sources[1] = ingest_bytes("OpenSSH_2k.log", &text, IngestOptions::default());
        backlog.replaced(1);
        assert!(backlog.patterns()[1].templates.is_empty());
        assert_eq!(backlog.events_left(&sources), 1500 + 1000);
        backlog.finish_now(&sources);
        assert!(backlog.is_complete());
        assert_same(backlog.patterns(), &mined_whole(&sources));
        assert_eq!(backlog.patterns()[1].event_template.len(), 1000);
    }

    #[test]
    fn a_source_index_the_case_does_not_hold_is_skipped() {
        let sources = sources();
        let mut backlog = MiningBacklog::default();
        backlog.added(5);
        backlog.added(0);
        assert!(backlog.step(&sources, 10_000));
        assert_eq!(backlog.patterns().len(), 6);
        assert!(!backlog.patterns()[0].templates.is_empty());
    }
}

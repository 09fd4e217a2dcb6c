//! Every investigation computed in parts over two groups of sources and merged gives exactly the
//! one-worker answer (the shards of a case hold such groups; see the module docs of [`super`]).

use std::path::Path;

use super::changes::{changes_part, compare_with, default_window, merge_changes, Window};
use super::context::{around_event, context_part, event_key, merge_context, DEFAULT_LIMIT};
use super::follow::{
    event_ids, follow, follow_part, id_counts, merge_follow, merge_related, related_by,
};
use super::ids::IdIndex;
use super::shape::{template_group, template_key};
use super::skew::{
    adjusted_timeline, estimate, estimate_sampled, merge_skew, skew_more, skew_more_asks,
    skew_part_sampled, SkewPart, SAMPLE_PER_SOURCE,
};
use super::spikes::{find_spikes_with, merge_spikes, spike_counts, SpikeGrid, SpikeOptions};
use super::{sources_span, Offsets, Part};
use crate::engine::ingest::{ingest_bytes, read_files, IngestOptions, GENERATED_SET};
use crate::engine::patterns::overview::{
    list_templates, merge_patterns, overview, patterns_part, template_counts,
};
use crate::engine::patterns::{mine_source, SourcePatterns};
use crate::engine::store::{SourceData, SourceId};
use crate::engine::time::Zone;
use crate::engine::timeline::{EventId, Timeline};

const LIMIT: usize = 200;
const BUCKETS: usize = 48;

/// One group of sources as a shard holds it.
struct Group {
    sources: Vec<SourceData>,
    ids: Vec<SourceId>,
    offsets: Offsets,
    patterns: Vec<SourcePatterns>,
    index: IdIndex,
    timeline: Timeline,
}

impl Group {
    fn part(&self) -> Part<'_> {
        Part {
            sources: &self.sources,
            ids: self.ids.as_slice().into(),
            offsets: &self.offsets,
        }
    }

    /// The group's index of the case-wide source `s`.
    fn local(&self, s: SourceId) -> Option<SourceId> {
        self.ids.iter().position(|i| *i == s).map(|i| i as SourceId)
    }
}

/// Sources of even case-wide index in one group, odd in the other.
fn split(sources: &[SourceData], patterns: &[SourcePatterns], offsets: &Offsets) -> Vec<Group> {
    (0..2)
        .map(|g| {
            let ids: Vec<SourceId> = (0..sources.len() as SourceId)
                .filter(|s| *s as usize % 2 == g)
                .collect();
            let sources: Vec<SourceData> =
                ids.iter().map(|s| sources[*s as usize].clone()).collect();
            let offsets = Offsets::from_ns(ids.iter().map(|s| offsets.get(*s)).collect());
            Group {
                index: IdIndex::build(&sources),
                timeline: adjusted_timeline(&sources, &offsets),
                patterns: ids.iter().map(|s| patterns[*s as usize].clone()).collect(),
                sources,
                ids,
                offsets,
            }
        })
        .collect()
}

/// Events spread over the timeline whose ids link them to others (and a few without).
fn probes(timeline: &Timeline) -> Vec<EventId> {
    let step = (timeline.len() / 12).max(1);
    (0..timeline.len())
        .step_by(step)
        .filter_map(|p| timeline.get(p, false))
        .collect()
}

fn check(sources: Vec<SourceData>, offsets: Offsets) {
    assert!(sources.len() >= 2);
    let patterns: Vec<SourcePatterns> = sources.iter().map(mine_source).collect();
    let index = IdIndex::build(&sources);
    let timeline = adjusted_timeline(&sources, &offsets);
    let groups = split(&sources, &patterns, &offsets);
    let names: Vec<String> = sources.iter().map(|s| s.info.name.clone()).collect();

    // Patterns: counts first, then each group's share of the listed templates.
    let one = overview(&sources, &patterns, &offsets, LIMIT, BUCKETS);
    let span = sources_span(&sources, &offsets).map(|(a, b)| (a, b.max(a)));
    let listed = list_templates(
        groups
            .iter()
            .map(|g| template_counts(&g.part(), &g.patterns))
            .collect(),
        LIMIT,
    );
    let texts: Vec<String> = listed.listed.iter().map(|o| o.text.clone()).collect();
    let parts = groups
        .iter()
        .map(|g| patterns_part(&g.part(), &g.patterns, span, &texts, LIMIT, BUCKETS))
        .collect();
    let merged = merge_patterns(listed, parts, &names, span, BUCKETS);
    assert!(!one.overall.is_empty());
    assert_eq!(merged, one);

    // Related, context and follow around events all over the timeline.
    let mut followed = 0;
    for event in probes(&timeline) {
        let g = &groups[event.source as usize % 2];
        let local = EventId {
            source: g.local(event.source).unwrap(),
            event: event.event,
        };
        let ids = event_ids(&g.part(), local);
        let values: Vec<String> = ids.iter().map(|i| i.id.clone()).collect();
        let counts = groups
            .iter()
            .map(|g| id_counts(&g.part(), &g.index, &values))
            .collect();
        let relations = merge_related(ids, counts);
        assert_eq!(relations, related_by(&sources, &index, event));

        for (seconds, limit) in [(5.0, DEFAULT_LIMIT), (30.0, 7), (600.0, 40)] {
            let pivot = event_key(&g.part(), local);
            let parts = groups
                .iter()
                .map(|g| context_part(&g.part(), &g.timeline, pivot.0, seconds, pivot, limit))
                .collect();
            let merged = merge_context(pivot.0, seconds, Some(event), limit, parts);
            let one = around_event(&sources, &timeline, &offsets, event, seconds, limit);
            assert_eq!(merged.events.iter().filter(|e| e.marked).count(), 1);
            assert_eq!(merged, one);
        }

        for relation in relations.iter().take(3) {
            let parts = groups
                .iter()
                .map(|g| follow_part(&g.part(), &g.index, &relation.id))
                .collect();
            let merged = merge_follow(&relation.id, parts);
            assert_eq!(merged, follow(&sources, &index, &offsets, &relation.id));
            followed += merged.sources.len();
        }
    }
    assert!(followed > 0, "no id followed");

    // Skew, with the samples it uses and with small ones (so sources are cut and asked again).
    for k in [SAMPLE_PER_SOURCE, 500, 20] {
        let mut parts: Vec<SkewPart> = groups
            .iter()
            .map(|g| skew_part_sampled(&g.part(), &g.index, k))
            .collect();
        for (p, ask) in skew_more_asks(&parts).into_iter().enumerate() {
            if let Some(ask) = ask {
                let g = &groups[p];
                // Bounded: at most the samples of the other group's sources.
                assert!(ask.hashes.len() <= k * (sources.len() - g.ids.len()));
                parts[p].seen.extend(skew_more(&g.part(), &g.index, &ask));
            }
        }
        for part in &parts {
            assert!(part.seen.len() <= k * part.sources.len() * sources.len());
        }
        let merged = merge_skew(&names, parts);
        let one = estimate_sampled(&sources, &index, k);
        assert_eq!(merged.reference, one.reference, "k {k}");
        for (m, o) in merged.sources.iter().zip(&one.sources) {
            assert!(
                (m.offset_s - o.offset_s).abs() <= 0.01,
                "k {k}: {m:?} {o:?}"
            );
        }
        assert_eq!(merged, one, "k {k}");
    }
    assert_eq!(
        estimate_sampled(&sources, &index, SAMPLE_PER_SOURCE),
        estimate(&sources, &index)
    );

    // Spikes, then what changed in the default window and in a window of our own.
    let opts = SpikeOptions::default();
    let one_spikes = find_spikes_with(&sources, &offsets, &opts, &template_key(&patterns));
    let grid = SpikeGrid::over(sources_span(&sources, &offsets), &opts).unwrap();
    let parts = groups
        .iter()
        .map(|g| spike_counts(&g.part(), &grid, &template_key(&g.patterns)))
        .collect();
    let spikes = merge_spikes(&grid, &names, parts, &opts);
    assert_eq!(spikes, one_spikes);

    let written = (
        sources
            .iter()
            .filter_map(|s| s.info.first_ts)
            .min()
            .unwrap(),
        sources.iter().filter_map(|s| s.info.last_ts).max().unwrap(),
    );
    let default = default_window(&spikes, Some(written)).unwrap();
    let (a, b) = written;
    for after in [default, Window::new(a + (b - a) / 2, b)] {
        let one = compare_with(&sources, &offsets, after, None, &template_group(&patterns));
        let parts = groups
            .iter()
            .map(|g| {
                changes_part(
                    &g.part(),
                    after,
                    after.just_before(),
                    &template_group(&g.patterns),
                    &Zone::Utc,
                )
            })
            .collect();
        let merged = merge_changes(after, after.just_before(), parts);
        assert_eq!(merged, one);
    }
}

#[test]
fn the_demo_incident_split_in_two_answers_as_one() {
    let sources: Vec<SourceData> = crate::engine::demo::generate(crate::engine::demo::DEMO_SEED)
        .iter()
        .map(|f| ingest_bytes(f.name, &f.bytes, IngestOptions::default()))
        .collect();
    let index = IdIndex::build(&sources);
    // With the estimated offsets applied, so times and order are the adjusted ones.
    let offsets = estimate(&sources, &index).offsets();
    assert!(!offsets.is_zero());
    check(sources, offsets);
}

#[test]
fn corpus_files_split_in_two_answer_as_one() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/loghub");
    let sources = read_files(
        &corpus,
        &[
            "HDFS/HDFS_2k.log",
            "OpenSSH/OpenSSH_2k.log",
            "Hadoop/Hadoop_2k.log",
            "Spark/Spark_2k.log",
        ],
    );
    let mut offsets = Offsets::zero(sources.len());
    offsets.set(1, 1_500_000_000);
    check(sources, offsets);
}

/// The generated 20 MB set (`python3 ../shared/bench/genlogs.py /tmp/g20 --mb 20`); slow in a debug
/// build: `cargo test --release --lib split_tests -- --ignored`.
#[test]
#[ignore]
fn the_generated_set_split_in_two_answers_as_one() {
    let sources = read_files(Path::new("/tmp/g20"), &GENERATED_SET);
    let index = IdIndex::build(&sources);
    let offsets = estimate(&sources, &index).offsets();
    check(sources, offsets);
}

/// Sizes and times of the skew parts of a big set split in two (as two shards hold it), printed for the
/// record: `CASEFILE_SKEW_DIR=/tmp/g1024 cargo test --release --lib skew_parts_of_a_big_set -- --ignored
/// --nocapture` (the 1 GB set: `python3 ../shared/bench/genlogs.py /tmp/g1024 --mb 1024`).
#[test]
#[ignore]
fn skew_parts_of_a_big_set_split_in_two() {
    use std::time::Instant;
    let dir = std::env::var("CASEFILE_SKEW_DIR").unwrap_or_else(|_| "/tmp/g1024".into());
    let t = Instant::now();
    let sources = read_files(Path::new(&dir), &GENERATED_SET);
    eprintln!("read {dir}: {:.1} s", t.elapsed().as_secs_f64());
    let offsets = Offsets::zero(sources.len());
    let patterns = vec![SourcePatterns::default(); sources.len()];
    let groups = split(&sources, &patterns, &offsets);
    let t = Instant::now();
    let index = IdIndex::build(&sources);
    eprintln!("whole index: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    // CASEFILE_SKEW_SAMPLES: sample sizes to compare, comma-separated.
    let samples = std::env::var("CASEFILE_SKEW_SAMPLES").unwrap_or_default();
    let samples: Vec<usize> = samples
        .split(',')
        .filter_map(|k| k.trim().parse().ok())
        .collect();
    for k in if samples.is_empty() {
        vec![SAMPLE_PER_SOURCE]
    } else {
        samples
    } {
        eprintln!("samples of {k} ids per source:");
        let mut parts = Vec::new();
        let t = Instant::now();
        for (g, group) in groups.iter().enumerate() {
            let t = Instant::now();
            let part = skew_part_sampled(&group.part(), &group.index, k);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let mut sent = part.clone();
            let bytes = sent.take_seen_bytes();
            let json = serde_json::to_vec(&sent).unwrap().len();
            eprintln!(
                "  group {g} {:?}: part {ms:.0} ms, {} ids sent: {json} B JSON + {} B bytes",
                group.ids,
                part.seen.len(),
                bytes.len()
            );
            parts.push(part);
        }
        for (p, ask) in skew_more_asks(&parts).into_iter().enumerate() {
            let Some(ask) = ask else { continue };
            let t = Instant::now();
            let group = &groups[p];
            let more = skew_more(&group.part(), &group.index, &ask);
            eprintln!(
                "  group {p} second round: asked {} ids ({} B JSON), {} ids back ({} B bytes), {:.0} ms",
                ask.hashes.len(),
                serde_json::to_vec(&ask).unwrap().len(),
                more.len(),
                more.len() * 18,
                t.elapsed().as_secs_f64() * 1e3
            );
            parts[p].seen.extend(more);
        }
        let merged = merge_skew(&GENERATED_SET.map(String::from), parts);
        eprintln!(
            "  parts, second round and merge: {:.0} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let t = Instant::now();
        let one = estimate_sampled(&sources, &index, k);
        eprintln!(
            "  one worker estimate: {:.0} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        for s in &one.sources {
            eprintln!(
                "    {} offset {} s, {} shared, confidence {}, mad {:?}",
                s.path, s.offset_s, s.shared_ids, s.confidence, s.mad_s
            );
        }
        assert_eq!(merged, one);
    }
}

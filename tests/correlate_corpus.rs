//! Correlation on real files from ../shared/corpus: HDFS block ids and OpenSSH sessions are recognised
//! and followed, and "related by" counts agree with a plain text search done here; spikes and what
//! changed on loghub samples agree with counts done here.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use casefile::engine::correlate::changes::{compare, Direction, ItemKind, Window};
use casefile::engine::correlate::follow::{follow, related_by};
use casefile::engine::correlate::ids::{IdIndex, IdKind};
use casefile::engine::correlate::spikes::{find_spikes, strongest, SpikeOptions};
use casefile::engine::correlate::Offsets;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::level::Level;
use casefile::engine::store::SourceData;
use casefile::engine::timeline::EventId;

fn corpus(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")).join(rel)
}

fn load(path: &Path) -> SourceData {
    let bytes = std::fs::read(path).expect("corpus file reads");
    let modified_ns = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64);
    ingest_bytes(
        &path.to_string_lossy(),
        &bytes,
        IngestOptions {
            modified_ns,
            ..Default::default()
        },
    )
}

/// Whole-word occurrences: lines of `text` containing `word` not followed by another word byte.
fn lines_with_word(text: &str, word: &str) -> usize {
    text.lines()
        .filter(|l| {
            l.match_indices(word).any(|(i, _)| {
                !l[i + word.len()..]
                    .bytes()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
            })
        })
        .count()
}

#[test]
fn hdfs_block_ids_are_followed_through_their_life() {
    let path = corpus("loghub/HDFS/HDFS_2k.log");
    let text = std::fs::read_to_string(&path).expect("HDFS sample");
    let sources = vec![load(&path)];
    let index = IdIndex::build(&sources);
    // The block mentioned on the most lines, counted here by hand.
    let mut blocks: Vec<&str> = text
        .split(|c: char| c.is_whitespace())
        .filter(|t| t.starts_with("blk_"))
        .collect();
    blocks.sort_unstable();
    blocks.dedup();
    assert!(blocks.len() > 100);
    let (busiest, lines) = blocks
        .iter()
        .map(|b| (*b, lines_with_word(&text, b)))
        .max_by_key(|(b, n)| (*n, std::cmp::Reverse(*b)))
        .expect("some block");
    assert!(lines >= 2, "{busiest} on {lines} lines");
    let story = follow(&sources, &index, &Offsets::zero(1), busiest);
    assert_eq!(story.total_events as usize, lines, "{busiest}");
    assert!(story.steps.iter().all(|s| s.event.text.contains(busiest)));
    // Every block id on a line is recognised as an id of that line.
    let first = story.steps[0].event.id();
    let related = related_by(&sources, &index, first);
    let own = related
        .iter()
        .find(|r| r.id == busiest)
        .expect("block id listed");
    assert_eq!(own.kind, IdKind::Prefixed);
    assert_eq!(own.events as usize, lines);
}

#[test]
fn openssh_sessions_link_by_process_and_ip_free_ids_only() {
    let path = corpus("loghub/OpenSSH/OpenSSH_2k.log");
    let text = std::fs::read_to_string(&path).expect("OpenSSH sample");
    let sources = vec![load(&path)];
    let index = IdIndex::build(&sources);
    // Every event names its sshd process; its session is every line with the same tag.
    let mut checked = 0;
    for e in (0..sources[0].len()).step_by(97) {
        let related = related_by(
            &sources,
            &index,
            EventId {
                source: 0,
                event: e as u32,
            },
        );
        let event_text = String::from_utf8_lossy(sources[0].text(e)).into_owned();
        // No IP address, port or timestamp is taken for an id.
        for r in &related {
            assert!(
                !r.id
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == ':'),
                "{r:?} in {event_text}"
            );
        }
        let Some(session) = related.iter().find(|r| r.kind == IdKind::Process) else {
            continue;
        };
        let tag = format!("{}:", session.id);
        let expected = text.lines().filter(|l| l.contains(&tag)).count();
        assert_eq!(session.events as usize, expected, "{}", session.id);
        checked += 1;
    }
    assert!(checked >= 15, "{checked} sessions checked");
}

/// Events of `source` whose time falls in `[from, to)`, counted here directly.
fn events_in(source: &SourceData, from: i64, to: i64, level: Option<Level>) -> u64 {
    (0..source.len())
        .filter(|e| source.ts(*e).is_some_and(|t| from <= t && t < to))
        .filter(|e| level.is_none_or(|l| source.level(*e) == l))
        .count() as u64
}

#[test]
fn what_changed_and_spikes_on_loghub_files_agree_with_direct_counts() {
    let mut checked_items = 0;
    for system in ["OpenSSH", "HDFS", "Hadoop", "Spark", "HealthApp"] {
        let path = corpus(&format!("loghub/{system}/{system}_2k.log"));
        let sources = vec![load(&path)];
        let offsets = Offsets::zero(1);
        let report = find_spikes(&sources, &offsets, &SpikeOptions::default());
        let (first, last) = (
            sources[0].info.first_ts.expect("timed events"),
            sources[0].info.last_ts.expect("timed events"),
        );
        for spike in &report.spikes {
            assert!(spike.from_ns < spike.to_ns, "{system}: {spike:?}");
            assert!(
                spike.to_ns > first && spike.from_ns <= last,
                "{system}: a spike outside the data: {spike:?}"
            );
            assert!(spike.peak_count as f64 > spike.baseline_per_bucket);
        }
        // Compare the strongest spike (or the second half of the span) with the time before it.
        let window = strongest(&report)
            .map(|s| Window::new(s.from_ns, s.to_ns))
            .unwrap_or(Window::new(first + (last - first) / 2, last + 1));
        let changes = compare(&sources, &offsets, window, None);
        let before = window.just_before();
        for item in &changes.items {
            let level = match item.kind {
                ItemKind::Source => None,
                ItemKind::Level => Some(
                    Level::ALL
                        .into_iter()
                        .find(|l| l.as_str() == item.value)
                        .expect("a level name"),
                ),
                _ => continue,
            };
            assert_eq!(
                item.after_count,
                events_in(&sources[0], window.from_ns, window.to_ns, level),
                "{system}: {item:?}"
            );
            assert_eq!(
                item.before_count,
                events_in(&sources[0], before.from_ns, before.to_ns, level),
                "{system}: {item:?}"
            );
            checked_items += 1;
        }
        // New items come first, and every headline names the file.
        let first_other = changes
            .items
            .iter()
            .position(|i| i.change != Direction::New)
            .unwrap_or(changes.items.len());
        assert!(changes.items[first_other..]
            .iter()
            .all(|i| i.change != Direction::New));
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(changes.items.iter().all(|i| i.headline.contains(&file)));
    }
    assert!(
        checked_items >= 5,
        "{checked_items} source/level items checked"
    );
}

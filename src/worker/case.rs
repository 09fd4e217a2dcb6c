//! The case: every source the worker has loaded, the report of every file it was given, and the merged
//! timeline over them. It answers row requests. Nothing here touches the browser, so it behaves the same
//! in a worker and in a test.

use crate::engine::correlate::Offsets;
use crate::engine::store::SourceData;
use crate::engine::summary::FileSummary;
use crate::engine::time::format_rfc3339;
use crate::engine::timeline::Timeline;
use crate::protocol::{Row, SourceZone, ROW_TEXT_MAX_BYTES};

/// All loaded data of one worker.
#[derive(Default)]
pub struct Case {
    /// Sources holding events; their index is the `SourceId` in the timeline.
    sources: Vec<SourceData>,
    /// Every file given, in order, failed ones included.
    files: Vec<FileSummary>,
    timeline: Timeline,
    /// Clock offsets per source (estimated and applied, or set by hand); the timeline and the times
    /// of rows are adjusted by them.
    offsets: Offsets,
    /// Per source (parallel to `sources`): the zone its zone-less timestamps were read in, and the
    /// index of its report in `files`.
    zones: Vec<String>,
    source_files: Vec<usize>,
    /// Bumped whenever a source's events are replaced (read again in another zone), so caches keyed
    /// by the case's size know they are stale.
    content_generation: u64,
}

/// Most rows one request may ask for (a screen is a few dozen).
pub const MAX_ROWS_PER_REQUEST: u32 = 1000;

impl Case {
    /// Adds a read source. Its summary joins the file list; its events join the case unless it produced
    /// none (an empty or binary file is only reported). Call [`Case::rebuild_timeline`] after a batch.
    pub fn add(&mut self, source: SourceData) {
        self.add_in_zone(source, "UTC");
    }

    /// [`Case::add`] for a source whose zone-less timestamps were read in `zone`.
    pub fn add_in_zone(&mut self, source: SourceData, zone: &str) {
        self.files.push(FileSummary::of(&source));
        if !source.is_empty() || source.info.error.is_none() {
            self.sources.push(source);
            self.zones.push(zone.to_string());
            self.source_files.push(self.files.len() - 1);
        }
    }

    /// The sources called `name` (usually one; the same file dropped twice gives two).
    pub fn sources_named(&self, name: &str) -> Vec<usize> {
        (0..self.sources.len())
            .filter(|&i| self.sources[i].info.name == name)
            .collect()
    }

    /// Puts `source` (source `index` read again with its zone-less times in `zone`) in place of the
    /// old one; its report in the file list follows. Call [`Case::rebuild_timeline`] after.
    pub fn replace_source(&mut self, index: usize, source: SourceData, zone: &str) {
        if index >= self.sources.len() {
            return;
        }
        if let Some(file) = self
            .source_files
            .get(index)
            .and_then(|&f| self.files.get_mut(f))
        {
            *file = FileSummary::of(&source);
        }
        self.zones[index] = zone.to_string();
        self.sources[index] = source;
        self.content_generation += 1;
    }

    /// The zone each source's zone-less timestamps were read in, in source order.
    pub fn zones(&self) -> Vec<SourceZone> {
        self.sources
            .iter()
            .zip(&self.zones)
            .map(|(s, z)| SourceZone {
                source: s.info.name.clone(),
                zone: z.clone(),
            })
            .collect()
    }

    /// Changes whenever a source's events were replaced (see [`Case::replace_source`]).
    pub fn content_generation(&self) -> u64 {
        self.content_generation
    }

    /// Records a file that could not be read at all.
    pub fn add_failed(&mut self, summary: FileSummary) {
        self.files.push(summary);
    }

    /// Merges all sources into the timeline again (after a load).
    pub fn rebuild_timeline(&mut self) {
        self.timeline = Timeline::build_with_offsets(&self.sources, self.offsets.as_ns());
    }

    /// Applies clock offsets (ns each source's clock runs ahead) and re-merges the timeline.
    pub fn set_offsets(&mut self, offsets: Offsets) {
        self.offsets = offsets;
        self.rebuild_timeline();
    }

    /// Applies clock offsets with the timeline they give, merged beforehand over exactly these
    /// sources and offsets (see `Shard::prepare_commit`).
    pub fn set_offsets_merged(&mut self, offsets: Offsets, timeline: Timeline) {
        debug_assert_eq!(
            timeline.len(),
            self.sources.iter().map(|s| s.len()).sum::<usize>()
        );
        self.offsets = offsets;
        self.timeline = timeline;
    }

    pub fn offsets(&self) -> &Offsets {
        &self.offsets
    }

    pub fn files(&self) -> &[FileSummary] {
        &self.files
    }

    /// The sources holding events, in `SourceId` order.
    pub fn sources(&self) -> &[SourceData] {
        &self.sources
    }

    /// The merged timeline (as of the last rebuild).
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Files whose events the case holds.
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// Events on the merged timeline (sources added since the last rebuild are not counted yet).
    pub fn total_events(&self) -> usize {
        self.timeline.len()
    }

    /// Rows `start..start+count` of the timeline (fewer at its end), oldest or newest first.
    pub fn rows(&self, start: u32, count: u32, newest_first: bool) -> Vec<Row> {
        let end = start
            .saturating_add(count.min(MAX_ROWS_PER_REQUEST))
            .min(self.timeline.len() as u32);
        (start..end)
            .filter_map(|position| {
                let id = self.timeline.get(position as usize, newest_first)?;
                let source = self.sources.get(id.source as usize)?;
                let event = id.event as usize;
                Some(Row {
                    position,
                    source: source.info.name.clone(),
                    ts: source
                        .ts(event)
                        .map(|t| format_rfc3339(t.saturating_sub(self.offsets.get(id.source)))),
                    level: source.level(event),
                    text: row_text(source.text(event)),
                })
            })
            .collect()
    }
}

/// The event's bytes as text for display: lossy UTF-8, cut at a character boundary.
fn row_text(bytes: &[u8]) -> String {
    if bytes.len() <= ROW_TEXT_MAX_BYTES {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut text = String::from_utf8_lossy(&bytes[..ROW_TEXT_MAX_BYTES]).into_owned();
    // A multi-byte character cut in half decodes as U+FFFD at the end; drop it.
    if text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text.push('…');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn case_of(files: &[(&str, &str)]) -> Case {
        let mut case = Case::default();
        for (name, text) in files {
            case.add(ingest_bytes(
                name,
                text.as_bytes(),
                IngestOptions::default(),
            ));
        }
        case.rebuild_timeline();
        case
    }

    #[test]
    fn rows_come_from_the_merged_timeline_in_either_order() {
        let case = case_of(&[
            (
                "a.log",
                "2026-07-03 09:00:00 INFO a1\n2026-07-03 09:00:02 ERROR a2\n",
            ),
            ("b.log", "2026-07-03 09:00:01 WARN b1\n"),
        ]);
        assert_eq!(case.total_events(), 3);
        let oldest: Vec<(String, String)> = case
            .rows(0, 10, false)
            .into_iter()
            .map(|r| (r.source, r.text))
            .collect();
        assert_eq!(
            oldest,
            vec![
                ("a.log".into(), "2026-07-03 09:00:00 INFO a1".into()),
                ("b.log".into(), "2026-07-03 09:00:01 WARN b1".into()),
                ("a.log".into(), "2026-07-03 09:00:02 ERROR a2".into()),
            ]
        );
        let newest = case.rows(0, 1, true);
        assert_eq!(newest[0].text, "2026-07-03 09:00:02 ERROR a2");
        assert_eq!(newest[0].ts.as_deref(), Some("2026-07-03T09:00:02Z"));
        assert_eq!(case.rows(2, 5, false).len(), 1);
        assert!(case.rows(3, 5, false).is_empty());
        assert!(case.rows(u32::MAX, 5, false).is_empty());
    }

    #[test]
    fn failed_files_are_reported_but_hold_no_events() {
        let case = case_of(&[("empty.log", ""), ("a.log", "2026-07-03 09:00:00 x\n")]);
        assert_eq!(case.files().len(), 2);
        assert_eq!(case.files()[0].error.as_deref(), Some("the file is empty"));
        assert_eq!(case.source_count(), 1);
        assert_eq!(case.rows(0, 5, false)[0].source, "a.log");
    }

    #[test]
    fn a_source_read_again_in_another_zone_moves_on_the_timeline_and_in_the_file_list() {
        use crate::engine::ingest::reread;
        use crate::engine::time::Zone;
        let mut case = Case::default();
        let opts = IngestOptions {
            modified_ns: Some(1_783_069_200_000_000_000),
            ..Default::default()
        };
        case.add_in_zone(ingest_bytes("empty.log", b"", opts.clone()), "UTC");
        case.add_in_zone(
            ingest_bytes("syslog", b"Jul  3 09:00:05 h app: late\n", opts.clone()),
            "UTC",
        );
        case.add_in_zone(
            ingest_bytes("a.log", b"2026-07-03T08:00:00Z INFO first\n", opts),
            "UTC",
        );
        case.set_offsets(Offsets::from_ns(vec![0, 0]));
        assert_eq!(case.rows(0, 1, false)[0].source, "a.log");
        assert_eq!(case.sources_named("syslog"), vec![0]);
        let generation = case.content_generation();
        // In Europe/Paris (UTC+2 in July) 09:00:05 is 07:00:05Z, before a.log's event.
        let moved = reread(&case.sources()[0], Zone::parse("Europe/Paris").unwrap());
        case.replace_source(0, moved, "Europe/Paris");
        case.rebuild_timeline();
        assert_ne!(case.content_generation(), generation);
        let rows = case.rows(0, 2, false);
        assert_eq!(rows[0].source, "syslog");
        assert_eq!(rows[0].ts.as_deref(), Some("2026-07-03T07:00:05Z"));
        assert_eq!(rows[0].text, "Jul  3 09:00:05 h app: late");
        assert_eq!(
            case.files()[1].first_ts.as_deref(),
            Some("2026-07-03T07:00:05Z")
        );
        assert_eq!(case.files()[0].error.as_deref(), Some("the file is empty"));
        assert_eq!(
            case.zones(),
            vec![
                SourceZone {
                    source: "syslog".into(),
                    zone: "Europe/Paris".into()
                },
                SourceZone {
                    source: "a.log".into(),
                    zone: "UTC".into()
                }
            ]
        );
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary() {
        let long = "é".repeat(ROW_TEXT_MAX_BYTES);
        let text = row_text(long.as_bytes());
        assert!(text.ends_with('…'));
        assert!(!text.contains('\u{FFFD}'));
        assert!(text.len() <= ROW_TEXT_MAX_BYTES + '…'.len_utf8());
    }
}

//! Template placeholder facets (`tpl.num1` …, see [`crate::engine::patterns::fields`]) of a case split
//! across shard workers.
//!
//! One worker lists them when nearly all examined matches share one template
//! ([`placeholder_facets`](crate::engine::patterns::fields::placeholder_facets)). A shard sees only its
//! share of the matches, so the coordinator finds that template in two steps. First every shard names
//! the template most of its examined matches have ([`top_template`]): the template holding nearly all
//! of the case's examined matches is the top one of at least one shard (were its share below the
//! threshold on every shard, it would be below it in the sum), so the candidates are the shards' tops,
//! less those that cannot reach the share even counting every other examined match ([`candidates`]).
//! Then the shards count each candidate's examined matches and their placeholder values
//! ([`template_values`]), and [`dominant_facets`] picks the template as one worker would and builds its
//! facets from the summed counts. With at most the sample's matches (the usual case for a query
//! narrow enough to be one template) the result is exactly one worker's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::patterns::SourcePatterns;
use crate::engine::query::{Facet, Matches};
use crate::engine::store::SourceData;

use crate::engine::patterns::fields::placeholder_facets_of;
pub use crate::engine::patterns::fields::DOMINANT_SHARE;

/// The examined matches (source, event): an evenly spread sample of at most `sample`, as one worker
/// examines them, skipping sources without patterns.
fn examined<'a>(
    sources: &'a [SourceData],
    patterns: &'a [SourcePatterns],
    matches: &'a Matches,
    sample: usize,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let step = (matches.count() as usize).div_ceil(sample.max(1)).max(1);
    matches
        .sets
        .iter()
        .enumerate()
        .filter(move |(s, _)| sources.get(*s).is_some() && patterns.get(*s).is_some())
        .flat_map(|(s, set)| set.iter().map(move |e| (s, e)))
        .enumerate()
        .filter(move |(i, _)| i % step == 0)
        .map(|(_, se)| se)
}

/// The template text of event `e` of source `s`.
fn template_of(patterns: &[SourcePatterns], s: usize, e: usize) -> Option<&str> {
    let p = patterns.get(s)?;
    let t = p.event_template.get(e)?;
    p.templates.get(*t as usize).map(|t| t.text.as_str())
}

/// What one shard examined: how many matches, and its most common template with its count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateSample {
    pub examined: u64,
    pub top: Option<(String, u64)>,
}

/// The examined matches of one shard and their most common template (ties: the first by text, as one
/// worker breaks them).
pub fn top_template(
    sources: &[SourceData],
    patterns: &[SourcePatterns],
    matches: &Matches,
    sample: usize,
) -> TemplateSample {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut examined_count = 0;
    for (s, e) in examined(sources, patterns, matches, sample) {
        examined_count += 1;
        if let Some(text) = template_of(patterns, s, e) {
            *counts.entry(text).or_default() += 1;
        }
    }
    let top = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(t, c)| (t.to_string(), c));
    TemplateSample {
        examined: examined_count,
        top,
    }
}

/// The shards' top templates that could hold [`DOMINANT_SHARE`] of every examined match: on a shard
/// whose top is another template, a candidate has at most that top's count.
pub fn candidates(samples: &[TemplateSample]) -> Vec<String> {
    let examined: u64 = samples.iter().map(|s| s.examined).sum();
    let mut out: Vec<String> = Vec::new();
    for text in samples.iter().filter_map(|s| s.top.as_ref().map(|t| &t.0)) {
        if out.contains(text) {
            continue;
        }
        let most: u64 = samples
            .iter()
            .map(|s| match &s.top {
                Some((t, c)) if t == text => *c,
                Some((_, c)) => (*c).min(s.examined),
                None => 0,
            })
            .sum();
        if examined > 0 && most as f64 >= DOMINANT_SHARE * examined as f64 {
            out.push(text.clone());
        }
    }
    out
}

/// One template's examined matches on one shard, and the values of its placeholder fields (every
/// value with its count, fields in order of first appearance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateValues {
    pub template: String,
    pub events: u64,
    pub fields: Vec<(String, Vec<(String, u64)>)>,
}

/// Where a field's values are in [`TemplateValues::fields`]: the field's place, each value's place.
type FieldIndex = (usize, HashMap<String, usize>);

/// The examined matches of each of `templates` on one shard, with their placeholder values.
pub fn template_values(
    sources: &[SourceData],
    patterns: &[SourcePatterns],
    matches: &Matches,
    sample: usize,
    templates: &[String],
) -> Vec<TemplateValues> {
    let mut out: Vec<TemplateValues> = templates
        .iter()
        .map(|t| TemplateValues {
            template: t.clone(),
            events: 0,
            fields: Vec::new(),
        })
        .collect();
    // Per template: field name → (its place in `fields`, value → its place in the field's list).
    let mut index: Vec<HashMap<String, FieldIndex>> = vec![HashMap::new(); templates.len()];
    for (s, e) in examined(sources, patterns, matches, sample) {
        let Some(text) = template_of(patterns, s, e) else {
            continue;
        };
        let Some(k) = templates.iter().position(|t| t == text) else {
            continue;
        };
        let part = &mut out[k];
        part.events += 1;
        for (name, value) in patterns[s].placeholder_fields(e, sources[s].text(e)) {
            let (f, values) = index[k].entry(name.clone()).or_insert_with(|| {
                part.fields.push((name, Vec::new()));
                (part.fields.len() - 1, HashMap::new())
            });
            let list = &mut part.fields[*f].1;
            match values.get(&value) {
                Some(&v) => list[v].1 += 1,
                None => {
                    values.insert(value.clone(), list.len());
                    list.push((value, 1));
                }
            }
        }
    }
    out
}

/// The placeholder facets of the case: those of the template holding [`DOMINANT_SHARE`] of the
/// `examined` matches (summed over the shards' `parts`), `top` values each, most frequent first; none
/// when no template does.
pub fn dominant_facets(examined: u64, parts: Vec<Vec<TemplateValues>>, top: usize) -> Vec<Facet> {
    let mut totals: Vec<(String, u64)> = Vec::new();
    for v in parts.iter().flatten() {
        match totals.iter_mut().find(|(t, _)| *t == v.template) {
            Some((_, n)) => *n += v.events,
            None => totals.push((v.template.clone(), v.events)),
        }
    }
    let Some((winner, events)) = totals
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    else {
        return Vec::new();
    };
    if examined == 0 || (events as f64) < DOMINANT_SHARE * examined as f64 {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    let mut counts: HashMap<String, HashMap<String, u64>> = HashMap::new();
    for v in parts.into_iter().flatten().filter(|v| v.template == winner) {
        for (name, values) in v.fields {
            let field = counts.entry(name.clone()).or_insert_with(|| {
                names.push(name);
                HashMap::new()
            });
            for (value, n) in values {
                *field.entry(value).or_default() += n;
            }
        }
    }
    placeholder_facets_of(names, counts, top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::patterns::fields::placeholder_facets;
    use crate::engine::patterns::mine_source;

    fn source(name: &str, lines: &[String]) -> (SourceData, SourcePatterns) {
        let data = ingest_bytes(name, lines.concat().as_bytes(), IngestOptions::default());
        let patterns = mine_source(&data);
        (data, patterns)
    }

    /// Four files: two mostly of one template, one of another, and a few of the first.
    fn case() -> Vec<(SourceData, SourcePatterns)> {
        let session = |i: usize| {
            format!(
                "2026-07-03 09:{:02}:{:02} INFO Started Session {} of user deploy from 10.0.0.{}\n",
                i / 60 % 60,
                i % 60,
                (i * 7919) % 9000 + 1,
                i % 5
            )
        };
        let disk = |i: usize| {
            format!(
                "2026-07-03 10:{:02}:{:02} WARN disk sda{} at {}% full\n",
                i / 60 % 60,
                i % 60,
                i % 3,
                90 + i % 9
            )
        };
        vec![
            source("a.log", &(0..300).map(session).collect::<Vec<_>>()),
            source(
                "b.log",
                &(300..700)
                    .map(|i| if i % 50 == 0 { disk(i) } else { session(i) })
                    .collect::<Vec<_>>(),
            ),
            source("c.log", &(0..40).map(disk).collect::<Vec<_>>()),
            source("d.log", &(700..710).map(session).collect::<Vec<_>>()),
        ]
    }

    /// The placeholder facets of the sources `shards` names (each a list of source indexes) found
    /// through the two steps, and those of one worker holding them all.
    fn both(
        all: &[(SourceData, SourcePatterns)],
        shards: &[&[usize]],
        sample: usize,
    ) -> (Vec<Facet>, Vec<Facet>) {
        let split: Vec<(Vec<SourceData>, Vec<SourcePatterns>)> = shards
            .iter()
            .map(|ids| {
                (
                    ids.iter().map(|&i| all[i].0.clone()).collect(),
                    ids.iter().map(|&i| all[i].1.clone()).collect(),
                )
            })
            .collect();
        let matched: u64 = all.iter().map(|(d, _)| d.len() as u64).sum();
        // Each shard samples its share of the matches, as the coordinator asks.
        let share = |sources: &[SourceData]| {
            let c: u64 = sources.iter().map(|d| d.len() as u64).sum();
            ((sample as u64 * c).div_ceil(matched)).max(1) as usize
        };
        let samples: Vec<TemplateSample> = split
            .iter()
            .map(|(d, p)| top_template(d, p, &Matches::all(d), share(d)))
            .collect();
        let examined = samples.iter().map(|s| s.examined).sum();
        let wanted = candidates(&samples);
        let parts = split
            .iter()
            .map(|(d, p)| template_values(d, p, &Matches::all(d), share(d), &wanted))
            .collect();
        let sharded = dominant_facets(examined, parts, 8);
        let sources: Vec<SourceData> = all.iter().map(|(d, _)| d.clone()).collect();
        let patterns: Vec<SourcePatterns> = all.iter().map(|(_, p)| p.clone()).collect();
        let single = placeholder_facets(&sources, &patterns, &Matches::all(&sources), 8, sample);
        (sharded, single)
    }

    #[test]
    fn a_template_dominant_over_the_whole_case_gets_one_workers_facets_from_two_shards() {
        let all = case();
        let (sharded, single) = both(&all[..2], &[&[0], &[1]], 20_000);
        assert!(!single.is_empty(), "sessions are nearly all matches");
        assert!(single.iter().any(|f| f.field == "tpl.num1"));
        assert_eq!(sharded, single);
    }

    #[test]
    fn a_template_dominant_on_one_shard_only_is_no_facet_when_the_case_is_mixed() {
        let all = case();
        // Shard 0: sessions only; shard 1: disks only; together neither holds 90%.
        let mut mixed = vec![all[0].clone()];
        mixed.extend(std::iter::repeat_n(all[2].clone(), 7));
        let (sharded, single) = both(&mixed, &[&[0], &[1, 2, 3, 4, 5, 6, 7]], 20_000);
        assert!(single.is_empty());
        assert_eq!(sharded, single);
    }

    #[test]
    fn a_dominant_template_that_is_not_every_shards_top_still_counts_everywhere() {
        let all = case();
        // Shard 1's top is the disks (40 to 10 sessions); the sessions dominate the case (702 of
        // 750), and shard 1's ten count in their values.
        let (sharded, single) = both(&all, &[&[0, 1], &[2, 3]], 20_000);
        assert!(!single.is_empty());
        assert_eq!(sharded, single);
        let (without, _) = both(&all[..3], &[&[0, 1], &[2]], 20_000);
        let events = |f: &[Facet]| f.iter().find(|f| f.field == "tpl.num1").map(|f| f.events);
        assert_eq!(events(&sharded), events(&without).map(|n| n + 10));
    }

    #[test]
    fn no_candidate_without_examined_matches() {
        assert!(candidates(&[TemplateSample::default(), TemplateSample::default()]).is_empty());
        assert!(dominant_facets(0, vec![Vec::new()], 8).is_empty());
    }
}

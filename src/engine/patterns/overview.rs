//! The patterns of a whole case as the UI lists them: templates overall and per source, each with its
//! count, levels, a sparkline over the case's time range, the values its placeholders took, and a
//! filter query that keeps its events.
//!
//! Sparklines share one time grid (the case's span, clock offsets applied), so the bars of different
//! templates and sources line up. The filter query is written in the query language of
//! [`crate::engine::query`], so clicking a template filters the list through the one filtering path:
//! its fixed words as a regular expression (`/\bConnection\s+timed\s+out\s+after\s+.*?\s+seconds/`),
//! placeholders as lazy gaps, narrowed to the source for a source's template. The query keeps every
//! event of the template (it may keep a few more events whose text merely contains the same words).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{OverallTemplate, SourcePatterns, Template};
use crate::engine::correlate::{sources_span, Offsets, Part};
use crate::engine::level::Level;
use crate::engine::store::{SourceData, NO_TIME};

/// Events sampled per template for its placeholder values.
const VALUE_SAMPLE: usize = 500;
/// Values listed per placeholder.
const VALUES_SHOWN: usize = 8;
/// The placeholders of the template text, as written by [`super::template_text`].
const PLACEHOLDERS: [&str; 12] = [
    "<NUM>",
    "<HEX>",
    "<IP>",
    "<UUID>",
    "<TIME>",
    "<DURATION>",
    "<SIZE>",
    "<PATH>",
    "<URL>",
    "<EMAIL>",
    "<ID>",
    "<*>",
];

/// One template as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateLine {
    /// The template text with typed placeholders (see [`crate::engine::patterns`]).
    pub text: String,
    pub count: u64,
    /// Levels its events had, least severe first.
    pub levels: Vec<Level>,
    /// Event counts over equal slices of the case's time range ([`PatternsOverview::span`]).
    pub sparkline: Vec<u32>,
    /// The sources that have it.
    pub sources: Vec<String>,
    /// A filter query that keeps its events; `None` when the template has no fixed words.
    pub query: Option<String>,
    /// Its placeholders and the most common values each took (in a sample of its events).
    pub fields: Vec<PlaceholderValues>,
}

/// The values one placeholder of a template took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceholderValues {
    /// The placeholder as a field of the query language: `tpl.num1`, `tpl.ip1` (see
    /// [`super::fields`]).
    pub name: String,
    /// Most common values with their counts, most frequent first.
    pub values: Vec<(String, u64)>,
}

/// The templates of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceTemplates {
    pub source: String,
    /// Distinct templates in the source.
    pub total: u64,
    /// The most frequent ones.
    pub templates: Vec<TemplateLine>,
}

/// The patterns of the case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatternsOverview {
    /// Templates over all sources (the same text in several sources is one), most frequent first.
    pub overall: Vec<TemplateLine>,
    /// Distinct templates over all sources.
    pub overall_total: u64,
    pub sources: Vec<SourceTemplates>,
    /// The time range the sparklines cover, `[from, to]` in ns, when any event has a time.
    pub span: Option<(i64, i64)>,
    /// Time spent mining, and reading (ingest without mining), over the loads so far, in ms.
    pub mining_ms: f64,
    pub reading_ms: f64,
}

/// Escapes `text` for a regex inside the query language's `/…/` (where `/` must be escaped too).
fn escape_for_query(text: &str) -> String {
    regex::escape(text).replace('/', "\\/")
}

/// A query term quoting `value` when it holds spaces, quotes or parentheses.
fn quoted(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '(' | ')'))
    {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// The filter query that keeps the events of the template `text` (in `source` only, when given);
/// `None` when the template has no fixed text to match.
pub fn template_query(text: &str, source: Option<&str>) -> Option<String> {
    // Pieces: literal text, whitespace between words, or a placeholder.
    enum Piece<'a> {
        Lit(&'a str),
        Space,
        Var,
    }
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            pieces.push(Piece::Space);
        }
        let mut rest = word;
        while !rest.is_empty() {
            let next = PLACEHOLDERS
                .iter()
                .filter_map(|p| rest.find(p).map(|at| (at, p.len())))
                .min();
            match next {
                Some((at, len)) => {
                    if at > 0 {
                        pieces.push(Piece::Lit(&rest[..at]));
                    }
                    pieces.push(Piece::Var);
                    rest = &rest[at + len..];
                }
                None => {
                    pieces.push(Piece::Lit(rest));
                    rest = "";
                }
            }
        }
    }
    // Leading and trailing placeholders and spaces match anything: drop them.
    let first = pieces.iter().position(|p| matches!(p, Piece::Lit(_)))?;
    let last = pieces.iter().rposition(|p| matches!(p, Piece::Lit(_)))?;
    let mut regex = String::new();
    if let Piece::Lit(l) = pieces[first] {
        if l.chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            regex.push_str("\\b");
        }
    }
    let mut previous_var = false;
    for piece in &pieces[first..=last] {
        match piece {
            Piece::Lit(l) => {
                regex.push_str(&escape_for_query(l));
                previous_var = false;
            }
            // A placeholder may stand for several words (`30 seconds`, a gap): any run of text.
            Piece::Var if !previous_var => {
                regex.push_str(".*?");
                previous_var = true;
            }
            Piece::Var => {}
            Piece::Space if previous_var => {}
            Piece::Space => regex.push_str("\\s+"),
        }
    }
    let term = format!("/{regex}/");
    Some(match source {
        Some(name) => format!("source:{} {term}", quoted(name)),
        None => term,
    })
}

/// Per template of one source, its event counts over `buckets` slices of `span`.
fn sparklines_on(
    source: &SourceData,
    patterns: &SourcePatterns,
    offset: i64,
    span: Option<(i64, i64)>,
    buckets: usize,
) -> Vec<Vec<u32>> {
    let mut out = vec![vec![0u32; buckets]; patterns.templates.len()];
    let Some((lo, hi)) = span else {
        return out;
    };
    let width = (hi - lo) as i128 + 1;
    for (&t, &tpl) in source.ts_column().iter().zip(&patterns.event_template) {
        if t == NO_TIME {
            continue;
        }
        let t = t.saturating_sub(offset).clamp(lo, hi);
        let b = ((t - lo) as i128 * buckets as i128 / width) as usize;
        if let Some(row) = out.get_mut(tpl as usize) {
            row[b.min(buckets - 1)] += 1;
        }
    }
    out
}

/// The placeholder values of the templates `wanted` (template id → slot in the result) of one source,
/// from the first [`VALUE_SAMPLE`] events of each: `[slot][placeholder] → value → count`.
fn sample_values(
    source: &SourceData,
    patterns: &SourcePatterns,
    wanted: &FxHashMap<u32, usize>,
) -> Vec<Vec<FxHashMap<String, u64>>> {
    let mut out: Vec<Vec<FxHashMap<String, u64>>> = vec![Vec::new(); wanted.len()];
    let mut seen = vec![0usize; wanted.len()];
    for (e, tpl) in patterns.event_template.iter().enumerate() {
        let Some(&slot) = wanted.get(tpl) else {
            continue;
        };
        if seen[slot] >= VALUE_SAMPLE {
            continue;
        }
        seen[slot] += 1;
        for (i, (_, v)) in patterns
            .placeholder_fields(e, source.text(e))
            .into_iter()
            .enumerate()
        {
            if out[slot].len() <= i {
                out[slot].resize_with(i + 1, FxHashMap::default);
            }
            *out[slot][i].entry(v).or_default() += 1;
        }
    }
    out
}

/// Merges per-placeholder value counts into the listed form (most frequent first, ties by value).
fn fields_of(text: &str, counts: &[FxHashMap<String, u64>]) -> Vec<PlaceholderValues> {
    super::fields::field_names(text)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let mut values: Vec<(String, u64)> = counts
                .get(i)
                .map(|m| m.iter().map(|(v, c)| (v.clone(), *c)).collect())
                .unwrap_or_default();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(VALUES_SHOWN);
            PlaceholderValues { name, values }
        })
        .collect()
}

/// Adds the counts of `from` into `into`, placeholder by placeholder.
fn add_counts(into: &mut Vec<FxHashMap<String, u64>>, from: &[FxHashMap<String, u64>]) {
    if into.len() < from.len() {
        into.resize_with(from.len(), FxHashMap::default);
    }
    for (i, m) in from.iter().enumerate() {
        for (v, c) in m {
            *into[i].entry(v.clone()).or_default() += c;
        }
    }
}

/// The most frequent templates of a source, by count then id.
fn top(templates: &[Template], limit: usize) -> Vec<&Template> {
    let mut t: Vec<&Template> = templates.iter().collect();
    t.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    t.truncate(limit);
    t
}

/// The overview of the case: `patterns[i]` are the mined patterns of `sources[i]`; at most `limit`
/// templates are listed overall and per source; sparklines have `buckets` bars.
pub fn overview(
    sources: &[SourceData],
    patterns: &[SourcePatterns],
    offsets: &Offsets,
    limit: usize,
    buckets: usize,
) -> PatternsOverview {
    let n = sources.len().min(patterns.len());
    let part = Part::whole(&sources[..n], offsets);
    let span = sources_span(&sources[..n], offsets).map(|(from, to)| (from, to.max(from)));
    let listed = list_templates(vec![template_counts(&part, patterns)], limit);
    let texts: Vec<String> = listed.listed.iter().map(|o| o.text.clone()).collect();
    let lines = patterns_part(&part, patterns, span, &texts, limit, buckets);
    let names: Vec<String> = sources[..n].iter().map(|s| s.info.name.clone()).collect();
    merge_patterns(listed, vec![lines], &names, span, buckets)
}

/// The templates of one part's sources, counted: `(case-wide source, template id, text, count,
/// levels)`. The first step of the overview: merged over parts ([`list_templates`]), they say which
/// templates are listed overall.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateCounts {
    pub templates: Vec<(u16, u32, String, u64, Vec<Level>)>,
}

/// Every template of one part (`patterns[i]` belongs to the part's source `i`).
pub fn template_counts(part: &Part<'_>, patterns: &[SourcePatterns]) -> TemplateCounts {
    let n = part.sources.len().min(patterns.len());
    TemplateCounts {
        templates: (0..n)
            .flat_map(|s| {
                let sid = part.id(s as u16);
                patterns[s]
                    .templates
                    .iter()
                    .map(move |t| (sid, t.id, t.text.clone(), t.count, t.levels.clone()))
            })
            .collect(),
    }
}

/// The templates listed overall: the most frequent `limit` over all parts (the same text in several
/// sources is one), and how many distinct texts there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Listed {
    /// Sources are `(case-wide source, template id)`, in source order.
    pub listed: Vec<OverallTemplate>,
    pub total: u64,
}

/// Merges every part's templates by text; most frequent first (ties by text).
pub fn list_templates(parts: Vec<TemplateCounts>, limit: usize) -> Listed {
    let mut all: Vec<(u16, u32, String, u64, Vec<Level>)> =
        parts.into_iter().flat_map(|p| p.templates).collect();
    all.sort_by_key(|t| (t.0, t.1));
    let mut by_text: FxHashMap<String, usize> = FxHashMap::default();
    let mut out: Vec<OverallTemplate> = Vec::new();
    for (s, id, text, count, levels) in all {
        let i = *by_text.entry(text.clone()).or_insert_with(|| {
            out.push(OverallTemplate {
                text,
                count: 0,
                levels: Vec::new(),
                sources: Vec::new(),
            });
            out.len() - 1
        });
        let o = &mut out[i];
        o.count += count;
        for l in levels {
            if !o.levels.contains(&l) {
                o.levels.push(l);
            }
        }
        o.levels.sort();
        o.sources.push((s as usize, id));
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    let total = out.len() as u64;
    out.truncate(limit);
    Listed { listed: out, total }
}

/// Per placeholder of a template, its values and how often each was seen.
pub type PlaceholderCounts = Vec<Vec<(String, u64)>>;

/// The second step over one part: each of its sources' listed templates in full, and, for each
/// template listed overall, the part's share of its sparkline and of its placeholder values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatternsPart {
    /// `(case-wide source, its templates)`.
    pub sources: Vec<(u16, SourceTemplates)>,
    /// Parallel to the listed texts: sparkline counts and, per placeholder, value counts.
    pub overall: Vec<(Vec<u32>, PlaceholderCounts)>,
}

/// One part's share of the overview: `span` is the whole case's (adjusted), `listed` the texts listed
/// overall ([`list_templates`]).
pub fn patterns_part(
    part: &Part<'_>,
    patterns: &[SourcePatterns],
    span: Option<(i64, i64)>,
    listed: &[String],
    limit: usize,
    buckets: usize,
) -> PatternsPart {
    let sources = part.sources;
    let n = sources.len().min(patterns.len());
    let sparks: Vec<Vec<Vec<u32>>> = (0..n)
        .map(|s| {
            sparklines_on(
                &sources[s],
                &patterns[s],
                part.offset(s as u16),
                span,
                buckets,
            )
        })
        .collect();
    // Where each listed text is among the part's templates.
    let position: FxHashMap<&str, usize> = listed
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut holders: Vec<Vec<(usize, u32)>> = vec![Vec::new(); listed.len()];
    for (s, p) in patterns[..n].iter().enumerate() {
        for t in &p.templates {
            if let Some(&i) = position.get(t.text.as_str()) {
                holders[i].push((s, t.id));
            }
        }
    }

    // Which templates of each source need placeholder values: its own top ones and those that make up
    // the listed overall templates.
    let mut wanted: Vec<FxHashMap<u32, usize>> = vec![FxHashMap::default(); n];
    let mut want = |s: usize, t: u32| {
        let next = wanted[s].len();
        *wanted[s].entry(t).or_insert(next)
    };
    let tops: Vec<Vec<&Template>> = (0..n).map(|s| top(&patterns[s].templates, limit)).collect();
    for (s, t) in tops.iter().enumerate() {
        for tpl in t {
            want(s, tpl.id);
        }
    }
    for h in &holders {
        for &(s, t) in h {
            want(s, t);
        }
    }
    let values: Vec<Vec<Vec<FxHashMap<String, u64>>>> = (0..n)
        .map(|s| sample_values(&sources[s], &patterns[s], &wanted[s]))
        .collect();

    let per_source = (0..n)
        .map(|s| {
            let name = part.name(s as u16);
            let lines = SourceTemplates {
                total: patterns[s].templates.len() as u64,
                templates: tops[s]
                    .iter()
                    .map(|t| TemplateLine {
                        text: t.text.clone(),
                        count: t.count,
                        levels: t.levels.clone(),
                        sparkline: sparks[s][t.id as usize].clone(),
                        sources: vec![name.clone()],
                        query: template_query(&t.text, Some(&name)),
                        fields: fields_of(&t.text, &values[s][wanted[s][&t.id]]),
                    })
                    .collect(),
                source: name,
            };
            (part.id(s as u16), lines)
        })
        .collect();
    let overall = holders
        .iter()
        .map(|h| {
            let mut sparkline = vec![0u32; buckets];
            let mut counts: Vec<FxHashMap<String, u64>> = Vec::new();
            for &(s, t) in h {
                for (total, c) in sparkline.iter_mut().zip(&sparks[s][t as usize]) {
                    *total += c;
                }
                add_counts(&mut counts, &values[s][wanted[s][&t]]);
            }
            let counts = counts
                .into_iter()
                .map(|m| {
                    let mut v: Vec<(String, u64)> = m.into_iter().collect();
                    v.sort();
                    v
                })
                .collect();
            (sparkline, counts)
        })
        .collect();
    PatternsPart {
        sources: per_source,
        overall,
    }
}

/// The overview from the listed templates and every part's share; `names` are the case's sources
/// (index = case-wide id).
pub fn merge_patterns(
    listed: Listed,
    parts: Vec<PatternsPart>,
    names: &[String],
    span: Option<(i64, i64)>,
    buckets: usize,
) -> PatternsOverview {
    let mut per_source: Vec<(u16, SourceTemplates)> = Vec::new();
    let mut sparklines = vec![vec![0u32; buckets]; listed.listed.len()];
    let mut values: Vec<Vec<FxHashMap<String, u64>>> = vec![Vec::new(); listed.listed.len()];
    for part in parts {
        per_source.extend(part.sources);
        for (i, (spark, counts)) in part.overall.into_iter().enumerate() {
            if let Some(sum) = sparklines.get_mut(i) {
                for (t, c) in sum.iter_mut().zip(&spark) {
                    *t += c;
                }
            }
            if let Some(into) = values.get_mut(i) {
                let maps: Vec<FxHashMap<String, u64>> = counts
                    .into_iter()
                    .map(|v| v.into_iter().collect())
                    .collect();
                add_counts(into, &maps);
            }
        }
    }
    per_source.sort_by_key(|(s, _)| *s);
    let name = |s: usize| names.get(s).cloned().unwrap_or_default();
    let overall = listed
        .listed
        .iter()
        .zip(sparklines)
        .zip(&values)
        .map(|((o, sparkline), counts)| TemplateLine {
            text: o.text.clone(),
            count: o.count,
            levels: o.levels.clone(),
            sparkline,
            sources: o.sources.iter().map(|&(s, _)| name(s)).collect(),
            query: template_query(&o.text, None),
            fields: fields_of(&o.text, counts),
        })
        .collect();
    PatternsOverview {
        overall,
        overall_total: listed.total,
        sources: per_source.into_iter().map(|(_, t)| t).collect(),
        span,
        mining_ms: 0.0,
        reading_ms: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::demo::{generate, DEMO_SEED};
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::patterns::mine_source;
    use crate::engine::query::{Query, QueryContext};
    use crate::engine::time::Zone;
    use crate::engine::timeline::EventId;

    #[test]
    fn queries_are_regexes_of_the_fixed_words() {
        assert_eq!(
            template_query("Connection timed out after <DURATION>", None).as_deref(),
            Some(r"/\bConnection\s+timed\s+out\s+after/")
        );
        assert_eq!(
            template_query(
                "GET /api/<*> status=<NUM> took <DURATION> ms",
                Some("nginx access.log")
            )
            .as_deref(),
            Some(r#"source:"nginx access.log" /\bGET\s+\/api\/.*?status=.*?took\s+.*?ms/"#)
        );
        assert_eq!(template_query("<NUM> <*>", None), None);
        assert_eq!(
            super::super::fields::field_names("a <IP>:<NUM> b<*> <NUM>"),
            ["tpl.ip1", "tpl.num1", "tpl.any1", "tpl.num2"]
        );
    }

    #[test]
    fn every_template_query_keeps_all_its_events_on_the_demo() {
        let sources: Vec<SourceData> = generate(DEMO_SEED)
            .into_iter()
            .map(|f| ingest_bytes(f.name, &f.bytes, IngestOptions::default()))
            .collect();
        let patterns: Vec<SourcePatterns> = sources.iter().map(mine_source).collect();
        let offsets = Offsets::zero(sources.len());
        let view = overview(&sources, &patterns, &offsets, 50, 48);
        assert!(!view.overall.is_empty());
        assert_eq!(view.sources.len(), sources.len());
        let cx = QueryContext::for_sources(&sources, Zone::Utc);
        let mut checked = 0;
        for (s, listed) in view.sources.iter().enumerate() {
            for line in listed.templates.iter().take(10) {
                let Some(query) = &line.query else { continue };
                let q = Query::new(query, &cx);
                assert!(q.errors().is_empty(), "{query}: {:?}", q.errors());
                let matches = q.run_all(&sources);
                let tpl = patterns[s]
                    .templates
                    .iter()
                    .find(|t| t.text == line.text)
                    .unwrap();
                let events: Vec<usize> = (0..sources[s].len())
                    .filter(|e| patterns[s].event_template[*e] == tpl.id)
                    .collect();
                assert_eq!(events.len() as u64, line.count);
                for e in events {
                    let id = EventId {
                        source: s as u16,
                        event: e as u32,
                    };
                    assert!(
                        matches.contains(id),
                        "{query} misses event {e} of {}",
                        listed.source
                    );
                }
                // Only this source's events.
                assert_eq!(matches.count(), matches.count_by_source()[s]);
                // Sparklines count every timed event of the template.
                let timed = (0..sources[s].len())
                    .filter(|e| {
                        patterns[s].event_template[*e] == tpl.id && sources[s].ts(*e).is_some()
                    })
                    .count();
                assert_eq!(
                    line.sparkline.iter().map(|c| *c as usize).sum::<usize>(),
                    timed
                );
                checked += 1;
            }
        }
        assert!(checked >= 10);
        // The overall list adds up the sources' counts for the same text.
        let top = &view.overall[0];
        let sum: u64 = view
            .sources
            .iter()
            .flat_map(|s| s.templates.iter())
            .filter(|t| t.text == top.text)
            .map(|t| t.count)
            .sum();
        assert_eq!(top.count, sum);
    }

    #[test]
    fn placeholder_values_are_counted_from_the_events() {
        let names = [
            "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
        ];
        let mut text = String::new();
        let mut expected: FxHashMap<String, u64> = FxHashMap::default();
        for i in 0..60 {
            // alice logs in more often than the others.
            let user = if i % 3 == 0 { "alice" } else { names[i % 8] };
            *expected.entry(user.to_string()).or_default() += 1;
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} INFO user {user} logged in from 10.0.0.{}\n",
                i,
                i % 5
            ));
        }
        let source = ingest_bytes("auth.log", text.as_bytes(), IngestOptions::default());
        let patterns = mine_source(&source);
        let view = overview(
            std::slice::from_ref(&source),
            std::slice::from_ref(&patterns),
            &Offsets::zero(1),
            10,
            4,
        );
        let line = &view.sources[0].templates[0];
        assert_eq!(line.text, "user <*> logged in from <IP>");
        assert_eq!(line.fields.len(), 2);
        assert_eq!(line.fields[0].name, "tpl.any1");
        assert_eq!(line.fields[1].name, "tpl.ip1");
        let (top_user, top_count) = expected.iter().max_by_key(|(_, c)| **c).unwrap();
        assert_eq!(line.fields[0].values[0], (top_user.clone(), *top_count));
        assert_eq!(line.fields[1].values.len(), 5);
        assert_eq!(line.fields[1].values.iter().map(|v| v.1).sum::<u64>(), 60);
        assert_eq!(line.sparkline.iter().sum::<u32>(), 60);
    }
}

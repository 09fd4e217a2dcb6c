//! A template's placeholders as fields: `tpl.num1`, `tpl.ip1`, `tpl.any2` …, for the query language and
//! the facets.
//!
//! Each placeholder of an event's template is a field named by its kind and its rank among the
//! placeholders of that kind in the template, 1-based: in `request to <IP> failed after <DURATION>
//! (<NUM> retries, <NUM> left)` the fields are `tpl.ip1`, `tpl.duration1`, `tpl.num1`, `tpl.num2`.
//! Kinds are the placeholders' names in lower case (`num hex ip uuid time duration size path url
//! email id`), and `any` for `<*>`. The value is the text of the event at the placeholder, as written
//! (`10.0.0.7`, `30 s`). An event has only its own template's fields, so `tpl.num1>100` keeps events of
//! templates with a number whose first number is above 100; together with the template's filter (a
//! click on the template) it narrows that template's events.
//!
//! Facets list the placeholder fields when the matched events (the examined sample) are nearly all of
//! one template: across templates, `tpl.num1` would mix unrelated numbers.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::cluster::TemplateWord;
use super::mask::{self, Masked, VAR};
use super::{message, SourcePatterns};
use crate::engine::query::results::FacetValue;
use crate::engine::query::{Facet, Matches};
use crate::engine::store::SourceData;

/// The prefix of placeholder field names.
pub const PREFIX: &str = "tpl.";
/// Share of the examined matches one template must hold for its placeholders to be listed as facets
/// (one worker's facets here, the shards' merged ones in `engine::shard_facets`).
pub const DOMINANT_SHARE: f64 = 0.9;

/// The placeholder kinds of a template text, in order (`num`, `ip`, `any` …).
fn kinds_in(text: &str) -> Vec<&'static str> {
    const NAMES: [(&str, &str); 12] = [
        ("<NUM>", "num"),
        ("<HEX>", "hex"),
        ("<IP>", "ip"),
        ("<UUID>", "uuid"),
        ("<TIME>", "time"),
        ("<DURATION>", "duration"),
        ("<SIZE>", "size"),
        ("<PATH>", "path"),
        ("<URL>", "url"),
        ("<EMAIL>", "email"),
        ("<ID>", "id"),
        ("<*>", "any"),
    ];
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((at, p, name)) = NAMES
        .iter()
        .filter_map(|(p, n)| rest.find(p).map(|at| (at, *p, *n)))
        .min()
    {
        out.push(name);
        rest = &rest[at + p.len()..];
    }
    out
}

/// The field names of a template text's placeholders, in order: `tpl.num1`, `tpl.ip1`, `tpl.num2` ….
pub fn field_names(text: &str) -> Vec<String> {
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    kinds_in(text)
        .into_iter()
        .map(|k| {
            let n = seen.entry(k).or_default();
            *n += 1;
            format!("{PREFIX}{k}{n}")
        })
        .collect()
}

/// Splits `word` (as written) by `pattern` (its masked form: literal bytes and [`VAR`] parts) and
/// pushes the text at each masked part: literals are matched in order, each masked part taking the
/// text up to the next literal's first occurrence (or the end).
fn split_parts<'a>(pattern: &[u8], word: &'a [u8], out: &mut Vec<&'a [u8]>) {
    let mut at = 0;
    let mut p = 0;
    while p < pattern.len() {
        if pattern[p] == VAR {
            p += 1;
            let lit_end = pattern[p..]
                .iter()
                .position(|c| *c == VAR)
                .map_or(pattern.len(), |i| p + i);
            let literal = &pattern[p..lit_end];
            let end = if literal.is_empty() {
                word.len()
            } else {
                memchr::memmem::find(&word[at.min(word.len())..], literal)
                    .map_or(word.len(), |i| at + i)
            };
            out.push(&word[at.min(end)..end]);
            at = end;
        } else {
            at += 1;
            p += 1;
        }
    }
}

impl SourcePatterns {
    /// The placeholder fields of event `event` (its raw `text`), in template order:
    /// `(tpl.num1, "42")` …. See the module docs.
    pub fn placeholder_fields(&self, event: usize, text: &[u8]) -> Vec<(String, String)> {
        let Some(&tpl) = self.event_template.get(event) else {
            return Vec::new();
        };
        let (Some(words), Some(template)) = (
            self.words.get(tpl as usize),
            self.templates.get(tpl as usize),
        ) else {
            return Vec::new();
        };
        let msg = message::message_of(text);
        let mut masked = Masked::default();
        mask::mask(&msg, &mut masked);
        let keys: Vec<&[u8]> = masked.key.split(|c| *c == b' ').collect();
        let span = |from: usize, to: usize| -> &[u8] {
            let (s, e) = (masked.spans[from].0 as usize, masked.spans[to].1 as usize);
            msg.get(s..e).unwrap_or_default()
        };
        let mut values: Vec<&[u8]> = Vec::new();
        let mut at = 0;
        for (i, tw) in words.iter().enumerate() {
            if at >= keys.len() {
                break;
            }
            match tw {
                TemplateWord::Const(c) => {
                    if c.contains(&VAR) {
                        split_parts(c, span(at, at), &mut values);
                    }
                    at += 1;
                }
                TemplateWord::Wild { prefix, suffix } => {
                    let mut pattern = prefix.clone();
                    pattern.push(VAR);
                    pattern.extend_from_slice(suffix);
                    // The prefix and suffix as written: the word's own text at those places.
                    let word = span(at, at);
                    let inner = word
                        .get(prefix.len()..word.len().saturating_sub(suffix.len()))
                        .filter(|_| !prefix.contains(&VAR) && !suffix.contains(&VAR));
                    match inner {
                        Some(inner) => values.push(inner),
                        None => split_parts(&pattern, word, &mut values),
                    }
                    at += 1;
                }
                TemplateWord::Gap => {
                    let next = words[i + 1..].iter().find_map(|w| match w {
                        TemplateWord::Const(c) if !c.contains(&VAR) => Some(c.as_slice()),
                        _ => None,
                    });
                    let mut end = at;
                    while end + 1 < keys.len() && next.is_none_or(|n| keys[end + 1] != n) {
                        end += 1;
                    }
                    if next.is_some() && end + 1 >= keys.len() {
                        end = at;
                    }
                    values.push(span(at, end));
                    at = end + 1;
                }
            }
        }
        field_names(&template.text)
            .into_iter()
            .zip(values)
            .map(|(name, v)| (name, String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// The value of placeholder field `name` (`tpl.num1`) of event `event`, if its template has it.
    pub fn placeholder_field(&self, event: usize, text: &[u8], name: &str) -> Option<String> {
        if !name.starts_with(PREFIX) {
            return None;
        }
        self.placeholder_fields(event, text)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

/// The placeholder fields of one source's events, for the query engine.
impl crate::engine::query::DerivedFields for SourcePatterns {
    fn claims(&self, name: &str) -> bool {
        name.len() > PREFIX.len()
            && name.is_char_boundary(PREFIX.len())
            && name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
    }

    fn get<'t>(&self, event: usize, text: &'t [u8], name: &str) -> Option<Cow<'t, str>> {
        self.placeholder_field(event, text, name).map(Cow::Owned)
    }
}

/// Facets of the placeholder fields of the matches' template, when nearly all examined matches (an
/// evenly spread sample of at most `sample`) share one template; `top` values each, most frequent
/// first. `patterns[i]` belongs to `sources[i]`.
pub fn placeholder_facets(
    sources: &[SourceData],
    patterns: &[SourcePatterns],
    matches: &Matches,
    top: usize,
    sample: usize,
) -> Vec<Facet> {
    let matched = matches.count() as usize;
    let step = matched.div_ceil(sample.max(1)).max(1);
    // Examined events by template text.
    let mut by_text: FxHashMap<&str, Vec<(usize, usize)>> = FxHashMap::default();
    let mut examined = 0usize;
    let mut seen = 0usize;
    for (s, set) in matches.sets.iter().enumerate() {
        let (Some(_), Some(p)) = (sources.get(s), patterns.get(s)) else {
            continue;
        };
        for e in set.iter() {
            if seen.is_multiple_of(step) {
                if let Some(t) = p
                    .event_template
                    .get(e)
                    .and_then(|t| p.templates.get(*t as usize))
                {
                    by_text.entry(t.text.as_str()).or_default().push((s, e));
                }
                examined += 1;
            }
            seen += 1;
        }
    }
    let Some((_, events)) = by_text
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(a.0)))
    else {
        return Vec::new();
    };
    if examined == 0 || (events.len() as f64) < DOMINANT_SHARE * examined as f64 {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    let mut counts: FxHashMap<String, FxHashMap<String, u64>> = FxHashMap::default();
    for &(s, e) in events {
        for (name, value) in patterns[s].placeholder_fields(e, sources[s].text(e)) {
            if !counts.contains_key(&name) {
                names.push(name.clone());
            }
            *counts.entry(name).or_default().entry(value).or_default() += 1;
        }
    }
    placeholder_facets_of(names, counts, top)
}

/// The facets of placeholder fields from their value counts: `names` in the order they were met,
/// each field's values by count (ties by value), at most `top` of them.
pub fn placeholder_facets_of<S: std::hash::BuildHasher>(
    names: Vec<String>,
    mut counts: std::collections::HashMap<String, std::collections::HashMap<String, u64, S>, S>,
    top: usize,
) -> Vec<Facet> {
    names
        .into_iter()
        .filter_map(|name| {
            let values = counts.remove(&name)?;
            let events_with: u64 = values.values().sum();
            let distinct = values.len() as u64;
            let mut top_values: Vec<FacetValue> = values
                .into_iter()
                .map(|(value, count)| FacetValue { value, count })
                .collect();
            top_values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            top_values.truncate(top);
            Some(Facet {
                field: name,
                events: events_with,
                distinct,
                distinct_capped: false,
                top: top_values,
                numeric: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::patterns::mine_source;
    use crate::engine::query::{Query, QueryContext, SourceView};
    use crate::engine::time::Zone;

    fn incident() -> SourceData {
        let mut text = String::new();
        for i in 0..120 {
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} ERROR c.a.Http: request to 10.0.0.{} port 80{} failed after {}ms (retry {}) range={}:{}\n",
                i % 60,
                i % 3,
                i % 2,
                100 + i,
                i % 4,
                i % 2,
                i % 5
            ));
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} INFO c.a.Pool: pool stats active={} idle={}\n",
                i % 60,
                i % 7,
                i % 5
            ));
        }
        ingest_bytes("app.log", text.as_bytes(), IngestOptions::default())
    }

    #[test]
    fn placeholders_are_fields_named_by_kind_and_rank() {
        assert_eq!(
            field_names("request to <IP>:<NUM> failed after <DURATION> (retry <NUM>) by <*>"),
            [
                "tpl.ip1",
                "tpl.num1",
                "tpl.duration1",
                "tpl.num2",
                "tpl.any1"
            ]
        );
        let source = incident();
        let patterns = mine_source(&source);
        let http = &patterns.templates[patterns.event_template[0] as usize];
        assert_eq!(
            http.text,
            "request to <IP> port <NUM> failed after <DURATION> (retry <NUM>) range=<NUM>:<NUM>"
        );
        assert_eq!(
            patterns.placeholder_fields(2, source.text(2)),
            [
                ("tpl.ip1".to_string(), "10.0.0.1".to_string()),
                ("tpl.num1".to_string(), "801".to_string()),
                ("tpl.duration1".to_string(), "101ms".to_string()),
                ("tpl.num2".to_string(), "1".to_string()),
                ("tpl.num3".to_string(), "1".to_string()),
                ("tpl.num4".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(
            patterns
                .placeholder_field(3, source.text(3), "tpl.num2")
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            patterns.placeholder_field(3, source.text(3), "tpl.ip1"),
            None
        );
    }

    #[test]
    fn the_query_language_filters_by_placeholder_fields() {
        let source = incident();
        let patterns = mine_source(&source);
        let sources = vec![source];
        let cx = QueryContext::for_sources(&sources, Zone::Utc);
        let views = vec![SourceView::new(&sources[0], None).with_derived(&patterns)];
        let count = |q: &str| {
            let query = Query::new(q, &cx);
            assert!(query.errors().is_empty(), "{q}: {:?}", query.errors());
            query.run(&views).count()
        };
        // 120 requests, 40 to each of three hosts; retries 0..3 take turns.
        assert_eq!(count("tpl.ip1:10.0.0.2"), 40);
        assert_eq!(count("failed tpl.num2:3"), 30);
        // A field name means the same rank in every template: the pool's second number is `idle`.
        assert_eq!(count("tpl.num2:3"), 30 + 24);
        assert_eq!(count("tpl.ip1:10.0.0.2 tpl.num1:800"), 20);
        assert_eq!(count("has:tpl.duration1"), 120);
        // Two placeholders in one word (`range=<NUM>:<NUM>`) are two fields.
        assert_eq!(count("tpl.num4:4"), 24);
        // The pool template's first number is `active`.
        let active_over_4 = (0..120).filter(|i| i % 7 > 4).count() as u64;
        assert_eq!(count("pool tpl.num1>4"), active_over_4);
        // Without the template fields (another tool's view), the names are unknown.
        let plain = vec![SourceView::new(&sources[0], None)];
        assert_eq!(Query::new("tpl.ip1:10.0.0.2", &cx).run(&plain).count(), 0);
    }

    #[test]
    fn facets_list_the_placeholders_of_one_template() {
        let source = incident();
        let patterns = mine_source(&source);
        let sources = vec![source];
        let patterns = vec![patterns];
        let cx = QueryContext::for_sources(&sources, Zone::Utc);
        let views = vec![SourceView::new(&sources[0], None)];
        let one = Query::new("failed", &cx).run(&views);
        let facets = placeholder_facets(&sources, &patterns, &one, 5, 1000);
        let names: Vec<&str> = facets.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "tpl.ip1",
                "tpl.num1",
                "tpl.duration1",
                "tpl.num2",
                "tpl.num3",
                "tpl.num4"
            ]
        );
        assert_eq!(facets[0].events, 120);
        assert_eq!(facets[0].distinct, 3);
        assert_eq!(facets[0].top[0].count, 40);
        assert_eq!(facets[3].top.len(), 4);
        // Two templates mixed: no placeholder facets.
        let both = Query::new("", &cx).run(&views);
        assert!(placeholder_facets(&sources, &patterns, &both, 5, 1000).is_empty());
    }
}

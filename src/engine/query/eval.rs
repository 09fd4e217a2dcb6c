//! Evaluating a [`Plan`] over one source's events, as bitsets.
//!
//! Evaluation works on a range of one source's events (a shard's share), with a bitset of candidates:
//! every node only looks at events still in the running. AND narrows the candidates child by child
//! (cheapest first: columns before text, text before field extraction); OR tries each child on the events
//! no earlier child matched; NOT subtracts. Text leaves either scan whole blocks with the regex (when
//! many candidates remain, as ripgrep does) or test candidate events one by one (when few remain).

use std::borrow::Cow;
use std::ops::Range;

use super::plan::{FieldTest, Plan, TextMatcher};
use crate::engine::fields::{json_value_at_key, FieldReader};
use crate::engine::index::SourceIndex;
use crate::engine::level::Level;
use crate::engine::store::{SourceData, NO_TIME};

/// A set of events of one source within a range: bit `i` is event `range.start + i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet {
    start: usize,
    len: usize,
    words: Vec<u64>,
}

impl EventSet {
    pub fn empty(range: Range<usize>) -> Self {
        let len = range.end.saturating_sub(range.start);
        EventSet {
            start: range.start,
            len,
            words: vec![0; len.div_ceil(64)],
        }
    }

    pub fn full(range: Range<usize>) -> Self {
        let mut s = Self::empty(range);
        s.words.fill(u64::MAX);
        s.trim();
        s
    }

    fn trim(&mut self) {
        let tail = self.len % 64;
        if tail != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << tail) - 1;
            }
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.start + self.len
    }

    pub fn contains(&self, event: usize) -> bool {
        let Some(i) = event.checked_sub(self.start).filter(|i| *i < self.len) else {
            return false;
        };
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn insert(&mut self, event: usize) {
        if let Some(i) = event.checked_sub(self.start).filter(|i| *i < self.len) {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }

    pub fn remove(&mut self, event: usize) {
        if let Some(i) = event.checked_sub(self.start).filter(|i| *i < self.len) {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    /// The bits (offsets from the set's start) of the events of `events` within the set's range.
    fn bits_of(&self, events: Range<usize>) -> Range<usize> {
        let lo = events.start.max(self.start) - self.start;
        let hi = events
            .end
            .min(self.start + self.len)
            .saturating_sub(self.start);
        lo..hi.max(lo)
    }

    /// Members within `events`.
    pub fn count_in(&self, events: Range<usize>) -> usize {
        let Range { start: lo, end: hi } = self.bits_of(events);
        if lo >= hi {
            return 0;
        }
        let (wl, wh) = (lo / 64, (hi - 1) / 64);
        let mask_lo = u64::MAX << (lo % 64);
        let mask_hi = u64::MAX >> (63 - (hi - 1) % 64);
        if wl == wh {
            return (self.words[wl] & mask_lo & mask_hi).count_ones() as usize;
        }
        let middle: usize = self.words[wl + 1..wh]
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum();
        (self.words[wl] & mask_lo).count_ones() as usize
            + middle
            + (self.words[wh] & mask_hi).count_ones() as usize
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn and_with(&mut self, other: &EventSet) {
        debug_assert_eq!(self.range(), other.range());
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn or_with(&mut self, other: &EventSet) {
        debug_assert_eq!(self.range(), other.range());
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Removes every member within `events`.
    pub fn remove_range(&mut self, events: Range<usize>) {
        let Range { start: lo, end: hi } = self.bits_of(events);
        if lo >= hi {
            return;
        }
        let (wl, wh) = (lo / 64, (hi - 1) / 64);
        let keep_lo = !(u64::MAX << (lo % 64));
        let keep_hi = !(u64::MAX >> (63 - (hi - 1) % 64));
        if wl == wh {
            self.words[wl] &= keep_lo | keep_hi;
            return;
        }
        self.words[wl] &= keep_lo;
        self.words[wl + 1..wh].fill(0);
        self.words[wh] &= keep_hi;
    }

    pub fn remove_all(&mut self, other: &EventSet) {
        debug_assert_eq!(self.range(), other.range());
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// The first member at or after `event`.
    pub fn next_from(&self, event: usize) -> Option<usize> {
        let mut i = event.saturating_sub(self.start);
        if i >= self.len {
            return None;
        }
        let mut w = i / 64;
        let mut bits = self.words[w] & (u64::MAX << (i % 64));
        loop {
            if bits != 0 {
                i = w * 64 + bits.trailing_zeros() as usize;
                return (i < self.len).then_some(self.start + i);
            }
            w += 1;
            bits = *self.words.get(w)?;
        }
    }

    /// The first non-member at or after `event` within the range (`None`: all members to its end).
    pub fn next_absent_from(&self, event: usize) -> Option<usize> {
        let mut i = event.saturating_sub(self.start);
        if i >= self.len {
            return None;
        }
        let mut w = i / 64;
        let mut gaps = !self.words[w] & (u64::MAX << (i % 64));
        loop {
            if gaps != 0 {
                i = w * 64 + gaps.trailing_zeros() as usize;
                return (i < self.len).then_some(self.start + i);
            }
            w += 1;
            gaps = !*self.words.get(w)?;
        }
    }

    /// Members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(move |(w, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    self.start + w * 64 + b
                })
            })
        })
    }

    /// Appends `next` (whose range must start where this one ends, at a multiple of 64 from its start).
    pub fn append(&mut self, next: EventSet) {
        debug_assert_eq!(next.start, self.start + self.len);
        debug_assert_eq!(self.len % 64, 0);
        self.len += next.len;
        self.words.extend(next.words);
    }
}

/// Fields an event has beyond what its text spells out (a template's placeholders, `tpl.num1`),
/// computed by whoever knows them; consulted for the names they claim.
pub trait DerivedFields: Sync {
    /// Whether `name` is one of these fields (then the text's own fields are not looked at).
    fn claims(&self, name: &str) -> bool;
    /// The value of field `name` of event `event`, whose raw text is `text`.
    fn get<'t>(&self, event: usize, text: &'t [u8], name: &str) -> Option<Cow<'t, str>>;
}

/// One source as evaluation sees it.
pub struct SourceView<'a> {
    pub source: &'a SourceData,
    pub reader: FieldReader,
    pub index: Option<&'a SourceIndex>,
    /// Fields known outside the text, if any (see [`DerivedFields`]).
    pub derived: Option<&'a dyn DerivedFields>,
}

impl<'a> SourceView<'a> {
    pub fn new(source: &'a SourceData, index: Option<&'a SourceIndex>) -> Self {
        SourceView {
            source,
            reader: FieldReader::for_source(source),
            index,
            derived: None,
        }
    }

    /// This view with fields known outside the text.
    pub fn with_derived(mut self, derived: &'a dyn DerivedFields) -> Self {
        self.derived = Some(derived);
        self
    }

    /// The derived fields that claim `name`, if any.
    fn derived_for(&self, name: &str) -> Option<&'a dyn DerivedFields> {
        self.derived.filter(|d| d.claims(name))
    }
}

/// Below this share of candidates (1 in N), text is tested event by event rather than by block scans.
const SPARSE_RATIO: usize = 16;

/// Rough cost rank for ordering AND children: cheap column tests first.
fn cost(plan: &Plan) -> u8 {
    match plan {
        Plan::All | Plan::Nothing | Plan::Source(_) => 0,
        Plan::Level { .. } | Plan::Time { .. } => 1,
        Plan::Text(_) => 2,
        Plan::Not(inner) => cost(inner),
        Plan::And(items) | Plan::Or(items) => items.iter().map(cost).max().unwrap_or(0),
        Plan::Has { .. } | Plan::Field(_) => 4,
    }
}

/// Evaluates `plan` on the candidates `mask` of `view`; the result is a subset of `mask`.
pub fn eval(plan: &Plan, view: &SourceView<'_>, mask: EventSet) -> EventSet {
    if mask.is_empty() {
        return mask;
    }
    match plan {
        Plan::All => mask,
        Plan::Nothing => EventSet::empty(mask.range()),
        Plan::And(items) => {
            let mut order: Vec<&Plan> = items.iter().collect();
            order.sort_by_key(|p| cost(p));
            let mut m = mask;
            for p in order {
                m = eval(p, view, m);
                if m.is_empty() {
                    break;
                }
            }
            m
        }
        Plan::Or(items) => {
            let mut result = EventSet::empty(mask.range());
            let mut remaining = mask;
            for p in items {
                let hit = eval(p, view, remaining.clone());
                remaining.remove_all(&hit);
                result.or_with(&hit);
                if remaining.is_empty() {
                    break;
                }
            }
            result
        }
        Plan::Not(item) => {
            let hit = eval(item, view, mask.clone());
            let mut m = mask;
            m.remove_all(&hit);
            m
        }
        Plan::Level { min, max } => {
            let column = view.source.level_column();
            retain(mask, |e| {
                let l = Level::from_u8(column[e]);
                l >= *min && l <= *max
            })
        }
        Plan::Source(re) => {
            let name = &view.source.info.name;
            let file = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
            if re.is_match(name) || re.is_match(file) {
                mask
            } else {
                EventSet::empty(mask.range())
            }
        }
        Plan::Time { from, to } => eval_time(view.source, *from, *to, mask),
        Plan::Text(m) => {
            let mask = match view.index {
                Some(index) => {
                    let mask = index.candidates(&m.required_tokens, mask);
                    let mask = index.candidates_any(&m.any_tokens, mask);
                    match &m.grams {
                        Some(grams) => index.rule_out_grams(grams, mask),
                        None => mask,
                    }
                }
                None => mask,
            };
            eval_text(m, view.source, mask)
        }
        Plan::Field(f) => match view.derived_for(&f.name) {
            Some(d) => retain(mask, |e| {
                d.get(e, view.source.text(e), &f.name)
                    .is_some_and(|v| f.test.test(&v))
            }),
            None => eval_field(f, view, mask),
        },
        Plan::Has { name, .. } if view.derived_for(name).is_some() => {
            let d = view.derived_for(name).expect("claimed just above");
            retain(mask, |e| d.get(e, view.source.text(e), name).is_some())
        }
        Plan::Has { name, name_hint } => {
            let (hits, mask) = column_pass(name, view, mask, &|_| true);
            if mask.is_empty() {
                return hits;
            }
            let mask = match name_hint {
                Some(hint) if view.reader.name_in_text(name) => eval_regex(hint, view.source, mask),
                _ => mask,
            };
            let mut out = retain(mask, |e| {
                view.reader.get(view.source.text(e), name).is_some()
            });
            out.or_with(&hits);
            out
        }
    }
}

/// Decides what the field columns of `view`'s index can (see [`super::columns`]): returns the
/// events of `mask` whose value of field `name` passes `test` among those decided, and the events
/// left undecided (no index, or chunks not built and with too few candidates to be worth building,
/// or a field too varied to cache), which the caller reads from the text.
fn column_pass(
    name: &str,
    view: &SourceView<'_>,
    mut mask: EventSet,
    test: &dyn Fn(&str) -> bool,
) -> (EventSet, EventSet) {
    let mut hits = EventSet::empty(mask.range());
    let Some(index) = view.index else {
        return (hits, mask);
    };
    let columns = index.columns();
    let column = columns.column(name);
    let range = mask.range();
    for (k, events) in columns.chunks_over(range.clone()) {
        let lo = events.start.max(range.start);
        let hi = events.end.min(range.end);
        let candidates = mask.count_in(lo..hi);
        if candidates == 0 {
            continue;
        }
        let dense = candidates * SPARSE_RATIO >= hi - lo;
        let built = columns.chunk_using(&column, k, view.source, &view.reader, index, dense);
        let Some(chunk) = built else {
            continue;
        };
        let passing = chunk.passing(test);
        let mut next = mask.next_from(lo);
        while let Some(e) = next.filter(|e| *e < hi) {
            if passing[chunk.code(e - events.start)] {
                hits.insert(e);
            }
            mask.remove(e);
            next = mask.next_from(e + 1);
        }
    }
    (hits, mask)
}

/// Keeps the members for which `keep` holds.
fn retain(mut mask: EventSet, mut keep: impl FnMut(usize) -> bool) -> EventSet {
    let start = mask.start;
    for (w, word) in mask.words.iter_mut().enumerate() {
        let mut bits = *word;
        while bits != 0 {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            if !keep(start + w * 64 + b as usize) {
                *word &= !(1u64 << b);
            }
        }
    }
    mask
}

fn eval_time(source: &SourceData, from: i64, to: i64, mask: EventSet) -> EventSet {
    let ts = source.ts_column();
    let range = mask.range();
    // An untimed event takes the time of the nearest timed event before it (as the timeline sorts it).
    let mut last = ts[..range.start]
        .iter()
        .rev()
        .copied()
        .find(|t| *t != NO_TIME)
        .or_else(|| ts.iter().copied().find(|t| *t != NO_TIME))
        .unwrap_or(NO_TIME);
    let mut out = EventSet::empty(range.clone());
    for e in range {
        let t = ts[e];
        if t != NO_TIME {
            last = t;
        }
        if last != NO_TIME && last >= from && last < to && mask.contains(e) {
            out.insert(e);
        }
    }
    out
}

/// Whether text leaves search their needles (see [`super::literals`]) before running the regex.
/// Where the regex crate has its own multi-literal prefilter (Teddy, on x86_64 and aarch64) that is
/// faster (natively, on the 1 GB set: `/timed out|refused/` 196 ms alone, 349 ms with needles;
/// `/exception|failed/i` 88 and 238 ms), so the needles serve the other targets, wasm above all,
/// and the tests, which check them on every target.
const SEARCH_NEEDLES: bool = cfg!(any(
    test,
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
));

/// Events among `mask` whose text the regex matches. With needles (see [`SEARCH_NEEDLES`]), the
/// regex runs only on the events holding one of them: every event the regex matches does; and not
/// at all when the needles are the whole regex and the one found lies inside the event.
fn eval_text(m: &TextMatcher, source: &SourceData, mask: EventSet) -> EventSet {
    let Some(needles) = m.needles.as_ref().filter(|_| SEARCH_NEEDLES) else {
        return eval_regex(&m.regex, source, mask);
    };
    let re = &m.regex;
    let exact = needles.is_exact();
    let candidates = mask.count();
    if candidates * SPARSE_RATIO < mask.len {
        return retain(mask, |e| {
            let text = source.text(e);
            needles.any_in(text) && (exact || re.is_match(text))
        });
    }
    let lens = source.len_column();
    let mut search = needles.searcher();
    scan_blocks_with(
        |hay, at| search.find(hay, at),
        source,
        mask,
        |e, found| (exact && found.end <= lens[e] as usize) || re.is_match(source.text(e)),
    )
}

fn eval_regex(re: &regex::bytes::Regex, source: &SourceData, mask: EventSet) -> EventSet {
    let candidates = mask.count();
    if candidates * SPARSE_RATIO < mask.len {
        return retain(mask, |e| re.is_match(source.text(e)));
    }
    scan_blocks(re, source, mask)
}

/// Runs the regex over whole blocks (as a grep does), mapping each match to its event and going on
/// from the next candidate event. Exact: a match that crosses an event's end is re-checked on the event
/// alone, and every candidate event is reached by some search position at or before its start.
fn scan_blocks(re: &regex::bytes::Regex, source: &SourceData, mask: EventSet) -> EventSet {
    let find = |hay: &[u8], at: usize| re.find_at(hay, at).map(|m| m.range());
    scan_blocks_with(find, source, mask, |e, m| {
        m.end <= source.len_column()[e] as usize || re.is_match(source.text(e))
    })
}

/// Runs `find` (the first match at or after an offset of a block) over whole blocks; for the first
/// match in each candidate event, `judge(event, match)`
/// (the match's range relative to the event's start; it may run past the event's end) says whether
/// the event is in the result.
fn scan_blocks_with(
    mut find: impl FnMut(&[u8], usize) -> Option<Range<usize>>,
    source: &SourceData,
    mask: EventSet,
    mut judge: impl FnMut(usize, Range<usize>) -> bool,
) -> EventSet {
    let starts = source.start_column();
    let lens = source.len_column();
    let blocks = source.blocks();
    let range = mask.range();
    let mut out = EventSet::empty(range.clone());
    let mut next = mask.next_from(range.start);
    while let Some(first) = next {
        let b = source.block_of(first);
        let block = &blocks[b];
        let block_end_event = blocks
            .get(b + 1)
            .map_or(source.len(), |n| n.first_event as usize)
            .min(range.end);
        let bytes = &block.bytes[..];
        let first_in_block = block.first_event as usize;
        let mut cand = Some(first);
        while let Some(e) = cand.filter(|e| *e < block_end_event) {
            // Search only up to the end of this stretch of candidates: the index may have ruled out
            // long runs of events in between, whose text need not be searched.
            let stretch_end = stretch_end(&mask, e, block_end_event);
            let last = stretch_end - 1;
            let hay_end = (starts[last] as usize + lens[last] as usize).min(bytes.len());
            let Some(m) = find(&bytes[..hay_end], starts[e] as usize) else {
                cand = mask.next_from(stretch_end);
                continue;
            };
            // The event holding the match start: the last event of this block starting at or before it.
            let rel =
                starts[first_in_block..block_end_event].partition_point(|s| *s as usize <= m.start);
            let hit = (first_in_block + rel).saturating_sub(1).max(e);
            let hit_start = starts[hit] as usize;
            let hit_end = hit_start + lens[hit] as usize;
            if m.start <= hit_end
                && mask.contains(hit)
                && judge(hit, m.start - hit_start..m.end - hit_start)
            {
                out.insert(hit);
            }
            cand = mask.next_from(hit + 1);
        }
        next = match cand {
            Some(c) => Some(c),
            None => mask.next_from(block_end_event),
        };
    }
    out
}

/// Gaps between candidates shorter than this are searched through rather than skipped (one long
/// search costs less than many short ones).
const MIN_SKIPPED_GAP: usize = 128;

/// The end of the stretch of candidates of `mask` from `from` (a member) up to the first gap of at
/// least [`MIN_SKIPPED_GAP`] events, at most `limit`.
fn stretch_end(mask: &EventSet, from: usize, limit: usize) -> usize {
    let mut at = from;
    loop {
        let Some(gap) = mask.next_absent_from(at).filter(|g| *g < limit) else {
            return limit;
        };
        match mask.next_from(gap) {
            Some(next) if next - gap < MIN_SKIPPED_GAP && next < limit => at = next,
            _ => return gap,
        }
    }
}

fn eval_field(f: &FieldTest, view: &SourceView<'_>, mask: EventSet) -> EventSet {
    let mut mask = mask;
    // A value written in every matching event (`status:502`) rules most events out before any field
    // is read: the token index, then a text search. Once the field's columns are built, reading
    // them is cheaper than that search.
    let columns_ready = view
        .index
        .is_some_and(|i| i.columns().ready(&f.name, mask.range()));
    let hinted = !columns_ready && f.value_hint.is_some();
    if let (true, Some(hint)) = (hinted, &f.value_hint) {
        if let (Some(index), false) = (view.index, f.value_tokens.is_empty()) {
            mask = index.candidates(&f.value_tokens, mask);
        }
        mask = eval_regex(hint, view.source, mask);
    }
    let (hits, mask) = column_pass(&f.name, view, mask, &|v| f.test.test(v));
    if mask.is_empty() {
        return hits;
    }
    let mut out = eval_field_in_text(f, view, mask, hinted);
    out.or_with(&hits);
    out
}

/// [`eval_field`] reading the values from the text (`hinted`: the value hint was applied already).
fn eval_field_in_text(
    f: &FieldTest,
    view: &SourceView<'_>,
    mask: EventSet,
    hinted: bool,
) -> EventSet {
    let mut mask = mask;
    if let (false, Some(hint)) = (hinted, &f.value_hint) {
        mask = eval_regex(hint, view.source, mask);
    }
    let json_key = f.json_key.as_ref().filter(|_| view.reader.is_json());
    if view.reader.name_in_text(&f.name) && json_key.is_none() {
        if let Some(hint) = &f.name_hint {
            mask = eval_regex(hint, view.source, mask);
        }
    }
    let full = |e: usize| {
        view.reader
            .get(view.source.text(e), &f.name)
            .is_some_and(|v| f.test.test(&v))
    };
    match json_key {
        // Dense JSON candidates: find `"name":` (or `name=`) in whole blocks and read the value
        // right there; see `json_value_at_key`.
        Some(key) if mask.count() * SPARSE_RATIO >= mask.len => {
            let find = |hay: &[u8], at: usize| key.find_at(hay, at).map(|m| m.range());
            scan_blocks_with(find, view.source, mask, |e, m| {
                json_value_at_key(view.source.text(e), m)
                    .map_or_else(|| full(e), |v| f.test.test(&v))
            })
        }
        _ => retain(mask, full),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_key_shortcut_agrees_with_a_full_parse() {
        use crate::engine::fields::{json_value_at_key, FieldReader};
        use crate::engine::formats::FormatName;
        let key = regex::bytes::Regex::new(r#"(?-u)"lat""#).unwrap();
        let reader = FieldReader::for_format(FormatName::JsonLines);
        for line in [
            r#"{"a":1, "lat" : 12.5}"#,
            r#"{"msg":"say \"lat\": 9","lat":"7"}"#,
            r#"{"LAT":3,"lat":4}"#,
            r#"{"x":"a\\","lat":5}"#,
        ] {
            let full = reader.get(line.as_bytes(), "lat").map(|v| v.into_owned());
            let m = key.find(line.as_bytes()).unwrap();
            let fast = json_value_at_key(line.as_bytes(), m.range());
            assert_eq!(fast.as_deref(), full.as_deref(), "{line}");
        }
        let nested = br#"{"n":{"lat":1}}"#;
        let m = key.find(nested).unwrap();
        assert_eq!(json_value_at_key(nested, m.range()), None);
    }

    #[test]
    fn sets_iterate_and_combine() {
        let mut a = EventSet::empty(10..200);
        for e in [10, 11, 73, 74, 199] {
            a.insert(e);
        }
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![10, 11, 73, 74, 199]);
        assert_eq!(a.next_from(12), Some(73));
        assert_eq!(a.next_from(200), None);
        let full = EventSet::full(10..200);
        assert_eq!(full.count(), 190);
        let mut b = full.clone();
        b.remove_all(&a);
        assert_eq!(b.count(), 185);
        assert!(!b.contains(73) && b.contains(72));
        let mut c = EventSet::full(0..64);
        c.append(EventSet::full(64..70));
        assert_eq!(c.count(), 70);
        for (lo, hi) in [
            (0, 300),
            (10, 11),
            (11, 73),
            (12, 74),
            (73, 75),
            (74, 199),
            (199, 200),
        ] {
            let want = a.iter().filter(|e| (lo..hi).contains(e)).count();
            assert_eq!(a.count_in(lo..hi), want, "{lo}..{hi}");
            for set in [&a, &full] {
                let mut cut = set.clone();
                cut.remove_range(lo..hi);
                let want: Vec<usize> = set.iter().filter(|e| !(lo..hi).contains(e)).collect();
                assert_eq!(cut.iter().collect::<Vec<_>>(), want, "remove {lo}..{hi}");
            }
        }
        assert_eq!(a.next_absent_from(10), Some(12));
        assert_eq!(a.next_absent_from(73), Some(75));
        assert_eq!(a.next_absent_from(199), None);
        assert_eq!(full.next_absent_from(10), None);
        assert_eq!(
            stretch_end(&a, 10, 200),
            200,
            "gaps under 128 events are searched through"
        );
        let mut far = EventSet::empty(0..400);
        for e in [0, 1, 300] {
            far.insert(e);
        }
        assert_eq!(
            stretch_end(&far, 0, 400),
            2,
            "a gap of 298 events is skipped"
        );
        assert_eq!(stretch_end(&far, 300, 400), 301);
        let mut dense = full.clone();
        dense.remove(50);
        assert_eq!(
            stretch_end(&dense, 10, 200),
            200,
            "a gap of one event is searched through"
        );
        assert_eq!(stretch_end(&dense, 10, 40), 40);
        let mut d = a.clone();
        d.remove(73);
        d.remove(5);
        assert_eq!(d.iter().collect::<Vec<_>>(), vec![10, 11, 74, 199]);
    }
}

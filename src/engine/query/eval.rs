//! Evaluating a [`Plan`] over one source's events, as bitsets.
//!
//! Evaluation works on a range of one source's events (a shard's share), with a bitset of candidates:
//! every node only looks at events still in the running. AND narrows the candidates child by child
//! (cheapest first: columns before text, text before field extraction); OR tries each child on the events
//! no earlier child matched; NOT subtracts. Text leaves either scan whole blocks with the regex (when
//! many candidates remain, as ripgrep does) or test candidate events one by one (when few remain).

use std::ops::Range;

use super::plan::{FieldTest, Plan, TextMatcher};
use crate::engine::fields::FieldReader;
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

/// One source as evaluation sees it.
pub struct SourceView<'a> {
    pub source: &'a SourceData,
    pub reader: FieldReader,
    pub index: Option<&'a SourceIndex>,
}

impl<'a> SourceView<'a> {
    pub fn new(source: &'a SourceData, index: Option<&'a SourceIndex>) -> Self {
        SourceView {
            source,
            reader: FieldReader::for_source(source),
            index,
        }
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
                Some(index) => index.candidates(&m.required_tokens, mask),
                None => mask,
            };
            eval_text(m, view.source, mask)
        }
        Plan::Field(f) => eval_field(f, view, mask),
        Plan::Has { name, name_hint } => {
            let mask = match name_hint {
                Some(hint) if view.reader.names_in_text() => eval_regex(hint, view.source, mask),
                _ => mask,
            };
            retain(mask, |e| {
                view.reader.get(view.source.text(e), name).is_some()
            })
        }
    }
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

/// Events among `mask` whose text the regex matches.
fn eval_text(m: &TextMatcher, source: &SourceData, mask: EventSet) -> EventSet {
    eval_regex(&m.regex, source, mask)
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
        let mut cand = Some(first);
        while let Some(e) = cand.filter(|e| *e < block_end_event) {
            let Some(m) = re.find_at(bytes, starts[e] as usize) else {
                cand = None;
                break;
            };
            // The event holding the match start: the last event of this block starting at or before it.
            let first_in_block = block.first_event as usize;
            let rel = starts[first_in_block..block_end_event]
                .partition_point(|s| *s as usize <= m.start());
            if rel == 0 {
                cand = mask.next_from(e + 1);
                continue;
            }
            let hit = first_in_block + rel - 1;
            let hit_end = (starts[hit] + lens[hit]) as usize;
            if m.start() <= hit_end && mask.contains(hit) {
                let inside = m.end() <= hit_end;
                if inside || re.is_match(source.text(hit)) {
                    out.insert(hit);
                }
            }
            cand = mask.next_from(hit.max(e) + 1);
        }
        next = match cand {
            Some(c) => Some(c),
            None => mask.next_from(block_end_event),
        };
    }
    out
}

fn eval_field(f: &FieldTest, view: &SourceView<'_>, mask: EventSet) -> EventSet {
    let mut mask = mask;
    if let Some(hint) = &f.value_hint {
        mask = eval_regex(hint, view.source, mask);
    }
    if view.reader.names_in_text() {
        if let Some(hint) = &f.name_hint {
            mask = eval_regex(hint, view.source, mask);
        }
    }
    retain(mask, |e| {
        view.reader
            .get(view.source.text(e), &f.name)
            .is_some_and(|v| f.test.test(&v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}

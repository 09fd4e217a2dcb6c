//! Message patterns: grouping events into templates such as `Invalid user <*> from <IP>`.
//!
//! Owns the whole path from an event's raw text to its template: [`message`] cuts the header off
//! (time, level, pid, host, `component:`) so that any format can be mined as dropped, [`mask`] splits
//! the message into words and masks the parts that are clearly variable, and [`cluster`] decides from
//! the data which remaining positions vary.
//!
//! Mining is streaming: [`PatternMiner::add`] is called once per event in load order and costs one
//! masking pass and one hash lookup; it records the event's *signature* (its distinct masked message)
//! as a `u32`. Signatures are few next to events, so grouping them into templates
//! ([`PatternMiner::snapshot`], [`PatternMiner::finish`]) is cheap and can run whenever a view is
//! wanted; at the end of a load [`PatternMiner::finish`] turns the per-event signature column into the
//! per-event template column in place.
//!
//! # Template text
//! Words are joined by single spaces. Variable parts are typed placeholders:
//! `<NUM>` number, `<HEX>` hex value or hex id, `<IP>` IPv4/IPv6 address (with port), `<UUID>`,
//! `<TIME>` date or time of day, `<DURATION>` number with a time unit (`150ms`), `<SIZE>` number with a
//! size unit (`10KB`), `<PATH>` file path, `<URL>`, `<EMAIL>`, `<ID>` other token with digits
//! (`blk_-1608`), and `<*>` a part that varies in other ways (a user name) or holds values of several
//! kinds.

pub mod backlog;
pub mod cluster;
pub mod fields;
pub mod lines;
pub mod mask;
mod memo;
pub mod message;
pub mod overview;

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use self::cluster::{SigRef, TemplateWord};
use self::mask::{Masked, VarKind, WordMemo, VAR};
use self::memo::MessageMemo;
use self::message::Cut;
use super::level::Level;
use super::store::{SourceData, NO_TIME};

/// Buckets in the sparkline of each template.
pub const SPARKLINE_BUCKETS: usize = 48;

/// One distinct masked message seen while mining.
#[derive(Debug, Clone)]
struct Signature {
    key: Box<[u8]>,
    count: u64,
    /// Bit `l` set when an event of level `l` carried it.
    levels: u8,
    /// Kinds seen at each masked part (bit per [`VarKind`]).
    kinds: Vec<u16>,
}

/// Mines the templates of one source as its events arrive. See the module docs.
#[derive(Debug)]
pub struct PatternMiner {
    scratch: Masked,
    /// Masked forms of recently seen words: a message never seen whole still repeats most words.
    words: WordMemo,
    /// Signatures of recently mined messages: a message seen again skips masking.
    memo: MessageMemo,
    /// Signatures of recently mined JSON message fields (before their header is cut).
    field_memo: MessageMemo,
    /// Signature id by the hash of its key (the key itself is kept once, in `sigs`).
    index: FxHashMap<u64, u32>,
    /// Signatures whose key hash is already taken by another key.
    collisions: FxHashMap<Box<[u8]>, u32>,
    sigs: Vec<Signature>,
    event_sig: Vec<u32>,
    /// Generalised templates by word count (see [`PatternMiner::compact`]).
    generalized: FxHashMap<usize, Vec<Generalized>>,
    /// Signature count at which the table is next compacted.
    next_compaction: usize,
}

/// Signatures held before the first compaction: far above what a file of distinct messages needs,
/// reached only when a variable part that looks like a plain word (a user or file name) takes
/// thousands of values.
const FIRST_COMPACTION: usize = 20_000;

/// A template whose variable words accept any value: new messages that fit it join its signature
/// instead of adding one of their own.
#[derive(Debug, Clone)]
struct Generalized {
    words: Vec<TemplateWord>,
    sig: u32,
}

impl Generalized {
    fn matches(&self, key: &[u8]) -> bool {
        key.split(|c| *c == b' ')
            .zip(&self.words)
            .all(|(w, t)| match t {
                TemplateWord::Const(c) => w == &c[..],
                TemplateWord::Wild { prefix, suffix } => {
                    w.len() >= prefix.len() + suffix.len()
                        && w.starts_with(prefix)
                        && w.ends_with(suffix)
                }
                TemplateWord::Gap => true,
            })
    }
}

fn key_hash(key: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(key);
    h.finish()
}

/// A template of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Dense id within the source, in order of first appearance.
    pub id: u32,
    /// The template text (placeholders as in the module docs).
    pub text: String,
    /// Events of this template.
    pub count: u64,
    /// Levels its events had, least severe first.
    pub levels: Vec<Level>,
    /// Event counts over [`SPARKLINE_BUCKETS`] equal slices of the source's time range.
    pub sparkline: Vec<u32>,
}

/// The templates of one source and the template of each event.
#[derive(Debug, Clone, Default)]
pub struct SourcePatterns {
    pub templates: Vec<Template>,
    /// Template id of each event (index = event id in the source).
    pub event_template: Vec<u32>,
    /// Words of each template, for reading placeholder values back out of events.
    words: Vec<Vec<TemplateWord>>,
}

impl Default for PatternMiner {
    fn default() -> Self {
        Self::new()
    }
}

impl PatternMiner {
    pub fn new() -> Self {
        PatternMiner {
            scratch: Masked::default(),
            words: WordMemo::new(),
            memo: MessageMemo::new(),
            field_memo: MessageMemo::new(),
            index: FxHashMap::default(),
            collisions: FxHashMap::default(),
            sigs: Vec::new(),
            event_sig: Vec::new(),
            generalized: FxHashMap::default(),
            next_compaction: FIRST_COMPACTION,
        }
    }

    /// Events mined so far.
    pub fn events(&self) -> usize {
        self.event_sig.len()
    }

    /// Distinct masked messages so far.
    pub fn signatures(&self) -> usize {
        self.sigs.len()
    }

    /// Mines the next event (its raw text as stored, header included); returns its signature id.
    pub fn add(&mut self, text: &[u8], level: Level) -> u32 {
        let id = match message::cut(text) {
            Cut::Field(field) => {
                let hash = self.field_memo.active().then(|| key_hash(&field));
                match hash.and_then(|h| self.field_memo.get(h, &field)) {
                    // The same message field again: the same message, so the same signature.
                    Some(id) => id,
                    None => {
                        let id = self.signature_of_message(message::strip_header(&field));
                        if let Some(h) = hash {
                            self.field_memo.put(h, &field, id);
                        }
                        id
                    }
                }
            }
            Cut::Message(msg) => self.signature_of_message(msg),
        };
        let sig = &mut self.sigs[id as usize];
        sig.count += 1;
        sig.levels |= 1 << (level as u8);
        self.event_sig.push(id);
        id
    }

    /// The signature of a message (an event's text without its header), recording the kinds of
    /// its masked parts.
    fn signature_of_message(&mut self, msg: &[u8]) -> u32 {
        let hash = self.memo.active().then(|| key_hash(msg));
        if let Some(id) = hash.and_then(|h| self.memo.get(h, msg)) {
            // The same message again: same signature, and its kinds are already recorded.
            return id;
        }
        mask::mask_memo(msg, &mut self.scratch, &mut self.words);
        let id = self.signature_of_scratch();
        let sig = &mut self.sigs[id as usize];
        if sig.kinds.len() == self.scratch.kinds.len() {
            for (bits, kind) in sig.kinds.iter_mut().zip(&self.scratch.kinds) {
                *bits |= kind;
            }
        }
        if let Some(h) = hash {
            self.memo.put(h, msg, id);
        }
        id
    }

    /// The signature of the key in `scratch`: found, fitted to a generalised template, or new.
    fn signature_of_scratch(&mut self) -> u32 {
        let key = &self.scratch.key[..];
        let hash = key_hash(key);
        let taken = match self.index.get(&hash) {
            Some(&id) if &self.sigs[id as usize].key[..] == key => return id,
            Some(_) => match self.collisions.get(key) {
                Some(&id) => return id,
                None => true,
            },
            None => false,
        };
        if !self.generalized.is_empty() {
            let words = key.iter().filter(|c| **c == b' ').count() + usize::from(!key.is_empty());
            if let Some(g) = self
                .generalized
                .get(&words)
                .and_then(|list| list.iter().find(|g| g.matches(key)))
            {
                return g.sig;
            }
        }
        let id = self.push_signature(
            self.scratch.key.clone(),
            self.scratch.kinds.len(),
            hash,
            taken,
        );
        if self.sigs.len() >= self.next_compaction {
            self.compact();
        }
        id
    }

    fn push_signature(&mut self, key: Vec<u8>, vars: usize, hash: u64, taken: bool) -> u32 {
        let id = self.sigs.len() as u32;
        if taken {
            self.collisions.insert(key.clone().into_boxed_slice(), id);
        } else {
            self.index.insert(hash, id);
        }
        self.sigs.push(Signature {
            key: key.into_boxed_slice(),
            count: 0,
            levels: 0,
            kinds: vec![0; vars],
        });
        id
    }

    /// Bounds the signature table when a variable part takes very many values: the current
    /// templates whose variable words are plain words become generalised templates, and later
    /// messages that fit one share its signature. Grouping stays the same (the generalised signature
    /// joins its template's group); memory stops growing with the number of distinct values.
    fn compact(&mut self) {
        let grouping = self.grouping();
        for words in &grouping.groups {
            let wild = words.iter().any(|w| matches!(w, TemplateWord::Wild { .. }));
            let gap = words.iter().any(|w| matches!(w, TemplateWord::Gap));
            if !wild || gap {
                continue;
            }
            let mut key = Vec::new();
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    key.push(b' ');
                }
                match w {
                    TemplateWord::Const(c) => key.extend_from_slice(c),
                    TemplateWord::Wild { prefix, suffix } => {
                        key.extend_from_slice(prefix);
                        key.push(VAR);
                        key.extend_from_slice(suffix);
                    }
                    TemplateWord::Gap => {}
                }
            }
            let hash = key_hash(&key);
            let known = match self.index.get(&hash) {
                Some(&id) if self.sigs[id as usize].key[..] == key[..] => Some(id),
                Some(_) => self.collisions.get(&key[..]).copied(),
                None => None,
            };
            if known.is_some() {
                continue;
            }
            let taken = self.index.contains_key(&hash);
            let vars = key.iter().filter(|b| **b == VAR).count();
            let sig = self.push_signature(key, vars, hash, taken);
            self.generalized
                .entry(words.len())
                .or_default()
                .push(Generalized {
                    words: words.clone(),
                    sig,
                });
        }
        self.next_compaction = self.sigs.len() + FIRST_COMPACTION.max(self.sigs.len() / 2);
    }

    /// Mines every event of a loaded source, in order.
    pub fn add_source(&mut self, source: &SourceData) {
        self.event_sig.reserve(source.len());
        for e in 0..source.len() {
            self.add(source.text(e), source.level(e));
        }
    }

    fn grouping(&self) -> cluster::Grouping {
        let refs: Vec<SigRef<'_>> = self
            .sigs
            .iter()
            .map(|s| SigRef {
                key: &s.key,
                count: s.count,
            })
            .collect();
        cluster::group(&refs)
    }

    /// The templates as of now (without sparklines), most frequent first.
    pub fn snapshot(&self) -> Vec<Template> {
        let mut t = self.snapshot_mapping().0;
        t.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
        t
    }

    /// The templates as of now, in id order, and the template id of every signature: with
    /// [`PatternMiner::event_signatures`] this gives any event's template while the load goes on.
    pub fn snapshot_mapping(&self) -> (Vec<Template>, Vec<u32>) {
        let grouping = self.grouping();
        let templates = self.templates(&grouping);
        (templates, grouping.group_of)
    }

    /// The signature id of every event mined so far (index = event id).
    pub fn event_signatures(&self) -> &[u32] {
        &self.event_sig
    }

    fn templates(&self, grouping: &cluster::Grouping) -> Vec<Template> {
        let n = grouping.groups.len();
        let mut count = vec![0u64; n];
        let mut levels = vec![0u8; n];
        // Kinds seen at each masked part of each constant word: [group][word][part].
        let mut kinds: Vec<Vec<Vec<u16>>> = grouping
            .groups
            .iter()
            .map(|words| {
                words
                    .iter()
                    .map(|w| match w {
                        TemplateWord::Const(c) => vec![0; c.iter().filter(|b| **b == VAR).count()],
                        TemplateWord::Wild { .. } | TemplateWord::Gap => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        for (s, sig) in self.sigs.iter().enumerate() {
            let g = grouping.group_of[s] as usize;
            count[g] += sig.count;
            levels[g] |= sig.levels;
            let mut flat = 0;
            for (p, word) in sig.key.split(|c| *c == b' ').enumerate() {
                let vars = word.iter().filter(|b| **b == VAR).count();
                if let Some(slots) = kinds[g].get_mut(p) {
                    for (slot, bits) in slots.iter_mut().zip(&sig.kinds[flat..flat + vars]) {
                        *slot |= bits;
                    }
                }
                flat += vars;
            }
        }
        grouping
            .groups
            .iter()
            .enumerate()
            .map(|(g, words)| Template {
                id: g as u32,
                text: template_text(words, &kinds[g]),
                count: count[g],
                levels: Level::ALL
                    .iter()
                    .copied()
                    .filter(|l| levels[g] & (1 << (*l as u8)) != 0)
                    .collect(),
                sparkline: Vec::new(),
            })
            .collect()
    }

    /// Groups all signatures, maps every event to its template and computes the sparklines from the
    /// source's time column (`ts[e]` is event `e`'s time, `NO_TIME` when it has none).
    pub fn finish(self, ts: &[i64]) -> SourcePatterns {
        let grouping = self.grouping();
        let mut templates = self.templates(&grouping);
        let mut event_template = self.event_sig;
        for t in event_template.iter_mut() {
            *t = grouping.group_of[*t as usize];
        }
        let spark = sparklines(&event_template, ts, templates.len(), SPARKLINE_BUCKETS);
        for (t, s) in templates.iter_mut().zip(spark) {
            t.sparkline = s;
        }
        SourcePatterns {
            templates,
            event_template,
            words: grouping.groups,
        }
    }
}

/// Mines a whole loaded source.
pub fn mine_source(source: &SourceData) -> SourcePatterns {
    let mut miner = PatternMiner::new();
    miner.add_source(source);
    miner.finish(source.ts_column())
}

/// Counts of each template's events over `buckets` equal slices of the time range of `ts`.
pub fn sparklines(
    event_template: &[u32],
    ts: &[i64],
    templates: usize,
    buckets: usize,
) -> Vec<Vec<u32>> {
    let times = ts.iter().copied().filter(|t| *t != NO_TIME);
    match (times.clone().min(), times.max()) {
        (Some(lo), Some(hi)) => sparklines_in(event_template, ts, templates, (lo, hi), buckets),
        _ => vec![vec![0; buckets]; templates],
    }
}

/// Counts of each template's events over `buckets` equal slices of `lo..=hi` (a range shared by
/// several sources, for the overall view); events outside the range are not counted.
pub fn sparklines_in(
    event_template: &[u32],
    ts: &[i64],
    templates: usize,
    (lo, hi): (i64, i64),
    buckets: usize,
) -> Vec<Vec<u32>> {
    let mut out = vec![vec![0u32; buckets]; templates];
    if buckets == 0 || hi < lo {
        return out;
    }
    let span = (hi - lo) as i128 + 1;
    // In 64 bits when the products fit (no 128-bit division per event).
    let narrow = u64::try_from(span)
        .ok()
        .filter(|s| s.checked_mul(buckets as u64).is_some());
    for (&t, &tpl) in ts.iter().zip(event_template) {
        if t == NO_TIME || t < lo || t > hi {
            continue;
        }
        let b = match narrow {
            Some(span) => (t.abs_diff(lo) * buckets as u64 / span) as usize,
            None => ((t - lo) as i128 * buckets as i128 / span) as usize,
        };
        if let Some(row) = out.get_mut(tpl as usize) {
            row[b.min(buckets - 1)] += 1;
        }
    }
    out
}

/// Renders template words as text with typed placeholders; `kinds[word][part]` are the kind bits
/// seen at each masked part of each constant word.
fn template_text(words: &[TemplateWord], kinds: &[Vec<u16>]) -> String {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        match w {
            TemplateWord::Const(w) => {
                let mut part = 0;
                for &b in w {
                    if b == VAR {
                        let bits = kinds.get(i).and_then(|k| k.get(part)).copied().unwrap_or(0);
                        part += 1;
                        let kind = VarKind::single(bits);
                        out.extend_from_slice(kind.map_or("<*>", VarKind::placeholder).as_bytes());
                    } else {
                        out.push(b);
                    }
                }
            }
            TemplateWord::Wild { prefix, suffix } => {
                for part in [&prefix[..], b"\x01", &suffix[..]] {
                    for &b in part {
                        if b == VAR {
                            out.extend_from_slice(b"<*>");
                        } else {
                            out.push(b);
                        }
                    }
                }
            }
            TemplateWord::Gap => out.extend_from_slice(b"<*>"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SourcePatterns {
    /// The events of one template, in order (to filter the view to it).
    pub fn events_of(&self, template: u32) -> impl Iterator<Item = usize> + '_ {
        self.event_template
            .iter()
            .enumerate()
            .filter(move |(_, t)| **t == template)
            .map(|(e, _)| e)
    }

    /// The values of an event at its template's variable words, in order (for facets): the text of
    /// each word (or run of words) of the message where the template has a placeholder.
    pub fn values<'a>(&self, event: usize, text: &'a [u8]) -> Vec<Cow<'a, str>> {
        let Some(&tpl) = self.event_template.get(event) else {
            return Vec::new();
        };
        let Some(words) = self.words.get(tpl as usize) else {
            return Vec::new();
        };
        let msg = message::message_of(text);
        let mut masked = Masked::default();
        mask::mask(&msg, &mut masked);
        let keys: Vec<&[u8]> = masked.key.split(|c| *c == b' ').collect();
        let value = |from: usize, to: usize| -> Cow<'a, str> {
            let (s, e) = (masked.spans[from].0 as usize, masked.spans[to].1 as usize);
            let bytes = msg.get(s..e).unwrap_or_default();
            match &msg {
                Cow::Borrowed(b) => String::from_utf8_lossy(&b[s..e]),
                Cow::Owned(_) => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
            }
        };
        let mut out = Vec::new();
        let mut at = 0;
        for (i, tw) in words.iter().enumerate() {
            if at >= keys.len() {
                break;
            }
            match tw {
                TemplateWord::Const(c) => {
                    if c.contains(&VAR) {
                        out.push(value(at, at));
                    }
                    at += 1;
                }
                TemplateWord::Wild { .. } => {
                    out.push(value(at, at));
                    at += 1;
                }
                TemplateWord::Gap => {
                    // Up to the next constant word of the template (or the end).
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
                    out.push(value(at, end));
                    at = end + 1;
                }
            }
        }
        out
    }
}

/// A template across all sources: the same text in several sources is one overall template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverallTemplate {
    pub text: String,
    pub count: u64,
    pub levels: Vec<Level>,
    /// `(source index, template id in that source)` for every source that has it.
    pub sources: Vec<(usize, u32)>,
}

/// Merges per-source templates with the same text; most frequent first.
pub fn overall(sources: &[&SourcePatterns]) -> Vec<OverallTemplate> {
    let mut by_text: FxHashMap<&str, usize> = FxHashMap::default();
    let mut out: Vec<OverallTemplate> = Vec::new();
    for (s, patterns) in sources.iter().enumerate() {
        for t in &patterns.templates {
            let i = *by_text.entry(t.text.as_str()).or_insert_with(|| {
                out.push(OverallTemplate {
                    text: t.text.clone(),
                    count: 0,
                    levels: Vec::new(),
                    sources: Vec::new(),
                });
                out.len() - 1
            });
            let o = &mut out[i];
            o.count += t.count;
            for l in &t.levels {
                if !o.levels.contains(l) {
                    o.levels.push(*l);
                }
            }
            o.levels.sort();
            o.sources.push((s, t.id));
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn events_map_to_typed_templates_and_streaming_matches_batch() {
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} INFO [main] c.a.Pool: pool stats active={} idle={}\n",
                i % 60,
                i,
                i * 2
            ));
            if i % 4 == 0 {
                text.push_str(&format!(
                    "2026-07-03 09:00:{:02} ERROR [main] c.a.Http: request to 10.0.0.{} failed after {}ms\n",
                    i % 60,
                    i % 200,
                    i * 3
                ));
            }
        }
        let source = ingest_bytes("app.log", text.as_bytes(), IngestOptions::default());
        let patterns = mine_source(&source);
        let texts: Vec<&str> = patterns.templates.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "pool stats active=<NUM> idle=<NUM>",
                "request to <IP> failed after <DURATION>"
            ]
        );
        assert_eq!(patterns.templates[0].count, 200);
        assert_eq!(patterns.templates[1].levels, vec![Level::Error]);
        assert_eq!(patterns.event_template.len(), source.len());
        assert_eq!(patterns.event_template[1], 1);
        assert_eq!(patterns.templates[0].sparkline.iter().sum::<u32>(), 200);
        assert_eq!(patterns.values(1, source.text(1)), vec!["10.0.0.0", "0ms"]);

        assert_eq!(
            patterns.events_of(1).take(2).collect::<Vec<_>>(),
            vec![1, 6]
        );

        // Fed one event at a time with snapshots in between, the result is the same, and a
        // snapshot maps the events read so far to their templates.
        let mut miner = PatternMiner::new();
        for e in 0..source.len() {
            miner.add(source.text(e), source.level(e));
            if e == 10 {
                let (templates, of_sig) = miner.snapshot_mapping();
                assert_eq!(templates.len(), 2);
                let of_event: Vec<u32> = miner
                    .event_signatures()
                    .iter()
                    .map(|s| of_sig[*s as usize])
                    .collect();
                assert_eq!(of_event, patterns.event_template[..=10]);
            }
        }
        let streamed = miner.finish(source.ts_column());
        assert_eq!(streamed.templates, patterns.templates);
        assert_eq!(streamed.event_template, patterns.event_template);
    }

    /// A word without digits taking thousands of values: the signature table stops growing.
    #[test]
    fn many_valued_plain_words_do_not_grow_the_signature_table() {
        let name = |mut i: usize| {
            let mut s = String::new();
            loop {
                s.push((b'a' + (i % 26) as u8) as char);
                i /= 26;
                if i == 0 {
                    break s;
                }
            }
        };
        let mut miner = PatternMiner::new();
        miner.next_compaction = 100;
        for i in 0..5000 {
            let text = format!(
                "Jul  3 09:00:00 host sshd[1]: Invalid user {} from 10.0.0.{}",
                name(i * 7),
                i % 250
            );
            miner.add(text.as_bytes(), Level::Info);
            if i % 3 == 0 {
                miner.add(
                    b"Jul  3 09:00:00 host sshd[1]: Connection closed by 10.0.0.1 [preauth]",
                    Level::Info,
                );
            }
        }
        assert!(
            miner.signatures() < 200,
            "{} signatures",
            miner.signatures()
        );
        let patterns = miner.finish(&[]);
        let texts: Vec<(&str, u64)> = patterns
            .templates
            .iter()
            .map(|t| (t.text.as_str(), t.count))
            .collect();
        assert_eq!(
            texts,
            [
                ("Invalid user <*> from <IP>", 5000),
                ("Connection closed by <IP> [preauth]", 1667)
            ]
        );
    }

    /// Sparklines count in 64 bits when they can and in 128 bits when the time range is too wide:
    /// the buckets are the same.
    #[test]
    fn sparkline_buckets_do_not_depend_on_the_width_of_the_arithmetic() {
        let lo = 1_783_069_200_000_000_000i64;
        let ts = [lo, lo + 1, lo + 500, lo + 999, NO_TIME, lo + 1000];
        let tpl = [0, 0, 1, 1, 0, 1];
        assert_eq!(
            sparklines(&tpl, &ts, 2, 4),
            vec![vec![2, 0, 0, 0], vec![0, 1, 0, 2]]
        );
        // A range of 2^62: the products need more than 64 bits.
        let ts = [0, 1 << 61, 1 << 62];
        assert_eq!(sparklines(&[0, 0, 0], &ts, 1, 4), vec![vec![1, 1, 0, 1]]);
    }

    #[test]
    fn same_text_in_two_sources_is_one_overall_template() {
        let a = ingest_bytes(
            "a.log",
            b"2026-07-03 09:00:00 INFO started worker 1\n2026-07-03 09:00:01 INFO started worker 2\n",
            IngestOptions::default(),
        );
        let b = ingest_bytes(
            "b.log",
            b"2026-07-03 09:00:00 WARN started worker 7\n",
            IngestOptions::default(),
        );
        let (pa, pb) = (mine_source(&a), mine_source(&b));
        let all = overall(&[&pa, &pb]);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].text, "started worker <NUM>");
        assert_eq!(all[0].count, 3);
        assert_eq!(all[0].levels, vec![Level::Info, Level::Warn]);
        assert_eq!(all[0].sources, vec![(0, 0), (1, 0)]);
    }
}

//! Grouping masked messages into templates: which positions of a message are constant, which vary.
//!
//! The input is the table of distinct masked messages ("signatures") with how many events carry each.
//! It is small next to the events (a few thousand rows for millions of events), so this pass can run
//! at the end of a load and again whenever the UI wants a fresh view, without touching the events.
//!
//! The method follows Brain (Yu et al., 2023), the strongest published statistical log parser:
//! 1. Signatures with the same number of words are compared. Every (position, word) pair gets its
//!    frequency: the number of events of that length with that word at that position.
//! 2. In each message, words that belong to one template share one frequency; variable words have
//!    their own, scattered frequencies. The largest set of positions with equal frequency (ties: the
//!    higher frequency) is the message's *longest common pattern*, its root. Messages with the same
//!    root form an initial group.
//! 3. In a group, every other position is judged by its values: a position with many distinct values
//!    is a variable; one with few distinct values separates different templates that happen to share
//!    the root (`stored as bytes` / `stored as values`), so the group is split by those values.
//! 4. A group whose template would hold more than twice as many varying words as constant ones is
//!    no template: its messages stay apart.
//! 5. Groups whose resulting templates read the same, once runs of varying words count as one gap,
//!    are merged.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::mask::{is_var_word, VAR};

/// A position with at most this many distinct values (in a group) separates templates.
const MAX_CONSTANT_VALUES: usize = 3;
/// Up to this many values separate templates when each value recurs (see [`MIN_SHARE_PER_VALUE`]).
const MAX_NAME_VALUES: usize = 5;
/// Up to this many recurring values separate templates when another position varies too.
const MAX_ENUM_VALUES: usize = 8;
/// Values "recur" when there are at most this many distinct values per event of the group.
const MIN_SHARE_PER_VALUE: f64 = 0.3;

/// One distinct masked message and how many events carry it.
#[derive(Clone, Copy, Debug)]
pub struct SigRef<'a> {
    pub key: &'a [u8],
    pub count: u64,
}

/// A word of a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplateWord {
    /// The same (masked) word in every message of the template; may hold [`VAR`] parts.
    Const(Vec<u8>),
    /// A word that differs between messages: its common start, and its common end.
    Wild { prefix: Vec<u8>, suffix: Vec<u8> },
    /// One or more words that vary, in templates whose messages differ in length.
    Gap,
}

/// The result of grouping: each signature's group and each group's words.
#[derive(Clone, Debug, Default)]
pub struct Grouping {
    pub group_of: Vec<u32>,
    pub groups: Vec<Vec<TemplateWord>>,
}

fn words(key: &[u8]) -> Vec<&[u8]> {
    if key.is_empty() {
        return Vec::new();
    }
    key.split(|c| *c == b' ').collect()
}

/// Groups signatures into templates. Groups are numbered in order of their first signature.
pub fn group(sigs: &[SigRef<'_>]) -> Grouping {
    let split: Vec<Vec<&[u8]>> = sigs.iter().map(|s| words(s.key)).collect();
    let mut by_len: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (i, w) in split.iter().enumerate() {
        by_len.entry(w.len()).or_default().push(i);
    }
    let mut lens: Vec<usize> = by_len.keys().copied().collect();
    lens.sort_unstable();

    // Final groups as lists of signatures.
    let mut raw_groups: Vec<Vec<usize>> = Vec::new();
    for len in lens {
        let members = &by_len[&len];
        for g in initial_groups(sigs, &split, members, len) {
            for part in split_group(sigs, &split, g, len) {
                if part.len() > 1 && mostly_wild(&template_words(&split, &part)) {
                    // Messages that share too little to be one template stay apart.
                    raw_groups.extend(part.into_iter().map(|m| vec![m]));
                } else {
                    raw_groups.push(part);
                }
            }
        }
    }

    // Templates, merging groups that read the same once runs of variable words are seen as one gap
    // (`<NUM> bytes (<NUM> KB) sent` and `<NUM> bytes sent` are one template: a value written as
    // several words in some messages).
    let mut order: Vec<usize> = (0..raw_groups.len()).collect();
    order.sort_by_key(|&g| raw_groups[g].iter().copied().min().unwrap_or(usize::MAX));
    let mut by_skeleton: HashMap<Vec<TemplateWord>, u32> = HashMap::new();
    let mut out = Grouping {
        group_of: vec![0; sigs.len()],
        groups: Vec::new(),
    };
    for g in order {
        let members = &raw_groups[g];
        let template = template_words(&split, members);
        let skeleton = skeleton(&template);
        let keyed = skeleton.iter().any(|w| match w {
            TemplateWord::Const(c) => c.iter().any(u8::is_ascii_alphabetic),
            _ => false,
        });
        let key = if keyed {
            skeleton.clone()
        } else {
            template.clone()
        };
        let id = match by_skeleton.get(&key) {
            Some(&id) => {
                if out.groups[id as usize] != template {
                    out.groups[id as usize] = skeleton;
                }
                id
            }
            None => {
                out.groups.push(template);
                let id = (out.groups.len() - 1) as u32;
                by_skeleton.insert(key, id);
                id
            }
        };
        for &m in members {
            out.group_of[m] = id;
        }
    }
    out
}

/// Whether a template has more varying words than twice its constant words.
fn mostly_wild(words: &[TemplateWord]) -> bool {
    let wild = words
        .iter()
        .filter(|w| matches!(w, TemplateWord::Wild { .. }))
        .count();
    let constant = words
        .iter()
        .filter(|w| matches!(w, TemplateWord::Const(c) if c.iter().any(u8::is_ascii_alphabetic)))
        .count();
    wild > 2 * constant
}

/// A template's words with every run of variable words replaced by one [`TemplateWord::Gap`].
fn skeleton(words: &[TemplateWord]) -> Vec<TemplateWord> {
    let mut out: Vec<TemplateWord> = Vec::with_capacity(words.len());
    for w in words {
        let gap = match w {
            TemplateWord::Const(c) => is_pure_var(c),
            TemplateWord::Wild { prefix, suffix } => {
                !prefix.iter().chain(suffix).any(u8::is_ascii_alphanumeric)
            }
            TemplateWord::Gap => true,
        };
        if !gap {
            out.push(w.clone());
        } else if out.last() != Some(&TemplateWord::Gap) {
            out.push(TemplateWord::Gap);
        }
    }
    out
}

fn is_pure_var(w: &[u8]) -> bool {
    is_var_word(w)
}

/// Step 2: groups the signatures of one length by their longest common pattern.
fn initial_groups(
    sigs: &[SigRef<'_>],
    split: &[Vec<&[u8]>],
    members: &[usize],
    len: usize,
) -> Vec<Vec<usize>> {
    let mut freq: FxHashMap<(usize, &[u8]), u64> = FxHashMap::default();
    for &m in members {
        for (p, w) in split[m].iter().enumerate() {
            *freq.entry((p, w)).or_default() += sigs[m].count;
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: FxHashMap<Vec<(usize, &[u8])>, usize> = FxHashMap::default();
    let mut counts: Vec<(u64, usize)> = Vec::with_capacity(len);
    for &m in members {
        counts.clear();
        for (p, w) in split[m].iter().enumerate() {
            if !is_pure_var(w) {
                counts.push((freq[&(p, *w)], p));
            }
        }
        // Words found in no other message cannot be common to a template: leave them out of the
        // root, unless nothing else is left (several unmasked values would otherwise outvote the
        // template's own words).
        if counts.iter().any(|c| c.0 > sigs[m].count) {
            counts.retain(|c| c.0 > sigs[m].count);
        }
        // The frequency shared by the most positions; ties go to the higher frequency.
        counts.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
        let mut best = (0usize, 0u64);
        let mut i = 0;
        while i < counts.len() {
            let f = counts[i].0;
            let mut j = i;
            while j < counts.len() && counts[j].0 == f {
                j += 1;
            }
            if j - i > best.0 {
                best = (j - i, f);
            }
            i = j;
        }
        let mut root: Vec<(usize, &[u8])> = counts
            .iter()
            .filter(|(f, _)| *f == best.1 && best.0 > 0)
            .map(|&(_, p)| (p, split[m][p]))
            .collect();
        root.sort_unstable();
        let g = *index.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(m);
    }
    groups
}

/// Step 3: splits a group by its positions that take a few distinct values.
#[allow(clippy::needless_range_loop)] // `p` indexes every member's words, not `split`
fn split_group(
    sigs: &[SigRef<'_>],
    split: &[Vec<&[u8]>],
    members: Vec<usize>,
    len: usize,
) -> Vec<Vec<usize>> {
    if members.len() < 2 {
        return vec![members];
    }
    // Every position's distinct values (counted up to MAX_ENUM_VALUES + 1) and whether they can
    // separate templates at all.
    let total: u64 = members.iter().map(|&m| sigs[m].count).sum();
    let mut columns: Vec<(usize, usize)> = Vec::new(); // (distinct values, position)
    for p in 0..len {
        let mut values: FxHashMap<&[u8], u64> = FxHashMap::default();
        let mut has_var = false;
        // (first head, whether heads differ); `None` once a word has no head.
        let mut heads: Option<Option<(&[u8], bool)>> = None;
        for &m in &members {
            let w = split[m][p];
            has_var |= w.contains(&VAR);
            let h = head(w);
            heads = match heads {
                _ if h.is_empty() => Some(None),
                None => Some(Some((h, false))),
                Some(Some((first, _))) if first != h => Some(Some((first, true))),
                same => same,
            };
            *values.entry(w).or_default() += sigs[m].count;
        }
        let k = values.len();
        // Words with masked parts differ in their values, unless they start with different words
        // (`AuthFail:sts:<NUM>` / `AssocFail:sts:<NUM>`).
        let heads_differ = matches!(heads, Some(Some((_, true))));
        if (2..=MAX_ENUM_VALUES).contains(&k) && (!has_var || heads_differ) {
            columns.push((k, p));
        }
    }
    // Few values always separate templates. More values do when each is seen several times, and
    // beyond MAX_NAME_VALUES only when another position varies with them (`Transitioned from NEW to
    // UNASSIGNED`): a lone position with a handful of recurring words is more likely a user or host
    // name (`Failed password for root`).
    let recurring = |k: usize| k as f64 <= MIN_SHARE_PER_VALUE * total as f64;
    let several = columns.len() >= 2;
    let best = columns
        .iter()
        .filter(|&&(k, _)| {
            k <= MAX_CONSTANT_VALUES
                || (k <= MAX_NAME_VALUES && recurring(k))
                || (several && recurring(k))
        })
        .min_by_key(|&&(k, p)| (k, p))
        .copied();
    let Some((_, p)) = best else {
        return vec![members];
    };
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut index: FxHashMap<&[u8], usize> = FxHashMap::default();
    for m in members {
        let g = *index.entry(split[m][p]).or_insert_with(|| {
            parts.push(Vec::new());
            parts.len() - 1
        });
        parts[g].push(m);
    }
    parts
        .into_iter()
        .flat_map(|part| split_group(sigs, split, part, len))
        .collect()
}

/// The leading letters of a word, up to its first punctuation or masked part (empty when it does not
/// start with a letter).
fn head(w: &[u8]) -> &[u8] {
    let n = w
        .iter()
        .take_while(|c| c.is_ascii_alphabetic() || **c == b'_')
        .count();
    if n == 0
        || w.get(n)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == VAR)
    {
        return &[];
    }
    &w[..n]
}

/// The words of a group's template: constant where all members agree, otherwise a wildcard that
/// keeps the common start and end of the differing words (cut at punctuation).
fn template_words(split: &[Vec<&[u8]>], members: &[usize]) -> Vec<TemplateWord> {
    let first = &split[members[0]];
    (0..first.len())
        .map(|p| {
            let w0 = first[p];
            if members.iter().all(|&m| split[m][p] == w0) {
                return TemplateWord::Const(w0.to_vec());
            }
            let mut pre = w0.len();
            let mut suf = w0.len();
            for &m in members {
                let w = split[m][p];
                pre = pre.min(common_prefix(w0, w));
                suf = suf.min(common_suffix(w0, w));
            }
            // Keep only punctuation-bounded parts, so `user=root`/`user=admin` gives `user=` + `<*>`.
            let pre = w0[..pre]
                .iter()
                .rposition(|c| !c.is_ascii_alphanumeric() && *c != VAR)
                .map_or(0, |i| i + 1);
            let mut suf_start = w0.len() - suf;
            match w0[suf_start..]
                .iter()
                .position(|c| !c.is_ascii_alphanumeric() && *c != VAR)
            {
                Some(i) => suf_start += i,
                None => suf_start = w0.len(),
            }
            let suf_start = suf_start.max(pre);
            TemplateWord::Wild {
                prefix: w0[..pre].to_vec(),
                suffix: w0[suf_start..].to_vec(),
            }
        })
        .collect()
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouped(msgs: &[(&str, u64)]) -> Vec<u32> {
        let keys: Vec<Vec<u8>> = msgs
            .iter()
            .map(|(m, _)| m.bytes().map(|b| if b == b'*' { VAR } else { b }).collect())
            .collect();
        let sigs: Vec<SigRef> = keys
            .iter()
            .zip(msgs)
            .map(|(k, (_, c))| SigRef { key: k, count: *c })
            .collect();
        group(&sigs).group_of
    }

    #[test]
    fn words_with_many_values_become_variables() {
        let users = ["root", "admin", "test", "guest", "oracle", "pi"];
        let mut msgs: Vec<(String, u64)> = users
            .iter()
            .map(|u| (format!("Invalid user {u} from *"), 3))
            .collect();
        msgs.push(("Connection closed by * [preauth]".into(), 10));
        let refs: Vec<(&str, u64)> = msgs.iter().map(|(m, c)| (m.as_str(), *c)).collect();
        let g = grouped(&refs);
        assert!(g[..6].iter().all(|x| *x == g[0]));
        assert_ne!(g[6], g[0]);
    }

    #[test]
    fn few_distinct_values_separate_templates() {
        let g = grouped(&[
            ("Block * stored as bytes in memory", 40),
            ("Block * stored as values in memory", 30),
            ("Block * stored as bytes in memory", 2),
        ]);
        assert_ne!(g[0], g[1]);
        assert_eq!(g[0], g[2]);
    }
}

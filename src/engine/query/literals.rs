//! What a `/regex/` query's matches must contain: literal needles found from the regex's syntax
//! tree, searched for before the regex runs, and the whole words among them for the token index.
//! Words and phrases get needles the same way, from the regex they are compiled to (their text
//! beyond the token index's reach, right after a load, is scanned with them).
//!
//! Why: in wasm the regex crate has no multi-literal (Teddy) prefilter, so an alternation such as
//! `/timed out|refused/` ran its lazy DFA over every byte of the case, about 60 times slower than
//! natively. Searching every branch's literal in one SIMD pass ([`super::packed`], simd128) and
//! running the regex only on the events a literal is found in is several times faster (a lone exact
//! needle is searched with `memchr::memmem`, as fast on one needle), and exact:
//! a [`Needles`] set is built only when every match of the regex contains one of its needles. When
//! the regex is nothing but its needles (`/timed out|refused/`), a needle inside an event is a
//! match and the regex does not run at all ([`Needles::is_exact`]).
//!
//! How the needles are found ([`required_literals`]): for every branch of a top-level alternation,
//! the best run of bytes the branch's matches always contain (a concatenation of literals, ASCII
//! case-folded letters with the `i` flag, fixed repetitions); a branch without such a run (`\d+`,
//! `a?`) means there is no needle set, and the regex alone is used, as before. Needles shorter than
//! [`MIN_NEEDLE`] are not worth it (they are found nearly everywhere); letters of case-insensitive
//! needles are compared in either case.

use memchr::memmem;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::packed::{Packed, Rarity, Unit};

/// The regex options a `/pattern/flags` query is compiled with (see `plan::user_regex`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RegexFlags {
    pub case_insensitive: bool,
    pub dot_matches_new_line: bool,
    pub ignore_whitespace: bool,
    pub swap_greed: bool,
}

/// Needles shorter than this many bytes are not searched for: too many hits to save time.
pub const MIN_NEEDLE: usize = 3;
/// At most this many needles (each costs a few vector operations per 16 bytes of text).
pub const MAX_NEEDLES: usize = 8;

/// A byte of a needle exactly.
fn exact(byte: u8) -> Unit {
    Unit { byte, fold: false }
}

/// An ASCII letter of a needle in either case.
fn any_case(letter: u8) -> Unit {
    Unit {
        byte: letter.to_ascii_lowercase(),
        fold: true,
    }
}

type Run = Vec<Unit>;

/// Whether `hir` matches exactly one run of bytes (up to ASCII case), and which.
fn fixed_run(hir: &Hir) -> Option<Run> {
    match hir.kind() {
        HirKind::Empty => Some(Vec::new()),
        HirKind::Literal(lit) => Some(lit.0.iter().map(|b| exact(*b)).collect()),
        HirKind::Class(class) => class_unit(class).map(|u| vec![u]),
        HirKind::Capture(c) => fixed_run(&c.sub),
        HirKind::Repetition(r) if Some(r.min) == r.max && r.min <= 16 => {
            let one = fixed_run(&r.sub)?;
            (one.len() * r.min as usize <= 64).then(|| one.repeat(r.min as usize))
        }
        HirKind::Concat(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(fixed_run(p)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// A class of one ASCII byte, or of an ASCII letter in both cases (what the `i` flag makes of a
/// letter; letters whose Unicode case folding adds other characters, like `k` and `s`, are not).
fn class_unit(class: &Class) -> Option<Unit> {
    match class_units(class)?[..] {
        [unit] => Some(unit),
        _ => None,
    }
}

/// Most bytes of a class spelled out as alternative needle bytes (`[234]` in `" 50[234] `).
const MAX_CLASS_BYTES: usize = 4;

/// The bytes of a small class of ASCII bytes (ASCII letters in both cases as one unit), when it has
/// at most [`MAX_CLASS_BYTES`] of them.
fn class_units(class: &Class) -> Option<Vec<Unit>> {
    let mut bytes = Vec::new();
    let mut add = |lo: u32, hi: u32| {
        if hi >= 0x80 || hi - lo >= MAX_CLASS_BYTES as u32 {
            return false;
        }
        bytes.extend(lo as u8..=hi as u8);
        bytes.len() <= 2 * MAX_CLASS_BYTES
    };
    let ok = match class {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .all(|r| add(u32::from(r.start()), u32::from(r.end()))),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .all(|r| add(u32::from(r.start()), u32::from(r.end()))),
    };
    if !ok {
        return None;
    }
    let mut units: Vec<Unit> = Vec::new();
    for &b in &bytes {
        let unit = if b.is_ascii_alphabetic() && bytes.contains(&(b ^ 0x20)) {
            any_case(b)
        } else {
            exact(b)
        };
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    (units.len() <= MAX_CLASS_BYTES).then_some(units)
}

/// How much a needle narrows a search (higher is better): its length, exact bytes counting more.
fn run_score(run: &[Unit]) -> usize {
    run.iter().map(|u| if u.fold { 1 } else { 2 }).sum()
}

/// The worst needle of a set decides how well it narrows; more needles cost more passes.
fn cover_score(cover: &[Run]) -> usize {
    let worst = cover.iter().map(|r| run_score(r)).min().unwrap_or(0);
    (worst * 8).saturating_sub(cover.len())
}

/// Needles of which every match of `hir` contains at least one (`None`: no such set known).
fn cover(hir: &Hir) -> Option<Vec<Run>> {
    if let Some(run) = fixed_run(hir) {
        return (run.len() >= MIN_NEEDLE).then(|| vec![run]);
    }
    match hir.kind() {
        HirKind::Capture(c) => cover(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => cover(&r.sub),
        HirKind::Alternation(branches) => {
            let mut out: Vec<Run> = Vec::new();
            for b in branches {
                for run in cover(b)? {
                    if !out.contains(&run) {
                        out.push(run);
                    }
                }
            }
            (out.len() <= MAX_NEEDLES).then_some(out)
        }
        HirKind::Concat(parts) => {
            // Runs of consecutive fixed parts join into needles, a small class spelling out one
            // needle per byte (`" 50[234] ` gives `" 502 `, `" 503 ` and `" 504 `); other parts
            // offer their own set.
            let mut best: Option<Vec<Run>> = None;
            let mut offer = |c: Vec<Run>| {
                if best
                    .as_ref()
                    .is_none_or(|b| cover_score(&c) > cover_score(b))
                {
                    best = Some(c);
                }
            };
            let long_enough = |runs: &[Run]| runs.iter().all(|r| r.len() >= MIN_NEEDLE);
            let mut current: Vec<Run> = vec![Vec::new()];
            for p in parts {
                if let Some(run) = fixed_run(p) {
                    for c in &mut current {
                        c.extend_from_slice(&run);
                    }
                    continue;
                }
                let spelled = match p.kind() {
                    HirKind::Class(class) => class_units(class)
                        .filter(|units| current.len() * units.len() <= MAX_NEEDLES),
                    _ => None,
                };
                if let Some(units) = spelled {
                    current = current
                        .iter()
                        .flat_map(|c| {
                            units.iter().map(move |u| {
                                let mut run = c.clone();
                                run.push(*u);
                                run
                            })
                        })
                        .collect();
                    continue;
                }
                if long_enough(&current) {
                    offer(std::mem::take(&mut current));
                }
                current = vec![Vec::new()];
                if let Some(c) = cover(p) {
                    offer(c);
                }
            }
            if long_enough(&current) {
                offer(current);
            }
            best
        }
        _ => None,
    }
}

/// The needles of a `/pattern/flags` query, when every match must contain one of them.
pub fn required_literals(pattern: &str, flags: RegexFlags) -> Option<Needles> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(true)
        .multi_line(true)
        .case_insensitive(flags.case_insensitive)
        .dot_matches_new_line(flags.dot_matches_new_line)
        .ignore_whitespace(flags.ignore_whitespace)
        .swap_greed(flags.swap_greed)
        .build()
        .parse(pattern)
        .ok()?;
    let runs = cover(&hir)?;
    Some(Needles::new(runs, is_alternation_of_runs(&hir)))
}

/// Whether `hir` matches exactly the runs [`cover`] finds for it: a fixed run, or an alternation
/// of fixed runs (so any occurrence of a needle is a match).
fn is_alternation_of_runs(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Alternation(branches) => branches.iter().all(|b| fixed_run(b).is_some()),
        HirKind::Capture(c) => is_alternation_of_runs(&c.sub),
        _ => fixed_run(hir).is_some(),
    }
}

/// Needles of which every match of a regex contains one.
#[derive(Debug, Clone)]
pub struct Needles {
    runs: Vec<Run>,
    exact: bool,
    /// The search used for short haystacks (single events), its bytes chosen by a guess of how
    /// common bytes are in logs rather than by a sample.
    guessed: Packed,
    /// A lone needle of exact bytes is searched with memmem instead: its own SIMD loop does as well
    /// on one needle (measured in V8: within noise either way) and it was the search before, so
    /// such queries (`/upstream returned 5\d\d/`) keep their figures.
    lone: Option<memmem::Finder<'static>>,
}

/// Haystacks shorter than this are searched with the guessed rarity (a sample would be too small).
const SAMPLED_MIN: usize = 1 << 12;

impl Needles {
    fn new(runs: Vec<Run>, exact: bool) -> Self {
        let guessed = Packed::new(&runs, &Rarity::guess());
        let lone = match &runs[..] {
            [run] if run.iter().all(|u| !u.fold) => {
                let bytes: Vec<u8> = run.iter().map(|u| u.byte).collect();
                Some(memmem::Finder::new(&bytes).into_owned())
            }
            _ => None,
        };
        Needles {
            runs,
            exact,
            guessed,
            lone,
        }
    }

    /// Whether every occurrence of a needle is a match of the regex (so no regex has to run).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The needles' bytes (letters of case-insensitive needles in lowercase).
    pub fn bytes(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.runs
            .iter()
            .map(|run| run.iter().map(|u| u.byte).collect())
    }

    /// Per needle, the words it holds whole: runs of word bytes with a non-word byte of the needle
    /// on either side, so every text holding the needle holds them as tokens (lowercase, as the
    /// token index has them). `None` when a needle holds no whole word: then any text may match.
    pub fn whole_words(&self) -> Option<Vec<Vec<String>>> {
        self.runs
            .iter()
            .map(|run| {
                let mut words = Vec::new();
                let mut word_start = None;
                for (i, u) in run.iter().enumerate() {
                    let is_word = super::plan::is_word_byte(u.byte);
                    match (is_word, word_start) {
                        (false, Some(start)) if start > 0 => {
                            let word: String = run[start..i]
                                .iter()
                                .map(|u| u.byte.to_ascii_lowercase() as char)
                                .collect();
                            words.push(word);
                            word_start = None;
                        }
                        (false, _) => word_start = None,
                        (true, None) => word_start = Some(i),
                        (true, Some(_)) => {}
                    }
                }
                (!words.is_empty()).then_some(words)
            })
            .collect()
    }

    /// Whether `hay` holds one of the needles.
    pub fn any_in(&self, hay: &[u8]) -> bool {
        match &self.lone {
            Some(finder) => finder.find(hay).is_some(),
            None => self.guessed.find(hay, 0).is_some(),
        }
    }

    /// A search of haystacks for the earliest needle at or after a position, which chooses the
    /// bytes it compares by a sample of the first long haystack it is given.
    pub fn searcher(&self) -> NeedleSearch<'_> {
        NeedleSearch {
            needles: self,
            sampled: None,
            last: None,
        }
    }
}

/// See [`Needles::searcher`].
pub struct NeedleSearch<'n> {
    needles: &'n Needles,
    sampled: Option<Packed>,
    last: Option<LastSearch>,
}

/// A search's haystack (address and length), from where, and what it found.
struct LastSearch {
    hay: (usize, usize),
    from: usize,
    found: Option<std::ops::Range<usize>>,
}

impl NeedleSearch<'_> {
    /// The range of the earliest needle occurrence in `hay` at or after `at`.
    pub fn find(&mut self, hay: &[u8], at: usize) -> Option<std::ops::Range<usize>> {
        let key = (hay.as_ptr() as usize, hay.len());
        if let Some(last) = &self.last {
            // The earliest occurrence from `from` is also the earliest from any `at` up to it.
            let upto = last.found.as_ref().is_none_or(|r| at <= r.start);
            if last.hay == key && last.from <= at && upto {
                return last.found.clone();
            }
        }
        if let Some(finder) = &self.needles.lone {
            let len = finder.needle().len();
            return finder.find(hay.get(at..)?).map(|p| at + p..at + p + len);
        }
        let packed = if hay.len() < SAMPLED_MIN {
            &self.needles.guessed
        } else {
            self.sampled
                .get_or_insert_with(|| Packed::new(&self.needles.runs, &Rarity::of(hay)))
        };
        let found = packed
            .find(hay, at)
            .map(|(start, i)| start..start + packed.len_of(i));
        self.last = Some(LastSearch {
            hay: key,
            from: at,
            found: found.clone(),
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(pattern: &str, flags: RegexFlags) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .case_insensitive(flags.case_insensitive)
            .build()
            .parse(pattern)
            .unwrap();
        cover(&hir).map(|c| {
            c.iter()
                .map(|r| {
                    r.iter()
                        .map(|u| match u.fold {
                            false => u.byte as char,
                            true => u.byte.to_ascii_uppercase() as char,
                        })
                        .collect()
                })
                .collect()
        })
    }

    #[test]
    fn needles_come_from_every_branch() {
        let cs = RegexFlags::default();
        let ci = RegexFlags {
            case_insensitive: true,
            ..cs
        };
        assert_eq!(
            needles("timed out|refused", cs).unwrap(),
            ["timed out", "refused"]
        );
        assert_eq!(
            needles(r"upstream returned 5\d\d", cs).unwrap(),
            ["upstream returned 5"]
        );
        // A small class is spelled out, a large one (`\d`) ends the run.
        assert_eq!(
            needles(r#"" 50[234] "#, cs).unwrap(),
            ["\" 502 ", "\" 503 ", "\" 504 "]
        );
        assert_eq!(
            needles(r"[ab]x[cd]", cs).unwrap(),
            ["axc", "axd", "bxc", "bxd"]
        );
        assert_eq!(needles(r"err[0-9]x", cs).unwrap(), ["err"]);
        assert_eq!(
            needles(r"[ab]x[cd]y[efg]", cs).unwrap(),
            ["axcy", "axdy", "bxcy", "bxdy"]
        );
        assert_eq!(needles(r"^\s*at (com|org)\.acme", cs).unwrap(), [".acme"]);
        assert_eq!(needles(r"x{3}y", cs).unwrap(), ["xxxy"]);
        // A branch without a needle, or an optional part alone: no needles at all.
        assert_eq!(needles(r"refused|\d+", cs), None);
        assert_eq!(needles(r"(refused)?", cs), None);
        assert_eq!(needles(r"ab", cs), None);
        // `i`: letters in either case; `k` and `s` also match Unicode characters, so runs end there.
        assert_eq!(needles("timed out", ci).unwrap(), ["TIMED OUT"]);
        assert_eq!(needles("refused", ci).unwrap(), ["REFU"]);
        assert_eq!(needles("(?-u:refused)", ci).unwrap(), ["REFUSED"]);
    }

    #[test]
    fn whole_words_are_those_a_needle_bounds_on_both_sides() {
        let cs = RegexFlags::default();
        let words = |p: &str, f| required_literals(p, f).and_then(|n| n.whole_words());
        assert_eq!(
            words(r#"" 50[234] "#, cs).unwrap(),
            [["502"], ["503"], ["504"]]
        );
        assert_eq!(
            words(r"upstream returned 5\d\d", cs).unwrap(),
            [["returned"]]
        );
        assert_eq!(
            words(r"(?i)at com\.Acme\.pay\(", cs).unwrap(),
            [["com", "acme", "pay"]]
        );
        // A word at a needle's edge may go on in the text (`timed` in `untimed`).
        assert_eq!(words("timed out|refused", cs), None);
        assert_eq!(words(" refused |timed out", cs), None);
    }

    #[test]
    fn needles_are_exact_only_when_they_are_the_whole_regex() {
        let cs = RegexFlags::default();
        let ci = RegexFlags {
            case_insensitive: true,
            ..cs
        };
        let exact = |p: &str, f| required_literals(p, f).map(|n| n.is_exact());
        assert_eq!(exact("timed out|refused", cs), Some(true));
        assert_eq!(exact("(timed out|re(fused))", cs), Some(true));
        assert_eq!(exact("(?-u:exception|failed)", ci), Some(true));
        assert_eq!(exact("exception|failed", ci), Some(true));
        assert_eq!(exact(r#"" 50[234] "#, cs), Some(false));
        assert_eq!(exact("^timed out", cs), Some(false));
        assert_eq!(exact(r"\btimed out", cs), Some(false));
        assert_eq!(exact("refused", ci), Some(false), "s also matches ſ");
        assert_eq!(exact("timed out|refused?", cs), Some(false));
    }

    #[test]
    fn the_search_finds_the_earliest_needle() {
        let n = required_literals("timed out|refused", RegexFlags::default()).unwrap();
        let hay = b"a refused b timed out c refused";
        let mut s = n.searcher();
        assert_eq!(s.find(hay, 0), Some(2..9));
        assert_eq!(s.find(hay, 3), Some(12..21));
        assert_eq!(s.find(hay, 13), Some(24..31));
        assert_eq!(s.find(hay, 25), None);
        assert_eq!(s.find(hay, 0), Some(2..9), "going back searches again");
        // A lone exact needle (searched with memmem).
        let n = required_literals(r"refused \d", RegexFlags::default()).unwrap();
        assert!(n.lone.is_some());
        let mut s = n.searcher();
        assert_eq!(s.find(b"refused refused 1", 0), Some(0..8));
        assert_eq!(s.find(b"refused refused 1", 1), Some(8..16));
        assert_eq!(s.find(b"refused refused 1", 9), None);
        assert_eq!(s.find(b"refused refused 1", 40), None);
        assert!(n.any_in(b"xrefused 1") && !n.any_in(b"refuse 1"));
        let ci = RegexFlags {
            case_insensitive: true,
            ..RegexFlags::default()
        };
        let n = required_literals("timed out", ci).unwrap();
        assert_eq!(n.searcher().find(b"xx TiMeD oUT", 0), Some(3..12));
        assert!(!n.any_in(b"timed  out"));
        // A long haystack: the compared bytes are chosen by a sample of it.
        let mut long = "abcdef0123456789 timed in ".repeat(400).into_bytes();
        assert!(long.len() >= SAMPLED_MIN);
        let mut s = n.searcher();
        assert_eq!(s.find(&long, 0), None);
        long.extend_from_slice(b"..TIMED OUT");
        let end = long.len();
        assert_eq!(s.find(&long, 0), Some(end - 9..end));
        assert_eq!(s.find(&long, end - 8), None);
    }

    // Property checks: with needles, evaluation finds exactly the events a plain `is_match` per
    // event finds, over real logs, dense (whole-block scans) and sparse (event by event).

    use crate::engine::ingest::{ingest_bytes, read_files, IngestOptions};
    use crate::engine::query::eval::{EventSet, SourceView};
    use crate::engine::query::plan::Plan;
    use crate::engine::query::{split_range, Query, QueryContext};
    use crate::engine::store::SourceData;
    use std::path::Path;

    /// Regexes (with flags) of every shape the needles handle or refuse.
    const QUERIES: &[&str] = &[
        "/timed out|refused/",
        "/refused|reset by peer|timed out/",
        "/Failed password|Invalid user|authentication failure/",
        "/exception|failed/i",
        "/EXCEPTION|Error/i",
        "/refused/i",
        r"/blk_-?\d+ terminating/",
        r"/Received block blk_-?\d+ of size \d{5,}/",
        r"/^\s+at [a-z]+\./",
        r"/^\tat |Caused by: /",
        r"/port \d+ ssh2?$/",
        r"/(?s)Exception.*\n\s+at /",
        "/Exception.*at /s",
        r"/Connection (closed|reset) by/",
        r"/user=(root|admin)\b/",
        r"/colou?r|\bINFO\b/",
        "/[Ee]rror:/",
        r"/(?i)kill|sshd\[/",
        r"/ (5\d\d|404) /",
        r#"/" 50[234] /"#,
        r#"/HTTP\/1\.[01]" [45]0[0-4] /"#,
        "/[Tt]imed [o]ut|[Rr]efused/",
        r"/x{3}|a{3}b/",
        r"/\d{4}-\d{2}/",
        "/ing\n/",
        "/(?m)^2015|^Jun/",
        r"/\bat\b/",
        "/é|ü|ſ/i",
    ];

    /// Checks every query on `sources`; counts the queries that had needles, and returns how many
    /// queries matched something (so the check is not vacuous).
    fn check_sources(sources: &[SourceData], with_needles: &mut usize) -> usize {
        let cx = QueryContext::default();
        let mut matching = 0;
        for q in QUERIES {
            let mut any = false;
            let query = Query::new(q, &cx);
            assert!(query.errors().is_empty(), "{q}: {:?}", query.errors());
            let Plan::Text(m) = &query.compiled.plan else {
                panic!("{q} is not a text plan");
            };
            if m.needles.is_some() {
                *with_needles += 1;
            }
            for source in sources {
                let view = SourceView::new(source, None);
                let n = source.len();
                let truth: Vec<usize> = (0..n)
                    .filter(|e| m.regex.is_match(source.text(*e)))
                    .collect();
                any |= !truth.is_empty();
                // Dense, over the whole source and over parts starting inside blocks.
                let whole: Vec<usize> = query.eval_range(&view, 0..n).iter().collect();
                assert_eq!(whole, truth, "{q} on {}", source.info.name);
                let parts: Vec<usize> = split_range(n, 3)
                    .into_iter()
                    .flat_map(|r| query.eval_range(&view, r).iter().collect::<Vec<_>>())
                    .collect();
                assert_eq!(parts, truth, "{q} on {} in parts", source.info.name);
                // Sparse: every 37th event, and every other event (dense, with holes).
                for step in [37, 2] {
                    let mut mask = EventSet::empty(0..n);
                    (0..n).step_by(step).for_each(|e| mask.insert(e));
                    let got: Vec<usize> =
                        crate::engine::query::eval::eval(&query.compiled.plan, &view, mask)
                            .iter()
                            .collect();
                    let want: Vec<usize> =
                        truth.iter().copied().filter(|e| e % step == 0).collect();
                    assert_eq!(got, want, "{q} on {} every {step}", source.info.name);
                }
            }
            matching += usize::from(any);
        }
        matching
    }

    /// [`check_sources`], asserting that most queries had needles and many matched something.
    fn check_sources_not_vacuously(sources: &[SourceData]) {
        let mut with = 0;
        let matching = check_sources(sources, &mut with);
        assert!(with >= QUERIES.len() / 2, "only {with} queries had needles");
        assert!(
            matching >= QUERIES.len() / 3,
            "only {matching} queries matched"
        );
    }

    #[test]
    fn needles_never_lose_a_match_in_small_cases() {
        let texts = [
            // A needle that crosses from one event into the next, events of several lines.
            "2026-07-03 09:00:01 ERROR conn timed\nout later\n2026-07-03 09:00:02 INFO refu\nsed\n",
            "2026-07-03 09:00:01 ERROR java.lang.IllegalStateException: boom\n\tat a.b(C.java:1)\n\tat c.d(E.java:2)\n2026-07-03 09:00:02 INFO Connection reset by peer\n",
            // Unicode case folding: `ſ` is an `s`, the Kelvin sign a `k` under the `i` flag.
            "2026-07-03 09:00:01 WARN REFUſED\n2026-07-03 09:00:02 WARN \u{212A}ILL sent\n2026-07-03 09:00:03 WARN Exception: x\n",
            "a refused\nb\nc timed out\nd colour\n\n\ne 504 f\n",
        ];
        let sources: Vec<SourceData> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                ingest_bytes(&format!("t{i}.log"), t.as_bytes(), IngestOptions::default())
            })
            .collect();
        check_sources_not_vacuously(&sources);
    }

    #[test]
    fn needles_never_lose_a_match_in_the_corpus() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let mut sources = read_files(
            &root.join("loghub"),
            &[
                "HDFS/HDFS_2k.log",
                "OpenSSH/OpenSSH_2k.log",
                "Hadoop/Hadoop_2k.log",
                "Spark/Spark_2k.log",
                "Mac/Mac_2k.log",
            ],
        );
        let multiline = root.join("multiline/fluent-plugin-detect-exceptions");
        for entry in std::fs::read_dir(&multiline).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "txt") {
                let bytes = std::fs::read(&path).unwrap();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                sources.push(ingest_bytes(&name, &bytes, IngestOptions::default()));
            }
        }
        assert!(sources.len() > 10);
        check_sources_not_vacuously(&sources);
    }

    /// The generated 20 MB set (`python3 ../shared/bench/genlogs.py /tmp/g20 --mb 20`), many blocks
    /// per source; slow in a debug build: `cargo test --release --lib literals -- --ignored`.
    #[test]
    #[ignore]
    fn needles_never_lose_a_match_in_the_generated_set() {
        let sources = read_files(
            Path::new("/tmp/g20"),
            &[
                "app-payments.jsonl",
                "containers.log",
                "nginx-access.log",
                "syslog",
                "transactions.csv",
            ],
        );
        check_sources_not_vacuously(&sources);
    }
}

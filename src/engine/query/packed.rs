//! One pass over a haystack for several needles at once (the literal needles of a `/regex/` query,
//! see [`super::literals`]), 16 bytes at a time with wasm's simd128.
//!
//! Why: a needle set searched needle by needle (one `memmem` pass each) reads every byte once per
//! needle, and a case-insensitive needle searched by one letter in both spellings stops at every
//! occurrence of that letter (`f` in every hex id of a JSON log). Here every needle is reduced to
//! two of its bytes, chosen by how rare they are in the haystack being searched (a byte count of
//! its start, [`Rarity`]); each 16-byte step compares, for every needle, the two bytes at their
//! distance from each of 16 candidate starts (ASCII letters in either case are compared with bit
//! 0x20 set), and only the starts where both bytes of some needle agree are checked in full.
//!
//! The vector operations are behind [`Lanes`]: simd128 in wasm, a plain 16-byte array elsewhere
//! (where the regex crate's own prefilter is used instead, see `eval::SEARCH_NEEDLES`), so the
//! tests run the same search loop natively.

/// One byte of a needle: `byte` exactly, or (with `fold`) the ASCII letter `byte` (lowercase) in
/// either case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub byte: u8,
    pub fold: bool,
}

impl Unit {
    fn matches(self, c: u8) -> bool {
        if self.fold {
            (c | 0x20) == self.byte
        } else {
            c == self.byte
        }
    }

    /// The mask or-ed into a haystack byte before comparing it with `byte`.
    fn or_mask(self) -> u8 {
        if self.fold {
            0x20
        } else {
            0
        }
    }
}

/// How common each byte is in a sample of a haystack (counts out of the sample's length).
pub struct Rarity {
    counts: [u32; 256],
}

/// Bytes of the haystack's start counted by [`Rarity::of`].
const SAMPLE: usize = 1 << 16;

impl Rarity {
    pub fn of(hay: &[u8]) -> Self {
        let mut counts = [0u32; 256];
        for &b in &hay[..hay.len().min(SAMPLE)] {
            counts[b as usize] += 1;
        }
        Rarity { counts }
    }

    /// A guess for log text in general, for haystacks too short to sample: spaces, punctuation
    /// and digits are everywhere, lowercase letters by their English frequency, capitals rarer.
    pub fn guess() -> Self {
        const LETTERS: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";
        let counts = std::array::from_fn(|b| {
            let b = b as u8;
            let letter = |l: u8| 60 - LETTERS.iter().position(|c| *c == l).unwrap_or(25) as u32 * 2;
            match b {
                b' ' | b'"' | b':' | b',' | b'.' | b'/' | b'-' | b'=' | b'0'..=b'9' => 100,
                b'a'..=b'z' => letter(b),
                b'A'..=b'Z' => letter(b.to_ascii_lowercase()) / 3,
                _ => 20,
            }
        });
        Rarity { counts }
    }

    /// How often `unit` would be met in the sample (both spellings of a folded letter).
    fn cost(&self, unit: Unit) -> u32 {
        let c = self.counts[unit.byte as usize];
        if unit.fold {
            c + self.counts[unit.byte.to_ascii_uppercase() as usize]
        } else {
            c
        }
    }
}

/// A needle and the two of its bytes the vector step compares.
#[derive(Debug, Clone)]
struct Pattern {
    units: Vec<Unit>,
    first: usize,
    second: usize,
}

impl Pattern {
    fn new(units: Vec<Unit>, rarity: &Rarity) -> Self {
        debug_assert!(units.len() >= 2, "needles have at least two bytes");
        let rank = |i: usize| (rarity.cost(units[i]), i);
        let first = (0..units.len()).min_by_key(|i| rank(*i)).unwrap_or(0);
        let second = (0..units.len())
            .filter(|i| *i != first)
            .min_by_key(|i| rank(*i))
            .unwrap_or(0);
        Pattern {
            units,
            first,
            second,
        }
    }

    /// Whether the needle starts at `at` of `hay`.
    fn is_at(&self, hay: &[u8], at: usize) -> bool {
        hay.get(at..at + self.units.len())
            .is_some_and(|w| w.iter().zip(&self.units).all(|(c, u)| u.matches(*c)))
    }
}

/// Needles searched for together: see the module documentation.
#[derive(Debug, Clone)]
pub struct Packed {
    patterns: Vec<Pattern>,
    /// The farthest compared byte from a needle's start, over all needles.
    reach: usize,
    /// Whether some compared byte is a letter in either case.
    fold: bool,
}

impl Packed {
    /// Needles (each at least two bytes long) to be searched in haystacks like the one `rarity`
    /// sampled.
    pub fn new(needles: &[Vec<Unit>], rarity: &Rarity) -> Self {
        let patterns: Vec<Pattern> = needles
            .iter()
            .map(|n| Pattern::new(n.clone(), rarity))
            .collect();
        let reach = patterns
            .iter()
            .map(|p| p.first.max(p.second))
            .max()
            .unwrap_or(0);
        let fold = patterns
            .iter()
            .any(|p| p.units[p.first].fold || p.units[p.second].fold);
        Packed {
            patterns,
            reach,
            fold,
        }
    }

    /// The earliest needle occurrence starting at or after `at`: its start and which needle
    /// (the first in order when several start there).
    pub fn find(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            self.find_with::<simd::V>(hay, at)
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            self.find_with::<Portable>(hay, at)
        }
    }

    /// The length of needle `i`.
    pub fn len_of(&self, i: usize) -> usize {
        self.patterns[i].units.len()
    }

    fn find_with<V: Lanes>(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        // Specialised for the common needle counts, so the per-needle loop is unrolled, and for
        // needles without folded letters, which need no or-ing.
        let found = match (self.patterns.len(), self.fold) {
            (1, false) => self.vector_steps::<V, 1, false>(hay, at),
            (2, false) => self.vector_steps::<V, 2, false>(hay, at),
            (3, false) => self.vector_steps::<V, 3, false>(hay, at),
            (1, true) => self.vector_steps::<V, 1, true>(hay, at),
            (2, true) => self.vector_steps::<V, 2, true>(hay, at),
            (3, true) => self.vector_steps::<V, 3, true>(hay, at),
            _ => self.vector_steps::<V, 0, true>(hay, at),
        };
        match found {
            Ok(hit) => Some(hit),
            Err(rest) => (rest..hay.len()).find_map(|at| self.needle_at(hay, at).map(|i| (at, i))),
        }
    }

    /// The vector steps from `at`, with `N` needles (0: any number), `FOLD` when some compared
    /// byte is a folded letter: the first occurrence found, or where the steps stopped (the rest
    /// of `hay` is too short for a step).
    fn vector_steps<V: Lanes, const N: usize, const FOLD: bool>(
        &self,
        hay: &[u8],
        at: usize,
    ) -> Result<(usize, usize), usize> {
        let mut start = at;
        // Every compared byte of 16 starts from `start` lies inside `hay` while `start <= last`.
        let Some(last) = hay.len().checked_sub(self.reach + 16) else {
            return Err(start);
        };
        let step = |p: &Pattern| {
            let (a, b) = (p.units[p.first], p.units[p.second]);
            Step {
                first: p.first,
                second: p.second,
                mask_a: V::splat(a.or_mask()),
                a: V::splat(a.byte),
                mask_b: V::splat(b.or_mask()),
                b: V::splat(b.byte),
            }
        };
        // On the stack for the specialised counts: a search that finds many needles is called
        // once per occurrence.
        let (few, many): ([Step<V>; N], Vec<Step<V>>);
        let steps: &[Step<V>] = if N == 0 {
            many = self.patterns.iter().map(step).collect();
            &many
        } else {
            few = std::array::from_fn(|i| step(&self.patterns[i]));
            &few
        };
        let lanes = |start: usize| {
            let mut any = V::splat(0);
            for s in steps {
                let (mut x, mut y) = (
                    V::load(hay, start + s.first),
                    V::load(hay, start + s.second),
                );
                if FOLD {
                    (x, y) = (x.or(s.mask_a), y.or(s.mask_b));
                }
                any = any.or(x.eq(s.a).and(y.eq(s.b)));
            }
            any
        };
        let check = |start: usize, any: V| {
            let mut bits = any.bitmask();
            while bits != 0 {
                let at = start + bits.trailing_zeros() as usize;
                if let Some(i) = self.needle_at(hay, at) {
                    return Some((at, i));
                }
                bits &= bits - 1;
            }
            None
        };
        // Two steps at a time while both fit, with one branch for both.
        while start + 16 <= last {
            let (one, two) = (lanes(start), lanes(start + 16));
            if one.or(two).any_true() {
                if let Some(hit) = check(start, one).or_else(|| check(start + 16, two)) {
                    return Ok(hit);
                }
            }
            start += 32;
        }
        while start <= last {
            if let Some(hit) = check(start, lanes(start)) {
                return Ok(hit);
            }
            start += 16;
        }
        Err(start)
    }

    fn needle_at(&self, hay: &[u8], at: usize) -> Option<usize> {
        self.patterns.iter().position(|p| p.is_at(hay, at))
    }
}

/// A needle's two compared bytes, as lanes.
struct Step<V> {
    first: usize,
    second: usize,
    mask_a: V,
    a: V,
    mask_b: V,
    b: V,
}

/// The few 16-lane byte operations the search needs.
trait Lanes: Copy {
    fn splat(b: u8) -> Self;
    /// The 16 bytes of `hay` from `at` (which the caller keeps in bounds).
    fn load(hay: &[u8], at: usize) -> Self;
    fn or(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    /// Lanes equal: all ones, else zero.
    fn eq(self, other: Self) -> Self;
    fn any_true(self) -> bool;
    /// Bit `i` set when lane `i` is all ones.
    fn bitmask(self) -> u32;
}

/// [`Lanes`] as a plain array (off wasm, and in the tests).
#[derive(Clone, Copy)]
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
struct Portable([u8; 16]);

impl Lanes for Portable {
    fn splat(b: u8) -> Self {
        Portable([b; 16])
    }
    fn load(hay: &[u8], at: usize) -> Self {
        let mut out = [0; 16];
        out.copy_from_slice(&hay[at..at + 16]);
        Portable(out)
    }
    fn or(self, other: Self) -> Self {
        Portable(std::array::from_fn(|i| self.0[i] | other.0[i]))
    }
    fn and(self, other: Self) -> Self {
        Portable(std::array::from_fn(|i| self.0[i] & other.0[i]))
    }
    fn eq(self, other: Self) -> Self {
        Portable(std::array::from_fn(|i| {
            if self.0[i] == other.0[i] {
                0xff
            } else {
                0
            }
        }))
    }
    fn any_true(self) -> bool {
        self.0.iter().any(|b| *b != 0)
    }
    fn bitmask(self) -> u32 {
        self.0
            .iter()
            .enumerate()
            .fold(0, |m, (i, b)| m | (u32::from(*b >> 7) << i))
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    /// [`super::Lanes`] in wasm's simd128.
    #[derive(Clone, Copy)]
    pub struct V(v128);

    impl super::Lanes for V {
        #[inline(always)]
        fn splat(b: u8) -> Self {
            V(u8x16_splat(b))
        }
        #[inline(always)]
        fn load(hay: &[u8], at: usize) -> Self {
            assert!(at + 16 <= hay.len());
            // SAFETY: the 16 bytes from `at` are inside `hay` (asserted); v128_load takes any
            // alignment.
            V(unsafe { v128_load(hay.as_ptr().add(at) as *const v128) })
        }
        #[inline(always)]
        fn or(self, other: Self) -> Self {
            V(v128_or(self.0, other.0))
        }
        #[inline(always)]
        fn and(self, other: Self) -> Self {
            V(v128_and(self.0, other.0))
        }
        #[inline(always)]
        fn eq(self, other: Self) -> Self {
            V(u8x16_eq(self.0, other.0))
        }
        #[inline(always)]
        fn any_true(self) -> bool {
            v128_any_true(self.0)
        }
        #[inline(always)]
        fn bitmask(self) -> u32 {
            u32::from(u8x16_bitmask(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str, fold: bool) -> Vec<Unit> {
        s.bytes()
            .map(|b| Unit {
                byte: if fold { b.to_ascii_lowercase() } else { b },
                fold: fold && b.is_ascii_alphabetic(),
            })
            .collect()
    }

    /// Every (start, needle) a plain scan finds, to compare with the packed search.
    fn naive(needles: &[Vec<Unit>], hay: &[u8]) -> Vec<(usize, usize)> {
        (0..hay.len())
            .filter_map(|at| {
                needles
                    .iter()
                    .position(|n| {
                        hay.get(at..at + n.len())
                            .is_some_and(|w| w.iter().zip(n).all(|(c, u)| u.matches(*c)))
                    })
                    .map(|i| (at, i))
            })
            .collect()
    }

    fn all(p: &Packed, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some((s, i)) = p.find(hay, at) {
            out.push((s, i));
            at = s + 1;
        }
        out
    }

    #[test]
    fn finds_every_occurrence_in_order_like_a_plain_scan() {
        let mut hay = Vec::new();
        for i in 0..400 {
            hay.extend_from_slice(
                format!("{i} ffa3 request TIMED out; refused Refused xfailed FaIlEd\n").as_bytes(),
            );
        }
        let sets: Vec<Vec<Vec<Unit>>> = vec![
            vec![units("timed out", false), units("refused", false)],
            vec![units("exception", true), units("failed", true)],
            vec![units("\" 50", false)],
            vec![units("ed", false), units("d\n1", false), units("ref", true)],
        ];
        let mut found = 0;
        for needles in &sets {
            let p = Packed::new(needles, &Rarity::of(&hay));
            let want = naive(needles, &hay);
            found += want.len();
            assert_eq!(all(&p, &hay), want);
            // From every offset near the end and in short haystacks (no vector step at all).
            for at in hay.len() - 40..=hay.len() {
                assert_eq!(
                    p.find(&hay, at),
                    want.iter().copied().find(|(s, _)| *s >= at)
                );
            }
            for end in 0..40 {
                assert_eq!(all(&p, &hay[..end]), naive(needles, &hay[..end]));
            }
        }
        assert!(found > 2000, "the haystack holds the needles ({found})");
    }

    #[test]
    fn absent_needles_and_needles_at_the_very_end() {
        let hay = b"0123456789abcdef0123456789abcdef0123456789zz";
        let p = Packed::new(&[units("zq", false), units("9zz", false)], &Rarity::of(hay));
        assert_eq!(p.find(hay, 0), Some((hay.len() - 3, 1)));
        let p = Packed::new(&[units("never", true)], &Rarity::of(hay));
        assert_eq!(p.find(hay, 0), None);
        assert_eq!(p.find(hay, hay.len()), None);
        assert_eq!(p.find(b"", 0), None);
    }

    #[test]
    fn the_rarest_bytes_are_compared() {
        let hay = b"ffffffffeeeeeeeeeddddd xq";
        let p = Packed::new(&[units("fexd", false)], &Rarity::of(hay));
        let pat = &p.patterns[0];
        let chosen = [pat.units[pat.first].byte, pat.units[pat.second].byte];
        assert!(
            chosen.contains(&b'x') && chosen.contains(&b'd'),
            "{chosen:?}"
        );
    }
}

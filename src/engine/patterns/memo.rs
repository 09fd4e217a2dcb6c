//! The signatures of recently mined messages, so a message seen again costs one hash and one
//! comparison instead of a masking pass.
//!
//! Logs repeat themselves: most events of a service carry one of a few hundred distinct messages
//! (`handled /healthz`, `pool stats active=3 idle=8`). The memo is a fixed table of recent messages
//! (direct-mapped by the message's hash, a newer message replacing an older one in its slot), so its
//! memory is bounded and a file of all-distinct messages only pays for a failed lookup. A hit gives
//! exactly what masking would: the signature of a message depends only on the message and on the
//! miner's tables, which only grow (a message's signature never changes once given).
//!
//! When messages hardly ever repeat (an access log: every line has its own request id and size),
//! hashing and copying them is wasted work, so the memo rests: after a stretch of [`WINDOW`] lookups
//! with fewer than one hit in [`MIN_HIT_RATIO`], it skips the next [`REST`] messages, then tries again.

/// Slots in the table (a power of two).
const SLOTS: usize = 4096;
/// Longer messages are not remembered (they rarely repeat, and would hold much memory).
const MAX_MESSAGE: usize = 512;
/// Lookups per judgement of the hit rate.
const WINDOW: u32 = 4096;
/// Below one hit in this many lookups the memo rests.
const MIN_HIT_RATIO: u32 = 8;
/// Messages skipped while resting.
const REST: u32 = 65_536;

#[derive(Debug, Default, Clone)]
struct Slot {
    hash: u64,
    sig: u32,
    msg: Vec<u8>,
}

/// See the module docs.
#[derive(Debug)]
pub struct MessageMemo {
    slots: Vec<Slot>,
    /// Lookups and hits in the current window.
    lookups: u32,
    hits: u32,
    /// Messages still to skip while resting.
    resting: u32,
}

impl MessageMemo {
    pub fn new() -> Self {
        MessageMemo {
            slots: vec![Slot::default(); SLOTS],
            lookups: 0,
            hits: 0,
            resting: 0,
        }
    }

    /// Whether to look the next message up at all (`false` while resting: then neither
    /// [`MessageMemo::get`] nor [`MessageMemo::put`] is worth calling).
    #[inline]
    pub fn active(&mut self) -> bool {
        if self.resting > 0 {
            self.resting -= 1;
            return false;
        }
        if self.lookups >= WINDOW {
            if self.hits * MIN_HIT_RATIO < self.lookups {
                self.resting = REST;
            }
            self.lookups = 0;
            self.hits = 0;
        }
        self.lookups += 1;
        true
    }

    fn slot(hash: u64) -> usize {
        // The high bits: FxHash mixes them best.
        (hash >> 52) as usize & (SLOTS - 1)
    }

    /// The signature of `msg` (whose hash is `hash`), if it was mined recently.
    #[inline]
    pub fn get(&mut self, hash: u64, msg: &[u8]) -> Option<u32> {
        let slot = &self.slots[Self::slot(hash)];
        let hit = slot.hash == hash && !slot.msg.is_empty() && slot.msg == msg;
        self.hits += u32::from(hit);
        hit.then_some(slot.sig)
    }

    /// Remembers that `msg` has signature `sig`.
    pub fn put(&mut self, hash: u64, msg: &[u8], sig: u32) {
        if msg.is_empty() || msg.len() > MAX_MESSAGE {
            return;
        }
        let slot = &mut self.slots[Self::slot(hash)];
        slot.hash = hash;
        slot.sig = sig;
        slot.msg.clear();
        slot.msg.extend_from_slice(msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_latest_message_of_a_slot() {
        let mut memo = MessageMemo::new();
        memo.put(7, b"handled /healthz", 3);
        assert_eq!(memo.get(7, b"handled /healthz"), Some(3));
        // Same hash, other text (a collision): not a hit.
        assert_eq!(memo.get(7, b"handled /login"), None);
        memo.put(7, b"handled /login", 4);
        assert_eq!(memo.get(7, b"handled /login"), Some(4));
        assert_eq!(memo.get(7, b"handled /healthz"), None);
        // Empty messages are never remembered (an empty slot must not match them).
        memo.put(9, b"", 1);
        assert_eq!(memo.get(9, b""), None);
    }

    #[test]
    fn rests_while_messages_do_not_repeat_and_tries_again() {
        let mut memo = MessageMemo::new();
        let mut looked = 0;
        for i in 0..(WINDOW as u64 + REST as u64 + 10) {
            if memo.active() {
                looked += 1;
                let msg = format!("request {i}");
                assert_eq!(memo.get(i, msg.as_bytes()), None);
                memo.put(i, msg.as_bytes(), 0);
            }
        }
        // One window of lookups, the rest period skipped, then lookups again.
        assert_eq!(looked, WINDOW as usize + 10);
        // Repeating messages keep it looking.
        let mut memo = MessageMemo::new();
        memo.put(1, b"same", 0);
        for _ in 0..(3 * WINDOW) {
            assert!(memo.active());
            assert_eq!(memo.get(1, b"same"), Some(0));
        }
    }
}

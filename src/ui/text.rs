//! The words the UI shows: counts with en-US thousands separators, sizes, rates, and the one status line.
//! The status wording is a contract (issue 2): while loading "Reading 412 MB of 1.0 GB, 40%" (never a
//! count followed by "events"); when done "Indexed 48,770 events from 1 file".

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `"1 event"`, `"2,000 events"`.
pub fn count(n: u64, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{} {singular}s", thousands(n))
    }
}

const KIB: f64 = 1024.0;
const MIB: f64 = KIB * 1024.0;
const GIB: f64 = MIB * 1024.0;

/// A size for people: `"512 bytes"`, `"12 KB"`, `"412 MB"`, `"1.0 GB"` (binary multiples).
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b < KIB {
        count(bytes, "byte")
    } else if b < MIB {
        format!("{:.0} KB", b / KIB)
    } else if b < GIB {
        format!("{:.0} MB", b / MIB)
    } else {
        format!("{:.1} GB", b / GIB)
    }
}

/// Whole percent of `part` in `whole`, never above 100 (an empty whole is complete).
pub fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        100
    } else {
        (part.min(whole) as u128 * 100 / whole as u128) as u64
    }
}

/// `"85 MB/s"` from bytes read in a time.
pub fn rate(bytes: u64, elapsed_ms: u64) -> String {
    if elapsed_ms == 0 {
        return "—".to_string();
    }
    let per_second = (bytes as f64 * 1000.0 / elapsed_ms as f64) as u64;
    format!("{}/s", size(per_second))
}

/// The status line while a load reads its bytes.
pub fn reading(bytes_read: u64, bytes_total: u64) -> String {
    format!(
        "Reading {} of {}, {}%",
        size(bytes_read),
        size(bytes_total),
        percent(bytes_read, bytes_total)
    )
}

/// The status line when loading is done.
pub fn indexed(events: u64, files: u64) -> String {
    format!(
        "Indexed {} from {}",
        count(events, "event"),
        count(files, "file")
    )
}

/// The status line with a filter applied: `"1,234 of 109,607 events match"`.
pub fn matching(matched: u64, total: u64) -> String {
    format!("{} of {} match", thousands(matched), count(total, "event"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_use_en_us_separators_and_singulars() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(109_607), "109,607");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(indexed(48_770, 1), "Indexed 48,770 events from 1 file");
        assert_eq!(indexed(1, 5), "Indexed 1 event from 5 files");
        assert_eq!(indexed(0, 0), "Indexed 0 events from 0 files");
        assert_eq!(matching(1234, 109_607), "1,234 of 109,607 events match");
        assert_eq!(matching(0, 1), "0 of 1 event match");
    }

    #[test]
    fn reading_shows_sizes_and_percent_without_an_event_count() {
        let line = reading(412 * 1024 * 1024, 1024 * 1024 * 1024);
        assert_eq!(line, "Reading 412 MB of 1.0 GB, 40%");
        assert!(!line.contains("event"));
        assert_eq!(reading(0, 0), "Reading 0 bytes of 0 bytes, 100%");
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(20 * 1024), "20 KB");
        assert_eq!(rate(100 * 1024 * 1024, 1000), "100 MB/s");
        assert_eq!(rate(5, 0), "—");
    }
}

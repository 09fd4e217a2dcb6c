//! Time zones in the UI: the display zone every shown time is rendered in (UTC, this browser's zone, or
//! any IANA zone the user picks), and the reading of zone names typed by the user.
//!
//! The worker sends instants as RFC 3339 UTC strings (`2026-07-03T09:00:00.123Z`); [`DisplayZone::show`]
//! renders one in the display zone with its offset (`2026-07-03T11:00:00.123+02:00`), so what a time
//! means is never in doubt. The zone timestamps written without one are *read* in is another setting,
//! per file, kept by the worker (see [`crate::protocol::Request::SetZone`]).
//!
//! The components that show times subscribe to the display zone through a yew context; helpers that
//! are plain functions (the investigation panels' event lines) read the same value from
//! [`current`], which the app sets before its children render.

use std::cell::RefCell;

use crate::engine::time::{
    format_rfc3339, parse_iso, TimeContext, UnknownZone, Zone, NANOS_PER_SEC,
};

/// What the display-zone control offers besides a typed IANA name.
pub const LOCAL: &str = "Local";
pub const UTC: &str = "UTC";

/// Zones offered in the zone pickers (any other IANA name can be typed).
pub const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The zone times are shown in.
#[derive(Debug, Clone)]
pub struct DisplayZone {
    /// As chosen: `UTC`, `Local`, or an IANA name / offset.
    pub choice: String,
    /// This browser's zone (an IANA name), what `Local` stands for.
    pub local: String,
    zone: Zone,
}

impl PartialEq for DisplayZone {
    fn eq(&self, other: &Self) -> bool {
        self.choice == other.choice && self.local == other.local
    }
}

impl Default for DisplayZone {
    fn default() -> Self {
        DisplayZone::utc(UTC)
    }
}

impl DisplayZone {
    /// Times in UTC; `local` is this browser's zone.
    pub fn utc(local: &str) -> Self {
        DisplayZone {
            choice: UTC.to_string(),
            local: local.to_string(),
            zone: Zone::Utc,
        }
    }

    /// The display zone `choice` (`UTC`, `Local` in any case, or a zone name); an error sentence when
    /// the name is no zone.
    pub fn choose(choice: &str, local: &str) -> Result<Self, UnknownZone> {
        let choice = choice.trim();
        let (choice, name) = if choice.eq_ignore_ascii_case(LOCAL) {
            (LOCAL.to_string(), local.to_string())
        } else {
            (canonical_choice(choice), choice.to_string())
        };
        let zone = Zone::parse(&name)?;
        Ok(DisplayZone {
            choice,
            local: local.to_string(),
            zone,
        })
    }

    /// The zone's name as the engine reads it (`Local` resolved to the browser's zone).
    pub fn name(&self) -> &str {
        if self.choice == LOCAL {
            &self.local
        } else {
            &self.choice
        }
    }

    /// How the header names it: `UTC`, `Local (Europe/Paris)`, `Asia/Tokyo`.
    pub fn label(&self) -> String {
        if self.choice == LOCAL {
            format!("{LOCAL} ({})", self.local)
        } else {
            self.choice.clone()
        }
    }

    pub fn is_utc(&self) -> bool {
        matches!(self.zone, Zone::Utc)
    }

    /// An instant (ns since the epoch) as RFC 3339 in this zone: `…Z` in UTC, else with its offset.
    pub fn format(&self, ns: i64) -> String {
        format_in_zone(ns, &self.zone)
    }

    /// A time the worker sent (RFC 3339, normally UTC) shown in this zone; text that is not such a
    /// time is shown as it is.
    pub fn show(&self, rfc3339: &str) -> String {
        match instant_of(rfc3339) {
            Some(ns) => self.format(ns),
            None => rfc3339.to_string(),
        }
    }

    /// [`DisplayZone::show`] for an optional time (`—` when there is none).
    pub fn show_opt(&self, rfc3339: Option<&str>) -> String {
        rfc3339.map_or_else(|| "—".to_string(), |t| self.show(t))
    }
}

/// `utc` → `UTC`; other names as typed (IANA names are case-sensitive in their usual spelling).
fn canonical_choice(choice: &str) -> String {
    if choice.eq_ignore_ascii_case(UTC) || choice == "Z" || choice.eq_ignore_ascii_case("gmt") {
        UTC.to_string()
    } else {
        choice.to_string()
    }
}

/// The instant of an RFC 3339 time with its zone.
pub fn instant_of(rfc3339: &str) -> Option<i64> {
    let (stamp, used) = parse_iso(rfc3339.trim().as_bytes())?;
    if used != rfc3339.trim().len() {
        return None;
    }
    TimeContext::default().resolve(&stamp)
}

/// An instant as RFC 3339 in `zone`: `2026-07-03T09:00:00Z` in UTC, `2026-07-03T11:00:00+02:00` in
/// Paris in summer (fraction digits as [`format_rfc3339`] writes them).
pub fn format_in_zone(ns: i64, zone: &Zone) -> String {
    if matches!(zone, Zone::Utc) {
        return format_rfc3339(ns);
    }
    let offset_s = zone.offset_at(ns);
    let mut wall = format_rfc3339(ns.saturating_add(offset_s * NANOS_PER_SEC));
    wall.pop(); // the `Z`
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.abs();
    wall.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60));
    wall
}

/// Reads a zone typed for a file (`UTC`, an IANA name, an offset): the name to send, or the sentence
/// saying why it is no zone.
pub fn file_zone(typed: &str, local: &str) -> Result<String, UnknownZone> {
    let typed = typed.trim();
    let name = if typed.eq_ignore_ascii_case(LOCAL) {
        local.to_string()
    } else {
        canonical_choice(typed)
    };
    Zone::parse(&name).map(|_| name)
}

thread_local! {
    static CURRENT: RefCell<DisplayZone> = RefCell::new(DisplayZone::default());
}

/// Makes `zone` the one [`current`] returns (the app calls it as it renders).
pub fn set_current(zone: &DisplayZone) {
    CURRENT.with(|c| {
        if *c.borrow() != *zone {
            *c.borrow_mut() = zone.clone();
        }
    });
}

/// The display zone as of the app's last render.
pub fn current() -> DisplayZone {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn times_are_shown_in_the_display_zone_with_their_offset() {
        let utc = DisplayZone::utc("Europe/Paris");
        assert_eq!(
            utc.show("2026-07-03T09:00:00.123Z"),
            "2026-07-03T09:00:00.123Z"
        );
        let local = DisplayZone::choose("local", "Europe/Paris").unwrap();
        assert_eq!(local.choice, "Local");
        assert_eq!(local.name(), "Europe/Paris");
        assert_eq!(local.label(), "Local (Europe/Paris)");
        assert_eq!(
            local.show("2026-07-03T09:00:00.123Z"),
            "2026-07-03T11:00:00.123+02:00"
        );
        // Winter time in Paris is one hour ahead; New York is behind UTC.
        assert_eq!(
            local.show("2026-01-15T23:30:00Z"),
            "2026-01-16T00:30:00+01:00"
        );
        let ny = DisplayZone::choose("America/New_York", "Europe/Paris").unwrap();
        assert_eq!(ny.label(), "America/New_York");
        assert_eq!(ny.show("2026-07-03T02:00:00Z"), "2026-07-02T22:00:00-04:00");
        assert_eq!(
            format_in_zone(0, &Zone::parse("Asia/Kolkata").unwrap()),
            "1970-01-01T05:30:00+05:30"
        );
        assert_eq!(ny.show("not a time"), "not a time");
        assert_eq!(ny.show_opt(None), "—");
        assert_eq!(
            DisplayZone::choose("utc", "Asia/Tokyo").unwrap().choice,
            "UTC"
        );
        assert!(DisplayZone::choose("Mars/Olympus", "UTC").is_err());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn zones_typed_for_a_file_are_checked_before_they_are_sent() {
        assert_eq!(file_zone(" utc ", "Europe/Paris").unwrap(), "UTC");
        assert_eq!(file_zone("Local", "Europe/Paris").unwrap(), "Europe/Paris");
        assert_eq!(file_zone("+05:30", "UTC").unwrap(), "+05:30");
        assert_eq!(
            file_zone("America/Chicago", "UTC").unwrap(),
            "America/Chicago"
        );
        let e = file_zone("Nowhere/Special", "UTC").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("unknown time zone \"Nowhere/Special\""));
    }
}

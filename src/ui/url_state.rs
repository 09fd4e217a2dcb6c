//! The view in the URL fragment: the filter text, the time range, the order, the selected row and the
//! display time zone live
//! in `location.hash` (never the query string, which would be sent to the server), so the back button
//! steps through filters and a view can be bookmarked.
//!
//! The fragment reads `#q=level%3Aerror&from=2026-07-03T10:40:00Z&to=2026-07-03T10:45:00Z&order=newest&row=12&tz=Asia/Tokyo`
//! (`row` counts from 1; `tz` is absent for UTC, `Local` for this browser's zone). Reading is forgiving: unknown keys and unreadable values are ignored, times
//! may be RFC 3339 or epoch milliseconds. A new filter, range or order is a new history entry
//! (`pushState`); moving the selection only replaces the current entry. On load the fragment is
//! applied at once; the selection waits until the files are loaded again.

use gloo::events::EventListener;
use wasm_bindgen::JsValue;
use yew::{hook, use_effect_with, use_mut_ref};

use super::commands::Commands;
use super::query_state::QueryAction;
use super::state::{Action, AppState};
use crate::engine::query::plan::parse_query_time;
use crate::engine::time::{format_rfc3339, Zone};
use crate::protocol::query::TimeRange;

/// What the fragment holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub range: Option<TimeRange>,
    pub newest_first: bool,
    /// The selected row, 0-based here (1-based in the URL).
    pub selected: Option<u32>,
    /// The display zone as chosen (`Local`, a zone name); None for UTC.
    pub zone: Option<String>,
}

impl Fragment {
    pub fn of(state: &AppState) -> Self {
        Fragment {
            text: state.query.text.clone(),
            range: state.query.range,
            newest_first: state.newest_first,
            selected: state.query.selected.or(state.query.pending_selection),
            zone: (!state.display.is_utc()).then(|| state.display.choice.clone()),
        }
    }

    /// The fragment without `#` (empty for the default view).
    pub fn encode(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.text.is_empty() {
            parts.push(format!("q={}", percent_encode(&self.text)));
        }
        if let Some(r) = self.range {
            parts.push(format!("from={}", percent_encode(&format_ms(r.from_ms))));
            parts.push(format!("to={}", percent_encode(&format_ms(r.to_ms))));
        }
        if self.newest_first {
            parts.push("order=newest".into());
        }
        if let Some(s) = self.selected {
            parts.push(format!("row={}", s as u64 + 1));
        }
        if let Some(zone) = &self.zone {
            parts.push(format!("tz={}", percent_encode(zone)));
        }
        parts.join("&")
    }

    /// Reads a fragment (with or without its `#`), ignoring what it cannot read.
    pub fn decode(fragment: &str) -> Self {
        let mut out = Fragment::default();
        let mut from = None;
        let mut to = None;
        for pair in fragment.trim_start_matches('#').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match key {
                "q" => out.text = value,
                "from" => from = parse_ms(&value),
                "to" => to = parse_ms(&value),
                "order" => out.newest_first = value == "newest",
                "tz" => out.zone = Some(value.trim().to_string()).filter(|z| !z.is_empty()),
                "row" => {
                    out.selected = value
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|r| *r >= 1 && *r <= u32::MAX as u64)
                        .map(|r| (r - 1) as u32)
                }
                _ => {}
            }
        }
        if let (Some(from_ms), Some(to_ms)) = (from, to) {
            if from_ms < to_ms {
                out.range = Some(TimeRange { from_ms, to_ms });
            }
        }
        out
    }
}

fn format_ms(ms: i64) -> String {
    format_rfc3339(ms.saturating_mul(1_000_000))
}

/// Epoch milliseconds, or a time as the query language reads it (UTC when no zone is given).
fn parse_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|c| c.is_ascii_digit()) {
        return value.parse().ok();
    }
    parse_query_time(value, &Zone::Utc).map(|ns| ns.div_euclid(1_000_000))
}

/// Percent-encodes everything but unreserved characters (and `:`, `/`, which read better and are
/// allowed in a fragment).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes percent-encoding (`+` is a space); a broken escape is kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn current_fragment() -> String {
    gloo::utils::window()
        .location()
        .hash()
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_string()
}

fn restore(commands: &Commands) {
    let f = Fragment::decode(&current_fragment());
    commands.dispatch(Action::Query(QueryAction::Restore {
        text: f.text,
        range: f.range,
        newest_first: f.newest_first,
        selected: f.selected,
    }));
    commands.dispatch(Action::SetDisplayZone(
        f.zone.unwrap_or_else(|| "UTC".to_string()),
    ));
}

/// Applies the fragment at start and on Back/Forward, and writes the view into it as it changes.
#[hook]
pub fn use_url_fragment(state: &AppState, commands: &Commands) {
    {
        let commands = commands.clone();
        use_effect_with((), move |_| {
            restore(&commands);
            let window = gloo::utils::window();
            let on_pop = {
                let commands = commands.clone();
                EventListener::new(&window, "popstate", move |_| restore(&commands))
            };
            move || drop(on_pop)
        });
    }
    let fragment = Fragment::of(state);
    let history_key = (
        fragment.text.clone(),
        fragment.range,
        fragment.newest_first,
        fragment.zone.clone(),
    );
    // The first render shows the default view before the fragment is applied: writing it would
    // erase the fragment.
    let first_render = use_mut_ref(|| true);
    use_effect_with(fragment, move |fragment| {
        if std::mem::replace(&mut *first_render.borrow_mut(), false) {
            return;
        }
        let encoded = fragment.encode();
        let current = current_fragment();
        if encoded == current {
            return;
        }
        let was = Fragment::decode(&current);
        let same_view = (was.text, was.range, was.newest_first, was.zone) == history_key;
        let url = if encoded.is_empty() {
            // An empty fragment keeps the path and drops the `#`.
            let location = gloo::utils::window().location();
            location.pathname().unwrap_or_else(|_| "/".into())
        } else {
            format!("#{encoded}")
        };
        if let Ok(history) = gloo::utils::window().history() {
            let _ = if same_view {
                history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
            } else {
                history.push_state_with_url(&JsValue::NULL, "", Some(&url))
            };
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn fragments_round_trip_and_read_forgivingly() {
        let f = Fragment {
            text: "level:error \"timed out\" é&x=1 #".into(),
            range: Some(TimeRange {
                from_ms: 1_783_069_200_000,
                to_ms: 1_783_069_500_500,
            }),
            newest_first: true,
            selected: Some(11),
            zone: Some("America/New_York".into()),
        };
        let encoded = f.encode();
        assert!(encoded.starts_with("q=level:error%20%22timed%20out%22%20%C3%A9%26x%3D1%20%23"));
        assert!(encoded.contains("from=2026-07-03T09:00:00Z"), "{encoded}");
        assert!(encoded.ends_with("&order=newest&row=12&tz=America/New_York"));
        assert_eq!(Fragment::decode(&format!("#{encoded}")), f);
        assert_eq!(Fragment::default().encode(), "");
        let forgiving = Fragment::decode("#q=a+b&row=zero&from=1000&to=500&junk&order=sideways");
        assert_eq!(forgiving.text, "a b");
        assert_eq!(forgiving.selected, None);
        assert_eq!(forgiving.range, None);
        assert!(!forgiving.newest_first);
        assert_eq!(forgiving.zone, None);
        assert_eq!(Fragment::decode("tz=Local").zone.as_deref(), Some("Local"));
        assert_eq!(Fragment::decode("tz=").zone, None);
        assert_eq!(
            Fragment::decode("from=1000&to=2000&q=%zz").range,
            Some(TimeRange {
                from_ms: 1000,
                to_ms: 2000
            })
        );
        assert_eq!(Fragment::decode("q=%zz").text, "%zz");
    }
}

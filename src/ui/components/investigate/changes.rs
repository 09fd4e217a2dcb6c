//! The What changed panel: two time windows compared (by default the incident the spike finder marks,
//! or a chosen range, against the same length just before it). Templates, field values, levels and
//! sources are ranked by how much their rate changed, new ones first; the engine's plain-words
//! headline of the top change is shown on top.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::correlate::changes::{ChangeItem, Changes, Direction, ItemKind};
use crate::ui::text;

/// Changes listed at most.
const SHOWN: usize = 50;

#[derive(Properties, PartialEq)]
pub struct ChangesPanelProps {
    pub changes: Option<Rc<Changes>>,
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::New => "new",
        Direction::Up => "up",
        Direction::Vanished => "vanished",
        Direction::Down => "down",
    }
}

fn kind_word(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Template => "message",
        ItemKind::Field => "field",
        ItemKind::Level => "level",
        ItemKind::Source => "source",
    }
}

/// `3.2`, `212`, `0.05` per minute.
fn per_minute(r: f64) -> String {
    if r >= 10.0 {
        text::thousands(r.round() as u64)
    } else if r >= 1.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

fn item(i: &ChangeItem) -> Html {
    let what = match (&i.kind, &i.name) {
        (ItemKind::Field, Some(name)) => format!("{name}={}", i.value),
        _ => i.value.clone(),
    };
    let change = direction_word(i.change);
    html! {
        <li class={classes!("change", format!("change--{change}"))}>
            <span class={classes!("change__badge", format!("change__badge--{change}"))}>{ change }</span>
            <span class="change__kind">{ kind_word(i.kind) }</span>
            <span class="change__value" title={i.example.clone().unwrap_or_else(|| what.clone())}>{ what }</span>
            <span class="change__source">{ i.path.clone() }</span>
            <span class="change__rates">
                { format!("{} → {} /min", per_minute(i.before_per_min), per_minute(i.after_per_min)) }
            </span>
            <span class="change__headline">{ i.headline.clone() }</span>
        </li>
    }
}

/// `10:36:00` from an RFC 3339 time, in the display zone (`12:36:00+02:00` outside UTC).
fn clock(rfc3339: &str) -> String {
    let shown = crate::ui::zones::current().show(rfc3339);
    match shown.split_once('T') {
        Some((_, t)) => t.trim_end_matches('Z').to_string(),
        None => shown,
    }
}

#[function_component(ChangesPanel)]
pub fn changes_panel(props: &ChangesPanelProps) -> Html {
    // Re-rendered when the display zone changes: its times are shown in it.
    let _display = use_context::<crate::ui::zones::DisplayZone>();
    let Some(changes) = props.changes.as_ref() else {
        return html! { <p class="investigate__empty">{ "Comparing the incident window with the time before it…" }</p> };
    };
    let windows = format!(
        "{} – {} compared with {} – {} (UTC).",
        clock(&changes.after.from),
        clock(&changes.after.to),
        clock(&changes.before.from),
        clock(&changes.before.to)
    );
    html! {
        <>
            if let Some(top) = changes.items.first() {
                <p class="changes__headline">{ top.headline.clone() }</p>
            }
            <p class="investigate__note changes__windows">{ windows }</p>
            if changes.items.is_empty() {
                <p class="investigate__empty">{ "Nothing changed its rate noticeably between these windows." }</p>
            } else {
                <ol class="changes__list" aria-label="Changes">
                    { for changes.items.iter().take(SHOWN).map(item) }
                </ol>
            }
        </>
    }
}

//! Shared rendering of events in the investigation panels: one line per event with its time, level,
//! source and first line of text, and the wording of time differences.

use yew::prelude::*;

use crate::engine::correlate::EventRef;
use crate::ui::zones;

/// `+0.25 s`, `+3.0 s`, `+2 min 5 s`, `+1 h 4 min` between steps (null: no time to compare).
pub fn gap(seconds: Option<f64>) -> String {
    let Some(s) = seconds else {
        return String::new();
    };
    let sign = if s < 0.0 { "−" } else { "+" };
    let a = s.abs();
    let body = if a < 1.0 {
        format!("{:.3} s", a)
    } else if a < 60.0 {
        format!("{:.1} s", a)
    } else if a < 3600.0 {
        format!("{} min {} s", (a / 60.0).floor(), (a % 60.0).round())
    } else {
        format!(
            "{} h {} min",
            (a / 3600.0).floor(),
            ((a % 3600.0) / 60.0).round()
        )
    };
    format!("{sign}{body}")
}

/// The first line of an event's text, with `(+N lines)` when it has more.
pub fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    match lines.count() {
        0 => first,
        n => format!("{first}  (+{n} lines)"),
    }
}

/// One event as a list line; `extra` is shown before the time (a step gap, a distance from centre).
/// The time is shown in the display zone.
pub fn event_line(event: &EventRef, extra: String, marked: bool) -> Html {
    let level = event.level.as_str();
    html! {
        <li class={classes!("event-line", format!("row--{level}"), marked.then_some("event-line--marked"))}
            aria-current={marked.then_some("true")}>
            <span class="event-line__extra">{ extra }</span>
            <span class="event-line__time">{ zones::current().show_opt(event.ts.as_deref()) }</span>
            <span class="event-line__level">{ level }</span>
            <span class="event-line__source">{ event.path.clone() }</span>
            <span class="event-line__text" title={event.text.clone()}>{ first_line(&event.text) }</span>
        </li>
    }
}

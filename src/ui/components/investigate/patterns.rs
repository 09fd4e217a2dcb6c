//! The Patterns panel: the message templates of the case, overall or of one source, each with its
//! count, a sparkline over the case's time range, its levels and the values of its placeholders.
//! Clicking a template filters the list to it (through the app's filter, with the query the worker
//! wrote for it).

use std::collections::HashSet;
use std::rc::Rc;

use web_sys::{Element, HtmlSelectElement};
use yew::prelude::*;

use super::sparkline::Sparkline;
use crate::engine::patterns::overview::{PatternsOverview, TemplateLine};
use crate::ui::commands::Commands;
use crate::ui::investigate_state::InvestigateAction;
use crate::ui::text;

/// What the panel says while the worker mines the templates of a load.
pub const FINDING: &str = "Finding patterns…";

#[derive(Properties, PartialEq)]
pub struct PatternsPanelProps {
    pub commands: Commands,
    pub patterns: Option<Rc<PatternsOverview>>,
    /// Show this source's templates only.
    pub source: Option<String>,
    /// Whether the worker is finding the patterns (they are mined after each load): the panel says
    /// so, over the patterns of the files loaded before, if any.
    pub finding: bool,
    /// Filters the list with a query (the app's filter).
    pub on_filter: Callback<String>,
}

/// One template. Its placeholders' values sit in a closed `<details>`; they are put in the page only
/// once it is opened (`open`), as they are most of the panel's elements (hundreds of templates with
/// tens of values each) and are seldom looked at.
fn template_item(
    line: &TemplateLine,
    on_filter: &Callback<String>,
    open: bool,
    on_toggle: &Callback<(String, bool)>,
) -> Html {
    let levels = line
        .levels
        .iter()
        .map(|l| l.as_str())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>();
    let onclick = line.query.clone().map(|q| {
        let on_filter = on_filter.clone();
        Callback::from(move |_: MouseEvent| on_filter.emit(q.clone()))
    });
    let title = match &line.query {
        Some(q) => format!("Filter the list to this pattern: {q}"),
        None => "This pattern has no fixed words to filter by".to_string(),
    };
    html! {
        <li class="pattern">
            <button
                type="button"
                class="pattern__button"
                disabled={line.query.is_none()}
                {onclick}
                {title}
            >
                <span class="pattern__count">{ text::thousands(line.count) }</span>
                <Sparkline counts={line.sparkline.clone()} label={format!("{} over time", text::count(line.count, "event"))} />
                <span class="pattern__text">{ line.text.clone() }</span>
                <span class="pattern__levels">
                    { for levels.iter().map(|l| html! { <span class={classes!("level-chip", format!("level-chip--{l}"))}>{ *l }</span> }) }
                </span>
            </button>
            if !line.fields.is_empty() {
                <details class="pattern__fields" {open} ontoggle={{
                    let on_toggle = on_toggle.clone();
                    let text = line.text.clone();
                    Callback::from(move |e: Event| {
                        let details: Element = e.target_unchecked_into();
                        on_toggle.emit((text.clone(), details.has_attribute("open")));
                    })
                }}>
                    <summary>{ "Values" }</summary>
                    if open {
                        <dl>
                            { for line.fields.iter().map(|f| html! {
                                <>
                                    <dt>{ f.name.clone() }</dt>
                                    <dd>
                                        { for f.values.iter().map(|(v, c)| html! {
                                            <span class="pattern__value">{ format!("{v} ({})", text::thousands(*c)) }</span>
                                        }) }
                                    </dd>
                                </>
                            }) }
                        </dl>
                    }
                </details>
            }
        </li>
    }
}

#[function_component(PatternsPanel)]
pub fn patterns_panel(props: &PatternsPanelProps) -> Html {
    crate::ui::timing::use_render_timing("patterns");
    // The templates whose values are open, by text.
    let open = use_state(HashSet::<String>::new);
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |(text, is_open): (String, bool)| {
            if open.contains(&text) != is_open {
                let mut next = (*open).clone();
                if is_open {
                    next.insert(text);
                } else {
                    next.remove(&text);
                }
                open.set(next);
            }
        })
    };
    let Some(patterns) = props.patterns.as_ref() else {
        let note = if props.finding {
            FINDING
        } else {
            "Patterns appear here once files are loaded."
        };
        return html! { <p class="investigate__empty">{ note }</p> };
    };
    let on_source = {
        let commands = props.commands.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            commands.investigate_action(InvestigateAction::PatternsSource(
                (!value.is_empty()).then_some(value),
            ));
        })
    };
    let (lines, total) = match &props.source {
        Some(name) => match patterns.sources.iter().find(|s| &s.source == name) {
            Some(s) => (&s.templates, s.total),
            None => (&patterns.overall, patterns.overall_total),
        },
        None => (&patterns.overall, patterns.overall_total),
    };
    let loaded_ms = patterns.reading_ms + patterns.mining_ms;
    let share = if loaded_ms > 0.0 {
        format!(
            "Mined in {:.0} ms, {:.0}% of the load time.",
            patterns.mining_ms,
            100.0 * patterns.mining_ms / loaded_ms
        )
    } else {
        String::new()
    };
    html! {
        <>
            <div class="investigate__bar">
                <label class="investigate__label" for="patterns-source">{ "Templates of" }</label>
                <select id="patterns-source" onchange={on_source}>
                    <option value="" selected={props.source.is_none()}>{ "All sources" }</option>
                    { for patterns.sources.iter().map(|s| html! {
                        <option value={s.source.clone()} selected={props.source.as_deref() == Some(s.source.as_str())}>
                            { format!("{} ({})", s.source, text::count(s.total, "template")) }
                        </option>
                    }) }
                </select>
                <span class="investigate__note patterns__summary">
                    { format!("{}. ", text::count(total, "template")) }{ share }
                </span>
                if props.finding {
                    <span class="investigate__note">{ FINDING }</span>
                }
            </div>
            <ol class="patterns__list" aria-label="Templates">
                { for lines.iter().map(|l| template_item(l, &props.on_filter, open.contains(&l.text), &on_toggle)) }
            </ol>
        </>
    }
}

//! The "Related by" panel: the ids of the selected event and, for each, how many events in which
//! sources share it. Clicking an id follows it (the Follow id panel).

use std::rc::Rc;

use yew::prelude::*;

use crate::protocol::investigate::Ask;
use crate::ui::commands::Commands;
use crate::ui::investigate_state::Related;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct RelatedPanelProps {
    pub commands: Commands,
    pub related: Option<Rc<Related>>,
}

#[function_component(RelatedPanel)]
pub fn related_panel(props: &RelatedPanelProps) -> Html {
    let body = match &props.related {
        None => html! { <p class="investigate__empty">{ "Reading the event's ids…" }</p> },
        Some(r) if r.relations.is_empty() => {
            html! { <p class="investigate__empty">{ "This event carries no id." }</p> }
        }
        Some(r) => html! {
            <ul class="related__list">
                { for r.relations.iter().map(|rel| {
                    let commands = props.commands.clone();
                    let value = rel.id.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        commands.investigate(Ask::Follow { value: value.clone() })
                    });
                    let kind = match &rel.key {
                        Some(key) => key.clone(),
                        None => format!("{:?}", rel.kind).to_lowercase(),
                    };
                    let sources = rel
                        .sources
                        .iter()
                        .map(|s| format!("{} in {}", text::thousands(s.events), s.path))
                        .collect::<Vec<_>>()
                        .join(", ");
                    html! {
                        <li class="related__item">
                            <button type="button" class="related__id" {onclick} title={format!("Follow {}", rel.id)}>
                                { rel.id.clone() }
                            </button>
                            <span class="related__kind">{ kind }</span>
                            <span class="related__count">
                                { format!("{} in {}", text::count(rel.events, "event"), text::count(rel.sources.len() as u64, "source")) }
                            </span>
                            <span class="related__sources">{ sources }</span>
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="investigate__side" aria-labelledby="related-heading">
            <h2 class="investigate__title" id="related-heading">{ "Related by" }</h2>
            { body }
        </section>
    }
}

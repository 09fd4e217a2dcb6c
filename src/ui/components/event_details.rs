//! The selected row in full: its time, level, source, every extracted field and the raw text, with
//! the filter's matches marked.

use std::rc::Rc;

use yew::prelude::*;

use super::marked::marked_text;
use crate::protocol::query::EventDetails;
use crate::ui::zones::DisplayZone;

#[derive(Properties, PartialEq)]
pub struct EventDetailsProps {
    pub details: Option<Rc<EventDetails>>,
    pub on_close: Callback<()>,
}

#[function_component(EventDetailsPanel)]
pub fn event_details(props: &EventDetailsProps) -> Html {
    let display = use_context::<DisplayZone>().unwrap_or_default();
    let Some(d) = props.details.clone() else {
        return html! {};
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <section class="details" aria-label="Event details">
            <div class="details__head">
                <h2 class="details__title">{ "Event details" }</h2>
                <button type="button" class="button" onclick={close}>{ "Close" }</button>
            </div>
            <dl class="details__fields">
                <dt>{ "time" }</dt><dd>{ display.show_opt(d.ts.as_deref()) }</dd>
                <dt>{ "level" }</dt><dd>{ d.level.as_str() }</dd>
                <dt>{ "source" }</dt><dd>{ format!("{} ({})", d.source, d.format) }</dd>
                { for d.fields.iter().map(|(k, v)| html! {
                    <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></>
                }) }
            </dl>
            <h3 class="details__subtitle">{ "Raw text" }</h3>
            <pre class="details__raw">{ marked_text(&d.text, &d.marks) }</pre>
        </section>
    }
}

//! Clock skew: the offer to apply an estimated offset ("nginx-access.log runs 3.0 s ahead (48,770
//! shared ids). Apply offset?"), and setting any source's offset by hand (the inputs in the file list
//! call [`set_offset`]). Applying re-merges the timeline in the worker; rows keep their original text.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::correlate::skew::SourceSkew;
use crate::protocol::investigate::{Ask, SkewState};
use crate::ui::commands::Commands;
use crate::ui::investigate_state::InvestigateAction;
use crate::ui::text;

/// Confidence an estimate needs before it is offered.
pub const OFFER_MIN_CONFIDENCE: f64 = 0.8;
/// Smallest offset worth offering, in seconds.
pub const OFFER_MIN_SECONDS: f64 = 0.5;

/// The estimates worth offering: confident, large enough, and not applied yet.
pub fn offers(skew: &SkewState) -> Vec<&SourceSkew> {
    skew.report
        .sources
        .iter()
        .filter(|s| !s.reference && s.linked && s.confidence >= OFFER_MIN_CONFIDENCE)
        .filter(|s| s.offset_s.abs() >= OFFER_MIN_SECONDS)
        .filter(|s| {
            let applied = skew
                .applied_s
                .get(s.source as usize)
                .copied()
                .unwrap_or(0.0);
            (applied - s.offset_s).abs() > 0.01
        })
        .collect()
}

/// "nginx-access.log runs 3.0 s ahead (48,770 shared ids)."
pub fn offer_sentence(s: &SourceSkew) -> String {
    format!(
        "{} runs {:.1} s {} ({} shared {}).",
        s.path,
        s.offset_s.abs(),
        if s.offset_s > 0.0 { "ahead" } else { "behind" },
        text::thousands(s.shared_ids),
        if s.shared_ids == 1 { "id" } else { "ids" }
    )
}

/// Sets the offset of the source named `name` (seconds its clock runs ahead), keeping the others.
pub fn set_offset(commands: &Commands, skew: &SkewState, name: &str, seconds: f64) {
    let Some(index) = skew.sources.iter().position(|s| s == name) else {
        return;
    };
    let mut offsets_s = skew.applied_s.clone();
    offsets_s.resize(skew.sources.len(), 0.0);
    offsets_s[index] = seconds;
    commands.investigate(Ask::SetOffsets { offsets_s });
}

#[derive(Properties, PartialEq)]
pub struct SkewOfferProps {
    pub commands: Commands,
    pub skew: Option<Rc<SkewState>>,
    pub dismissed: bool,
}

#[function_component(SkewOffer)]
pub fn skew_offer(props: &SkewOfferProps) -> Html {
    let Some(skew) = props.skew.as_ref() else {
        return html! {};
    };
    let offered = offers(skew);
    if offered.is_empty() || props.dismissed {
        return html! {};
    }
    let on_apply = {
        let commands = props.commands.clone();
        let skew = skew.clone();
        Callback::from(move |_: MouseEvent| {
            let mut offsets_s = skew.applied_s.clone();
            offsets_s.resize(skew.sources.len(), 0.0);
            for s in offers(&skew) {
                offsets_s[s.source as usize] = s.offset_s;
            }
            commands.investigate(Ask::SetOffsets { offsets_s });
        })
    };
    let on_dismiss = {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| {
            commands.investigate_action(InvestigateAction::DismissSkew)
        })
    };
    html! {
        <section class="skew-offer" aria-labelledby="skew-heading">
            <h2 class="visually-hidden" id="skew-heading">{ "Clock skew" }</h2>
            <p class="skew-offer__text">
                { for offered.iter().map(|s| html! { <span class="skew-offer__sentence">{ offer_sentence(s) }</span> }) }
                { " Apply offset?" }
            </p>
            <button type="button" class="button button--primary" onclick={on_apply}>{ "Apply offset" }</button>
            <button type="button" class="button" onclick={on_dismiss}>{ "Dismiss" }</button>
        </section>
    }
}

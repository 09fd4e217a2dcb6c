//! Facets: for level, source and the extracted fields most matches have, their top values with
//! counts under the current filter (numeric fields also show min, p50, p90, p99 and max). A click on
//! a value adds `field:value` to the filter, an Alt-click `-field:value`.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::query::{Facet, Facets};
use crate::ui::commands::Commands;
use crate::ui::query_state::QueryAction;
use crate::ui::state::Action;
use crate::ui::text::thousands;

#[derive(Properties, PartialEq)]
pub struct FacetsProps {
    pub commands: Commands,
    pub facets: Option<Rc<Facets>>,
    /// The committed filter text the clicks edit.
    pub text: AttrValue,
}

/// A value as the query language reads it: bare when it is one plain word, else quoted.
fn value_term(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b'@'));
    if plain {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('"', " "))
    }
}

/// The term a facet click adds: `field:value` (`level=value`, exactly that level), or its negation.
pub fn facet_term(field: &str, value: &str, exclude: bool) -> String {
    let op = if field == "level" { "=" } else { ":" };
    let sign = if exclude { "-" } else { "" };
    format!("{sign}{field}{op}{}", value_term(value))
}

/// `text` with `term` added at the end (unless it is already there).
pub fn with_term(text: &str, term: &str) -> String {
    let text = text.trim();
    if text.split_whitespace().any(|t| t == term) {
        return text.to_string();
    }
    if text.is_empty() {
        term.to_string()
    } else {
        format!("{text} {term}")
    }
}

/// A number as shown in a distribution: whole numbers plainly, others with up to 3 decimals.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        thousands_signed(n as i64)
    } else {
        let s = format!("{n:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn thousands_signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", thousands(n.unsigned_abs()))
    } else {
        thousands(n as u64)
    }
}

fn facet_view(facet: &Facet, text: &AttrValue, commands: &Commands) -> Html {
    let values = facet.top.iter().map(|v| {
        let onclick = {
            let commands = commands.clone();
            let text = text.clone();
            let field = facet.field.clone();
            let value = v.value.clone();
            Callback::from(move |e: MouseEvent| {
                let term = facet_term(&field, &value, e.alt_key());
                commands.dispatch(Action::Query(QueryAction::SetText(with_term(&text, &term))));
            })
        };
        html! {
            <li>
                <button type="button" class="facet__value" title="Click to keep only this value; Alt-click to leave it out" {onclick}>
                    <span class="facet__name">{ if v.value.is_empty() { "(empty)".to_string() } else { v.value.clone() } }</span>
                    <span class="facet__count">{ thousands(v.count) }</span>
                </button>
            </li>
        }
    });
    let more = facet.distinct.saturating_sub(facet.top.len() as u64);
    html! {
        <div class="facet">
            <h3 class="facet__field">
                { facet.field.clone() }
                <span class="facet__events">{ format!(" {}", thousands(facet.events)) }</span>
            </h3>
            if let Some(d) = &facet.numeric {
                <p class="facet__numeric">
                    { format!("min {} · p50 {} · p90 {} · p99 {} · max {}", number(d.min), number(d.p50), number(d.p90), number(d.p99), number(d.max)) }
                </p>
            }
            <ul class="facet__values">{ for values }</ul>
            if more > 0 {
                <p class="facet__more">{ format!("{}{} more values", thousands(more), if facet.distinct_capped { "+" } else { "" }) }</p>
            }
        </div>
    }
}

#[function_component(FacetsPanel)]
pub fn facets_panel(props: &FacetsProps) -> Html {
    crate::ui::timing::use_render_timing("facets");
    let Some(facets) = props.facets.clone() else {
        return html! {};
    };
    let note = if facets.examined < facets.matched {
        format!(
            "Fields from {} of {} matches, spread evenly.",
            thousands(facets.examined),
            thousands(facets.matched)
        )
    } else {
        format!("Fields of {} matches.", thousands(facets.matched))
    };
    html! {
        <section class="facets" aria-label="Fields">
            <h2 class="facets__title">{ "Fields" }</h2>
            <p class="hint facets__note">{ note }</p>
            { for facets.facets.iter().filter(|f| !f.top.is_empty()).map(|f| facet_view(f, &props.text, &props.commands)) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn clicks_add_terms_the_query_language_reads() {
        assert_eq!(facet_term("status", "502", false), "status:502");
        assert_eq!(facet_term("level", "warn", false), "level=warn");
        assert_eq!(
            facet_term("service", "payment-gateway", true),
            "-service:payment-gateway"
        );
        assert_eq!(
            facet_term("msg", "timed out (30s)", false),
            "msg:\"timed out (30s)\""
        );
        assert_eq!(with_term("", "status:502"), "status:502");
        assert_eq!(
            with_term("level:error ", "status:502"),
            "level:error status:502"
        );
        assert_eq!(with_term("status:502", "status:502"), "status:502");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(30000.0), "30,000");
        assert_eq!(number(17.25), "17.25");
    }
}

//! The page's one status region (role="status"): progress while loading, the totals when done.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub text: AttrValue,
}

#[function_component(Status)]
pub fn status(props: &StatusProps) -> Html {
    html! {
        <p class="status" role="status">{ props.text.clone() }</p>
    }
}

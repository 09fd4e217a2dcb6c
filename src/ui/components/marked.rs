//! Text with the filter's matches marked: `<mark>` around each matched byte range.

use yew::prelude::*;

/// `text` with the byte ranges `marks` (sorted, not overlapping) wrapped in `<mark>`; ranges past
/// the end of `text` or off character boundaries are skipped.
pub fn marked_text(text: &str, marks: &[(u32, u32)]) -> Html {
    if marks.is_empty() {
        return html! { { text.to_string() } };
    }
    let mut parts: Vec<Html> = Vec::with_capacity(marks.len() * 2 + 1);
    let mut at = 0usize;
    for &(start, end) in marks {
        let (start, end) = (start as usize, (end as usize).min(text.len()));
        if start < at || start >= end {
            continue;
        }
        let (Some(before), Some(hit)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        if !before.is_empty() {
            parts.push(html! { { before.to_string() } });
        }
        parts.push(html! { <mark class="match">{ hit.to_string() }</mark> });
        at = end;
    }
    if let Some(rest) = text.get(at..) {
        if !rest.is_empty() {
            parts.push(html! { { rest.to_string() } });
        }
    }
    html! { <>{ for parts }</> }
}

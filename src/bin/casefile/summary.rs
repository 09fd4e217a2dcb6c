//! `casefile summary --json [--zone ZONE] FILE...`: one JSON object describing each file as read.

use std::process::ExitCode;
use std::time::Instant;

use casefile::engine::summary::{FileSummary, Summary};

use crate::{parse_read_args, read_all, usage_error};

pub(crate) fn run(args: &[String]) -> ExitCode {
    let args = match parse_read_args(args) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if !args.json {
        return usage_error("summary prints JSON only: add --json");
    }
    let started = Instant::now();
    let sources = read_all(&args.files, &args.zone);
    let files = sources.iter().map(FileSummary::of).collect();
    let summary = Summary::new(files, started.elapsed().as_millis() as u64);
    println!(
        "{}",
        serde_json::to_string(&summary).expect("summary serialises")
    );
    ExitCode::SUCCESS
}

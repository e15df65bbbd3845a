//! A progress bar: elapsed and remaining time, tasks done out of the total
//! with a percentage, and the rate. Drawn on stderr when it is a terminal.
//!
//! Run with `cargo run --example progress_bar`.

use std::time::Duration;

use indicatif::MultiProgress;
use mpire::prelude::*;

/// Runs 100 tasks with a bar drawn in `group`; returns a summary line.
pub fn run(group: MultiProgress) -> String {
    let pool = WorkerPool::new(4);
    let results = (0..100usize)
        .mpire(&pool)
        .progress_bar_group(group)
        .map(|x| {
            std::thread::sleep(Duration::from_millis(20));
            x * x
        });
    format!(
        "{} tasks done, last result {}\n",
        results.len(),
        results[99]
    )
}

fn main() {
    print!("{}", run(MultiProgress::new()));
}

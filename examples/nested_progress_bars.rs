//! Several progress bars at once, with nested pools: the outer pool's bar on
//! the first line, and one line per inner pool below it, at the position of
//! the outer worker running it.
//!
//! Run with `cargo run --example nested_progress_bars`.

use std::time::Duration;

use indicatif::MultiProgress;
use mpire::prelude::*;

/// Each of 100 outer tasks squares 100 numbers on an inner pool of its own.
/// Returns a summary line.
pub fn run(group: MultiProgress) -> String {
    let outer = WorkerPool::new(4);
    let inner_group = group.clone();
    let results = (0..100usize)
        .mpire(&outer)
        .n_splits(4)
        .progress_bar_group(group)
        .progress_bar_position(0)
        .map(move |x| {
            let id = mpire::worker_id().unwrap_or(0);
            let inner = WorkerPool::new(4);
            (x..x + 100)
                .mpire(&inner)
                .progress_bar_group(inner_group.clone())
                .progress_bar_position(id + 1)
                .map(|y| {
                    std::thread::sleep(Duration::from_micros(200));
                    y * y
                })
        });
    let total: usize = results.iter().map(Vec::len).sum();
    format!("{} outer tasks, {total} inner results\n", results.len())
}

fn main() {
    print!("{}", run(MultiProgress::new()));
}

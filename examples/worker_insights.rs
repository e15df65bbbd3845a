//! Worker insights: where the time of a map went, per worker, with the
//! slowest tasks and their arguments.
//!
//! Run with `cargo run --example worker_insights`.

use std::time::Duration;

use mpire::prelude::*;

fn sleep_and_square(x: usize) -> usize {
    std::thread::sleep(Duration::from_millis(x as u64));
    x * x
}

/// The insights report of the map.
pub fn run() -> String {
    let pool = WorkerPool::new(4);
    (0..100usize)
        .mpire(&pool)
        .enable_insights(true)
        .map(sleep_and_square);
    match pool.insights() {
        Some(insights) => insights.to_string(),
        None => "no insights were recorded\n".to_string(),
    }
}

fn main() {
    print!("{}", run());
}

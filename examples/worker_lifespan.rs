//! Worker lifespan: with a lifespan of one task and chunks of one task, every
//! task gets a freshly built worker state.
//!
//! Run with `cargo run --example worker_lifespan`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;

/// The first squares, and how many times a worker state was built.
pub fn run() -> String {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let results = (0..100usize)
        .mpire(&pool)
        .worker_lifespan(1)
        .chunk_size(1)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .map(|x| x * x);
    format!(
        "{:?}\nworker states built: {}\n",
        &results[..6],
        inits.load(Ordering::Relaxed)
    )
}

fn main() {
    print!("{}", run());
}

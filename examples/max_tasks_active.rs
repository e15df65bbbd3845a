//! Maximum number of active tasks: an endless input streams through `imap`
//! in constant memory, because at most `max_tasks_active` tasks are pulled
//! from it and not yet handed back.
//!
//! Run with `cargo run --release --example max_tasks_active`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;

/// Squares the first million numbers of an endless input declared as
/// `usize::MAX` long, with two active tasks per worker chunk; reports the
/// most tasks that were ever pulled and not yet handed back.
pub fn run() -> String {
    let pool = WorkerPool::new(4);
    let chunk_size = 1000;
    let bound = 2 * pool.n_jobs() * chunk_size;

    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let endless = (0usize..).inspect(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let mut returned = 0usize;
    let mut peak = 0usize;
    let mut first = Vec::new();
    for square in endless
        .mpire_bridge(&pool)
        .iterable_len(usize::MAX)
        .chunk_size(chunk_size)
        .max_tasks_active(bound)
        .imap(|x: usize| x.wrapping_mul(x))
        .take(1_000_000)
    {
        returned += 1;
        peak = peak.max(pulled.load(Ordering::Relaxed) - returned + 1);
        if first.len() < 6 {
            first.push(square);
        }
    }
    format!(
        "{first:?}\n{returned} results; at most {peak} tasks active (max_tasks_active {bound})\n"
    )
}

fn main() {
    print!("{}", run());
}

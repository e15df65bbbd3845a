//! Worker init and exit: every worker counts the even numbers it sees in a
//! state built once by `worker_init`; `worker_exit` returns the count.
//!
//! Run with `cargo run --example worker_init_exit`.

use mpire::prelude::*;

/// The per-worker counts and their sum, one line each.
pub fn run() -> String {
    let pool = WorkerPool::new(4);
    let run = (0..100usize)
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .map_with_state(|count_even, x| {
            if x % 2 == 0 {
                *count_even += 1;
            }
            // A task of some length, so that every worker gets some of them.
            std::thread::sleep(std::time::Duration::from_millis(2));
            x * x
        });
    let counts = run.exit_results();
    format!("{counts:?}\n{}\n", counts.iter().sum::<usize>())
}

fn main() {
    print!("{}", run());
}

//! Task chunking: MPIRE's `chunk_tasks` cuts an input exactly as the map
//! functions do, by a number of splits, by a (fractional) chunk size, or over
//! a generator whose length is given with `iterable_len`.
//!
//! Prints the three outputs of MPIRE's documentation, one per line:
//!
//! ```text
//! [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
//! [[0, 1, 2], [3, 4], [5, 6, 7], [8, 9]]
//! [[0, 1], [2, 3], [4], [5, 6], [7, 8], [9]]
//! ```
//!
//! Run with `cargo run --example task_chunking`.

use mpire::utils::chunk_tasks;

/// The three chunkings, one per line.
pub fn run() -> Result<String, mpire::Error> {
    // Ten tasks in three chunks: sizes 10/3 = 3.33.. spread as 4, 3, 3.
    let by_splits: Vec<Vec<u32>> = chunk_tasks(0..10).n_splits(3).build()?.collect();

    // A fractional chunk size alternates: 3, 2, 3, 2.
    let by_size: Vec<Vec<u32>> = chunk_tasks(0..10).chunk_size(2.5).build()?.collect();

    // A generator cannot tell its length, so `n_splits` needs `iterable_len`.
    let mut next = 0u32;
    let generator = std::iter::from_fn(move || {
        (next < 10).then(|| {
            next += 1;
            next - 1
        })
    });
    let from_generator: Vec<Vec<u32>> = chunk_tasks(generator)
        .iterable_len(10)
        .n_splits(6)
        .build()?
        .collect();

    Ok(format!("{by_splits:?}\n{by_size:?}\n{from_generator:?}\n"))
}

fn main() -> Result<(), mpire::Error> {
    print!("{}", run()?);
    Ok(())
}

//! A plain iterator of 10 M items, mapped in parallel with the results in
//! input order: the bridge's `imap` (chunks of 1,000) against rayon's
//! `par_bridge` followed by a sort, and against pariter's ordered
//! `parallel_map`.
//!
//! The input is `(0..n).filter(|_| true)`: a plain iterator whose length is
//! not known in advance, as a generator's would not be. Every entry returns
//! the same `Vec<u64>`, in input order.
//!
//! pariter sends every item through a channel of its own. With its default
//! bound of `2 * threads` items in flight its threads mostly wait on each
//! other (about 2.5 s per million items on two busy cores), so at 10 M it
//! runs with the same bound as our default `max_tasks_active`
//! (`2 * n_jobs * chunk_size` = 4,000 items), and its default is compared
//! on 1 M items in a group of its own.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mpire::prelude::*;
use pariter::IteratorExt as _;

const N: u64 = 10_000_000;
const N_SMALL: u64 = 1_000_000;
const WORKERS: usize = 2;
const CHUNK_SIZE: usize = 1_000;
/// Our default `max_tasks_active` for this chunk size and pool.
const IN_FLIGHT: usize = 2 * WORKERS * CHUNK_SIZE;

fn input(n: u64) -> impl Iterator<Item = u64> {
    (0..n).filter(|_| true)
}

fn square(x: u64) -> u64 {
    x * x
}

fn with_bridge(pool: &WorkerPool, n: u64) -> Vec<u64> {
    input(n)
        .mpire_bridge(pool)
        .chunk_size(CHUNK_SIZE)
        .imap(square)
        .collect()
}

fn with_par_bridge(pool: &WorkerPool, n: u64) -> Vec<u64> {
    let mut tagged: Vec<(usize, u64)> = pool.install(|| {
        input(n)
            .enumerate()
            .par_bridge()
            .map(|(i, x)| (i, square(x)))
            .collect()
    });
    tagged.sort_unstable_by_key(|&(i, _)| i);
    tagged.into_iter().map(|(_, y)| y).collect()
}

/// pariter's ordered map on `WORKERS` threads of its own, with at most
/// `buffer` items in flight (`None`: its default).
fn with_pariter(n: u64, buffer: Option<usize>) -> Vec<u64> {
    input(n)
        .parallel_map_custom(
            |options| {
                let options = options.threads(WORKERS);
                match buffer {
                    Some(buffer) => options.buffer_size(buffer),
                    None => options,
                }
            },
            square,
        )
        .collect()
}

fn bridge(c: &mut Criterion) {
    let pool = WorkerPool::new(WORKERS);

    let expected: Vec<u64> = input(N).map(square).collect();
    assert!(
        with_bridge(&pool, N) == expected,
        "imap lost or reordered items"
    );
    assert!(
        with_par_bridge(&pool, N) == expected,
        "par_bridge + sort differs"
    );
    assert!(
        with_pariter(N, Some(IN_FLIGHT)) == expected,
        "pariter differs"
    );
    drop(expected);

    let mut group = c.benchmark_group("bridge");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("mpire_bridge_imap", |b| {
        b.iter(|| black_box(with_bridge(&pool, N)))
    });
    group.bench_function("rayon_par_bridge_sort", |b| {
        b.iter(|| black_box(with_par_bridge(&pool, N)))
    });
    group.bench_function("pariter_parallel_map_4000_in_flight", |b| {
        b.iter(|| black_box(with_pariter(N, Some(IN_FLIGHT))))
    });
    group.finish();

    let mut group = c.benchmark_group("bridge_1m");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("mpire_bridge_imap", |b| {
        b.iter(|| black_box(with_bridge(&pool, N_SMALL)))
    });
    group.bench_function("pariter_parallel_map_default", |b| {
        b.iter(|| black_box(with_pariter(N_SMALL, None)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bridge
}
criterion_main!(benches);

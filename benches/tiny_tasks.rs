//! Tiny tasks: `x * x` over 10 M `u64`, collected in order.
//!
//! Every entry does the same work on the same input with the same number of
//! workers; the figure that matters is each entry's time over plain rayon's.
//! The progress-bar entries draw to a hidden target, so the bar bookkeeping
//! runs but nothing reaches the terminal.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use indicatif::{MultiProgress, ParallelProgressIterator, ProgressBar, ProgressDrawTarget};
use mpire::prelude::*;

const N: u64 = 10_000_000;
const WORKERS: usize = 2;

fn square(x: &u64) -> u64 {
    x * x
}

fn tiny_tasks(c: &mut Criterion) {
    // One pool for every entry: rayon's own entries run inside it through
    // `install`, on the very same threads.
    let pool = WorkerPool::new(WORKERS);
    let v: Vec<u64> = (0..N).collect();

    // Every entry must compute the same thing, or the timings mean nothing.
    let expected: Vec<u64> = v.iter().map(square).collect();
    let check: Vec<u64> = v.par_iter().mpire(&pool).map(square);
    assert!(
        check == expected,
        "mpire's map differs from the sequential map"
    );
    drop(check);

    let mut group = c.benchmark_group("tiny_tasks");
    group.sampling_mode(SamplingMode::Flat);

    group.bench_function("rayon", |b| {
        b.iter(|| {
            let out: Vec<u64> = pool.install(|| v.par_iter().map(square).collect());
            black_box(out)
        })
    });
    group.bench_function("mpire_map", |b| {
        b.iter(|| {
            let out: Vec<u64> = v.par_iter().mpire_map(&pool, square).collect();
            black_box(out)
        })
    });
    group.bench_function("mpire_map_builder", |b| {
        b.iter(|| black_box(v.par_iter().mpire(&pool).map(square)))
    });
    group.bench_function("mpire_insights", |b| {
        b.iter(|| black_box(v.par_iter().mpire(&pool).enable_insights(true).map(square)))
    });
    group.bench_function("mpire_hidden_bar", |b| {
        b.iter(|| {
            let hidden = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
            black_box(
                v.par_iter()
                    .mpire(&pool)
                    .progress_bar_group(hidden)
                    .map(square),
            )
        })
    });
    group.bench_function("indicatif_rayon_hidden_bar", |b| {
        b.iter(|| {
            let bar = ProgressBar::with_draw_target(Some(N), ProgressDrawTarget::hidden());
            let out: Vec<u64> =
                pool.install(|| v.par_iter().progress_with(bar).map(square).collect());
            black_box(out)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = tiny_tasks
}
criterion_main!(benches);

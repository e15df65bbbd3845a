//! Per-worker state with a costly constructor (1 ms) over 1 M items:
//! rayon's `map_init` against `worker_init` + `map_with_state`.
//!
//! rayon builds the state once per split, we build it once per worker. The
//! init calls of one map are counted and printed once, before timing.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mpire::prelude::*;

const N: u64 = 1_000_000;
const WORKERS: usize = 2;

static RAYON_INITS: AtomicUsize = AtomicUsize::new(0);
static MPIRE_INITS: AtomicUsize = AtomicUsize::new(0);

/// The costly state: a lookup table that takes a millisecond to build.
fn build_state(counter: &AtomicUsize) -> [u64; 16] {
    counter.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(1));
    std::array::from_fn(|i| i as u64)
}

fn task(table: &mut [u64; 16], x: &u64) -> u64 {
    x.wrapping_mul(table[(*x % 16) as usize] + 1)
}

fn with_rayon(pool: &WorkerPool, v: &[u64]) -> Vec<u64> {
    pool.install(|| {
        v.par_iter()
            .map_init(|| build_state(&RAYON_INITS), task)
            .collect()
    })
}

fn with_mpire(pool: &WorkerPool, v: &[u64]) -> Vec<u64> {
    v.par_iter()
        .mpire(pool)
        .worker_init(|_| build_state(&MPIRE_INITS))
        .map_with_state(task)
        .into_results()
}

fn worker_state(c: &mut Criterion) {
    let pool = WorkerPool::new(WORKERS);
    let v: Vec<u64> = (0..N).collect();

    // One map of each outside the timing loop: the same results, and the
    // init counts that BENCHMARKS.md reports.
    RAYON_INITS.store(0, Ordering::Relaxed);
    MPIRE_INITS.store(0, Ordering::Relaxed);
    let ours = with_mpire(&pool, &v);
    let theirs = with_rayon(&pool, &v);
    assert!(ours == theirs, "map_with_state differs from map_init");
    println!(
        "worker_state: init calls for one map of {N} items on {WORKERS} workers: \
         rayon map_init {}, mpire worker_init {}",
        RAYON_INITS.load(Ordering::Relaxed),
        MPIRE_INITS.load(Ordering::Relaxed),
    );

    let mut group = c.benchmark_group("worker_state");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("rayon_map_init", |b| {
        b.iter(|| black_box(with_rayon(&pool, &v)))
    });
    group.bench_function("mpire_worker_init", |b| {
        b.iter(|| black_box(with_mpire(&pool, &v)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = worker_state
}
criterion_main!(benches);

//! Uneven tasks: 20 k tasks that spin from 0 to 100 µs, most of them short
//! and a few long, in order (`map`) and in completion order
//! (`map_unordered`), against plain rayon on the same pool.
//!
//! rayon has no unordered collect; its ordered `collect` costs it nothing
//! extra, so it is the peer of both of our forms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mpire::prelude::*;

const N: u32 = 20_000;
const WORKERS: usize = 2;
const LONGEST: Duration = Duration::from_micros(100);

/// The spin time of task `i`: a fixed pseudo-random draw `u` in [0, 1),
/// raised to the 4th power, so the mean is a fifth of the longest and most
/// tasks are much shorter than that.
fn spin_time(i: u32) -> Duration {
    // SplitMix64's finaliser: a well-mixed, reproducible draw per index.
    let mut z = u64::from(i).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let u = (z >> 11) as f64 / (1u64 << 53) as f64;
    LONGEST.mul_f64(u.powi(4))
}

fn task(&i: &u32) -> u32 {
    let spin = spin_time(i);
    let start = Instant::now();
    while start.elapsed() < spin {
        std::hint::spin_loop();
    }
    i
}

fn uneven(c: &mut Criterion) {
    let pool = WorkerPool::new(WORKERS);
    let v: Vec<u32> = (0..N).collect();
    let total: Duration = v.iter().map(|&i| spin_time(i)).sum();
    let long = v.iter().filter(|&&i| spin_time(i) > LONGEST / 2).count();
    println!(
        "uneven: {N} tasks, {long} longer than {:?}, {:?} of spinning in all",
        LONGEST / 2,
        total
    );

    let mut group = c.benchmark_group("uneven");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("rayon", |b| {
        b.iter(|| {
            let out: Vec<u32> = pool.install(|| v.par_iter().map(task).collect());
            black_box(out)
        })
    });
    group.bench_function("mpire_map", |b| {
        b.iter(|| black_box(v.par_iter().mpire(&pool).map(task)))
    });
    group.bench_function("mpire_map_unordered", |b| {
        b.iter(|| black_box(v.par_iter().mpire(&pool).map_unordered(task)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = uneven
}
criterion_main!(benches);

//! `+ 5.0` over the rows of a 10 M x 3 `f64` array: `mpire_rows` (a new
//! array, concatenated from the chunks' outputs) and `mpire_rows_mut` (in
//! place) against ndarray's own parallel `Zip`, run inside the same pool.
//!
//! ndarray's `par_map_collect` is the peer of the allocating form and
//! `par_for_each` the peer of the in-place form.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mpire::prelude::*;
use ndarray::{Array2, Zip};

const ROWS: usize = 10_000_000;
const WORKERS: usize = 2;

fn ndarray_rows(c: &mut Criterion) {
    let pool = WorkerPool::new(WORKERS);
    let a = Array2::from_shape_fn((ROWS, 3), |(i, j)| (i * 3 + j) as f64);

    let expected = &a + 5.0;
    let ours: Array2<f64> = a.mpire_rows(&pool).map(|rows| &rows + 5.0);
    assert!(ours == expected, "mpire_rows differs from ndarray");
    let mut inplace = a.clone();
    inplace
        .mpire_rows_mut(&pool)
        .for_each(|mut rows| rows += 5.0);
    assert!(inplace == expected, "mpire_rows_mut differs from ndarray");
    drop((ours, inplace, expected));

    let mut group = c.benchmark_group("ndarray_rows");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("zip_par_map_collect", |b| {
        b.iter(|| black_box(pool.install(|| Zip::from(&a).par_map_collect(|x| x + 5.0))))
    });
    group.bench_function("mpire_rows_map", |b| {
        b.iter(|| {
            let out: Array2<f64> = a.mpire_rows(&pool).map(|rows| &rows + 5.0);
            black_box(out)
        })
    });
    let mut m = a.clone();
    group.bench_function("zip_par_for_each", |b| {
        b.iter(|| pool.install(|| Zip::from(&mut m).par_for_each(|x| *x += 5.0)))
    });
    group.bench_function("mpire_rows_mut_for_each", |b| {
        b.iter(|| m.mpire_rows_mut(&pool).for_each(|mut rows| rows += 5.0))
    });
    black_box(&m);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = ndarray_rows
}
criterion_main!(benches);

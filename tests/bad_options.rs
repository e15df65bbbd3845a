//! The bad-options table of the design: every value an option cannot take is
//! reported as `ErrorKind::InvalidOption`, naming the option and the value,
//! before any task runs.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;
use mpire::utils::chunk_tasks;
use mpire::{ChunkSize, Error, ErrorKind, Mpire};

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        panic!("a panic payload without text")
    }
}

/// The error names `option` and `value`, in the accessors and the message.
fn assert_invalid(err: &Error, option: &str, value: &str) {
    assert_eq!(err.kind(), ErrorKind::InvalidOption, "{err}");
    assert_eq!(err.option(), Some(option), "{err}");
    assert_eq!(err.value(), Some(value), "{err}");
    assert!(!err.is_panic());
    assert_eq!(err.task_index(), None);
    let message = err.to_string();
    assert!(message.contains(option), "{message}");
    assert!(message.contains(&format!("got {value}")), "{message}");
}

/// Runs `try_map` with the options set by `set`, checking that it fails with
/// `option` and `value` and that no task ran.
fn assert_refused(
    set: impl Fn(Mpire<'_, rayon::range::Iter<usize>>) -> Mpire<'_, rayon::range::Iter<usize>>,
    option: &str,
    value: &str,
) {
    let pool = WorkerPool::new(2);
    let ran = AtomicUsize::new(0);
    let err = set((0..100usize).mpire(&pool))
        .try_map(|x| {
            ran.fetch_add(1, Ordering::Relaxed);
            x
        })
        .unwrap_err();
    assert_invalid(&err, option, value);
    assert_eq!(
        ran.load(Ordering::Relaxed),
        0,
        "tasks ran despite a bad option"
    );

    let err = set((0..100usize).mpire(&pool))
        .try_map_unordered(|x| x)
        .unwrap_err();
    assert_invalid(&err, option, value);

    let err = set((0..100usize).mpire(&pool))
        .try_map_with_state(|(), x| x)
        .unwrap_err();
    assert_invalid(&err, option, value);

    let mut lazy = set((0..100usize).mpire(&pool)).imap(|x| x);
    let err = lazy.try_next().expect("the failure").unwrap_err();
    assert_invalid(&err, option, value);
    assert!(lazy.try_next().is_none());

    let payload = catch_unwind(AssertUnwindSafe(|| {
        set((0..100usize).mpire(&pool)).map(|x| x)
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(
        message.contains(option) && message.contains(value),
        "{message}"
    );

    let payload = catch_unwind(AssertUnwindSafe(|| {
        set((0..100usize).into_par_iter().mpire(&pool))
            .mpire_map(|x| x)
            .sum::<usize>()
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(
        message.contains(option) && message.contains(value),
        "{message}"
    );
}

#[test]
fn chunk_size_zero() {
    assert_refused(|b| b.chunk_size(0), "chunk_size", "0");
    assert_refused(|b| b.chunk_size(0u64), "chunk_size", "0");
}

#[test]
fn chunk_size_negative() {
    assert_refused(|b| b.chunk_size(-1), "chunk_size", "-1");
    assert_refused(|b| b.chunk_size(-2.5), "chunk_size", "-2.5");
}

#[test]
fn chunk_size_below_one() {
    assert_refused(|b| b.chunk_size(0.5), "chunk_size", "0.5");
    assert_refused(|b| b.chunk_size(0.0), "chunk_size", "0");
    assert_refused(
        |b| b.chunk_size(0.999f32),
        "chunk_size",
        "0.9990000128746033",
    );
}

#[test]
fn chunk_size_nan() {
    assert_refused(|b| b.chunk_size(f64::NAN), "chunk_size", "NaN");
}

#[test]
fn chunk_size_infinite() {
    assert_refused(|b| b.chunk_size(f64::INFINITY), "chunk_size", "inf");
    assert_refused(|b| b.chunk_size(f64::NEG_INFINITY), "chunk_size", "-inf");
}

#[test]
fn n_splits_zero() {
    assert_refused(|b| b.n_splits(0), "n_splits", "0");
}

/// A bad `chunk_size` is refused even when it would win over a good
/// `n_splits`, and a bad `n_splits` even under a good `chunk_size`.
#[test]
fn both_chunking_options_are_checked() {
    assert_refused(|b| b.n_splits(4).chunk_size(0), "chunk_size", "0");
    assert_refused(|b| b.chunk_size(4).n_splits(0), "n_splits", "0");
}

#[test]
fn worker_lifespan_zero() {
    assert_refused(|b| b.worker_lifespan(0), "worker_lifespan", "0");
}

#[test]
fn max_tasks_active_zero() {
    let pool = WorkerPool::new(2);
    let err = (0..100usize)
        .filter(|_| true)
        .mpire_bridge(&pool)
        .max_tasks_active(0)
        .try_map(|x| x)
        .unwrap_err();
    assert_invalid(&err, "max_tasks_active", "0");
}

#[test]
fn mpire_map_chunk_size_zero_panics_with_the_message() {
    let pool = WorkerPool::new(2);
    let v: Vec<u64> = (0..100).collect();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter()
            .mpire_map(&pool, |x| x * 2)
            .chunk_size(0)
            .sum::<u64>()
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(message.contains("chunk_size"), "{message}");
    assert!(message.contains("got 0"), "{message}");

    // The same on an unindexed input, whose length is unknown.
    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter()
            .filter(|_| true)
            .mpire_map(&pool, |x| x * 2)
            .chunk_size(f64::NAN)
            .sum::<u64>()
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(
        message.contains("chunk_size") && message.contains("NaN"),
        "{message}"
    );

    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter()
            .mpire_map(&pool, |x| x * 2)
            .n_splits(0)
            .collect::<Vec<_>>()
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(message.contains("n_splits"), "{message}");

    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter()
            .mpire_map(&pool, |x| x * 2)
            .worker_lifespan(0)
            .count()
    }))
    .unwrap_err();
    let message = panic_text(&*payload);
    assert!(message.contains("worker_lifespan"), "{message}");
}

#[test]
fn chunk_tasks_refuses_the_same_values() {
    for (size, value) in [
        (ChunkSize::Int(0), "0"),
        (ChunkSize::Int(-1), "-1"),
        (ChunkSize::Float(0.5), "0.5"),
        (ChunkSize::Float(f64::NAN), "NaN"),
        (ChunkSize::Float(f64::INFINITY), "inf"),
    ] {
        let err = chunk_tasks(0..10).chunk_size(size).build().unwrap_err();
        assert_invalid(&err, "chunk_size", value);
    }
    let err = chunk_tasks(0..10).n_splits(0).build().unwrap_err();
    assert_invalid(&err, "n_splits", "0");
}

#[test]
fn n_jobs_zero_in_the_builder_is_an_error() {
    let err = WorkerPool::builder().n_jobs(0).build().unwrap_err();
    assert_invalid(&err, "n_jobs", "0");
}

#[test]
fn n_jobs_zero_in_new_panics_naming_n_jobs() {
    let payload = catch_unwind(|| WorkerPool::new(0)).unwrap_err();
    let message = panic_text(&*payload);
    assert!(message.contains("n_jobs"), "{message}");
    assert!(message.contains("got 0"), "{message}");
}

/// Valid edge values are accepted: the smallest chunk size, a fraction just
/// above it, and a chunk size far larger than the input.
#[test]
fn edge_values_that_are_valid() {
    let pool = WorkerPool::new(2);
    let expected: Vec<usize> = (0..100).collect();
    for size in [
        ChunkSize::Int(1),
        ChunkSize::Float(1.0),
        ChunkSize::Float(1.000_001),
        ChunkSize::Int(i128::MAX),
        ChunkSize::Float(f64::MAX),
    ] {
        let results = (0..100usize).mpire(&pool).chunk_size(size).try_map(|x| x);
        assert_eq!(results.as_ref(), Ok(&expected), "{size:?}");
    }
    let results = (0..100usize)
        .mpire(&pool)
        .n_splits(usize::MAX)
        .worker_lifespan(usize::MAX)
        .try_map(|x| x);
    assert_eq!(results, Ok(expected));
    let counted = Arc::new(AtomicUsize::new(0));
    assert_eq!(
        (0..10usize)
            .mpire(&pool)
            .worker_lifespan(1)
            .worker_init({
                let counted = Arc::clone(&counted);
                move |_| {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            })
            .chunk_size(1)
            .map_with_state(|(), x| x)
            .results(),
        (0..10).collect::<Vec<usize>>()
    );
    assert_eq!(counted.load(Ordering::Relaxed), 10);
}

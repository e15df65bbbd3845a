//! A panic in one task: it reaches the caller with the task index, the
//! worker id and the original message, dispatching stops promptly, and the
//! pool stays usable.
//!
//! The default panic hook prints each task panic to stderr; it is
//! process-wide, so it is left alone.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mpire::ErrorKind;
use mpire::prelude::*;

const N: usize = 1000;
const BAD: usize = 499;
const N_JOBS: usize = 4;

/// The task of these tests: task 499 (the 500th) panics.
fn task(x: usize) -> usize {
    if x == BAD {
        panic!("boom at the 500th item");
    }
    x * 2
}

fn expected() -> Vec<usize> {
    (0..N).map(|x| x * 2).collect()
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        panic!("a panic payload without text")
    }
}

fn assert_task_499(err: &mpire::Error) {
    assert_eq!(err.kind(), ErrorKind::TaskPanicked, "{err}");
    assert!(err.is_panic());
    assert_eq!(err.task_index(), Some(BAD), "{err}");
    assert_eq!(err.panic_message(), Some("boom at the 500th item"));
    assert!(err.worker_id().is_some_and(|w| w < N_JOBS), "{err}");
    let message = err.to_string();
    assert!(message.contains("task 499"), "{message}");
    assert!(message.contains("boom at the 500th item"), "{message}");
}

fn assert_panic_names_task_499(payload: &(dyn Any + Send)) {
    let message = panic_text(payload);
    assert!(message.contains("task 499"), "{message}");
    assert!(message.contains("boom at the 500th item"), "{message}");
}

#[test]
fn try_map_returns_the_task_index_worker_and_message() {
    let pool = WorkerPool::new(N_JOBS);
    for chunk_size in [None, Some(1), Some(7), Some(1000)] {
        let builder = (0..N).mpire(&pool);
        let builder = match chunk_size {
            Some(c) => builder.chunk_size(c),
            None => builder,
        };
        let err = builder.try_map(task).unwrap_err();
        assert_task_499(&err);
    }
    assert_eq!((0..N).mpire(&pool).try_map(|x| x * 2), Ok(expected()));
}

#[test]
fn map_panics_with_the_task_index_and_message_then_the_pool_works() {
    let pool = WorkerPool::new(N_JOBS);
    let payload = catch_unwind(AssertUnwindSafe(|| (0..N).mpire(&pool).map(task))).unwrap_err();
    assert_panic_names_task_499(&*payload);
    assert_eq!((0..N).mpire(&pool).map(|x| x * 2), expected());
}

#[test]
fn map_unordered_reports_the_panic_then_the_pool_works() {
    let pool = WorkerPool::new(N_JOBS);
    let err = (0..N)
        .mpire(&pool)
        .chunk_size(3)
        .try_map_unordered(task)
        .unwrap_err();
    assert_task_499(&err);

    let payload =
        catch_unwind(AssertUnwindSafe(|| (0..N).mpire(&pool).map_unordered(task))).unwrap_err();
    assert_panic_names_task_499(&*payload);

    let mut results = (0..N).mpire(&pool).map_unordered(|x| x * 2);
    results.sort_unstable();
    assert_eq!(results, expected());
}

#[test]
fn imap_try_next_reports_the_panic_once_then_ends() {
    let pool = WorkerPool::new(N_JOBS);
    for ordered in [true, false] {
        let builder = (0..N).into_par_iter().mpire(&pool).chunk_size(5);
        let mut results = if ordered {
            builder.imap(task)
        } else {
            builder.imap_unordered(task)
        };
        let mut ok = Vec::new();
        let mut failures = Vec::new();
        while let Some(next) = results.try_next() {
            match next {
                Ok(r) => ok.push(r),
                Err(e) => failures.push(e),
            }
        }
        assert_eq!(failures.len(), 1, "ordered: {ordered}");
        assert_task_499(&failures[0]);
        assert!(results.try_next().is_none());
        assert!(results.exit_results().is_none());
        if ordered {
            // Results up to the failed chunk come in order, none after it.
            assert!(ok.len() < BAD + 5, "{}", ok.len());
            assert_eq!(ok, expected()[..ok.len()]);
        }
        assert!(!ok.contains(&(BAD * 2)));
    }

    let payload = catch_unwind(AssertUnwindSafe(|| {
        (0..N)
            .into_par_iter()
            .mpire(&pool)
            .imap(task)
            .collect::<Vec<_>>()
    }))
    .unwrap_err();
    assert_panic_names_task_499(&*payload);

    let results: Vec<usize> = (0..N)
        .into_par_iter()
        .mpire(&pool)
        .imap(|x| x * 2)
        .collect();
    assert_eq!(results, expected());
}

#[test]
fn mpire_map_sum_panics_with_the_task_index_then_the_pool_works() {
    let pool = WorkerPool::new(N_JOBS);
    let v: Vec<usize> = (0..N).collect();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter().mpire_map(&pool, |&x| task(x)).sum::<usize>()
    }))
    .unwrap_err();
    assert_panic_names_task_499(&*payload);

    let payload = catch_unwind(AssertUnwindSafe(|| {
        let mut out = Vec::new();
        v.par_iter()
            .mpire_map(&pool, |&x| task(x))
            .chunk_size(10)
            .collect_into_vec(&mut out);
    }))
    .unwrap_err();
    assert_panic_names_task_499(&*payload);

    let total: usize = v.par_iter().mpire_map(&pool, |&x| x * 2).sum();
    assert_eq!(total, expected().iter().sum::<usize>());
}

/// A panic in a rayon callback after `mpire_map` (not in the task) is not a
/// task panic: it propagates with its own payload.
#[test]
fn panic_downstream_of_mpire_map_keeps_its_payload() {
    let pool = WorkerPool::new(2);
    let v: Vec<usize> = (0..N).collect();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter().mpire_map(&pool, |&x| x * 2).for_each(|y| {
            if y == 20 {
                panic!("downstream");
            }
        })
    }))
    .unwrap_err();
    assert_eq!(panic_text(&*payload), "downstream");
    assert_eq!(v.par_iter().mpire_map(&pool, |&x| x).count(), N);
}

#[test]
fn worker_init_panic_is_reported_as_such() {
    let pool = WorkerPool::new(2);
    let err = (0..N)
        .mpire(&pool)
        .worker_init(|_| -> usize { panic!("no state today") })
        .try_map_with_state(|s, x| x + *s)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InitPanicked);
    assert_eq!(err.panic_message(), Some("no state today"));
    assert_eq!(err.task_index(), None);
    assert!(err.worker_id().is_some_and(|w| w < 2));
    assert!(err.to_string().contains("worker_init"), "{err}");
}

/// After a panic in task 10, no new chunk starts: with 2 workers and chunks
/// of one task, far fewer than the 10,000 tasks run.
#[test]
fn dispatch_stops_promptly_after_a_panic() {
    let pool = WorkerPool::new(2);
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let err = (0..10_000usize)
        .mpire(&pool)
        .chunk_size(1)
        .try_map(move |x| {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_micros(100));
            if x == 10 {
                panic!("stop here");
            }
            x
        })
        .unwrap_err();
    assert_eq!(err.task_index(), Some(10));
    // Work stealing runs the chunks in no fixed order: task 10 may be among
    // the first to start, so only the upper bound says something.
    let started = started.load(Ordering::SeqCst);
    assert!(started < 1000, "{started} of 10,000 tasks started");
}

/// The same through the lazy iterator: the failure ends the map early.
#[test]
fn imap_dispatch_stops_promptly_after_a_panic() {
    let pool = WorkerPool::new(2);
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let mut results = (0..10_000usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(1)
        .imap(move |x| {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_micros(100));
            if x == 10 {
                panic!("stop here");
            }
            x
        });
    let failure = std::iter::from_fn(|| results.try_next()).find_map(Result::err);
    assert_eq!(failure.unwrap().task_index(), Some(10));
    let started = started.load(Ordering::SeqCst);
    assert!(started < 1000, "{started} of 10,000 tasks started");
}

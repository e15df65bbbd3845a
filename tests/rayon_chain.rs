//! `.mpire_map` inside rayon chains: the chain gives rayon's answers, and
//! the tasks run on the pool's workers, never on rayon's global pool.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use mpire::prelude::*;

fn f(x: &u64) -> u64 {
    x * x + 1
}

fn input() -> Vec<u64> {
    (0..5000).map(|i| (i * 7919) % 10_007).collect()
}

#[test]
fn sum() {
    let pool = WorkerPool::new(3);
    let v = input();
    let expected: u64 = v.par_iter().map(f).sum();
    assert_eq!(v.par_iter().mpire_map(&pool, f).sum::<u64>(), expected);
    for chunk_size in [1, 7, 5000, 10_000] {
        let total: u64 = v
            .par_iter()
            .mpire_map(&pool, f)
            .chunk_size(chunk_size)
            .sum();
        assert_eq!(total, expected, "chunk_size {chunk_size}");
    }
    let total: u64 = v.par_iter().mpire_map(&pool, f).chunk_size(2.5).sum();
    assert_eq!(total, expected);
    let total: u64 = v.par_iter().mpire_map(&pool, f).n_splits(9).sum();
    assert_eq!(total, expected);
}

#[test]
fn collect_in_order() {
    let pool = WorkerPool::new(3);
    let v = input();
    let expected: Vec<u64> = v.par_iter().map(f).collect();
    let collected: Vec<u64> = v.par_iter().mpire_map(&pool, f).collect();
    assert_eq!(collected, expected);
    let collected: Vec<u64> = v.par_iter().mpire_map(&pool, f).chunk_size(3).collect();
    assert_eq!(collected, expected);

    // Adapters after `mpire_map` see its items in order too.
    let expected: Vec<u64> = v.par_iter().map(f).filter(|y| y % 3 == 0).collect();
    let collected: Vec<u64> = v
        .par_iter()
        .mpire_map(&pool, f)
        .filter(|y| y % 3 == 0)
        .collect();
    assert_eq!(collected, expected);
}

#[test]
fn for_each_into_a_mutex_and_atomics() {
    let pool = WorkerPool::new(3);
    let v = input();
    let seen = Mutex::new(Vec::new());
    let total = AtomicU64::new(0);
    let count = AtomicUsize::new(0);
    v.par_iter()
        .mpire_map(&pool, f)
        .chunk_size(11)
        .for_each(|y| {
            seen.lock().unwrap().push(y);
            total.fetch_add(y, Ordering::Relaxed);
            count.fetch_add(1, Ordering::Relaxed);
        });
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    let mut expected: Vec<u64> = v.iter().map(f).collect();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    assert_eq!(total.into_inner(), expected.iter().sum::<u64>());
    assert_eq!(count.into_inner(), v.len());
}

// Driven from outside the pool, every piece of a zip runs through its own
// `install` on the pool. Pieces are kept few here (default chunking, or a
// short input) because of the stack overflow shown by
// `zip_with_many_small_chunks_from_outside_the_pool`.

#[test]
fn zip_with_mpire_map_on_the_left() {
    let pool = WorkerPool::new(3);
    let v = input();
    let w: Vec<u64> = (0..v.len() as u64).collect();
    let expected: Vec<(u64, u64)> = v.par_iter().map(f).zip(w.par_iter().copied()).collect();
    let zipped: Vec<(u64, u64)> = v
        .par_iter()
        .mpire_map(&pool, f)
        .zip(w.par_iter().copied())
        .collect();
    assert_eq!(zipped, expected);

    let short = &v[..100];
    let expected: u64 = short.par_iter().map(f).zip(&w).map(|(a, b)| a * b).sum();
    let total: u64 = short
        .par_iter()
        .mpire_map(&pool, f)
        .chunk_size(3)
        .zip(&w)
        .map(|(a, b)| a * b)
        .sum();
    assert_eq!(total, expected);
}

#[test]
fn zip_with_mpire_map_on_the_right() {
    let pool = WorkerPool::new(3);
    let v = input();
    let w: Vec<u64> = (0..v.len() as u64).collect();
    let expected: Vec<(u64, u64)> = w.par_iter().copied().zip(v.par_iter().map(f)).collect();
    let zipped: Vec<(u64, u64)> = w
        .par_iter()
        .copied()
        .zip(v.par_iter().mpire_map(&pool, f))
        .collect();
    assert_eq!(zipped, expected);

    let short = &v[..100];
    let expected: u64 = w
        .par_iter()
        .zip(short.par_iter().map(f))
        .map(|(a, b)| a * b)
        .sum();
    let total: u64 = w
        .par_iter()
        .zip(short.par_iter().mpire_map(&pool, f).chunk_size(2.5))
        .map(|(a, b)| a * b)
        .sum();
    assert_eq!(total, expected);
}

#[test]
fn zip_of_two_mpire_maps() {
    let pool = WorkerPool::new(2);
    let v = input();
    let expected: Vec<(u64, u64)> = v.par_iter().map(f).zip(v.par_iter().map(f)).collect();
    let zipped: Vec<(u64, u64)> = v
        .par_iter()
        .mpire_map(&pool, f)
        .zip(v.par_iter().mpire_map(&pool, f).n_splits(50))
        .collect();
    assert_eq!(zipped, expected);
}

/// Many small chunks in a zip driven from outside the pool: the adapter runs
/// its tasks on the pool and hands the results to the zip, with no nested
/// cross-pool waits that could overflow a stack.
#[test]
fn zip_with_many_small_chunks_from_outside_the_pool() {
    let pool = WorkerPool::new(3);
    let v = input();
    let expected: u64 = v
        .par_iter()
        .zip(v.par_iter().map(f))
        .map(|(a, b)| a ^ b)
        .sum();
    let right: u64 = v
        .par_iter()
        .zip(v.par_iter().mpire_map(&pool, f).chunk_size(1))
        .map(|(a, b)| a ^ b)
        .sum();
    assert_eq!(right, expected);
    let left: u64 = v
        .par_iter()
        .mpire_map(&pool, f)
        .chunk_size(2.5)
        .zip(v.par_iter())
        .map(|(b, a)| a ^ b)
        .sum();
    assert_eq!(left, expected);
}

#[test]
fn enumerate() {
    let pool = WorkerPool::new(3);
    let v = input();
    let expected: Vec<(usize, u64)> = v.par_iter().map(f).enumerate().collect();
    let enumerated: Vec<(usize, u64)> = v
        .par_iter()
        .mpire_map(&pool, f)
        .chunk_size(170)
        .enumerate()
        .collect();
    assert_eq!(enumerated, expected);

    let expected: Vec<(usize, u64)> = v.par_iter().enumerate().map(|(i, x)| (i, f(x))).collect();
    let enumerated: Vec<(usize, u64)> = v
        .par_iter()
        .enumerate()
        .mpire_map(&pool, |(i, x)| (i, f(x)))
        .collect();
    assert_eq!(enumerated, expected);
}

#[test]
fn reductions_and_short_circuits() {
    let pool = WorkerPool::new(3);
    let v = input();
    assert_eq!(
        v.par_iter().mpire_map(&pool, f).max(),
        v.par_iter().map(f).max()
    );
    assert_eq!(
        v.par_iter().mpire_map(&pool, f).reduce(|| 0, |a, b| a ^ b),
        v.par_iter().map(f).reduce(|| 0, |a, b| a ^ b)
    );
    assert_eq!(
        v.par_iter().mpire_map(&pool, f).find_first(|y| y % 10 == 7),
        v.par_iter().map(f).find_first(|y| y % 10 == 7)
    );
    assert!(v.par_iter().mpire_map(&pool, f).any(|y| y == f(&v[4321])));
    assert!(!v.par_iter().mpire_map(&pool, f).any(|y| y == 0));
    assert_eq!(v.par_iter().mpire_map(&pool, f).count(), v.len());
}

/// The tasks run on the pool's named threads, with worker ids below
/// `n_jobs`, whichever way rayon drives the adapter.
#[test]
fn tasks_run_on_the_pools_threads_not_the_global_pool() {
    let pool = WorkerPool::builder()
        .n_jobs(3)
        .thread_name(|i| format!("chain-test-{i}"))
        .build()
        .unwrap();
    let v = input();
    let where_ran = || {
        let name = std::thread::current().name().map(str::to_string);
        (name, mpire::worker_id())
    };
    let check = |places: Vec<(Option<String>, Option<usize>)>, how: &str| {
        let names: BTreeSet<String> = places
            .iter()
            .map(|(name, _)| name.clone().unwrap_or_default())
            .collect();
        assert!(
            names.iter().all(|n| n.starts_with("chain-test-")),
            "{how}: {names:?}"
        );
        assert!(
            places.iter().all(|(_, id)| id.is_some_and(|id| id < 3)),
            "{how}: {places:?}"
        );
    };

    let collected: Vec<_> = v.par_iter().mpire_map(&pool, |_| where_ran()).collect();
    check(collected, "collect");

    let mut into_vec = Vec::new();
    v.par_iter()
        .mpire_map(&pool, |_| where_ran())
        .collect_into_vec(&mut into_vec);
    check(into_vec, "collect_into_vec");

    let zipped: Vec<_> = v
        .par_iter()
        .zip(v.par_iter().mpire_map(&pool, |_| where_ran()))
        .map(|(_, place)| place)
        .collect();
    check(zipped, "zip, right side");

    let zipped: Vec<_> = v
        .par_iter()
        .mpire_map(&pool, |_| where_ran())
        .zip(v.par_iter())
        .map(|(place, _)| place)
        .collect();
    check(zipped, "zip, left side");

    let from_u64: Vec<_> = (0..1000u64)
        .into_par_iter()
        .mpire_map(&pool, |_| where_ran())
        .collect();
    check(from_u64, "u64 range");

    let seen = Mutex::new(Vec::new());
    v.par_iter()
        .filter(|x| *x % 2 == 0)
        .mpire_map(&pool, |_| where_ran())
        .for_each(|place| seen.lock().unwrap().push(place));
    check(seen.into_inner().unwrap(), "filter, for_each");

    // The global pool's threads are not named like the pool's.
    let global = rayon::join(where_ran, where_ran);
    assert!(!global.0.0.unwrap_or_default().starts_with("chain-test-"));
}

#[test]
fn unindexed_input_filter() {
    let pool = WorkerPool::new(3);
    let v = input();
    let expected: Vec<u64> = v.par_iter().filter(|x| *x % 3 != 0).map(f).collect();
    let collected: Vec<u64> = v
        .par_iter()
        .filter(|x| *x % 3 != 0)
        .mpire_map(&pool, f)
        .collect();
    assert_eq!(collected, expected);
    let total: u64 = v
        .par_iter()
        .filter(|x| *x % 3 != 0)
        .mpire_map(&pool, f)
        .chunk_size(9)
        .sum();
    assert_eq!(total, expected.iter().sum::<u64>());
    let collected: Vec<u64> = v
        .par_iter()
        .filter(|x| *x % 3 != 0)
        .mpire_map(&pool, f)
        .chunk_size(2.5)
        .collect();
    assert_eq!(collected, expected);
}

#[test]
fn unindexed_input_u64_range() {
    let pool = WorkerPool::new(3);
    let expected: u64 = (0..100_000u64).into_par_iter().map(|x| x * 3).sum();
    let total: u64 = (0..100_000u64)
        .into_par_iter()
        .mpire_map(&pool, |x| x * 3)
        .sum();
    assert_eq!(total, expected);
    let collected: Vec<u64> = (0..10_000u64)
        .into_par_iter()
        .mpire_map(&pool, |x| x * 3)
        .chunk_size(64)
        .collect();
    assert_eq!(collected, (0..10_000u64).map(|x| x * 3).collect::<Vec<_>>());
}

#[test]
fn unindexed_input_flat_map() {
    let pool = WorkerPool::new(2);
    let expected: Vec<u64> = (0..100u64)
        .into_par_iter()
        .flat_map_iter(|x| 0..x % 7)
        .map(|y| y * 2)
        .collect();
    let collected: Vec<u64> = (0..100u64)
        .into_par_iter()
        .flat_map_iter(|x| 0..x % 7)
        .mpire_map(&pool, |y| y * 2)
        .collect();
    assert_eq!(collected, expected);
}

/// A panic in a u64 range, whose rayon producer splits without positions,
/// must not be reported with a wrong task index: either the true index or
/// none.
#[test]
fn unindexed_u64_range_panic_reports_no_wrong_index() {
    let pool = WorkerPool::new(2);
    let payload = catch_unwind(AssertUnwindSafe(|| {
        (0..10_000u64)
            .into_par_iter()
            .mpire_map(&pool, |x| {
                if x == 7_777 {
                    panic!("seven");
                }
                x
            })
            .chunk_size(10)
            .sum::<u64>()
    }))
    .unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("seven"), "{message}");
    assert!(
        message.contains("task 7777 ") || message.contains("a task panicked"),
        "a wrong task index: {message}"
    );
}

/// Driven from inside the pool (nested in `install`), the chain still works
/// and gives rayon's answer.
#[test]
fn chain_driven_from_inside_the_pool() {
    let pool = WorkerPool::new(2);
    let v = input();
    let expected: u64 = v
        .par_iter()
        .zip(v.par_iter().map(f))
        .map(|(a, b)| a ^ b)
        .sum();
    let total: u64 = pool.install(|| {
        v.par_iter()
            .zip(v.par_iter().mpire_map(&pool, f))
            .map(|(a, b)| a ^ b)
            .sum()
    });
    assert_eq!(total, expected);
    let collected: Vec<u64> = pool.install(|| v.par_iter().mpire_map(&pool, f).collect());
    assert_eq!(collected, v.iter().map(f).collect::<Vec<_>>());
}

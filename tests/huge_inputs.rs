//! Huge and endless inputs stream: the first results come in bounded time and
//! memory, whatever length the input declares.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;

#[test]
fn the_bridge_streams_an_input_declared_usize_max_long() {
    let pool = WorkerPool::new(2);
    let first: Vec<usize> = (0..usize::MAX)
        .mpire_bridge(&pool)
        .imap(|x| x * 2)
        .take(3)
        .collect();
    assert_eq!(first, [0, 2, 4]);

    let ones: Vec<u8> = std::iter::repeat(1u8)
        .mpire_bridge(&pool)
        .iterable_len(usize::MAX)
        .imap(|x| x)
        .take(3)
        .collect();
    assert_eq!(ones, [1, 1, 1]);
}

#[test]
fn a_huge_indexed_input_streams_through_imap() {
    let pool = WorkerPool::new(2);
    let first: Vec<usize> = (0..1usize << 40)
        .into_par_iter()
        .mpire(&pool)
        .imap(|x| x + 1)
        .take(3)
        .collect();
    assert_eq!(first, [1, 2, 3]);
}

#[test]
fn take_after_mpire_map_runs_only_the_tasks_it_needs() {
    let pool = WorkerPool::new(2);
    let ran = AtomicUsize::new(0);
    let first: Vec<usize> = (0..1usize << 40)
        .into_par_iter()
        .mpire_map(&pool, |x| {
            ran.fetch_add(1, Ordering::Relaxed);
            x * 3
        })
        .take(5)
        .collect();
    assert_eq!(first, [0, 3, 6, 9, 12]);
    assert!(ran.load(Ordering::Relaxed) <= 1 << 21, "{ran:?}");

    // A panic beyond the part taken does not happen, as with rayon's map.
    let taken: Vec<usize> = (0..1000usize)
        .into_par_iter()
        .mpire_map(&pool, |x| if x == 999 { panic!("not needed") } else { x })
        .chunk_size(1)
        .take(5)
        .collect();
    assert_eq!(taken, [0, 1, 2, 3, 4]);
}

#[test]
fn zip_after_mpire_map_with_tiny_chunks_from_outside_the_pool() {
    let pool = WorkerPool::new(2);
    let v: Vec<u64> = (0..20_000).collect();
    let sum: u64 = v
        .par_iter()
        .mpire_map(&pool, |x| x * 2)
        .chunk_size(1)
        .zip(v.par_iter())
        .map(|(a, b)| a - b)
        .sum();
    assert_eq!(sum, v.iter().sum::<u64>());
}

#[test]
fn a_bridge_on_a_worker_of_another_pool_lets_that_pool_work() {
    let a = WorkerPool::new(1);
    let b = WorkerPool::new(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let (a2, b2) = (a.clone(), b.clone());
    std::thread::spawn(move || {
        let out = (0..1usize)
            .mpire(&a2)
            .map(|_| (0..3usize).mpire_bridge(&b2).map(|x| a2.install(|| x + 1)));
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a pool waiting on a bridge deadlocked");
    assert_eq!(out, [vec![1, 2, 3]]);
    drop((a, b));
}

#[test]
fn an_imap_consumed_on_a_worker_of_another_pool_lets_that_pool_work() {
    let a = WorkerPool::new(1);
    let b = WorkerPool::new(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let (a2, b2) = (a.clone(), b.clone());
    std::thread::spawn(move || {
        let out = (0..1usize).mpire(&a2).map(|_| {
            let a3 = a2.clone();
            (0..3usize)
                .into_par_iter()
                .mpire(&b2)
                .imap(move |x| a3.install(|| x + 1))
                .collect::<Vec<_>>()
        });
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a pool waiting on an imap deadlocked");
    assert_eq!(out, [vec![1, 2, 3]]);
    drop((a, b));
}

#[test]
fn exit_results_of_a_dropped_imap_reach_the_pool() {
    let pool = WorkerPool::new(2);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let mut results = (0..1000usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(10)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            0usize
        })
        .worker_exit(|_, seen| seen)
        .imap_with_state(|seen, x| {
            *seen += 1;
            x
        });
    assert_eq!(results.next(), Some(0));
    drop(results);
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(exits.len(), inits.load(Ordering::Relaxed));
    assert!(exits.iter().sum::<usize>() >= 10);

    // Consumed to the end without taking them: they reach the pool too.
    let total = (0..100usize)
        .into_par_iter()
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, seen| seen)
        .imap_with_state(|seen, x| {
            *seen += 1;
            x
        })
        .count();
    assert_eq!(total, 100);
    assert_eq!(
        pool.exit_results::<usize>().unwrap().iter().sum::<usize>(),
        100
    );
}

/// A result that counts how many of its kind are alive.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[test]
fn imap_over_a_rayon_input_waits_for_a_slow_consumer() {
    let pool = WorkerPool::new(2);
    for ordered in [true, false] {
        let live = Arc::new(AtomicUsize::new(0));
        let counter = live.clone();
        let task = move |_: usize| {
            counter.fetch_add(1, Ordering::Relaxed);
            Counted(counter.clone())
        };
        let builder = (0..200_000usize)
            .into_par_iter()
            .mpire(&pool)
            .chunk_size(100)
            .max_tasks_active(1000);
        let mut results = if ordered {
            builder.imap(task)
        } else {
            builder.imap_unordered(task)
        };
        let mut peak = 0;
        for i in 0..50 {
            drop(results.next().unwrap());
            if i % 10 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            peak = peak.max(live.load(Ordering::Relaxed));
        }
        // The bound, plus the chunk being handed out.
        assert!(
            peak <= 1000 + 100,
            "ordered {ordered}: {peak} results alive"
        );
        assert_eq!(results.by_ref().count(), 200_000 - 50);
        assert_eq!(live.load(Ordering::Relaxed), 0);
    }
}

#[test]
fn imap_gives_every_result_once_in_order_under_a_tight_bound() {
    let pool = WorkerPool::new(3);
    let out: Vec<usize> = (0..10_000usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(7)
        .max_tasks_active(1)
        .imap(|x| x * 2)
        .collect();
    assert_eq!(out, (0..10_000).map(|x| x * 2).collect::<Vec<_>>());
    let mut out: Vec<usize> = (0..10_000usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(2.5)
        .max_tasks_active(20)
        .imap_unordered(|x| x * 2)
        .collect();
    out.sort_unstable();
    assert_eq!(out, (0..10_000).map(|x| x * 2).collect::<Vec<_>>());
}

/// Runs `f` on a thread of its own and fails if it takes longer than 30 s.
fn within_30_s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .expect("deadlocked")
}

#[test]
fn several_imaps_on_one_pool_read_in_turn_do_not_deadlock() {
    for n_jobs in 1..=3 {
        let pairs = within_30_s(move || {
            let pool = WorkerPool::new(n_jobs);
            let a = (0..2000usize)
                .into_par_iter()
                .mpire(&pool)
                .chunk_size(1)
                .max_tasks_active(4)
                .imap(|x| x);
            let b = (0..2000usize)
                .into_par_iter()
                .mpire(&pool)
                .chunk_size(1)
                .imap(|x| x * 2);
            let c = (0..2000usize)
                .into_par_iter()
                .mpire(&pool)
                .imap_unordered(|x| x);
            a.zip(b)
                .zip(c)
                .map(|((x, y), _)| (x, y))
                .collect::<Vec<_>>()
        });
        assert_eq!(pairs.len(), 2000);
        assert!(pairs.iter().all(|&(x, y)| y == 2 * x));
    }
}

#[test]
fn zip_with_a_shorter_side_runs_only_what_it_zips() {
    let pool = WorkerPool::new(2);
    let ran = AtomicUsize::new(0);
    let zipped: Vec<(usize, usize)> = (0..usize::MAX)
        .into_par_iter()
        .mpire_map(&pool, |x| {
            ran.fetch_add(1, Ordering::Relaxed);
            x * 2
        })
        .zip(0..4usize)
        .collect();
    assert_eq!(zipped, [(0, 0), (2, 1), (4, 2), (6, 3)]);
    assert!(ran.load(Ordering::Relaxed) <= 1 << 21, "{ran:?}");
}

#[test]
fn reversed_and_zipped_chains_after_mpire_map_match_rayon() {
    let pool = WorkerPool::new(3);
    let v: Vec<u64> = (0..5000).collect();
    for chunk in [1.0, 2.5, 7.0, 10_000.0] {
        let expected: Vec<(u64, u64)> = v
            .par_iter()
            .map(|x| x * 3)
            .rev()
            .zip(v.par_iter().copied())
            .collect();
        let outside: Vec<(u64, u64)> = v
            .par_iter()
            .mpire_map(&pool, |x| x * 3)
            .chunk_size(chunk)
            .rev()
            .zip(v.par_iter().copied())
            .collect();
        assert_eq!(outside, expected, "chunk {chunk}");
        let inside: Vec<(u64, u64)> = pool.install(|| {
            v.par_iter()
                .mpire_map(&pool, |x| x * 3)
                .chunk_size(chunk)
                .rev()
                .zip(v.par_iter().copied())
                .collect()
        });
        assert_eq!(inside, expected, "chunk {chunk}, inside the pool");
    }
}

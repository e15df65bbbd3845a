//! Per-worker state, init and exit hooks, lifespan and keep-alive.
//!
//! The counting example comes from MPIRE's documentation of worker init and
//! exit: each worker counts the even numbers it saw, and the exit results
//! sum to 50 for `range(100)`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;
use mpire::{ErrorKind, Worker};
use parking_lot::Mutex;

fn square_and_count_even(count_even: &mut usize, x: usize) -> usize {
    if x % 2 == 0 {
        *count_even += 1;
    }
    x * x
}

fn squares(n: usize) -> Vec<usize> {
    (0..n).map(|x| x * x).collect()
}

#[test]
fn counting_example_with_map() {
    let pool = WorkerPool::new(4);
    let run = (0..100usize)
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .map_with_state(square_and_count_even);
    assert_eq!(run.results(), squares(100));
    assert!(run.exit_results().len() <= 4);
    assert_eq!(run.exit_results().iter().sum::<usize>(), 50);
}

#[test]
fn counting_example_with_map_unordered() {
    let pool = WorkerPool::new(4);
    let run = (0..100usize)
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .map_unordered_with_state(square_and_count_even);
    let mut results = run.results().to_vec();
    results.sort_unstable();
    assert_eq!(results, squares(100));
    assert_eq!(run.exit_results().iter().sum::<usize>(), 50);
}

#[test]
fn counting_example_with_imap_and_imap_unordered() {
    let pool = WorkerPool::new(4);
    let mut ordered = (0..100usize)
        .into_par_iter()
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .imap_with_state(square_and_count_even);
    assert_eq!(ordered.by_ref().collect::<Vec<_>>(), squares(100));
    assert_eq!(ordered.exit_results().unwrap().iter().sum::<usize>(), 50);

    let mut unordered = (0..100usize)
        .into_par_iter()
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .imap_unordered_with_state(square_and_count_even);
    let mut results: Vec<usize> = unordered.by_ref().collect();
    results.sort_unstable();
    assert_eq!(results, squares(100));
    assert_eq!(unordered.exit_results().unwrap().iter().sum::<usize>(), 50);
}

#[test]
fn counting_example_in_a_rayon_chain() {
    let pool = WorkerPool::new(4);
    let v: Vec<usize> = (0..100).collect();
    let total: usize = v
        .par_iter()
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, count_even| count_even)
        .mpire_map_with_state(|count_even, &x| square_and_count_even(count_even, x))
        .sum();
    assert_eq!(total, squares(100).iter().sum::<usize>());
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(exits.iter().sum::<usize>(), 50);
}

#[test]
fn map_without_state_still_runs_hooks_and_keeps_exit_results_in_the_pool() {
    let pool = WorkerPool::new(3);
    let results = (0..30usize)
        .mpire(&pool)
        .worker_init(|w| w.id())
        .worker_exit(|w, id| {
            assert_eq!(w.id(), id);
            id
        })
        .map(|x| x + 1);
    assert_eq!(results, (1..=30).collect::<Vec<_>>());
    let exits: Vec<usize> = pool.exit_results().unwrap();
    let distinct: HashSet<usize> = exits.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        exits.len(),
        "one exit per worker: {exits:?}"
    );
    assert!(exits.iter().all(|&id| id < 3));
    // Taken once: the second call finds nothing.
    assert_eq!(pool.exit_results::<usize>(), None);
}

#[test]
fn init_runs_once_per_worker_that_got_work_unlike_map_init() {
    const N: usize = 10_000_000;
    let pool = WorkerPool::new(4);

    let ours = Arc::new(AtomicUsize::new(0));
    let counter = ours.clone();
    let workers_seen = Mutex::new(HashSet::new());
    let total: usize = (0..N)
        .into_par_iter()
        .mpire(&pool)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .mpire_map_with_state(|_, x| {
            if x % 100_000 == 0 {
                workers_seen.lock().insert(mpire::worker_id().unwrap());
            }
            x & 1
        })
        .sum();
    assert_eq!(total, N / 2);

    let theirs = AtomicUsize::new(0);
    let total: usize = pool.install(|| {
        (0..N)
            .into_par_iter()
            .map_init(|| theirs.fetch_add(1, Ordering::Relaxed), |_, x| x & 1)
            .sum()
    });
    assert_eq!(total, N / 2);

    let ours = ours.load(Ordering::Relaxed);
    let theirs = theirs.load(Ordering::Relaxed);
    assert!(ours >= workers_seen.lock().len(), "{ours} inits");
    assert!(
        ours <= pool.n_jobs(),
        "{ours} inits for {} workers",
        pool.n_jobs()
    );
    // rayon splits at least three times for four threads, so its map_init
    // runs at least eight constructors; here it is typically hundreds.
    assert!(
        theirs > pool.n_jobs(),
        "rayon's map_init ran {theirs} inits, mpire {ours}"
    );
}

#[test]
fn a_worker_without_work_runs_neither_hook() {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = [7usize]
        .into_par_iter()
        .mpire(&pool)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .worker_exit(|w, ()| w.id())
        .map_with_state(|_, x| x * 2);
    assert_eq!(run.results(), [14]);
    assert_eq!(inits.load(Ordering::Relaxed), 1);
    assert_eq!(run.exit_results().len(), 1);
}

#[test]
fn empty_input_runs_no_hook() {
    let pool = WorkerPool::new(2);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = Vec::<usize>::new()
        .into_par_iter()
        .mpire(&pool)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .worker_exit(|_, ()| 1)
        .map_with_state(|_, x| x);
    assert!(run.results().is_empty());
    assert!(run.exit_results().is_empty());
    assert_eq!(inits.load(Ordering::Relaxed), 0);
}

#[test]
fn worker_ids_are_the_pool_indices_in_tasks_and_hooks() {
    let pool = WorkerPool::new(3);
    let run = (0..300usize)
        .mpire(&pool)
        .chunk_size(1)
        .worker_init(|w: &Worker| {
            assert_eq!(mpire::worker_id(), Some(w.id()));
            w.id()
        })
        .worker_exit(|w, id| {
            assert_eq!(w.id(), id);
            id
        })
        .map_with_state(|id, _| {
            assert_eq!(mpire::worker_id(), Some(*id));
            *id
        });
    assert!(run.results().iter().all(|&id| id < 3));
}

/// A state that counts its tasks, for lifespan checks.
fn lifespan_run(lifespan: usize, chunk_size: usize, n: usize) -> (Vec<usize>, usize) {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = (0..n)
        .mpire(&pool)
        .chunk_size(chunk_size)
        .worker_lifespan(lifespan)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            0usize
        })
        .worker_exit(|_, tasks| tasks)
        .map_with_state(|tasks, x| {
            *tasks += 1;
            x
        });
    assert_eq!(run.results(), (0..n).collect::<Vec<_>>());
    let (_, exits) = run.into_parts();
    (exits, inits.load(Ordering::Relaxed))
}

#[test]
fn lifespan_one_restarts_after_every_task() {
    let (exits, inits) = lifespan_run(1, 1, 100);
    assert_eq!(inits, 100);
    assert_eq!(exits.len(), 100);
    assert!(exits.iter().all(|&tasks| tasks == 1));
}

#[test]
fn lifespan_is_checked_between_chunks() {
    let (exits, inits) = lifespan_run(10, 4, 100);
    assert_eq!(exits.iter().sum::<usize>(), 100);
    assert_eq!(exits.len(), inits);
    assert!(
        exits.iter().all(|&tasks| tasks <= 12),
        "an incarnation ran more than 12 tasks: {exits:?}"
    );
    // 100 tasks in chunks of 4, restarts after 12: at least 9 incarnations.
    assert!(inits >= 9, "{inits} incarnations");
}

#[test]
fn lifespan_keeps_the_worker_id() {
    let pool = WorkerPool::new(2);
    let run = (0..50usize)
        .mpire(&pool)
        .chunk_size(1)
        .worker_lifespan(1)
        .worker_init(|w| w.id())
        .worker_exit(|w, id| (w.id(), id))
        .map_with_state(|id, _| {
            assert_eq!(mpire::worker_id(), Some(*id));
        });
    assert_eq!(run.exit_results().len(), 50);
    assert!(run.exit_results().iter().all(|(a, b)| a == b && *a < 2));
}

#[test]
fn keep_alive_shares_state_across_maps_and_exits_at_stop_and_join() {
    let pool = WorkerPool::builder()
        .n_jobs(2)
        .keep_alive(true)
        .build()
        .unwrap();
    let inits = Arc::new(AtomicUsize::new(0));
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let counter = inits.clone();
            (0..100usize)
                .mpire(&pool)
                .worker_init(move |_| {
                    counter.fetch_add(1, Ordering::Relaxed);
                    0usize
                })
                .worker_exit(|_, seen| seen)
                .map_with_state(|seen, x| {
                    *seen += 1;
                    x
                })
        })
        .collect();
    // No exit ran yet: the states are held by the pool.
    assert!(runs.iter().all(|run| run.exit_results().is_empty()));
    assert!(inits.load(Ordering::Relaxed) <= 2);

    pool.stop_and_join().unwrap();
    let seen: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(seen.len(), inits.load(Ordering::Relaxed));
    // The counters carried over: 300 tasks across the three maps.
    assert_eq!(seen.iter().sum::<usize>(), 300);

    // After stop_and_join, a new map builds new states.
    let before = inits.load(Ordering::Relaxed);
    let counter = inits.clone();
    (0..10usize)
        .mpire(&pool)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            0usize
        })
        .worker_exit(|_, seen| seen)
        .map_with_state(|seen, x| {
            *seen += 1;
            x
        });
    assert!(inits.load(Ordering::Relaxed) > before);
    pool.stop_and_join().unwrap();
    assert_eq!(
        pool.exit_results::<usize>().unwrap().iter().sum::<usize>(),
        10
    );
}

#[test]
fn keep_alive_with_another_state_type_ends_the_held_states() {
    let pool = WorkerPool::builder()
        .n_jobs(2)
        .keep_alive(true)
        .build()
        .unwrap();
    (0..10usize)
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, seen| seen)
        .map_with_state(|seen, x| {
            *seen += 1;
            x
        });
    (0..10usize)
        .mpire(&pool)
        .worker_init(|_| String::new())
        .map_with_state(|s, x| {
            s.push('x');
            x
        });
    let first: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(first.iter().sum::<usize>(), 10);
}

#[test]
fn keep_alive_pool_dropped_without_stop_and_join_still_runs_exits() {
    let exits = Arc::new(AtomicUsize::new(0));
    {
        let pool = WorkerPool::builder()
            .n_jobs(2)
            .keep_alive(true)
            .build()
            .unwrap();
        let counter = exits.clone();
        (0..10usize)
            .mpire(&pool)
            .worker_init(|_| ())
            .worker_exit(move |_, ()| {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .map(|x| x);
        assert_eq!(exits.load(Ordering::Relaxed), 0);
    }
    assert!(exits.load(Ordering::Relaxed) >= 1);
}

#[test]
fn a_panic_in_init_on_one_worker_is_reported_and_the_pool_stays_usable() {
    let pool = WorkerPool::new(2);
    let err = (0..200usize)
        .mpire(&pool)
        .chunk_size(1)
        .worker_init(|w| {
            if w.id() == 1 {
                panic!("no connection on worker 1");
            }
        })
        .try_map(|x| {
            std::thread::sleep(std::time::Duration::from_micros(200));
            x
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InitPanicked);
    assert_eq!(err.worker_id(), Some(1));
    assert_eq!(err.panic_message(), Some("no connection on worker 1"));
    assert!(
        err.to_string().contains("worker_init panicked on worker 1"),
        "{err}"
    );

    assert_eq!(
        (0..10usize).mpire(&pool).map(|x| x),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn a_panic_in_exit_on_one_worker_is_reported_and_other_exits_still_run() {
    let pool = WorkerPool::new(2);
    let exits = Arc::new(AtomicUsize::new(0));
    let counter = exits.clone();
    let err = (0..200usize)
        .mpire(&pool)
        .chunk_size(1)
        .worker_init(|w| w.id())
        .worker_exit(move |_, id| {
            counter.fetch_add(1, Ordering::Relaxed);
            if id == 0 {
                panic!("flush failed");
            }
            id
        })
        .try_map_with_state(|_, x| {
            std::thread::sleep(std::time::Duration::from_micros(200));
            x
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ExitPanicked);
    assert_eq!(err.worker_id(), Some(0));
    assert_eq!(err.panic_message(), Some("flush failed"));
    assert_eq!(exits.load(Ordering::Relaxed), 2);

    assert_eq!(
        (0..10usize).mpire(&pool).map(|x| x),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn keep_alive_states_retired_by_another_type_keep_their_exit_results() {
    let pool = WorkerPool::builder()
        .n_jobs(2)
        .keep_alive(true)
        .build()
        .unwrap();
    (0..100usize)
        .mpire(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, seen| seen)
        .map_with_state(|seen, x| {
            *seen += 1;
            x
        });
    // Another state type retires the held states; this map's own states are
    // then held, so its `map` leaves no exit result of its own.
    (0..10usize)
        .mpire(&pool)
        .worker_init(|_| String::new())
        .worker_exit(|_, s: String| s.len())
        .map(|x| x);
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(exits.iter().sum::<usize>(), 100);
}

#[test]
fn keep_alive_maps_from_several_threads_lose_no_exit_result() {
    let pool = WorkerPool::builder()
        .n_jobs(2)
        .keep_alive(true)
        .build()
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    (0..100usize)
                        .mpire(&pool)
                        .worker_init(|_| 0usize)
                        .worker_exit(|_, seen| seen)
                        .map_with_state(|seen, x| {
                            *seen += 1;
                            x
                        });
                }
            });
        }
    });
    pool.stop_and_join().unwrap();
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(exits.iter().sum::<usize>(), 4000);
}

#[test]
fn exit_hooks_run_on_the_worker_whose_state_they_end() {
    let pool = WorkerPool::new(3);
    for _ in 0..5 {
        let run = (0..300usize)
            .mpire(&pool)
            .chunk_size(1)
            .worker_init(|w| w.id())
            .worker_exit(|w, id| (w.id(), id, mpire::worker_id()))
            .map_with_state(|_, x| {
                std::thread::sleep(std::time::Duration::from_micros(50));
                x
            });
        for &(worker, state, thread) in run.exit_results() {
            assert_eq!(worker, state);
            assert_eq!(thread, Some(worker), "{:?}", run.exit_results());
        }
    }
}

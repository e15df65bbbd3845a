//! Tasks that run rayon work themselves: on the same pool, or on a pool of
//! their own (MPIRE's nested pools).

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::prelude::*;
use parking_lot::Mutex;

thread_local! {
    /// How many tasks are running on this thread, one inside the other.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

#[test]
fn a_state_is_never_lent_out_twice_during_nested_work_on_the_same_pool() {
    let pool = WorkerPool::new(2);
    let live: Mutex<HashSet<usize>> = Mutex::new(HashSet::new());
    let nested_tasks = AtomicUsize::new(0);
    let inits = Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = (0..10_000usize)
        .mpire(&pool)
        .chunk_size(16)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            Box::new(0usize)
        })
        .worker_exit(|_, state| *state)
        .map_with_state(|state, x| {
            // The address identifies the state while it is alive.
            let address = &**state as *const usize as usize;
            assert!(live.lock().insert(address), "a state was lent out twice");
            if DEPTH.get() > 0 {
                nested_tasks.fetch_add(1, Ordering::Relaxed);
            }
            DEPTH.set(DEPTH.get() + 1);
            **state += 1;
            // Nested rayon work on the same pool: while this thread waits for
            // it, rayon may run other chunks of this map on it. Yielding to
            // rayon makes that certain: it runs pending work of this thread,
            // which includes the other halves of this map's chunk range.
            let nested: usize = pool.install(|| (0..64usize).into_par_iter().sum());
            if DEPTH.get() == 1 {
                rayon::yield_now();
            }
            DEPTH.set(DEPTH.get() - 1);
            assert!(live.lock().remove(&address));
            x + nested
        });
    let expected: Vec<usize> = (0..10_000).map(|x| x + 2016).collect();
    assert_eq!(run.results(), expected);
    // Every task was counted by exactly one state.
    assert_eq!(run.exit_results().iter().sum::<usize>(), 10_000);
    assert_eq!(run.exit_results().len(), inits.load(Ordering::Relaxed));
    // The situation under test did arise: tasks ran inside other tasks'
    // nested work, and got states of their own.
    assert!(nested_tasks.load(Ordering::Relaxed) > 0);
    assert!(inits.load(Ordering::Relaxed) > pool.n_jobs());
}

#[test]
fn a_map_on_the_same_pool_from_inside_a_task_does_not_deadlock() {
    let pool = WorkerPool::new(2);
    let results = (0..20usize).mpire(&pool).chunk_size(1).map(|x| {
        let inner = (0..10usize).mpire(&pool).map(|y| x * y);
        inner.iter().sum::<usize>()
    });
    let expected: Vec<usize> = (0..20).map(|x| x * 45).collect();
    assert_eq!(results, expected);
}

#[test]
fn imap_from_inside_a_task_of_the_same_pool_does_not_deadlock() {
    let pool = WorkerPool::new(1);
    let inner_pool = pool.clone();
    let results = (0..4usize).mpire(&pool).map(move |x| {
        (0..10usize)
            .into_par_iter()
            .mpire(&inner_pool)
            .imap(move |y| x + y)
            .sum::<usize>()
    });
    assert_eq!(results, [45, 55, 65, 75]);
}

/// MPIRE's nested-pools example: an outer pool whose tasks each open an
/// inner pool and map over a range of 100 numbers.
#[test]
fn nested_pools_dispatcher_example() {
    let outer = WorkerPool::new(4);
    let results = (0..100usize).mpire(&outer).n_splits(4).map(|x| {
        let inner = WorkerPool::new(4);
        (x..x + 100).mpire(&inner).map(|y| y * y)
    });
    assert_eq!(results.len(), 100);
    for (x, squares) in results.iter().enumerate() {
        let expected: Vec<usize> = (x..x + 100).map(|y| y * y).collect();
        assert_eq!(squares, &expected);
    }
}

#[test]
fn worker_id_in_a_nested_pool_is_the_inner_id() {
    let outer = WorkerPool::new(2);
    let ids = (0..4usize).mpire(&outer).chunk_size(1).map(|_| {
        let inner = WorkerPool::new(3);
        let outer_id = mpire::worker_id().unwrap();
        let inner_ids = (0..30usize)
            .mpire(&inner)
            .chunk_size(1)
            .map(|_| mpire::worker_id().unwrap());
        (outer_id, inner_ids)
    });
    for (outer_id, inner_ids) in ids {
        assert!(outer_id < 2);
        assert!(inner_ids.iter().all(|&id| id < 3));
    }
}

#[test]
fn worker_id_is_none_outside_an_mpire_pool() {
    assert_eq!(mpire::worker_id(), None);
    // A thread of rayon's global pool is no worker of an mpire pool.
    let ids: Vec<Option<usize>> = (0..4usize)
        .into_par_iter()
        .map(|_| mpire::worker_id())
        .collect();
    assert_eq!(ids, [None; 4]);
    let pool = WorkerPool::default();
    let ids = (0..4usize).mpire(&pool).map(|_| mpire::worker_id());
    assert!(ids.iter().all(|id| id.is_some_and(|id| id < pool.n_jobs())));
}

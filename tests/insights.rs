//! Worker insights. The `sleep_and_square` case comes from MPIRE's
//! documentation of worker insights.

use std::time::Duration;

use mpire::Phase;
use mpire::prelude::*;

fn sleep_and_square(x: usize) -> usize {
    std::thread::sleep(Duration::from_millis(x as u64));
    x * x
}

/// Runs `map` until the report names task 99 the slowest, at most three
/// times, and checks that report. Tasks differ by one millisecond, so a worker
/// descheduled for longer on a busy machine can reorder the slowest ones;
/// everything else is checked on every attempt.
fn with_retries(mut map: impl FnMut() -> mpire::Insights) {
    for attempt in 1..=3 {
        let insights = map();
        check_sleep_and_square(&insights);
        let slowest = &insights.slowest_tasks()[0];
        if slowest.args() == Some("99") || attempt == 3 {
            assert_eq!(slowest.args(), Some("99"), "{insights}");
            assert_eq!(slowest.index(), Some(99));
            assert_eq!(slowest.tasks(), 1);
            assert!(insights.to_string().contains("args: 99"));
            return;
        }
    }
}

fn check_sleep_and_square(insights: &mpire::Insights) {
    assert_eq!(insights.n_completed_tasks().len(), 4);
    assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 100);

    let slowest = insights.slowest_tasks();
    assert_eq!(slowest.len(), 5);
    assert!(slowest.iter().all(|t| t.tasks() == 1));
    assert!(
        slowest
            .iter()
            .all(|t| t.args() == t.index().map(|i| i.to_string()).as_deref())
    );
    assert!(slowest[0].duration() >= Duration::from_millis(9));
    assert!(
        slowest
            .windows(2)
            .all(|w| w[0].duration() >= w[1].duration())
    );

    let ratios: f64 = Phase::ALL.iter().map(|&p| insights.ratio(p)).sum();
    assert!((ratios - 1.0).abs() < 1e-6, "ratios sum to {ratios}");
    assert!(
        insights.ratio(Phase::Working) > 0.5,
        "working ratio {}",
        insights.ratio(Phase::Working)
    );
    for phase in Phase::ALL {
        assert_eq!(insights.times(phase).len(), 4);
        let total: Duration = insights.times(phase).iter().sum();
        assert_eq!(insights.total(phase), total);
        assert!(insights.std(phase) <= insights.total(phase));
    }
    // No hooks: no init or exit time.
    assert_eq!(insights.total(Phase::Init), Duration::ZERO);
    assert_eq!(insights.total(Phase::Exit), Duration::ZERO);

    let text = insights.to_string();
    assert!(
        text.contains("Total number of tasks completed: 100"),
        "{text}"
    );
    assert!(text.contains("args: 99"), "{text}");
}

#[test]
fn sleep_and_square_example_with_map() {
    let pool = WorkerPool::new(4);
    let results = (0..100usize)
        .mpire(&pool)
        .enable_insights(true)
        .map(sleep_and_square);
    assert_eq!(results[99], 99 * 99);
    check_sleep_and_square(&pool.insights().unwrap());
}

#[test]
fn sleep_and_square_example_in_a_run_and_a_chain() {
    let pool = WorkerPool::new(4);
    with_retries(|| {
        let run = (0..100usize)
            .mpire(&pool)
            .enable_insights(true)
            .map_with_state(|_, x| sleep_and_square(x));
        run.insights().unwrap().clone()
    });

    with_retries(|| {
        let v: Vec<usize> = (0..100).collect();
        let total: usize = v
            .into_par_iter()
            .mpire_map(&pool, sleep_and_square)
            .enable_insights(true)
            .collect::<Vec<_>>()
            .into_iter()
            .sum();
        assert_eq!(total, (0..100).map(|x| x * x).sum::<usize>());
        pool.insights().unwrap()
    });
}

#[test]
fn insights_are_readable_while_an_imap_is_consumed() {
    let pool = WorkerPool::new(2);
    let mut results = (0..40usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(1)
        .enable_insights(true)
        .imap(|x| {
            std::thread::sleep(Duration::from_millis(2));
            x
        });
    assert_eq!(results.next(), Some(0));
    let early = results.insights().unwrap();
    let early_done: usize = early.n_completed_tasks().iter().sum();
    assert!((1..40).contains(&early_done), "{early_done} done early");
    assert!(pool.insights().is_some());
    assert_eq!(results.by_ref().count(), 39);
    let late = results.insights().unwrap();
    assert_eq!(late.n_completed_tasks().iter().sum::<usize>(), 40);
}

#[test]
fn hooks_are_timed() {
    let pool = WorkerPool::new(2);
    let run = (0..20usize)
        .mpire(&pool)
        .enable_insights(true)
        .worker_init(|_| std::thread::sleep(Duration::from_millis(20)))
        .worker_exit(|_, ()| std::thread::sleep(Duration::from_millis(20)))
        .map_with_state(|_, x| x);
    let insights = run.insights().unwrap();
    let inits = run.exit_results().len() as u32;
    assert!(inits >= 1);
    assert!(insights.total(Phase::Init) >= Duration::from_millis(20) * inits);
    assert!(insights.total(Phase::Exit) >= Duration::from_millis(20) * inits);
}

#[test]
fn tiny_tasks_are_timed_by_chunk() {
    let pool = WorkerPool::new(2);
    let run = (0..100_000usize)
        .mpire(&pool)
        .chunk_size(1000)
        .enable_insights(true)
        .map_with_state(|_, x| x.wrapping_mul(x));
    let insights = run.insights().unwrap();
    assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 100_000);
    // After each worker's first chunk, tasks this short are timed by chunk.
    assert!(
        insights.slowest_tasks().iter().any(|t| t.tasks() == 1000),
        "{:?}",
        insights.slowest_tasks()
    );
    let chunk = insights
        .slowest_tasks()
        .iter()
        .find(|t| t.tasks() == 1000)
        .unwrap();
    assert_eq!(chunk.index().unwrap() % 1000, 0);
}

#[test]
fn insights_are_off_by_default() {
    let pool = WorkerPool::new(2);
    let run = (0..10usize).mpire(&pool).map_with_state(|_, x| x);
    assert!(run.insights().is_none());
    assert!(pool.insights().is_none());
}

#[test]
fn low_efficiency_is_warned_about() {
    let pool = WorkerPool::new(4);
    // One long task keeps three workers waiting.
    (0..4usize)
        .mpire(&pool)
        .chunk_size(1)
        .enable_insights(true)
        .map(|x| {
            if x == 0 {
                std::thread::sleep(Duration::from_millis(100));
            }
            x
        });
    let insights = pool.insights().unwrap();
    assert!(insights.ratio(Phase::Working) < 0.8);
    assert!(insights.to_string().contains("Efficiency warning"));
}

//! Progress bars, rendered into indicatif's in-memory terminal.
#![cfg(feature = "progress")]

use indicatif::{InMemoryTerm, MultiProgress, ProgressDrawTarget, ProgressStyle};
use mpire::prelude::*;

fn screen() -> (InMemoryTerm, MultiProgress) {
    let term = InMemoryTerm::new(10, 200);
    let group =
        MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(term.clone())));
    (term, group)
}

#[test]
fn the_bar_ends_at_the_total() {
    let (term, group) = screen();
    let pool = WorkerPool::new(4);
    let squares = (0..100usize)
        .mpire(&pool)
        .progress_bar_group(group)
        .map(|x| x * x);
    assert_eq!(squares[10], 100);
    let contents = term.contents();
    assert!(contents.contains("100/100"), "{contents}");
    assert!(contents.contains("100%"), "{contents}");
}

#[test]
fn every_form_counts_its_tasks() {
    let pool = WorkerPool::new(2);

    let (term, group) = screen();
    let mut v = (0..37usize)
        .mpire(&pool)
        .progress_bar_group(group)
        .map_unordered(|x| x);
    v.sort_unstable();
    assert_eq!(v, (0..37).collect::<Vec<_>>());
    assert!(term.contents().contains("37/37"), "{}", term.contents());

    let (term, group) = screen();
    let total: usize = (0..41usize)
        .into_par_iter()
        .mpire(&pool)
        .progress_bar_group(group)
        .imap(|x| x)
        .sum();
    assert_eq!(total, 820);
    assert!(term.contents().contains("41/41"), "{}", term.contents());

    let (term, group) = screen();
    let v: Vec<usize> = (0..43usize).collect();
    let total: usize = v
        .par_iter()
        .mpire_map(&pool, |x| *x)
        .progress_bar_group(group)
        .sum();
    assert_eq!(total, 903);
    assert!(term.contents().contains("43/43"), "{}", term.contents());
}

#[test]
fn a_panic_marks_the_bar_as_failed() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    let err = (0..50usize)
        .mpire(&pool)
        .chunk_size(1)
        .progress_bar_group(group)
        .try_map(|x| if x == 3 { panic!("bad three") } else { x })
        .unwrap_err();
    assert_eq!(err.task_index(), Some(3));
    let contents = term.contents();
    assert!(contents.contains("FAILED: task 3 panicked"), "{contents}");
    assert!(contents.contains("bad three"), "{contents}");
}

#[test]
fn an_empty_input_with_a_bar_finishes() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    let out = Vec::<usize>::new()
        .into_par_iter()
        .mpire(&pool)
        .progress_bar_group(group)
        .map(|x| x);
    assert!(out.is_empty());
    assert!(term.contents().contains("0/0"), "{}", term.contents());
}

#[test]
fn nested_pools_draw_one_line_per_bar() {
    let (term, group) = screen();
    let outer = WorkerPool::new(2);
    let inner_group = group.clone();
    let results = (0..4usize)
        .mpire(&outer)
        .n_splits(2)
        .progress_bar_group(group)
        .progress_bar_position(0)
        .map(move |x| {
            let inner = WorkerPool::new(2);
            let id = mpire::worker_id().unwrap();
            (x * 100..x * 100 + 100)
                .mpire(&inner)
                .progress_bar_group(inner_group.clone())
                .progress_bar_position(id + 1)
                .map(|y| y)
                .len()
        });
    assert_eq!(results, [100; 4]);
    // The inner bars took their lines below the main one while they ran and
    // left the screen when done: the main bar alone remains, on line 0.
    let contents = term.contents();
    let lines: Vec<&str> = contents.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{contents}");
    assert!(lines[0].contains("4/4"), "{contents}");
}

#[test]
fn a_custom_style_is_used() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    (0..10usize)
        .mpire(&pool)
        .progress_bar_group(group)
        .progress_bar_style(ProgressStyle::with_template("done {pos} of {len}").unwrap())
        .map(|x| x);
    assert!(
        term.contents().contains("done 10 of 10"),
        "{}",
        term.contents()
    );
}

#[test]
fn a_bar_on_stderr_outside_a_terminal_draws_nothing_and_does_not_hang() {
    let pool = WorkerPool::new(2);
    let out = (0..1000usize)
        .mpire(&pool)
        .progress_bar(true)
        .map(|x| x + 1);
    assert_eq!(out[999], 1000);
}

#[test]
fn a_failed_bar_below_the_first_line_stays() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    let err = (0..10usize)
        .mpire(&pool)
        .chunk_size(1)
        .progress_bar_group(group)
        .progress_bar_position(1)
        .try_map(|x| if x == 5 { panic!("five") } else { x })
        .unwrap_err();
    assert_eq!(err.task_index(), Some(5));
    assert!(term.contents().contains("FAILED"), "{}", term.contents());
}

#[test]
fn the_rate_is_shown_in_tasks_per_second() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    (0..10usize)
        .mpire(&pool)
        .progress_bar_group(group)
        .map(|x| x);
    assert!(term.contents().contains("tasks/s"), "{}", term.contents());
}

#[test]
fn a_map_stopped_early_keeps_the_count_it_reached() {
    let (term, group) = screen();
    let pool = WorkerPool::new(2);
    let mut results = (0..100_000usize)
        .into_par_iter()
        .mpire(&pool)
        .chunk_size(10)
        .progress_bar_group(group)
        .imap(|x| x);
    assert_eq!(results.next(), Some(0));
    drop(results);
    let screen = term.contents();
    assert!(!screen.contains("100000/100000"), "{screen}");
    assert!(screen.contains("/100000"), "{screen}");
}

//! Progress bars and insights on array rows: the bar counts rows, and the
//! insights name chunks.
#![cfg(all(feature = "ndarray", feature = "progress"))]

use indicatif::{InMemoryTerm, MultiProgress, ProgressDrawTarget};
use mpire::prelude::*;
use ndarray::Array2;

fn screen() -> (InMemoryTerm, MultiProgress) {
    let term = InMemoryTerm::new(5, 200);
    let group =
        MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(term.clone())));
    (term, group)
}

#[test]
fn the_bar_counts_rows_not_chunks() {
    let pool = WorkerPool::new(2);
    let arr = Array2::<f64>::zeros((10, 3));

    let (term, group) = screen();
    let out = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .progress_bar_group(group)
        .map(|rows| &rows + 5.0);
    assert_eq!(out, &arr + 5.0);
    assert!(term.contents().contains("10/10"), "{}", term.contents());

    let (term, group) = screen();
    let mut arr = arr;
    arr.mpire_rows_mut(&pool)
        .chunk_size(4)
        .progress_bar_group(group)
        .for_each(|mut rows| rows += 1.0);
    assert!(arr.iter().all(|&x| x == 1.0));
    assert!(term.contents().contains("10/10"), "{}", term.contents());

    let (term, group) = screen();
    let sums = arr
        .mpire_rows(&pool)
        .iterable_len(7)
        .n_splits(2)
        .progress_bar_group(group)
        .map_values(|rows| rows.sum());
    assert_eq!(sums, [12.0, 9.0]);
    assert!(term.contents().contains("7/7"), "{}", term.contents());
}

#[test]
fn insights_name_chunks() {
    let pool = WorkerPool::new(2);
    let arr = Array2::<f64>::zeros((100, 2));
    arr.mpire_rows(&pool)
        .chunk_size(10)
        .enable_insights(true)
        .map_values(|rows| {
            std::thread::sleep(std::time::Duration::from_millis(1));
            rows.nrows()
        });
    let insights = pool.insights().unwrap();
    // Ten chunks, each one task.
    assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 10);
    assert!(
        insights
            .slowest_tasks()
            .iter()
            .all(|t| t.index().is_some_and(|i| i < 10))
    );
}

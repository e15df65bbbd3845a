//! Runs the examples of the reference's sections and checks what they print.

#[path = "../examples/worker_init_exit.rs"]
#[allow(dead_code)]
mod worker_init_exit;

#[path = "../examples/worker_lifespan.rs"]
#[allow(dead_code)]
mod worker_lifespan;

#[path = "../examples/max_tasks_active.rs"]
#[allow(dead_code)]
mod max_tasks_active;

#[path = "../examples/worker_insights.rs"]
#[allow(dead_code)]
mod worker_insights;

#[cfg(feature = "progress")]
#[path = "../examples/progress_bar.rs"]
#[allow(dead_code)]
mod progress_bar;

#[cfg(feature = "progress")]
#[path = "../examples/nested_progress_bars.rs"]
#[allow(dead_code)]
mod nested_progress_bars;

#[test]
fn worker_init_exit_prints_the_counts_and_their_sum() {
    let out = worker_init_exit::run();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let counts: Vec<usize> = lines[0]
        .trim_matches(|c| c == '[' || c == ']')
        .split(", ")
        .map(|n| n.parse().unwrap())
        .collect();
    // One count per worker that got tasks: with tasks of 2 ms, normally all
    // four; a worker woken late on a loaded machine may get none.
    assert!((2..=4).contains(&counts.len()), "{out}");
    assert_eq!(counts.iter().sum::<usize>(), 50);
    assert_eq!(lines[1], "50");
}

#[test]
fn max_tasks_active_bounds_the_tasks_in_flight() {
    let out = max_tasks_active::run();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "[0, 1, 4, 9, 16, 25]", "{out}");
    let peak: usize = lines[1]
        .split("at most ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {out}"));
    assert!(lines[1].starts_with("1000000 results"), "{out}");
    assert!((1000..=8000).contains(&peak), "{out}");
}

#[test]
fn worker_lifespan_builds_a_state_per_task() {
    assert_eq!(
        worker_lifespan::run(),
        "[0, 1, 4, 9, 16, 25]\nworker states built: 100\n"
    );
}

#[test]
fn worker_insights_prints_every_part_of_the_report() {
    // Tasks differ by a millisecond: on a busy machine, a descheduled worker
    // can make another task look slowest, so the example gets three tries.
    let mut out = worker_insights::run();
    for _ in 0..2 {
        if out.contains("task 99, args: 99") {
            break;
        }
        out = worker_insights::run();
    }
    for part in [
        "Total number of tasks completed: 100",
        "start up",
        "init",
        "waiting",
        "working",
        "exit",
        "Worker 3:",
        "Slowest tasks:",
        "1. 0:00:00.0",
        "task 99, args: 99",
    ] {
        assert!(out.contains(part), "{part:?} missing from:\n{out}");
    }
}

#[cfg(feature = "progress")]
fn in_memory() -> (indicatif::InMemoryTerm, indicatif::MultiProgress) {
    use indicatif::{InMemoryTerm, MultiProgress, ProgressDrawTarget};
    let term = InMemoryTerm::new(10, 200);
    let group =
        MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(term.clone())));
    (term, group)
}

#[cfg(feature = "progress")]
#[test]
fn progress_bar_ends_full() {
    let (term, group) = in_memory();
    assert_eq!(
        progress_bar::run(group),
        "100 tasks done, last result 9801\n"
    );
    let screen = term.contents();
    assert!(
        screen.contains("100/100") && screen.contains("100%"),
        "{screen}"
    );
}

#[cfg(feature = "progress")]
#[test]
fn nested_progress_bars_show_the_main_bar_first() {
    let (term, group) = in_memory();
    assert_eq!(
        nested_progress_bars::run(group),
        "100 outer tasks, 10000 inner results\n"
    );
    let screen = term.contents();
    let first = screen.lines().next().unwrap_or_default();
    assert!(first.contains("100/100"), "{screen}");
}

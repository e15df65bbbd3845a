//! Worker insights: where the time of a map went.
//!
//! A [`Recorder`] is shared by the chunks of one map when insights are
//! enabled. Each worker writes only its own record, once per chunk (plus once
//! per timed task, see below), so the locks are uncontended. When insights are
//! off there is no recorder at all: no clock is read and no lock is taken.
//!
//! # Timing tasks, and when it stops
//!
//! A clock read costs about as much as a tiny task, so tasks are timed one by
//! one only while they are long enough for that not to matter: a worker times
//! each task of its next chunk when the mean task of its previous chunk took
//! at least [`FINE_TIMING_THRESHOLD`]. Otherwise the whole chunk is timed as
//! one, and the report's slowest entries are such chunks, marked with their
//! number of tasks. With chunks of one task (MPIRE's default when there are
//! fewer tasks than `64 * n_jobs`) every task is timed.

use std::fmt;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// When the first task of a chunk takes at least this long, the chunk's other
/// tasks are timed one by one too.
pub(crate) const FINE_TIMING_THRESHOLD: Duration = Duration::from_micros(1);

/// How many of the slowest tasks the report keeps.
const SLOWEST: usize = 5;

/// A task (or a chunk timed as a whole) among the slowest of a map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowTask {
    duration: Duration,
    index: Option<usize>,
    tasks: usize,
    args: Option<String>,
}

impl SlowTask {
    /// How long the task took (or the chunk, when [`tasks`](Self::tasks) is
    /// more than one).
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The input index of the task (or of the chunk's first task), when the
    /// input has positions.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// 1 for a task timed on its own; the chunk's number of tasks when tasks
    /// were too short to be timed one by one.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// The `Debug` form of the task's item (the chunk's first item), when
    /// insights were enabled with a way to describe items.
    #[doc(alias = "top_5_max_task_args")]
    pub fn args(&self) -> Option<&str> {
        self.args.as_deref()
    }
}

/// What one worker did during a map.
#[derive(Clone, Debug, Default)]
struct WorkerRecord {
    n_completed: usize,
    start_up: Duration,
    init: Duration,
    waiting: Duration,
    working: Duration,
    exit: Duration,
    /// When the worker's last chunk ended; `None` before its first chunk.
    last_end: Option<Instant>,
    slowest: Vec<SlowTask>,
}

/// Keeps `entry` if it is among the `SLOWEST` longest of `list`.
fn keep_slowest(list: &mut Vec<SlowTask>, entry: SlowTask) {
    if list.len() == SLOWEST
        && list
            .last()
            .is_some_and(|last| last.duration >= entry.duration)
    {
        return;
    }
    let at = list.partition_point(|t| t.duration >= entry.duration);
    list.insert(at, entry);
    list.truncate(SLOWEST);
}

/// The shared recorder of one map.
#[derive(Debug)]
pub(crate) struct Recorder {
    start: Instant,
    end: Mutex<Option<Instant>>,
    workers: Vec<Mutex<WorkerRecord>>,
}

/// What a chunk collects before it reports to the recorder.
#[derive(Debug)]
pub(crate) struct ChunkTiming {
    pub(crate) start: Instant,
    pub(crate) fine: bool,
    pub(crate) init: Duration,
    pub(crate) slowest: Vec<SlowTask>,
}

impl ChunkTiming {
    /// Notes one task timed on its own.
    pub(crate) fn task(&mut self, duration: Duration, index: Option<usize>, args: Option<String>) {
        keep_slowest(
            &mut self.slowest,
            SlowTask {
                duration,
                index,
                tasks: 1,
                args,
            },
        );
    }
}

impl Recorder {
    pub(crate) fn new(n_jobs: usize) -> Recorder {
        Recorder {
            start: Instant::now(),
            end: Mutex::new(None),
            workers: (0..n_jobs)
                .map(|_| Mutex::new(WorkerRecord::default()))
                .collect(),
        }
    }

    /// A chunk starts on `worker`: the time since the worker's last chunk
    /// (or since the map started) was waiting (or start-up).
    pub(crate) fn chunk_start(&self, worker: usize) -> ChunkTiming {
        let now = Instant::now();
        if let Some(record) = self.workers.get(worker) {
            let mut record = record.lock();
            match record.last_end {
                Some(end) => record.waiting += now.saturating_duration_since(end),
                None if record.n_completed == 0 => {
                    record.start_up = now.saturating_duration_since(self.start);
                }
                None => {}
            }
            // A chunk nested in another on the same thread must not count the
            // outer chunk's time as waiting.
            record.last_end = None;
        }
        ChunkTiming {
            start: now,
            fine: false,
            init: Duration::ZERO,
            slowest: Vec::new(),
        }
    }

    /// A chunk of `tasks` tasks, the first at `first_index`, ended.
    pub(crate) fn chunk_end(
        &self,
        worker: usize,
        timing: ChunkTiming,
        tasks: usize,
        first_index: Option<usize>,
        first_args: Option<String>,
    ) {
        let now = Instant::now();
        let Some(record) = self.workers.get(worker) else {
            return;
        };
        let elapsed = now.saturating_duration_since(timing.start);
        let working = elapsed.saturating_sub(timing.init);
        let mut record = record.lock();
        record.n_completed += tasks;
        record.init += timing.init;
        record.working += working;
        record.last_end = Some(now);
        if timing.fine {
            for task in timing.slowest {
                keep_slowest(&mut record.slowest, task);
            }
        } else if tasks > 0 {
            keep_slowest(
                &mut record.slowest,
                SlowTask {
                    duration: working,
                    index: first_index,
                    tasks,
                    args: first_args,
                },
            );
        }
    }

    /// An exit hook ran on `worker` for `duration`.
    pub(crate) fn exit(&self, worker: usize, duration: Duration) {
        if let Some(record) = self.workers.get(worker) {
            record.lock().exit += duration;
        }
    }

    /// The map is over: later snapshots stop the clock here.
    pub(crate) fn finish(&self) {
        let mut end = self.end.lock();
        if end.is_none() {
            *end = Some(Instant::now());
        }
    }

    /// The insights so far (or of the whole map, once finished).
    pub(crate) fn snapshot(&self) -> Insights {
        let end = (*self.end.lock()).unwrap_or_else(Instant::now);
        let total = end.saturating_duration_since(self.start);
        let mut insights = Insights::default();
        for record in &self.workers {
            let record = record.lock().clone();
            // Time after the last chunk is waiting too; a worker that never
            // got a chunk waited the whole map.
            let (start_up, tail) = match record.last_end {
                Some(last) => (record.start_up, end.saturating_duration_since(last)),
                None if record.n_completed == 0 && record.start_up.is_zero() => {
                    (Duration::ZERO, total)
                }
                None => (record.start_up, Duration::ZERO),
            };
            insights.n_completed_tasks.push(record.n_completed);
            insights.times[Phase::StartUp as usize].push(start_up);
            insights.times[Phase::Init as usize].push(record.init);
            insights.times[Phase::Waiting as usize].push(record.waiting + tail);
            insights.times[Phase::Working as usize].push(record.working);
            insights.times[Phase::Exit as usize].push(record.exit);
            for task in record.slowest {
                keep_slowest(&mut insights.slowest, task);
            }
        }
        insights
    }
}

/// The phases of a worker's time that insights measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// From the start of the map to the worker's first chunk.
    StartUp,
    /// In `worker_init`.
    Init,
    /// Between chunks, and after the last one until the map ended.
    Waiting,
    /// Running tasks.
    Working,
    /// In `worker_exit`.
    Exit,
}

impl Phase {
    /// Every phase, in report order.
    pub const ALL: [Phase; 5] = [
        Phase::StartUp,
        Phase::Init,
        Phase::Waiting,
        Phase::Working,
        Phase::Exit,
    ];

    fn name(self) -> &'static str {
        match self {
            Phase::StartUp => "start up",
            Phase::Init => "init",
            Phase::Waiting => "waiting",
            Phase::Working => "working",
            Phase::Exit => "exit",
        }
    }
}

/// The insights report of a map: per worker the completed tasks and the time
/// spent in each [`Phase`], with totals, means, population standard
/// deviations and ratios, and the slowest tasks.
///
/// MPIRE's `get_insights`. Its fields map as follows: `n_completed_tasks` is
/// [`n_completed_tasks`](Self::n_completed_tasks); `start_up_time`,
/// `init_time`, `waiting_time`, `working_time` and `exit_time` are
/// [`times`](Self::times) of the matching phase, with `total_…`, `…_mean`,
/// `…_std` and `…_ratio` given by [`total`](Self::total),
/// [`mean`](Self::mean), [`std`](Self::std) and [`ratio`](Self::ratio);
/// `total_time` is [`total_time`](Self::total_time); the two
/// `top_5_max_task_…` lists are [`slowest_tasks`](Self::slowest_tasks).
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
/// use mpire::Phase;
///
/// let pool = WorkerPool::new(2);
/// let run = (0..20usize)
///     .mpire(&pool)
///     .enable_insights(true)
///     .map_with_state(|_, x| {
///         let ms = if x == 19 { 100 } else { 1 };
///         std::thread::sleep(std::time::Duration::from_millis(ms));
///         x
///     });
/// let insights = run.insights().unwrap();
/// assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 20);
/// assert_eq!(insights.slowest_tasks()[0].args(), Some("19"));
/// let ratios: f64 = Phase::ALL.iter().map(|&p| insights.ratio(p)).sum();
/// assert!((ratios - 1.0).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Insights {
    n_completed_tasks: Vec<usize>,
    times: [Vec<Duration>; 5],
    slowest: Vec<SlowTask>,
}

impl Insights {
    /// The number of tasks each worker completed.
    pub fn n_completed_tasks(&self) -> &[usize] {
        &self.n_completed_tasks
    }

    /// The time each worker spent in `phase`.
    pub fn times(&self, phase: Phase) -> &[Duration] {
        &self.times[phase as usize]
    }

    /// The time all workers together spent in `phase`.
    pub fn total(&self, phase: Phase) -> Duration {
        self.times(phase).iter().sum()
    }

    /// The mean over workers of the time spent in `phase`.
    pub fn mean(&self, phase: Phase) -> Duration {
        let n = self.times(phase).len();
        if n == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(self.total(phase).as_secs_f64() / n as f64)
    }

    /// The population standard deviation over workers of the time spent in
    /// `phase`.
    pub fn std(&self, phase: Phase) -> Duration {
        let times = self.times(phase);
        if times.is_empty() {
            return Duration::ZERO;
        }
        let mean = self.mean(phase).as_secs_f64();
        let var = times
            .iter()
            .map(|t| (t.as_secs_f64() - mean).powi(2))
            .sum::<f64>()
            / times.len() as f64;
        Duration::from_secs_f64(var.sqrt())
    }

    /// The time of all workers in all phases.
    pub fn total_time(&self) -> Duration {
        Phase::ALL.iter().map(|&p| self.total(p)).sum()
    }

    /// The share of [`total_time`](Self::total_time) spent in `phase`, 0 to 1.
    pub fn ratio(&self, phase: Phase) -> f64 {
        let total = self.total_time().as_secs_f64();
        if total == 0.0 {
            return 0.0;
        }
        self.total(phase).as_secs_f64() / total
    }

    /// The slowest tasks, slowest first (at most five).
    #[doc(alias = "top_5_max_task_durations")]
    pub fn slowest_tasks(&self) -> &[SlowTask] {
        &self.slowest
    }
}

/// Formats a duration as MPIRE does: `h:mm:ss.mmm`.
fn hms(d: Duration) -> String {
    let ms = d.as_millis();
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    format!("{h}:{m:02}:{:02}.{:03}", rest / 1000, rest % 1000)
}

impl fmt::Display for Insights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let workers = self.n_completed_tasks.len();
        writeln!(f, "WorkerPool insights")?;
        writeln!(f, "-------------------")?;
        writeln!(
            f,
            "Total number of tasks completed: {}",
            self.n_completed_tasks.iter().sum::<usize>()
        )?;
        writeln!(f, "Total time: {}", hms(self.total_time()))?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<10} {:>13} {:>13} {:>13} {:>8}",
            "phase", "total", "mean", "std", "ratio"
        )?;
        for phase in Phase::ALL {
            writeln!(
                f,
                "{:<10} {:>13} {:>13} {:>13} {:>7.2}%",
                phase.name(),
                hms(self.total(phase)),
                hms(self.mean(phase)),
                hms(self.std(phase)),
                100.0 * self.ratio(phase)
            )?;
        }
        writeln!(f)?;
        for w in 0..workers {
            write!(
                f,
                "Worker {w}: {} tasks",
                self.n_completed_tasks.get(w).copied().unwrap_or(0)
            )?;
            for phase in Phase::ALL {
                if let Some(t) = self.times(phase).get(w) {
                    write!(f, ", {} {}", phase.name(), hms(*t))?;
                }
            }
            writeln!(f)?;
        }
        if !self.slowest.is_empty() {
            writeln!(f)?;
            writeln!(f, "Slowest tasks:")?;
            for (rank, task) in self.slowest.iter().enumerate() {
                write!(f, "{}. {}", rank + 1, hms(task.duration))?;
                if task.tasks > 1 {
                    write!(f, " for a chunk of {} tasks", task.tasks)?;
                }
                if let Some(i) = task.index {
                    write!(f, ", task {i}")?;
                }
                if let Some(args) = &task.args {
                    write!(f, ", args: {args}")?;
                }
                writeln!(f)?;
            }
        }
        let working = self.ratio(Phase::Working);
        if self.total_time() > Duration::ZERO && working < 0.8 {
            writeln!(f)?;
            writeln!(
                f,
                "Efficiency warning: the workers spent only {:.1}% of their time working. \
                 Larger chunks, fewer workers or less waiting on the input may help.",
                100.0 * working
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowest_keeps_the_five_longest_in_order() {
        let mut list = Vec::new();
        for ms in [3u64, 9, 1, 7, 5, 8, 2, 6] {
            keep_slowest(
                &mut list,
                SlowTask {
                    duration: Duration::from_millis(ms),
                    index: Some(ms as usize),
                    tasks: 1,
                    args: None,
                },
            );
        }
        let kept: Vec<usize> = list.iter().map(|t| t.index.unwrap()).collect();
        assert_eq!(kept, [9, 8, 7, 6, 5]);
    }

    #[test]
    fn hms_matches_mpire() {
        assert_eq!(hms(Duration::from_millis(5_816)), "0:00:05.816");
        assert_eq!(hms(Duration::from_secs(3_723)), "1:02:03.000");
    }

    #[test]
    fn statistics_are_population_statistics() {
        let insights = Insights {
            n_completed_tasks: vec![1, 1],
            times: [
                vec![Duration::ZERO; 2],
                vec![Duration::ZERO; 2],
                vec![Duration::from_secs(1), Duration::from_secs(3)],
                vec![Duration::from_secs(2), Duration::from_secs(2)],
                vec![Duration::ZERO; 2],
            ],
            slowest: Vec::new(),
        };
        assert_eq!(insights.mean(Phase::Waiting), Duration::from_secs(2));
        assert_eq!(insights.std(Phase::Waiting), Duration::from_secs(1));
        assert_eq!(insights.total_time(), Duration::from_secs(8));
        assert!((insights.ratio(Phase::Working) - 0.5).abs() < 1e-12);
        let text = insights.to_string();
        assert!(text.contains("Efficiency warning"), "{text}");
    }
}

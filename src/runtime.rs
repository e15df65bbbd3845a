//! The worker runtime: worker ids, per-worker state with its init and exit
//! hooks, worker lifespan, and the first failure of a map.
//!
//! Every chunk, whatever its source, runs through [`Runtime::run_chunk`]:
//!
//! 1. The worker's state is *taken out* of its slot (or built by `worker_init`
//!    when the slot is empty). While the chunk runs, the slot is empty, so a
//!    chunk that rayon runs on the same thread during nested parallel work
//!    inside a task finds no state and builds its own instance. A state is
//!    therefore never lent out twice, and no `RefCell` or `unsafe` is needed.
//! 2. The tasks run in order inside one `catch_unwind`; a panic is recorded
//!    with the task's index and the worker id, and every later chunk of the
//!    map is skipped.
//! 3. The state goes back into its slot, unless its lifespan is reached (then
//!    `worker_exit` runs and the state is dropped) or a re-entrant instance
//!    already refilled the slot (then this instance is retired the same way).
//!
//! At the end of the map, [`Runtime::finish`] retires the states still in
//! their slots, so exit results are one per incarnation that ran init.

use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use rayon::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::insights::{FINE_TIMING_THRESHOLD, Insights, Recorder};
use crate::options::Checked;
use crate::pool::WorkerPool;

/// A worker, as seen by `worker_init` and `worker_exit`.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(2);
/// let run = (0..10usize)
///     .mpire(&pool)
///     .worker_init(|w| w.id())
///     .map_with_state(|id, _x| *id);
/// assert!(run.results().iter().all(|&id| id < 2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Worker {
    id: usize,
}

impl Worker {
    pub(crate) fn new(id: usize) -> Worker {
        Worker { id }
    }

    /// The worker id, `0..n_jobs`. It stays the same across lifespan
    /// restarts.
    pub fn id(&self) -> usize {
        self.id
    }
}

/// The id of the worker running the calling task, `0..n_jobs`, or `None` on a
/// thread that is not a worker of a [`WorkerPool`](crate::WorkerPool) (the
/// caller's thread, or a thread of another rayon pool such as the global one).
///
/// This is MPIRE's `pass_worker_id`: call it from inside a task or hook. In a
/// task of a nested pool, it is the id within the innermost pool.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(3);
/// let ids = (0..30usize).mpire(&pool).map(|_| mpire::worker_id().unwrap());
/// assert!(ids.iter().all(|&id| id < 3));
/// assert_eq!(mpire::worker_id(), None);
/// ```
pub fn worker_id() -> Option<usize> {
    if IS_WORKER.get() {
        rayon::current_thread_index()
    } else {
        None
    }
}

thread_local! {
    /// Set on the threads of every [`WorkerPool`](crate::WorkerPool).
    static IS_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as a worker of a pool (its start handler).
pub(crate) fn mark_worker_thread() {
    IS_WORKER.set(true);
}

/// A task: what a map applies to each item, with the worker's state at hand.
///
/// Built by the map functions from plain closures; users never implement it.
pub trait TaskFn<S, T>: Sync {
    /// The task's result.
    type Output;

    /// Runs the task on `item`.
    fn call(&self, state: &mut S, item: T) -> Self::Output;

    /// The `Debug` form of `item` for the insights report, if the task knows
    /// how to write it.
    fn describe(&self, item: &T) -> Option<String> {
        let _ = item;
        None
    }
}

/// A task whose items can be written in the insights report by `D`.
#[derive(Clone, Copy, Debug)]
pub struct Described<K, D> {
    pub(crate) task: K,
    pub(crate) describe: D,
}

impl<S, T, K, D> TaskFn<S, T> for Described<K, D>
where
    K: TaskFn<S, T>,
    D: DescribeItem<T>,
{
    type Output = K::Output;

    #[inline]
    fn call(&self, state: &mut S, item: T) -> K::Output {
        self.task.call(state, item)
    }

    fn describe(&self, item: &T) -> Option<String> {
        self.describe.describe(item)
    }
}

/// How the insights report writes a task's item.
pub trait DescribeItem<T>: Send + Sync {
    /// The item as the report shows it, if at all.
    fn describe(&self, item: &T) -> Option<String>;
}

/// Items are not written in the insights report (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDescribe;

impl<T> DescribeItem<T> for NoDescribe {
    fn describe(&self, _: &T) -> Option<String> {
        None
    }
}

/// Items are written in their `Debug` form (set by `enable_insights`).
#[derive(Clone, Copy, Debug, Default)]
pub struct DebugItems;

impl<T: fmt::Debug> DescribeItem<T> for DebugItems {
    fn describe(&self, item: &T) -> Option<String> {
        Some(debug_prefix(item, MAX_DESCRIPTION))
    }
}

/// The longest item description the insights report keeps, in bytes.
pub(crate) const MAX_DESCRIPTION: usize = 200;

/// The `Debug` form of `item`, cut after about `limit` bytes (with `…`).
/// Formatting stops there too, so a huge item costs no more than a small one.
fn debug_prefix<T: fmt::Debug>(item: &T, limit: usize) -> String {
    struct Limited {
        text: String,
        limit: usize,
        cut: bool,
    }
    impl fmt::Write for Limited {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = self.limit.saturating_sub(self.text.len());
            if s.len() <= room {
                self.text.push_str(s);
                return Ok(());
            }
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&s[..end]);
            self.cut = true;
            Err(fmt::Error)
        }
    }
    let mut out = Limited {
        text: String::new(),
        limit,
        cut: false,
    };
    let _ = fmt::write(&mut out, format_args!("{item:?}"));
    if out.cut {
        out.text.push('…');
    }
    out.text
}

/// A task that ignores the worker state: `Fn(T) -> R`.
#[derive(Clone, Copy, Debug)]
pub struct Stateless<F>(pub(crate) F);

impl<S, T, R, F> TaskFn<S, T> for Stateless<F>
where
    F: Fn(T) -> R + Sync,
{
    type Output = R;

    #[inline]
    fn call(&self, _: &mut S, item: T) -> R {
        (self.0)(item)
    }
}

/// A task that uses the worker state: `Fn(&mut S, T) -> R`.
#[derive(Clone, Copy, Debug)]
pub struct WithState<F>(pub(crate) F);

impl<S, T, R, F> TaskFn<S, T> for WithState<F>
where
    F: Fn(&mut S, T) -> R + Sync,
{
    type Output = R;

    #[inline]
    fn call(&self, state: &mut S, item: T) -> R {
        (self.0)(state, item)
    }
}

/// The counts of a running chunk, kept in locals while it runs (so that the
/// hot loop stores nothing per task) and written out when it ends, by return
/// or by unwinding.
struct Count<'c> {
    tasks: usize,
    results: usize,
    done: &'c mut usize,
    pushed: &'c mut usize,
}

impl Drop for Count<'_> {
    fn drop(&mut self) {
        *self.done = self.tasks;
        *self.pushed = self.results;
    }
}

/// Why a chunk did not complete.
pub(crate) enum Abort {
    /// The map failed or was cancelled; the failure (if any) is recorded.
    Stopped,
    /// Code outside the task (a downstream rayon consumer) panicked: the
    /// payload must be propagated unchanged.
    Foreign(Box<dyn Any + Send>),
}

type InitFn<S> = Box<dyn Fn(&Worker) -> S + Send + Sync>;
#[doc(hidden)]
pub type ExitFn<S, E> = Arc<dyn Fn(&Worker, S) -> E + Send + Sync>;

/// The worker hooks of one map, as the builder collected them.
pub(crate) struct Hooks<'a, S, E> {
    init: InitFn<S>,
    /// `false` for [`NoInit`], whose time is not worth reporting.
    timed_init: bool,
    exit: Option<ExitFn<S, E>>,
    marker: PhantomData<&'a ()>,
}

impl<S, E> Hooks<'_, S, E> {
    /// The hooks of a builder, boxed for the runtime.
    pub(crate) fn new<I, X>(init: I, exit: X) -> Self
    where
        I: WorkerInit<State = S>,
        X: WorkerExit<S, Output = E>,
    {
        Hooks {
            timed_init: init.is_hook(),
            init: Box::new(move |w| init.init(w)),
            exit: exit.boxed(),
            marker: PhantomData,
        }
    }
}

/// A `worker_init` hook: builds a worker's state.
///
/// Implemented by every `Fn(&Worker) -> S` closure, and by [`NoInit`], the
/// default, whose state is `()`. Hooks and states are `'static` because a
/// keep-alive pool ([`WorkerPoolBuilder::keep_alive`]) holds them after the
/// map returns; share borrowed data with them through an `Arc`.
///
/// [`WorkerPoolBuilder::keep_alive`]: crate::WorkerPoolBuilder::keep_alive
pub trait WorkerInit: Send + Sync + 'static {
    /// The per-worker state this hook builds.
    type State: Send + 'static;

    /// Builds the state of `worker`.
    fn init(&self, worker: &Worker) -> Self::State;

    /// `false` only for [`NoInit`]: no hook was set.
    #[doc(hidden)]
    fn is_hook(&self) -> bool {
        true
    }
}

impl<F, S> WorkerInit for F
where
    F: Fn(&Worker) -> S + Send + Sync + 'static,
    S: Send + 'static,
{
    type State = S;

    fn init(&self, worker: &Worker) -> S {
        self(worker)
    }
}

/// The default `worker_init`: no state (`()`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoInit;

impl WorkerInit for NoInit {
    type State = ();

    fn init(&self, _: &Worker) {}

    fn is_hook(&self) -> bool {
        false
    }
}

/// A `worker_exit` hook: consumes a worker's state and returns an exit
/// result.
///
/// Implemented by every `Fn(&Worker, S) -> E` closure, and by [`NoExit`],
/// the default, which drops the state and keeps no result.
pub trait WorkerExit<S>: Send + Sync + 'static {
    /// The exit result.
    type Output: Send + 'static;

    /// The hook as the runtime stores it; `None` for [`NoExit`].
    #[doc(hidden)]
    fn boxed(self) -> Option<ExitFn<S, Self::Output>>;
}

impl<F, S, E> WorkerExit<S> for F
where
    F: Fn(&Worker, S) -> E + Send + Sync + 'static,
    E: Send + 'static,
{
    type Output = E;

    fn boxed(self) -> Option<ExitFn<S, E>> {
        Some(Arc::new(self))
    }
}

/// The default `worker_exit`: the state is dropped, no result is kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoExit;

impl<S> WorkerExit<S> for NoExit {
    type Output = ();

    fn boxed(self) -> Option<ExitFn<S, ()>> {
        None
    }
}

/// Runs `exit` on one incarnation, catching a panic.
fn run_exit<S, E>(exit: &ExitFn<S, E>, worker: usize, life: Incarnation<S>) -> Result<E, Error> {
    catch_unwind(AssertUnwindSafe(|| exit(&Worker::new(worker), life.state)))
        .map_err(|payload| Error::panicked(ErrorKind::ExitPanicked, None, Some(worker), &*payload))
}

/// One life of a worker's state: the state and the tasks it has served.
struct Incarnation<S> {
    state: S,
    tasks: usize,
    /// Built by `worker_init` for the chunk now starting.
    fresh: bool,
}

/// What a map reports while it runs: insights and progress. Empty (and free)
/// unless asked for.
#[derive(Default)]
pub(crate) struct Monitor {
    pub(crate) insights: Option<Arc<Recorder>>,
    #[cfg(feature = "progress")]
    pub(crate) progress: Option<crate::progress::Progress>,
}

impl Monitor {
    /// The monitor a map's checked options ask for; a new insights recorder
    /// becomes the pool's current one.
    pub(crate) fn for_map(checked: &Checked, pool: &WorkerPool, total: Option<usize>) -> Monitor {
        let _ = total;
        let insights = checked.enable_insights.then(|| {
            let recorder = Arc::new(Recorder::new(pool.n_jobs()));
            pool.set_insights(recorder.clone());
            recorder
        });
        Monitor {
            insights,
            #[cfg(feature = "progress")]
            progress: crate::progress::Progress::for_map(checked, total),
        }
    }

    /// The `n` tasks from `first` on finished.
    #[inline]
    fn progress(&self, first: Option<usize>, n: usize) {
        #[cfg(feature = "progress")]
        if let Some(progress) = &self.progress {
            progress.inc(first, n);
        }
        let _ = (first, n);
    }

    /// The map ended, failed or not.
    fn finish(&self, failed: Option<&Error>) {
        if let Some(recorder) = &self.insights {
            recorder.finish();
        }
        #[cfg(feature = "progress")]
        if let Some(progress) = &self.progress {
            progress.finish(failed);
        }
        let _ = failed;
    }
}

/// The per-map runtime shared by every chunk of one map call.
pub(crate) struct Runtime<'a, S, E, F> {
    monitor: Monitor,
    task: F,
    hooks: Hooks<'a, S, E>,
    lifespan: Option<usize>,
    slots: Vec<Mutex<Option<Incarnation<S>>>>,
    exit_results: Mutex<Vec<E>>,
    failure: Mutex<Option<Error>>,
    stop: AtomicBool,
}

impl<S, E, F> fmt::Debug for Runtime<'_, S, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("n_slots", &self.slots.len())
            .field("lifespan", &self.lifespan)
            .finish_non_exhaustive()
    }
}

impl<'a, S: Send, E: Send, F> Runtime<'a, S, E, F> {
    pub(crate) fn new(
        n_jobs: usize,
        task: F,
        hooks: Hooks<'a, S, E>,
        lifespan: Option<usize>,
    ) -> Self {
        Runtime {
            monitor: Monitor::default(),
            task,
            hooks,
            lifespan,
            slots: (0..n_jobs).map(|_| Mutex::new(None)).collect(),
            exit_results: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
            stop: AtomicBool::new(false),
        }
    }

    /// Reports insights and progress through `monitor`.
    pub(crate) fn with_monitor(mut self, monitor: Monitor) -> Self {
        self.monitor = monitor;
        self
    }

    /// The insights so far, when enabled.
    pub(crate) fn insights(&self) -> Option<Insights> {
        self.monitor.insights.as_ref().map(|r| r.snapshot())
    }

    /// `true` once the map failed or was cancelled: no further chunk starts.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records `error` if it is the first failure, and stops the map.
    pub(crate) fn fail(&self, error: Error) {
        let mut failure = self.failure.lock();
        if failure.is_none() {
            *failure = Some(error);
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    /// The first failure, if any.
    pub(crate) fn take_failure(&self) -> Option<Error> {
        self.failure.lock().take()
    }

    /// Runs the tasks of one chunk, in order, feeding each result to `push`;
    /// returns the accumulator and the number of tasks run.
    ///
    /// `first_index` is the input index of the chunk's first task, when the
    /// source knows it. Stops early when `full` says the accumulator wants no
    /// more (a short-circuiting rayon consumer).
    pub(crate) fn run_chunk<T, R, A>(
        &self,
        first_index: Option<usize>,
        mut items: impl Iterator<Item = T>,
        acc: A,
        mut push: impl FnMut(A, R) -> A,
        full: impl Fn(&A) -> bool,
    ) -> Result<(A, usize), Abort>
    where
        F: TaskFn<S, T, Output = R>,
    {
        if self.stopped() {
            return Err(Abort::Stopped);
        }
        let worker = rayon::current_thread_index().unwrap_or(0);
        let recorder = self.monitor.insights.as_deref();
        let mut timing = recorder.map(|r| r.chunk_start(worker));
        let mut life = match &mut timing {
            Some(timing) if self.hooks.timed_init => {
                let started = Instant::now();
                let life = self.take_state(worker);
                if life.as_ref().is_ok_and(|life| life.fresh) {
                    timing.init = started.elapsed();
                }
                life?
            }
            _ => self.take_state(worker)?,
        };
        life.fresh = false;

        // `done` counts tasks that returned, `pushed` results handed on; they
        // differ only while a result is being pushed, so a panic with both
        // equal came from a task, and otherwise from the code it feeds.
        let mut done = 0usize;
        let mut pushed = 0usize;
        let mut first_args = None;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut count = Count {
                tasks: 0,
                results: 0,
                done: &mut done,
                pushed: &mut pushed,
            };
            let mut acc = acc;
            let mut fine = false;
            if let Some(timing) = &mut timing {
                // The first task of a chunk is always timed; the others only
                // when it showed them to be long enough.
                let Some(item) = items.next() else {
                    return acc;
                };
                let args = self.task.describe(&item);
                let started = Instant::now();
                let r = self.task.call(&mut life.state, item);
                let took = started.elapsed();
                fine = took >= FINE_TIMING_THRESHOLD;
                timing.fine = fine;
                if fine {
                    timing.task(took, first_index, args);
                } else {
                    first_args = args;
                }
                count.tasks += 1;
                acc = push(acc, r);
                count.results += 1;
                if full(&acc) {
                    return acc;
                }
            }
            // Internal iteration (`try_fold`) keeps the loop over a slice as
            // tight as rayon's own.
            let flow = match &mut timing {
                Some(timing) if fine => items.by_ref().try_fold(acc, |acc, item| {
                    let index = count.tasks;
                    let args = self.task.describe(&item);
                    let started = Instant::now();
                    let r = self.task.call(&mut life.state, item);
                    timing.task(started.elapsed(), first_index.map(|i| i + index), args);
                    count.tasks += 1;
                    let acc = push(acc, r);
                    count.results += 1;
                    if full(&acc) {
                        ControlFlow::Break(acc)
                    } else {
                        ControlFlow::Continue(acc)
                    }
                }),
                _ => items.by_ref().try_fold(acc, |acc, item| {
                    let r = self.task.call(&mut life.state, item);
                    count.tasks += 1;
                    let acc = push(acc, r);
                    count.results += 1;
                    if full(&acc) {
                        ControlFlow::Break(acc)
                    } else {
                        ControlFlow::Continue(acc)
                    }
                }),
            };
            match flow {
                ControlFlow::Break(acc) | ControlFlow::Continue(acc) => acc,
            }
        }));

        if let (Some(recorder), Some(timing)) = (recorder, timing) {
            recorder.chunk_end(worker, timing, done, first_index, first_args);
        }
        if done > 0 {
            self.monitor.progress(first_index, done);
        }
        life.tasks += done;
        self.return_state(worker, life);
        match outcome {
            Ok(acc) => Ok((acc, done)),
            Err(payload) if done == pushed => {
                let index = first_index.map(|first| first + done);
                self.fail(Error::panicked(
                    ErrorKind::TaskPanicked,
                    index,
                    Some(worker),
                    &*payload,
                ));
                Err(Abort::Stopped)
            }
            Err(payload) => Err(Abort::Foreign(payload)),
        }
    }

    /// Takes the worker's state out of its slot, or builds a new one.
    fn take_state(&self, worker: usize) -> Result<Incarnation<S>, Abort> {
        if let Some(life) = self.slots.get(worker).and_then(|slot| slot.lock().take()) {
            return Ok(life);
        }
        match catch_unwind(AssertUnwindSafe(|| (self.hooks.init)(&Worker::new(worker)))) {
            Ok(state) => Ok(Incarnation {
                state,
                tasks: 0,
                fresh: true,
            }),
            Err(payload) => {
                self.fail(Error::panicked(
                    ErrorKind::InitPanicked,
                    None,
                    Some(worker),
                    &*payload,
                ));
                Err(Abort::Stopped)
            }
        }
    }

    /// Puts a state back into its slot, or retires it when its lifespan is
    /// reached or the slot was refilled meanwhile.
    fn return_state(&self, worker: usize, life: Incarnation<S>) {
        let expired = self.lifespan.is_some_and(|n| life.tasks >= n);
        if !expired && let Some(slot) = self.slots.get(worker) {
            let mut slot = slot.lock();
            if slot.is_none() {
                *slot = Some(life);
                return;
            }
        }
        self.retire(worker, life);
    }

    /// Runs `worker_exit` on a state (keeping its result) and drops it.
    fn retire(&self, worker: usize, life: Incarnation<S>) {
        if let Some(exit) = &self.hooks.exit {
            let started = self.monitor.insights.as_ref().map(|_| Instant::now());
            let result = run_exit(exit, worker, life);
            if let (Some(recorder), Some(started)) = (&self.monitor.insights, started) {
                recorder.exit(worker, started.elapsed());
            }
            match result {
                Ok(result) => self.exit_results.lock().push(result),
                Err(error) => self.fail(error),
            }
        }
    }

    /// Runs `work` inside `pool`, then retires the remaining states. Returns
    /// the work's result with the exit results, or the map's first failure.
    /// A panic that is not the map's own (from code around it) resumes.
    pub(crate) fn execute<R: Send>(
        &self,
        pool: &WorkerPool,
        work: impl FnOnce() -> R + Send,
    ) -> Result<(R, Vec<E>), Error>
    where
        F: Sync,
        S: 'static,
        E: 'static,
    {
        self.begin(pool);
        let outcome = catch_unwind(AssertUnwindSafe(|| pool.install(work)));
        self.conclude(pool, outcome)
    }

    /// Prepares the map on `pool`: on a keep-alive pool, adopts the states
    /// that earlier maps left there, when they are of this map's type.
    pub(crate) fn begin(&self, pool: &WorkerPool)
    where
        S: 'static,
        E: 'static,
    {
        let Some(kept) = pool.take_kept() else {
            return;
        };
        if kept.kept_type() != TypeId::of::<Kept<S, E>>() {
            // A different state type: the old states end here, with their own
            // exit hook, and their results go to the pool.
            if let Err(error) = kept.retire_into(pool) {
                self.fail(error);
            }
            return;
        }
        if let Ok(kept) = kept.into_any().downcast::<Kept<S, E>>() {
            for (slot, life) in self.slots.iter().zip(kept.lives) {
                *slot.lock() = life;
            }
        }
    }

    /// Retires the remaining states after the work ended with `outcome`, and
    /// decides the map's result as [`execute`](Self::execute) describes.
    pub(crate) fn conclude<R>(
        &self,
        pool: &WorkerPool,
        outcome: std::thread::Result<R>,
    ) -> Result<(R, Vec<E>), Error>
    where
        F: Sync,
        S: 'static,
        E: 'static,
    {
        if pool.keep_alive() {
            let lives = self.slots.iter().map(|slot| slot.lock().take()).collect();
            pool.put_kept(Box::new(Kept {
                lives,
                exit: self.hooks.exit.clone(),
            }));
        }
        let exits = self.finish(pool.thread_pool());
        let failure = self.take_failure();
        self.monitor.finish(failure.as_ref());
        match (outcome, failure) {
            (_, Some(error)) => Err(error),
            (Ok(result), None) => Ok((result, exits)),
            (Err(payload), None) => resume_unwind(payload),
        }
    }

    /// Retires every state still in its slot and returns the exit results of
    /// the whole map.
    ///
    /// Called from outside the pool, each state's exit hook runs on its own
    /// worker (a broadcast reaches every worker once), so that resources tied
    /// to a thread are released on it. From inside the pool (a nested map),
    /// a broadcast would wait for the very worker that waits for it, so the
    /// hooks run on whichever workers are free.
    pub(crate) fn finish(&self, pool: &rayon::ThreadPool) -> Vec<E>
    where
        S: Send,
        E: Send,
        F: Sync,
    {
        let any_state = self.slots.iter().any(|slot| slot.lock().is_some());
        if !any_state {
            return std::mem::take(&mut *self.exit_results.lock());
        }
        if self.hooks.exit.is_none() {
            for slot in &self.slots {
                drop(slot.lock().take());
            }
        } else if pool.current_thread_index().is_none() {
            pool.broadcast(|ctx| {
                let life = self
                    .slots
                    .get(ctx.index())
                    .and_then(|slot| slot.lock().take());
                if let Some(life) = life {
                    self.retire(ctx.index(), life);
                }
            });
        } else {
            let lives: Vec<(usize, Incarnation<S>)> = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(w, slot)| slot.lock().take().map(|life| (w, life)))
                .collect();
            pool.install(|| {
                lives
                    .into_par_iter()
                    .for_each(|(w, life)| self.retire(w, life))
            });
        }
        std::mem::take(&mut *self.exit_results.lock())
    }
}

/// Worker states that a keep-alive pool holds between maps, with the exit
/// hook of the map that built them.
pub(crate) struct Kept<S, E> {
    lives: Vec<Option<Incarnation<S>>>,
    exit: Option<ExitFn<S, E>>,
}

/// Kept states of any type, as the pool stores them.
pub(crate) trait KeptStates: Send {
    /// The states as `Any`, to be adopted by a map of the same types.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;

    /// The concrete type, to check before adopting.
    fn kept_type(&self) -> TypeId;

    /// Runs the exit hook on every state: the exit results (a `Vec<E>`), or
    /// the first exit panic.
    fn retire(self: Box<Self>) -> Result<Box<dyn Any + Send>, Error>;

    /// Runs the exit hook on every state and keeps the results in `pool`;
    /// the first exit panic, if any.
    fn retire_into(self: Box<Self>, pool: &WorkerPool) -> Result<(), Error>;
}

impl<S: Send + 'static, E: Send + 'static> KeptStates for Kept<S, E> {
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }

    fn kept_type(&self) -> TypeId {
        TypeId::of::<Self>()
    }

    fn retire_into(self: Box<Self>, pool: &WorkerPool) -> Result<(), Error> {
        let (results, failure) = (*self).run_exits();
        pool.store_exit_results(results);
        failure.map_or(Ok(()), Err)
    }

    fn retire(self: Box<Self>) -> Result<Box<dyn Any + Send>, Error> {
        match (*self).run_exits() {
            (results, None) => Ok(Box::new(results)),
            (_, Some(error)) => Err(error),
        }
    }
}

impl<S, E> Kept<S, E> {
    /// Runs the exit hook on every state: the results, and the first panic.
    fn run_exits(self) -> (Vec<E>, Option<Error>) {
        let mut results: Vec<E> = Vec::new();
        let mut failure = None;
        for (worker, life) in self.lives.into_iter().enumerate() {
            let (Some(life), Some(exit)) = (life, &self.exit) else {
                continue;
            };
            match run_exit(exit, worker, life) {
                Ok(result) => results.push(result),
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        (results, failure)
    }
}

#[cfg(test)]
mod describe_tests {
    use super::debug_prefix;

    #[test]
    fn long_items_are_cut_and_short_ones_kept() {
        assert_eq!(debug_prefix(&42, 200), "42");
        let long = "x".repeat(100_000);
        let text = debug_prefix(&long, 200);
        assert_eq!(text.len(), 200 + '…'.len_utf8());
        assert!(text.starts_with("\"xxx") && text.ends_with('…'));
        assert_eq!(debug_prefix(&"ééé", 3), "\"é…");
    }
}

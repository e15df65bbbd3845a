//! The bridge's dispatcher: pulls the input in chunks, spawns one job per
//! chunk, bounds the tasks in flight, and reorders the results.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use rayon::Yield;

use crate::error::{Error, ErrorKind};
use crate::insights::Insights;
use crate::map::CHUNKS_PER_WORKER;
use crate::options::{Checked, Options};
use crate::plan::{self, ChunkSizes};
use crate::pool::WorkerPool;
use crate::runtime::{Abort, Monitor, Runtime, TaskFn};
use crate::sink::MAX_RESERVED;

/// The checked options of one bridge map, with the chunk size decided.
pub(super) struct Setup {
    checked: Checked,
    /// The input's length, when known: for the progress bar.
    known: Option<usize>,
    chunk_size: f64,
    bound: usize,
    declared: Option<usize>,
    pub(super) lifespan: Option<usize>,
}

impl Setup {
    /// Checks the options; decides the chunk size from the length when it is
    /// known (`iterable_len`, else an exact `size_hint`), and the bound.
    pub(super) fn new(
        options: &Options,
        size_hint: (usize, Option<usize>),
        n_jobs: usize,
    ) -> Result<Setup, Error> {
        let checked = options.validate()?;
        let exact_hint = match size_hint {
            (lower, Some(upper)) if lower == upper => Some(lower),
            _ => None,
        };
        let known = checked.iterable_len.or(exact_hint);
        let chunk_size = match (checked.chunk_size, known) {
            (Some(size), _) => size,
            (None, Some(n)) => {
                plan::effective_chunk_size(n, None, checked.n_splits, CHUNKS_PER_WORKER * n_jobs)
            }
            (None, None) => {
                if checked.n_splits.is_some() {
                    log::warn!(
                        "mpire_bridge: n_splits needs the input's length, which is unknown \
                         (set iterable_len); n_splits is ignored and the chunk size falls \
                         back to 1"
                    );
                } else {
                    log::warn!(
                        "mpire_bridge: the input's length is unknown and no chunk_size is \
                         set; the chunk size falls back to 1 (set iterable_len or chunk_size)"
                    );
                }
                1.0
            }
        };
        // `as` saturates, so a huge chunk size gives a huge (not a wrapped)
        // bound.
        let largest_chunk = (chunk_size.ceil() as usize).max(1);
        let bound = checked
            .max_tasks_active
            .unwrap_or_else(|| n_jobs.saturating_mul(largest_chunk).saturating_mul(2));
        Ok(Setup {
            known,
            chunk_size,
            bound,
            declared: checked.iterable_len,
            lifespan: checked.worker_lifespan,
            checked,
        })
    }

    /// The insights and progress bar the options ask for.
    pub(super) fn monitor(&self, pool: &WorkerPool) -> Monitor {
        Monitor::for_map(&self.checked, pool, self.known)
    }
}

/// The runtime of one map, as the dispatcher and the chunk jobs see it: its
/// task, state and hook types erased, so that
/// [`BridgeImap`](super::BridgeImap) needs no type parameter for them.
pub(super) trait Runner<T, R, E>: Send + Sync {
    /// Prepares the map on `pool` (adopts kept states on a keep-alive pool).
    fn begin(&self, pool: &WorkerPool);

    /// Runs one chunk whose first task is at `first`; `None` if the map
    /// stopped (the failure is recorded).
    fn run(&self, first: usize, items: Vec<T>) -> Option<Vec<R>>;

    /// `true` once a task or hook failed.
    fn stopped(&self) -> bool;

    /// The insights so far, when enabled.
    fn insights(&self) -> Option<Insights>;

    /// Retires the remaining states: the exit results, or the first failure.
    fn end(&self, pool: &WorkerPool) -> Result<Vec<E>, Error>;
}

impl<T, R, S, E, F> Runner<T, R, E> for Runtime<'_, S, E, F>
where
    S: Send + 'static,
    E: Send + 'static,
    F: TaskFn<S, T, Output = R> + Send + Sync,
{
    fn begin(&self, pool: &WorkerPool) {
        Runtime::begin(self, pool);
    }

    fn run(&self, first: usize, items: Vec<T>) -> Option<Vec<R>> {
        let n = items.len();
        let push = |mut results: Vec<R>, r| {
            results.push(r);
            results
        };
        match self.run_chunk(
            Some(first),
            items.into_iter(),
            Vec::with_capacity(n.min(MAX_RESERVED)),
            push,
            |_| false,
        ) {
            Ok((results, _)) => Some(results),
            Err(Abort::Stopped) => None,
            Err(Abort::Foreign(payload)) => {
                // Only `Vec::push` runs outside the tasks here; should it
                // ever unwind, the map fails rather than losing the chunk.
                self.fail(Error::panicked(
                    ErrorKind::TaskPanicked,
                    None,
                    rayon::current_thread_index(),
                    &*payload,
                ));
                None
            }
        }
    }

    fn stopped(&self) -> bool {
        Runtime::stopped(self)
    }

    fn insights(&self) -> Option<Insights> {
        Runtime::insights(self)
    }

    fn end(&self, pool: &WorkerPool) -> Result<Vec<E>, Error> {
        self.conclude(pool, Ok(())).map(|((), exits)| exits)
    }
}

/// A chunk job, boxed so that one dispatcher type serves both spawners.
pub(super) type Job<'j> = Box<dyn FnOnce() + Send + 'j>;

/// Where the dispatcher sends chunk jobs.
pub(super) trait Spawn<'j> {
    fn spawn(&self, job: Job<'j>);
}

/// The lazy forms: jobs outlive the call that made them.
impl Spawn<'static> for WorkerPool {
    fn spawn(&self, job: Job<'static>) {
        self.thread_pool().spawn(job);
    }
}

/// The eager forms: jobs end before the scope does, so they may borrow.
impl<'j> Spawn<'j> for &rayon::Scope<'j> {
    fn spawn(&self, job: Job<'j>) {
        rayon::Scope::spawn(self, move |_| job());
    }
}

/// What a chunk job sends back: the results of the tasks at `first..`, or
/// `None` if the chunk did not run (the map failed or was dropped).
struct Done<R> {
    first: usize,
    len: usize,
    results: Option<Vec<R>>,
}

/// How far the map has come.
enum End<E> {
    Running,
    /// Every chunk is back and the exit hooks ran.
    Finished(Result<Vec<E>, Error>),
    /// The outcome was handed on.
    Closed,
}

/// How long a dispatcher on one of the pool's workers sleeps when it found
/// neither a result nor other work to run.
const IDLE_WAIT: Duration = Duration::from_millis(1);

/// The dispatcher: pulls the input in chunks, keeps at most `bound` tasks in
/// flight, and hands results back in order (or as they come).
pub(super) struct Core<'j, I: Iterator, R, E: Send + 'static, Sp> {
    input: I,
    pool: WorkerPool,
    spawner: Sp,
    runner: Arc<dyn Runner<I::Item, R, E> + 'j>,
    tx: Sender<Done<R>>,
    rx: Receiver<Done<R>>,
    /// Set when the consumer went away: queued jobs skip their chunk.
    cancelled: Arc<AtomicBool>,
    sizes: ChunkSizes,
    /// The planned size of the next chunk, drawn from `sizes`.
    planned: Option<usize>,
    /// `iterable_len`: the input is cut there, and must reach it.
    declared: Option<usize>,
    bound: usize,
    ordered: bool,
    /// Tasks pulled so far: the input position of the next one.
    pulled: usize,
    /// Tasks pulled and not yet handed back to the caller.
    in_flight: usize,
    /// Chunk jobs spawned and not yet back.
    outstanding: usize,
    /// The position the ordered forms hand back next.
    next_first: usize,
    /// Chunks ready to hand back, in the order to hand them back.
    ready: VecDeque<Vec<R>>,
    /// The reorder buffer: chunks back early, by position.
    pending: BTreeMap<usize, Vec<R>>,
    /// No more input will be pulled: it ended or `iterable_len` was reached.
    input_done: bool,
    /// The input ended (rather than being cut at `iterable_len`).
    exhausted: bool,
    /// A failure or a drop: no more input, and results are discarded.
    stopping: bool,
    warned_large_chunk: bool,
    end: End<E>,
}

impl<'j, I, R, E, Sp> Core<'j, I, R, E, Sp>
where
    I: Iterator,
    I::Item: Send + 'j,
    R: Send + 'j,
    E: Send + 'static,
    Sp: Spawn<'j>,
{
    pub(super) fn new(
        input: I,
        pool: &WorkerPool,
        spawner: Sp,
        runner: impl Runner<I::Item, R, E> + 'j,
        setup: &Setup,
        ordered: bool,
    ) -> Self {
        runner.begin(pool);
        let (tx, rx) = crossbeam_channel::unbounded();
        Core {
            input,
            pool: pool.clone(),
            spawner,
            runner: Arc::new(runner),
            tx,
            rx,
            cancelled: Arc::new(AtomicBool::new(false)),
            sizes: ChunkSizes::new(setup.chunk_size),
            planned: None,
            declared: setup.declared,
            bound: setup.bound,
            // One worker runs chunks in the order they were queued; ordering
            // them costs nothing then, and makes the promise unconditional.
            ordered: ordered || pool.n_jobs() == 1,
            pulled: 0,
            in_flight: 0,
            outstanding: 0,
            next_first: 0,
            ready: VecDeque::new(),
            pending: BTreeMap::new(),
            input_done: false,
            exhausted: false,
            stopping: false,
            warned_large_chunk: false,
            end: End::Running,
        }
    }

    /// The size of the next chunk, cut at `iterable_len`.
    fn next_size(&mut self) -> usize {
        let planned = *self
            .planned
            .get_or_insert_with(|| self.sizes.next().unwrap_or(1));
        match self.declared {
            Some(n) => planned.min(n.saturating_sub(self.pulled)),
            None => planned,
        }
    }

    /// Pulls and dispatches chunks while they fit under the bound. A chunk
    /// larger than the bound goes when nothing else is in flight.
    pub(super) fn top_up(&mut self) {
        while !self.input_done && !self.stopping {
            let want = self.next_size();
            if want == 0 {
                self.input_done = true;
                break;
            }
            if self.in_flight > 0 && self.in_flight.saturating_add(want) > self.bound {
                break;
            }
            if self.runner.stopped() {
                self.stop();
                break;
            }
            if want > self.bound && !self.warned_large_chunk {
                self.warned_large_chunk = true;
                log::warn!(
                    "mpire_bridge: a chunk of {want} tasks is larger than max_tasks_active \
                     ({}); it runs alone, and the other workers idle meanwhile",
                    self.bound
                );
            }

            // Pushed one by one: reserving for a huge chunk from the input's
            // size hint could ask for more memory than there is.
            let mut items: Vec<I::Item> = Vec::with_capacity(want.min(MAX_RESERVED));
            for item in self.input.by_ref().take(want) {
                items.push(item);
            }
            self.planned = None;
            if items.len() < want {
                self.input_done = true;
                self.exhausted = true;
            }
            if items.is_empty() {
                break;
            }
            let first = self.pulled;
            self.pulled += items.len();
            self.in_flight += items.len();
            self.dispatch(first, items);
        }
    }

    fn dispatch(&mut self, first: usize, items: Vec<I::Item>) {
        let len = items.len();
        if self.pool.current_worker().is_some() {
            // Waiting on this worker for a job queued behind it could
            // deadlock a busy pool: the chunk runs here instead.
            let results = self.runner.run(first, items);
            self.accept(Done {
                first,
                len,
                results,
            });
            return;
        }
        let runner = Arc::clone(&self.runner);
        let tx = self.tx.clone();
        let cancelled = Arc::clone(&self.cancelled);
        self.outstanding += 1;
        self.spawner.spawn(Box::new(move || {
            let results = if cancelled.load(Ordering::Relaxed) {
                None
            } else {
                runner.run(first, items)
            };
            // The receiver lives as long as the dispatcher, which waits for
            // every job it spawned: the send cannot fail.
            let _ = tx.send(Done {
                first,
                len,
                results,
            });
        }));
    }

    /// The next chunk of results to hand back, waiting for one if needed; at
    /// the end, the map's failure (once), then `None`.
    ///
    /// The caller must [`release`](Self::release) every result it hands on.
    pub(super) fn next_chunk(&mut self) -> Option<Result<Vec<R>, Error>> {
        loop {
            if !matches!(self.end, End::Running) {
                return match std::mem::replace(&mut self.end, End::Closed) {
                    End::Finished(Err(e)) => Some(Err(e)),
                    other => {
                        self.end = other;
                        None
                    }
                };
            }
            self.top_up();
            if !self.stopping && self.runner.stopped() {
                self.stop();
            }
            if let Some(chunk) = self.ready.pop_front() {
                return Some(Ok(chunk));
            }
            if self.outstanding == 0 {
                // Nothing in flight: `top_up` would have pulled more input
                // unless there is none, or the map stopped.
                debug_assert!(self.input_done || self.stopping);
                self.conclude();
                continue;
            }
            match self.wait() {
                Some(done) => {
                    self.outstanding -= 1;
                    self.accept(done);
                }
                None => {
                    self.outstanding = 0;
                    self.stop();
                }
            }
        }
    }

    /// Files a chunk that came back: ready, or into the reorder buffer.
    fn accept(&mut self, done: Done<R>) {
        let results = match done.results {
            Some(results) if !self.stopping => results,
            Some(_) => {
                self.in_flight -= done.len;
                return;
            }
            None => {
                self.in_flight -= done.len;
                self.stop();
                return;
            }
        };
        if !self.ordered {
            self.ready.push_back(results);
            return;
        }
        if done.first != self.next_first {
            self.pending.insert(done.first, results);
            return;
        }
        self.next_first += done.len;
        self.ready.push_back(results);
        while let Some(results) = self.pending.remove(&self.next_first) {
            self.next_first += results.len();
            self.ready.push_back(results);
        }
    }

    /// Every chunk is back: retires the states and records the outcome.
    fn conclude(&mut self) {
        let mut outcome = self.runner.end(&self.pool);
        if let (Ok(_), Some(declared)) = (&outcome, self.declared)
            && self.exhausted
            && !self.stopping
            && self.pulled < declared
        {
            let mismatch = Err(Error::iterable_len_mismatch(declared, self.pulled));
            if let Ok(exits) = std::mem::replace(&mut outcome, mismatch) {
                // The error takes the place of the exit results: keep them
                // where `WorkerPool::exit_results` finds them.
                self.pool.store_exit_results(exits);
            }
        }
        self.end = End::Finished(outcome);
    }

    /// Takes the exit results of a finished map.
    pub(super) fn take_exits(&mut self) -> Vec<E> {
        match std::mem::replace(&mut self.end, End::Closed) {
            End::Finished(Ok(exits)) => exits,
            other => {
                self.end = other;
                Vec::new()
            }
        }
    }
}

impl<I: Iterator, R, E: Send + 'static, Sp> Core<'_, I, R, E, Sp> {
    /// `n` results were handed back to the caller.
    pub(super) fn release(&mut self, n: usize) {
        self.in_flight -= n;
    }

    /// The insights so far, when enabled.
    pub(super) fn insights(&self) -> Option<Insights> {
        self.runner.insights()
    }

    /// The exit results, once every chunk is back.
    pub(super) fn exit_results(&self) -> Option<&[E]> {
        match &self.end {
            End::Finished(Ok(exits)) => Some(exits),
            _ => None,
        }
    }

    /// The dispatcher's counters, for `Debug`.
    pub(super) fn debug_fields(&self, s: &mut fmt::DebugStruct<'_, '_>) {
        s.field("pulled", &self.pulled)
            .field("in_flight", &self.in_flight)
            .field("max_tasks_active", &self.bound);
    }

    /// Stops pulling input and discards the results not handed back yet.
    fn stop(&mut self) {
        self.stopping = true;
        let pending = std::mem::take(&mut self.pending).into_values();
        for chunk in self.ready.drain(..).chain(pending) {
            self.in_flight -= chunk.len();
        }
    }

    /// The next chunk job's report. On one of the pool's own workers, runs
    /// other pool work meanwhile, so that the job cannot starve behind us.
    fn wait(&self) -> Option<Done<R>> {
        loop {
            if let Ok(done) = self.rx.try_recv() {
                return Some(done);
            }
            // On a worker of this pool, or of another rayon pool, run that
            // pool's pending work while waiting: the chunk jobs may need it.
            let yielded = self
                .pool
                .thread_pool()
                .yield_now()
                .or_else(rayon::yield_now);
            match yielded {
                None => return self.rx.recv().ok(),
                Some(Yield::Executed) => {}
                Some(Yield::Idle) => {
                    if let Ok(done) = self.rx.recv_timeout(IDLE_WAIT) {
                        return Some(done);
                    }
                }
            }
        }
    }
}

impl<I: Iterator, R, E: Send + 'static, Sp> Drop for Core<'_, I, R, E, Sp> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.end, End::Closed) {
            End::Running => {}
            End::Finished(Ok(exits)) => {
                self.pool.store_exit_results(exits);
                return;
            }
            _ => return,
        }

        // Dropped half way: skip the queued chunks, wait for the running
        // ones, and retire the states, so that no job outlives the map.
        self.cancelled.store(true, Ordering::Relaxed);
        self.stop();
        while self.outstanding > 0 {
            if self.wait().is_none() {
                break;
            }
            self.outstanding -= 1;
        }
        if let Ok(exits) = self.runner.end(&self.pool) {
            self.pool.store_exit_results(exits);
        }
    }
}

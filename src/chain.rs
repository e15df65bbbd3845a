//! `.mpire_map`: MPIRE's chunking and worker runtime as a rayon adapter, so
//! that the rest of a rayon chain stays as it is.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::iter::plumbing::{Consumer, ProducerCallback, UnindexedConsumer};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};

use crate::map::{prepare_indexed, unwrap_or_panic};
use crate::options::Options;
use crate::plan::ChunkPlan;
use crate::pool::WorkerPool;
use crate::runtime::{
    DebugItems, Described, Hooks, Monitor, NoExit, NoInit, Runtime, TaskFn, WorkerExit, WorkerInit,
};
use crate::scheduler::{ChunkConsumer, Cuts, Planned, ProducerWrap};

/// A rayon parallel iterator that runs a task on a [`WorkerPool`], in MPIRE's
/// chunks, with per-worker state.
///
/// Made by [`ParallelMpire::mpire_map`](crate::ParallelMpire::mpire_map) or
/// [`Mpire::mpire_map`](crate::Mpire::mpire_map). It is indexed when its
/// input is, so `zip`, `enumerate` and `collect_into_vec` work as on rayon's
/// own `map`.
///
/// # Which threads run what
///
/// The tasks always run on the pool's workers. Driven by a reduction or a
/// collect (`sum`, `for_each`, `collect`, `collect_into_vec`), the rest of the
/// chain runs there too. Driven through an adapter that asks for a producer
/// (`zip`, `enumerate`, `take`) from outside the pool, it cannot take the
/// chain along (rayon's callbacks need not be `Send`): each piece's tasks run
/// on the pool into a vector, and the adapters after it run where the chain
/// was driven (rayon's global pool). Wrap such a chain in
/// [`pool.install(|| ...)`](WorkerPool::install) to keep all of it on the
/// pool, streaming.
///
/// A chain of two `mpire_map`s on two pools runs the second map's tasks where
/// the first one delivers its results, on the first pool's threads, as rayon
/// runs any adapter where its input is produced; its worker states are then
/// built per chunk.
///
/// # Chunks in rayon chains
///
/// When rayon drives it as an indexed iterator (`collect_into_vec`, `zip`,
/// `enumerate`), every chunk is handed out exactly as planned. In reductions
/// (`sum`, `for_each`, `collect`, `reduce`), rayon decides where to split the
/// input: a chunk that straddles one of its split points runs as two pieces,
/// each no larger than the chunk. With an unindexed input (`filter`,
/// `flat_map`, `u64` ranges whose length rayon does not track) positions
/// are unknown, so chunks are cut by count and a panic reports no task index.
///
/// # Panics
///
/// Driving it panics with the task index, the worker id and the original
/// message when a task or hook panicked, and with the option and value when
/// an option is invalid. The exit results go to the pool
/// ([`WorkerPool::exit_results`]).
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(2);
/// let v: Vec<u64> = (0..100).collect();
/// let pairs: Vec<(usize, u64)> = v
///     .par_iter()
///     .mpire_map(&pool, |x| x * x)
///     .chunk_size(7)
///     .enumerate()
///     .filter(|(_, sq)| sq % 2 == 1)
///     .collect();
/// assert_eq!(pairs[0], (1, 1));
/// ```
#[must_use = "a parallel iterator does nothing until it is driven"]
pub struct MpireMap<'p, I, F, Init = NoInit, Exit = NoExit> {
    base: I,
    pool: &'p WorkerPool,
    options: Options,
    task: F,
    init: Init,
    exit: Exit,
}

impl<I, F, Init, Exit> fmt::Debug for MpireMap<'_, I, F, Init, Exit> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpireMap")
            .field("pool", self.pool)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'p, I, F, Init, Exit> MpireMap<'p, I, F, Init, Exit> {
    pub(crate) fn new(
        base: I,
        pool: &'p WorkerPool,
        options: Options,
        task: F,
        init: Init,
        exit: Exit,
    ) -> Self {
        MpireMap {
            base,
            pool,
            options,
            task,
            init,
            exit,
        }
    }

    /// The number of tasks handed to a worker at a time.
    ///
    /// By default the input is cut into `64 * n_jobs` chunks when its length
    /// is known. See [`Mpire::chunk_size`](crate::Mpire::chunk_size).
    pub fn chunk_size(mut self, chunk_size: impl Into<crate::ChunkSize>) -> Self {
        self.options.chunk_size = Some(chunk_size.into());
        self
    }

    /// The number of chunks to cut the input into. Not set by default.
    /// See [`Mpire::n_splits`](crate::Mpire::n_splits).
    pub fn n_splits(mut self, n_splits: usize) -> Self {
        self.options.n_splits = Some(n_splits);
        self
    }

    /// Restarts a worker's state after it completed this many tasks. Not set
    /// by default. See [`Mpire::worker_lifespan`](crate::Mpire::worker_lifespan).
    pub fn worker_lifespan(mut self, worker_lifespan: usize) -> Self {
        self.options.worker_lifespan = Some(worker_lifespan);
        self
    }

    crate::options::progress_setters!();

    /// Records where the time went; the report is read from
    /// [`WorkerPool::insights`]. Off by default. See
    /// [`Mpire::enable_insights`](crate::Mpire::enable_insights).
    pub fn enable_insights(
        mut self,
        enable_insights: bool,
    ) -> MpireMap<'p, I, Described<F, DebugItems>, Init, Exit>
    where
        I: ParallelIterator,
        I::Item: fmt::Debug,
    {
        self.options.enable_insights = enable_insights;
        MpireMap {
            base: self.base,
            pool: self.pool,
            options: self.options,
            task: Described {
                task: self.task,
                describe: DebugItems,
            },
            init: self.init,
            exit: self.exit,
        }
    }

    /// Checks the options, and the plan for a known length.
    #[track_caller]
    fn plan(&self, len: Option<usize>) -> (crate::options::Checked, Option<ChunkPlan>) {
        if let Some(n) = self.options.iterable_len {
            // A rayon adapter must yield every item of its input; rayon's own
            // `take` is the way to shorten a chain.
            unwrap_or_panic::<()>(Err(crate::Error::invalid_option(
                "iterable_len",
                n.to_string(),
                "cannot shorten a rayon chain; use rayon's take(n) before mpire_map",
            )));
        }
        match len {
            Some(len) => {
                let (checked, _, plan) =
                    unwrap_or_panic(prepare_indexed(&self.options, len, self.pool.n_jobs()));
                (checked, Some(plan))
            }
            None => (unwrap_or_panic(self.options.validate()), None),
        }
    }
}

/// The chunk length used when the input's length is unknown.
fn fallback_chunk_len(checked: &crate::options::Checked) -> usize {
    match checked.chunk_size {
        Some(c) => c.ceil() as usize,
        None => {
            log::warn!(
                "the input's length is unknown and no chunk_size is set: using a chunk size of 1{}",
                if checked.n_splits.is_some() {
                    " (n_splits needs a length and is ignored)"
                } else {
                    ""
                }
            );
            1
        }
    }
}

impl<R, I, F, Init, Exit> ParallelIterator for MpireMap<'_, I, F, Init, Exit>
where
    I: ParallelIterator,
    F: TaskFn<Init::State, I::Item, Output = R> + Sync + Send,
    Init: WorkerInit,
    Exit: WorkerExit<Init::State>,
    R: Send,
{
    type Item = R;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<R>,
    {
        let total = self.base.opt_len();
        let (checked, plan) = self.plan(total);
        let monitor = Monitor::for_map(&checked, self.pool, total);
        let cuts = match &plan {
            Some(plan) => Cuts::Plan(plan),
            None => Cuts::Every(fallback_chunk_len(&checked)),
        };
        let MpireMap {
            base,
            pool,
            task,
            init,
            exit,
            ..
        } = self;
        let rt = Runtime::new(
            pool.n_jobs(),
            task,
            Hooks::new(init, exit),
            checked.worker_lifespan,
        )
        .with_monitor(monitor);
        let consumer = ChunkConsumer {
            inner: consumer,
            rt: &rt,
            cuts,
            position: std::cell::Cell::new(plan.as_ref().map(|_| 0)),
        };
        let (result, exits) = unwrap_or_panic(rt.execute(pool, || base.drive_unindexed(consumer)));
        pool.store_exit_results(exits);
        result
    }

    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<R, I, F, Init, Exit> IndexedParallelIterator for MpireMap<'_, I, F, Init, Exit>
where
    I: IndexedParallelIterator,
    F: TaskFn<Init::State, I::Item, Output = R> + Sync + Send,
    Init: WorkerInit,
    Exit: WorkerExit<Init::State>,
    R: Send,
{
    fn len(&self) -> usize {
        self.base.len()
    }

    fn drive<C: Consumer<R>>(self, consumer: C) -> C::Result {
        let (checked, plan) = self.plan(Some(self.base.len()));
        let plan = plan.unwrap_or_else(|| unreachable!("a known length always has a plan"));
        let monitor = Monitor::for_map(&checked, self.pool, Some(plan.n_tasks()));
        let MpireMap {
            base,
            pool,
            task,
            init,
            exit,
            ..
        } = self;
        let rt = Runtime::new(
            pool.n_jobs(),
            task,
            Hooks::new(init, exit),
            checked.worker_lifespan,
        )
        .with_monitor(monitor);
        let planned = Planned {
            base,
            rt: &rt,
            plan: &plan,
        };
        let (result, exits) = unwrap_or_panic(rt.execute(pool, || planned.drive(consumer)));
        pool.store_exit_results(exits);
        result
    }

    fn with_producer<CB: ProducerCallback<R>>(self, callback: CB) -> CB::Output {
        // rayon's callbacks need not be `Send`, so from outside the pool the
        // chain around this adapter cannot move into it: each piece's tasks
        // are sent there instead.
        let remote = self.pool.current_worker().is_none().then_some(self.pool);
        let (checked, plan) = self.plan(Some(self.base.len()));
        let plan = plan.unwrap_or_else(|| unreachable!("a known length always has a plan"));
        let monitor = Monitor::for_map(&checked, self.pool, Some(plan.n_tasks()));
        let MpireMap {
            base,
            pool,
            task,
            init,
            exit,
            ..
        } = self;
        let rt = Runtime::new(
            pool.n_jobs(),
            task,
            Hooks::new(init, exit),
            checked.worker_lifespan,
        )
        .with_monitor(monitor);
        rt.begin(pool);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            base.with_producer(ProducerWrap {
                callback,
                len: plan.n_tasks(),
                rt: &rt,
                cuts: Cuts::Plan(&plan),
                remote,
            })
        }));
        let (result, exits) = unwrap_or_panic(rt.conclude(pool, outcome));
        pool.store_exit_results(exits);
        result
    }
}

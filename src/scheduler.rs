//! The scheduler: how chunks of a parallel iterator reach the workers.
//!
//! # Indexed inputs: chunks exactly as planned
//!
//! rayon's own bridge splits a producer at `len / 2`, wherever that falls, so
//! it cannot honour chunk boundaries. [`drive_chunks`] drives a producer and a
//! consumer itself, over the *chunk* index range instead of the element range:
//! it splits the chunk range in half, splits the producer and the consumer at
//! the element boundary of the middle chunk, and hands the halves to
//! [`rayon::join`]. Every leaf is exactly one chunk, run by
//! [`Runtime::run_chunk`]. Any idle worker steals the other half of a split, so
//! chunks are taken up one at a time by whichever worker is free, as in MPIRE's
//! task queue. Because the consumer is split at element positions too, an
//! ordered `collect_into_vec` writes each result in place, with no copy.
//!
//! # Where rayon decides the splits
//!
//! Two paths cannot choose their split points:
//!
//! * [`ChunkConsumer`], for `drive_unindexed` (rayon's reductions such as
//!   `sum`, `for_each` and `collect`, and every unindexed input): the base
//!   iterator splits where it likes and calls into our consumer. Each leaf cuts
//!   its items at the plan's boundaries when it knows their positions (every
//!   indexed base reports them), or into runs of `chunk_size` when it does not.
//! * [`ChunkProducer`], for `with_producer` (`zip`, `enumerate`, `take`):
//!   the adapters around it decide where to split. The producer asks rayon
//!   not to split below one chunk, and cuts its items at the plan's
//!   boundaries. Driven from outside the pool, the adapter cannot move the
//!   chain into it (rayon's callbacks need not be `Send`): each piece's tasks
//!   run on the pool into a vector, waited for by a helper thread, and the
//!   piece's results are handed on where the chain runs.
//!
//! On both paths a chunk that straddles one of rayon's split points is run as
//! two pieces, each no larger than the chunk; everything else (state, hooks,
//! panics, lifespan counted in tasks) behaves as on the exact path.

use std::cell::Cell;
use std::ops::Range;
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::iter::plumbing::{
    Consumer, Folder, Producer, ProducerCallback, Reducer, UnindexedConsumer,
};

use crate::plan::ChunkPlan;
use crate::pool::WorkerPool;
use crate::runtime::{Abort, Runtime, TaskFn};
use crate::sink::{MAX_RESERVED, Sink};

/// The unwind payload that carries a stop through rayon's joins. The failure
/// itself is recorded in the runtime; whoever catches this looks there.
pub(crate) struct Stopped;

/// Unwinds out of a leaf after a chunk was aborted.
pub(crate) fn propagate(abort: Abort) -> ! {
    match abort {
        Abort::Stopped => resume_unwind(Box::new(Stopped)),
        Abort::Foreign(payload) => resume_unwind(payload),
    }
}

/// Drives `producer` into `consumer`, one leaf per chunk of `plan` in
/// `chunks`. The producer and consumer cover exactly those chunks.
pub(crate) fn drive_chunks<P, C, S, E, F, R>(
    rt: &Runtime<'_, S, E, F>,
    plan: &ChunkPlan,
    chunks: Range<usize>,
    producer: P,
    consumer: C,
) -> C::Result
where
    P: Producer,
    C: Consumer<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    if chunks.len() <= 1 || consumer.full() {
        let folder = consumer.into_folder();
        if chunks.is_empty() || folder.full() {
            return folder.complete();
        }
        let first = plan.start(chunks.start);
        return match rt.run_chunk(
            Some(first),
            producer.into_iter(),
            folder,
            Folder::consume,
            Folder::full,
        ) {
            Ok((folder, _)) => folder.complete(),
            Err(abort) => propagate(abort),
        };
    }

    let mid = chunks.start + chunks.len() / 2;
    let at = plan.start(mid) - plan.start(chunks.start);
    let (left_p, right_p) = producer.split_at(at);
    let (left_c, right_c, reducer) = consumer.split_at(at);
    let (left, right) = rayon::join(
        || drive_chunks(rt, plan, chunks.start..mid, left_p, left_c),
        || drive_chunks(rt, plan, mid..chunks.end, right_p, right_c),
    );
    reducer.reduce(left, right)
}

/// A producer callback that starts [`drive_chunks`] over the whole plan.
pub(crate) struct ExactCallback<'r, 'a, C, S, E, F> {
    pub(crate) consumer: C,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) plan: &'r ChunkPlan,
}

impl<T, R, C, S, E, F> ProducerCallback<T> for ExactCallback<'_, '_, C, S, E, F>
where
    C: Consumer<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R> + Sync,
{
    type Output = C::Result;

    fn callback<P: Producer<Item = T>>(self, producer: P) -> C::Result {
        drive_chunks(
            self.rt,
            self.plan,
            0..self.plan.n_chunks(),
            producer,
            self.consumer,
        )
    }
}

/// How a leaf that rayon chose cuts its items into chunks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cuts<'r> {
    /// At the plan's boundaries, when positions are known.
    Plan(&'r ChunkPlan),
    /// Into runs of this many items.
    Every(usize),
}

impl Cuts<'_> {
    /// How many items, starting at `position` (when known), fit in the piece
    /// of the chunk that holds `position`.
    fn piece_len(&self, position: Option<usize>) -> usize {
        match (self, position) {
            (Cuts::Plan(plan), Some(pos)) => {
                let k = chunk_of(plan, pos);
                plan.start(k + 1) - pos
            }
            (Cuts::Plan(plan), None) => plan.max_chunk_len().max(1),
            (Cuts::Every(n), _) => (*n).max(1),
        }
    }

    /// Where the piece that ends with the task at `last` starts, as far back
    /// as its chunk goes.
    fn piece_start(&self, last: usize) -> usize {
        match self {
            Cuts::Plan(plan) => plan.start(chunk_of(plan, last)),
            Cuts::Every(n) => last + 1 - (last + 1).min((*n).max(1)),
        }
    }

    /// The smallest piece rayon should split off: one chunk.
    fn min_len(&self) -> usize {
        match self {
            Cuts::Plan(plan) => plan.max_chunk_len().max(1),
            Cuts::Every(n) => (*n).max(1),
        }
    }
}

/// The chunk that holds task `pos` (binary search over chunk starts).
fn chunk_of(plan: &ChunkPlan, pos: usize) -> usize {
    let (mut lo, mut hi) = (0, plan.n_chunks());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if plan.start(mid) <= pos {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Feeds `iter`, whose first item is at `position` (when known), through the
/// runtime in pieces cut by `cuts`, into `folder`; returns the folder and the
/// number of items fed.
fn feed_pieces<T, R, G, S, E, F>(
    rt: &Runtime<'_, S, E, F>,
    cuts: Cuts<'_>,
    mut position: Option<usize>,
    iter: impl Iterator<Item = T>,
    mut folder: G,
) -> (G, usize)
where
    G: Folder<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R>,
{
    let mut iter = iter.fuse();
    let mut fed = 0;
    loop {
        if folder.full() {
            break;
        }
        // Only an item that exists can be placed in the plan (an empty input
        // has no chunk to look up), and only a piece with an item is a chunk
        // (no state is built for nothing).
        let Some(first) = iter.next() else {
            break;
        };
        let want = cuts.piece_len(position);
        let piece = std::iter::once(first).chain(iter.by_ref().take(want - 1));
        let (next, got) = match rt.run_chunk(position, piece, folder, Folder::consume, Folder::full)
        {
            Ok(done) => done,
            Err(abort) => propagate(abort),
        };
        folder = next;
        fed += got;
        position = position.map(|p| p + got);
        if got < want {
            break;
        }
    }
    (folder, fed)
}

/// A consumer that runs the tasks of the items it is fed, for rayon's
/// `drive_unindexed` path.
pub(crate) struct ChunkConsumer<'r, 'a, C, S, E, F> {
    pub(crate) inner: C,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) cuts: Cuts<'r>,
    /// The input position of this consumer's first item, when known. An
    /// unindexed split (`split_off_left`, which takes `&self`) loses it.
    pub(crate) position: Cell<Option<usize>>,
}

impl<'r, 'a, T, R, C, S, E, F> Consumer<T> for ChunkConsumer<'r, 'a, C, S, E, F>
where
    T: Send,
    C: Consumer<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R> + Sync,
{
    type Folder = ChunkFolder<'r, 'a, C::Folder, S, E, F, T>;
    type Reducer = C::Reducer;
    type Result = C::Result;

    fn split_at(self, index: usize) -> (Self, Self, C::Reducer) {
        let (left, right, reducer) = self.inner.split_at(index);
        let position = self.position.get();
        let consumer = |inner, position| ChunkConsumer {
            inner,
            rt: self.rt,
            cuts: self.cuts,
            position: Cell::new(position),
        };
        (
            consumer(left, position),
            consumer(right, position.map(|p| p + index)),
            reducer,
        )
    }

    fn into_folder(self) -> Self::Folder {
        ChunkFolder {
            inner: self.inner.into_folder(),
            rt: self.rt,
            cuts: self.cuts,
            position: self.position.get(),
            buffer: Vec::new(),
        }
    }

    fn full(&self) -> bool {
        self.inner.full()
    }
}

impl<T, R, C, S, E, F> UnindexedConsumer<T> for ChunkConsumer<'_, '_, C, S, E, F>
where
    T: Send,
    C: UnindexedConsumer<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R> + Sync,
{
    fn split_off_left(&self) -> Self {
        // An unindexed split gives no positions: both parts run with chunks
        // cut by count from here on.
        self.position.set(None);
        ChunkConsumer {
            inner: self.inner.split_off_left(),
            rt: self.rt,
            cuts: self.cuts,
            position: Cell::new(None),
        }
    }

    fn to_reducer(&self) -> Self::Reducer {
        self.inner.to_reducer()
    }
}

/// The folder of [`ChunkConsumer`]. Items fed one at a time (by unindexed
/// sources such as `filter`) are gathered into a chunk before running; items
/// fed as an iterator run straight from it.
pub(crate) struct ChunkFolder<'r, 'a, G, S, E, F, T> {
    inner: G,
    rt: &'r Runtime<'a, S, E, F>,
    cuts: Cuts<'r>,
    position: Option<usize>,
    buffer: Vec<T>,
}

impl<G, S, E, F, T> ChunkFolder<'_, '_, G, S, E, F, T>
where
    S: Send,
    E: Send,
{
    fn flush<R>(mut self) -> Self
    where
        G: Folder<R>,
        F: TaskFn<S, T, Output = R>,
    {
        if self.buffer.is_empty() {
            return self;
        }
        let items = std::mem::take(&mut self.buffer);
        let n = items.len();
        self.inner = feed_pieces(
            self.rt,
            Cuts::Every(n),
            self.position,
            items.into_iter(),
            self.inner,
        )
        .0;
        self.position = self.position.map(|p| p + n);
        self
    }
}

impl<T, R, G, S, E, F> Folder<T> for ChunkFolder<'_, '_, G, S, E, F, T>
where
    G: Folder<R>,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R>,
{
    type Result = G::Result;

    fn consume(mut self, item: T) -> Self {
        let want = self.cuts.piece_len(self.position);
        self.buffer.push(item);
        if self.buffer.len() >= want {
            self = self.flush();
        }
        self
    }

    fn consume_iter<I>(mut self, iter: I) -> Self
    where
        I: IntoIterator<Item = T>,
    {
        self = self.flush();
        let (inner, fed) = feed_pieces(
            self.rt,
            self.cuts,
            self.position,
            iter.into_iter(),
            self.inner,
        );
        self.inner = inner;
        self.position = self.position.map(|p| p + fed);
        self
    }

    fn complete(self) -> G::Result {
        self.flush().inner.complete()
    }

    fn full(&self) -> bool {
        self.inner.full()
    }
}

/// A producer that runs the tasks of its base producer's items, for rayon's
/// `with_producer` path.
pub(crate) struct ChunkProducer<'r, 'a, P, S, E, F> {
    pub(crate) base: P,
    /// The number of items of `base`.
    pub(crate) len: usize,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) cuts: Cuts<'r>,
    pub(crate) position: usize,
    /// The pool to run the tasks on when rayon drives this producer from
    /// outside it.
    pub(crate) remote: Option<&'r WorkerPool>,
}

/// Runs the tasks of `piece`, whose first item is at `first`, into a vector:
/// on the calling thread, or on `remote` when the caller is outside the pool.
fn run_piece<P, R, S, E, F>(
    rt: &Runtime<'_, S, E, F>,
    cuts: Cuts<'_>,
    first: usize,
    piece: P,
    remote: Option<&WorkerPool>,
) -> Vec<R>
where
    P: Producer,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    let run = || {
        let mut out = Vec::new();
        feed_pieces(
            rt,
            cuts,
            Some(first),
            piece.into_iter(),
            VecFolder(&mut out),
        );
        out
    };
    let Some(pool) = remote else {
        return run();
    };
    // The caller's folders need not be `Send`, so only the tasks move to the
    // pool. A helper thread waits for them there: a thread of another rayon
    // pool waiting in `install` would run that pool's other pieces meanwhile,
    // each nesting one more wait on its stack.
    std::thread::scope(|scope| match scope.spawn(|| pool.install(run)).join() {
        Ok(out) => out,
        Err(payload) => resume_unwind(payload),
    })
}

/// The pull iterator of a [`ChunkProducer`]: it runs the tasks one chunk (or
/// piece of a chunk) at a time as it is pulled from either end, so that an
/// adapter that stops early (`zip` with a shorter side) runs no more than it
/// takes. A chunk's tasks run together, so that a worker's state is never
/// held between two pulls.
pub(crate) struct Pieces<'r, 'a, P, S, E, F, R> {
    rest: Option<P>,
    /// Items of `rest` not yet run.
    remaining: usize,
    /// The input position of `rest`'s first item.
    position: usize,
    rt: &'r Runtime<'a, S, E, F>,
    cuts: Cuts<'r>,
    remote: Option<&'r WorkerPool>,
    front: std::vec::IntoIter<R>,
    back: std::vec::IntoIter<R>,
}

impl<P, S, E, F, R> Iterator for Pieces<'_, '_, P, S, E, F, R>
where
    P: Producer,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    type Item = R;

    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(r) = self.front.next() {
                return Some(r);
            }
            if self.remaining == 0 {
                return self.back.next();
            }
            let rest = self.rest.take()?;
            let want = self.cuts.piece_len(Some(self.position)).min(self.remaining);
            let (piece, rest) = rest.split_at(want);
            self.rest = Some(rest);
            let first = self.position;
            self.position += want;
            self.remaining -= want;
            self.front = run_piece(self.rt, self.cuts, first, piece, self.remote).into_iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl<P, S, E, F, R> DoubleEndedIterator for Pieces<'_, '_, P, S, E, F, R>
where
    P: Producer,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    fn next_back(&mut self) -> Option<R> {
        loop {
            if let Some(r) = self.back.next_back() {
                return Some(r);
            }
            if self.remaining == 0 {
                return self.front.next_back();
            }
            let rest = self.rest.take()?;
            let end = self.position + self.remaining;
            let start = self.cuts.piece_start(end - 1).max(self.position);
            let (rest, piece) = rest.split_at(start - self.position);
            self.rest = Some(rest);
            self.remaining -= end - start;
            self.back = run_piece(self.rt, self.cuts, start, piece, self.remote).into_iter();
        }
    }
}

impl<P, S, E, F, R> ExactSizeIterator for Pieces<'_, '_, P, S, E, F, R>
where
    P: Producer,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    fn len(&self) -> usize {
        self.remaining + self.front.len() + self.back.len()
    }
}

impl<'r, 'a, R, P, S, E, F> Producer for ChunkProducer<'r, 'a, P, S, E, F>
where
    P: Producer,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    type Item = R;
    type IntoIter = Pieces<'r, 'a, P, S, E, F, R>;

    fn into_iter(self) -> Self::IntoIter {
        Pieces {
            remaining: self.len,
            rest: Some(self.base),
            position: self.position,
            rt: self.rt,
            cuts: self.cuts,
            remote: self.remote,
            front: Vec::new().into_iter(),
            back: Vec::new().into_iter(),
        }
    }

    fn min_len(&self) -> usize {
        self.base.min_len().max(self.cuts.min_len())
    }

    fn max_len(&self) -> usize {
        self.base.max_len()
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.base.split_at(index);
        (
            ChunkProducer {
                base: left,
                len: index,
                rt: self.rt,
                cuts: self.cuts,
                position: self.position,
                remote: self.remote,
            },
            ChunkProducer {
                base: right,
                len: self.len - index,
                rt: self.rt,
                cuts: self.cuts,
                position: self.position + index,
                remote: self.remote,
            },
        )
    }

    fn fold_with<G>(self, folder: G) -> G
    where
        G: Folder<R>,
    {
        if self.remote.is_some() {
            return folder.consume_iter(run_piece(
                self.rt,
                self.cuts,
                self.position,
                self.base,
                self.remote,
            ));
        }
        feed_pieces(
            self.rt,
            self.cuts,
            Some(self.position),
            self.base.into_iter(),
            folder,
        )
        .0
    }
}

/// A folder that appends to a vector.
struct VecFolder<'v, R>(&'v mut Vec<R>);

impl<R> Folder<R> for VecFolder<'_, R> {
    type Result = ();

    fn consume(self, item: R) -> Self {
        self.0.push(item);
        self
    }

    fn complete(self) {}

    fn full(&self) -> bool {
        false
    }
}

/// A producer callback that wraps the base producer in a [`ChunkProducer`]
/// and hands it on.
pub(crate) struct ProducerWrap<'r, 'a, CB, S, E, F> {
    pub(crate) callback: CB,
    /// The number of items of the base producer.
    pub(crate) len: usize,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) cuts: Cuts<'r>,
    pub(crate) remote: Option<&'r WorkerPool>,
}

impl<T, R, CB, S, E, F> ProducerCallback<T> for ProducerWrap<'_, '_, CB, S, E, F>
where
    CB: ProducerCallback<R>,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R> + Sync,
{
    type Output = CB::Output;

    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(ChunkProducer {
            base,
            len: self.len,
            rt: self.rt,
            cuts: self.cuts,
            position: 0,
            remote: self.remote,
        })
    }
}

/// A reducer for sinks whose result is `()`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NoopReducer;

impl Reducer<()> for NoopReducer {
    fn reduce(self, _: (), _: ()) {}
}

/// An indexed parallel iterator that runs `rt`'s task over `base` on the
/// exact path: driven, it hands out one chunk of `plan` per leaf.
pub(crate) struct Planned<'r, 'a, I, S, E, F> {
    pub(crate) base: I,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) plan: &'r ChunkPlan,
}

impl<R, I, S, E, F> rayon::iter::ParallelIterator for Planned<'_, '_, I, S, E, F>
where
    I: rayon::iter::IndexedParallelIterator,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, I::Item, Output = R> + Sync,
{
    type Item = R;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<R>,
    {
        rayon::iter::IndexedParallelIterator::drive(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.plan.n_tasks())
    }
}

impl<R, I, S, E, F> rayon::iter::IndexedParallelIterator for Planned<'_, '_, I, S, E, F>
where
    I: rayon::iter::IndexedParallelIterator,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, I::Item, Output = R> + Sync,
{
    fn len(&self) -> usize {
        self.plan.n_tasks()
    }

    fn drive<C: Consumer<R>>(self, consumer: C) -> C::Result {
        self.base.with_producer(ExactCallback {
            consumer,
            rt: self.rt,
            plan: self.plan,
        })
    }

    fn with_producer<CB: ProducerCallback<R>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(ProducerWrap {
            callback,
            len: self.plan.n_tasks(),
            rt: self.rt,
            cuts: Cuts::Plan(self.plan),
            remote: None,
        })
    }
}

/// The bound of a lazy map: how many tasks may be handed out and not yet
/// handed back to the caller.
#[derive(Debug)]
pub(crate) struct Bound {
    pub(crate) max: usize,
    /// Tasks handed out whose results the caller has not taken yet.
    pub(crate) in_flight: AtomicUsize,
}

impl Bound {
    /// The caller took the results of `n` tasks.
    pub(crate) fn release(&self, n: usize) {
        self.in_flight.fetch_sub(n, Ordering::AcqRel);
    }

    /// `true` when `n` more tasks may go out: they fit, or nothing is out
    /// (a chunk larger than the bound still runs, alone).
    fn admits(&self, n: usize) -> bool {
        let out = self.in_flight.load(Ordering::Acquire);
        out == 0 || out.saturating_add(n) <= self.max
    }
}

/// Drives `producer` for a lazy map: the chunks of `plan` are handed out in
/// input order, each as a job of its own, while `bound` admits them, and
/// their results go to `sink`. Unlike [`drive_chunks`], whose work-stealing
/// finishes chunks in no particular order, this keeps the results waiting
/// for the caller (the reorder buffer of an ordered `imap` included) within
/// the bound, however slowly the caller consumes them.
///
/// Runs on a thread of its own, outside the pool, and waits for room by
/// sleeping: a wait inside the pool would run other pending jobs on its
/// stack, and another lazy map's driver among them would then hold this one
/// until its own caller drains it, which may be never.
pub(crate) fn drive_in_order<P, K, R, S, E, F>(
    rt: &Runtime<'_, S, E, F>,
    plan: &ChunkPlan,
    producer: P,
    sink: &K,
    bound: &Bound,
    pool: &WorkerPool,
) where
    P: Producer,
    K: Sink<R>,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, P::Item, Output = R> + Sync,
{
    // FIFO: the workers take the chunks in input order (with one worker,
    // that is the order of every result).
    pool.thread_pool().in_place_scope_fifo(|scope| {
        let mut rest = Some(producer);
        for k in 0..plan.n_chunks() {
            let len = plan.start(k + 1) - plan.start(k);
            while !bound.admits(len) && !sink.closed() && !rt.stopped() {
                std::thread::sleep(IDLE_WAIT);
            }
            if sink.closed() || rt.stopped() {
                return;
            }
            let Some(producer) = rest.take() else {
                return;
            };
            let (chunk, tail) = producer.split_at(len);
            rest = Some(tail);
            bound.in_flight.fetch_add(len, Ordering::AcqRel);
            let first = plan.start(k);
            scope.spawn_fifo(move |_| {
                if sink.closed() {
                    return;
                }
                let push = |mut results: Vec<R>, r| {
                    results.push(r);
                    results
                };
                let results = Vec::with_capacity(len.min(MAX_RESERVED));
                // A failure is recorded by the runtime, which stops the map.
                if let Ok((results, _)) =
                    rt.run_chunk(Some(first), chunk.into_iter(), results, push, |_| false)
                {
                    sink.deliver(first, results);
                }
            });
        }
    });
}

/// How long the in-order driver sleeps when there is no room.
const IDLE_WAIT: std::time::Duration = std::time::Duration::from_micros(200);

/// A producer callback that starts [`drive_in_order`].
pub(crate) struct InOrderCallback<'r, 'a, K, S, E, F> {
    pub(crate) pool: &'r WorkerPool,
    pub(crate) rt: &'r Runtime<'a, S, E, F>,
    pub(crate) plan: &'r ChunkPlan,
    pub(crate) sink: &'r K,
    pub(crate) bound: &'r Bound,
}

impl<T, R, K, S, E, F> ProducerCallback<T> for InOrderCallback<'_, '_, K, S, E, F>
where
    K: Sink<R>,
    R: Send,
    S: Send,
    E: Send,
    F: TaskFn<S, T, Output = R> + Sync,
{
    type Output = ();

    fn callback<P: Producer<Item = T>>(self, producer: P) {
        drive_in_order(
            self.rt, self.plan, producer, self.sink, self.bound, self.pool,
        );
    }
}

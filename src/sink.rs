//! The result sinks: where the results of finished chunks go.
//!
//! The ordered eager `map` needs no sink of its own: it is rayon's
//! `collect_into_vec` over the exact scheduler, which writes every result in
//! place. The other forms receive whole chunks of results, tagged with the
//! input position of the chunk's first task:
//!
//! * [`AppendSink`] appends them in completion order (`map_unordered`);
//! * [`ChannelSink`] sends them to a lazy result iterator ([`Imap`]), which
//!   reorders them by position (`imap`) or yields them as they come
//!   (`imap_unordered`).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;
use rayon::iter::plumbing::{Consumer, Folder};

use crate::error::Error;
use crate::insights::{Insights, Recorder};
use crate::pool::WorkerPool;
use crate::scheduler::Bound;
use crate::scheduler::NoopReducer;

/// How long a waiting consumer on a rayon worker sleeps when its pool has
/// nothing else to run.
const IDLE_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

/// The most results a sink reserves room for before it has them.
pub(crate) const MAX_RESERVED: usize = 1 << 16;

/// A destination for whole chunks of results.
pub(crate) trait Sink<R>: Sync {
    /// Takes the results of the tasks at `first..first + results.len()`.
    fn deliver(&self, first: usize, results: Vec<R>);

    /// `true` once nobody wants more results.
    fn closed(&self) -> bool {
        false
    }
}

/// A rayon consumer that gathers each chunk's results and delivers them to a
/// sink when the chunk completes.
pub(crate) struct SinkConsumer<'s, K, R> {
    pub(crate) sink: &'s K,
    pub(crate) position: usize,
    pub(crate) len: usize,
    pub(crate) marker: PhantomData<fn(R)>,
}

impl<'s, K: Sink<R>, R: Send> Consumer<R> for SinkConsumer<'s, K, R> {
    type Folder = SinkFolder<'s, K, R>;
    type Reducer = NoopReducer;
    type Result = ();

    fn split_at(self, index: usize) -> (Self, Self, NoopReducer) {
        let left = SinkConsumer {
            sink: self.sink,
            position: self.position,
            len: index,
            marker: PhantomData,
        };
        let right = SinkConsumer {
            sink: self.sink,
            position: self.position + index,
            len: self.len - index,
            marker: PhantomData,
        };
        (left, right, NoopReducer)
    }

    fn into_folder(self) -> Self::Folder {
        // A closed sink's consumer may span a huge skipped range (the rest
        // of a dropped `imap` over a long input): it will push nothing.
        // A huge chunk grows its vector as results come instead of reserving
        // its whole length up front.
        let capacity = if self.sink.closed() {
            0
        } else {
            self.len.min(MAX_RESERVED)
        };
        SinkFolder {
            sink: self.sink,
            position: self.position,
            results: Vec::with_capacity(capacity),
        }
    }

    fn full(&self) -> bool {
        self.sink.closed()
    }
}

/// The folder of [`SinkConsumer`].
pub(crate) struct SinkFolder<'s, K, R> {
    sink: &'s K,
    position: usize,
    results: Vec<R>,
}

impl<K: Sink<R>, R> Folder<R> for SinkFolder<'_, K, R> {
    type Result = ();

    fn consume(mut self, item: R) -> Self {
        self.results.push(item);
        self
    }

    fn complete(self) {
        if !self.results.is_empty() {
            self.sink.deliver(self.position, self.results);
        }
    }

    fn full(&self) -> bool {
        self.sink.closed()
    }
}

/// Appends chunks of results in the order they complete.
pub(crate) struct AppendSink<R>(pub(crate) Mutex<Vec<R>>);

impl<R: Send> Sink<R> for AppendSink<R> {
    fn deliver(&self, _: usize, mut results: Vec<R>) {
        self.0.lock().append(&mut results);
    }
}

/// A message from a running map to its lazy result iterator.
pub(crate) enum Message<R, E> {
    /// The results of the tasks at `first..`.
    Chunk(usize, Vec<R>),
    /// The map is over: its exit results, or its first failure.
    Done(Result<Vec<E>, Error>),
}

/// Sends chunks of results to a lazy result iterator.
pub(crate) struct ChannelSink<R, E> {
    pub(crate) tx: Sender<Message<R, E>>,
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl<R: Send, E: Send> Sink<R> for ChannelSink<R, E> {
    fn deliver(&self, first: usize, results: Vec<R>) {
        // A send fails only when the iterator is gone: nobody wants them.
        let _ = self.tx.send(Message::Chunk(first, results));
    }

    fn closed(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// The lazy results of [`imap`](crate::Mpire::imap) and
/// [`imap_unordered`](crate::Mpire::imap_unordered): an iterator that yields
/// results while the workers go on.
///
/// Dropping it half way stops the map promptly: chunks not yet started are
/// skipped, running ones finish, the exit hooks run, and the drop returns
/// when the workers are done with the map.
///
/// # On a worker of the same pool
///
/// Called on one of its own pool's workers (from inside a task), the map runs
/// to the end before the first result is yielded: waiting there for other
/// workers could starve the pool of the very thread it waits on. It is then
/// as eager as `map`.
///
/// # Memory
///
/// The chunks go to the workers in input order, and only while the tasks
/// handed out and not yet taken by the caller (the reorder buffer included)
/// stay within [`max_tasks_active`](crate::Mpire::max_tasks_active): a slow
/// consumer holds the workers back instead of piling up results. The chunk
/// being handed out counts as taken, so up to one chunk more is alive.
///
/// The chunks are handed out by a thread of the map's own, outside the pool,
/// which ends with the map.
///
/// # Panics
///
/// Iterating panics, with the task index, the worker id and the original
/// message, when a task or hook panicked. [`Imap::try_next`] returns that
/// failure as an [`Error`] instead.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(4);
/// let mut seen = Vec::new();
/// for square in (0..100usize).into_par_iter().mpire(&pool).imap(|x| x * x) {
///     seen.push(square);
/// }
/// assert_eq!(seen[..4], [0, 1, 4, 9]);
/// ```
pub struct Imap<R, E: Send + 'static = ()> {
    rx: Receiver<Message<R, E>>,
    ordered: bool,
    pending: BTreeMap<usize, Vec<R>>,
    next_position: usize,
    current: std::vec::IntoIter<R>,
    cancelled: Arc<AtomicBool>,
    finished: Option<Result<Vec<E>, Error>>,
    failure_reported: bool,
    exits_taken: bool,
    insights: Option<Arc<Recorder>>,
    /// Where the exit results go if nobody takes them.
    pool: Option<WorkerPool>,
    /// Released as chunks of results are handed to the caller.
    bound: Option<Arc<Bound>>,
}

impl<R, E: Send + 'static> fmt::Debug for Imap<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("ordered", &self.ordered)
            .field("next_position", &self.next_position)
            .field("finished", &self.finished.is_some())
            .finish_non_exhaustive()
    }
}

impl<R, E: Send + 'static> Imap<R, E> {
    pub(crate) fn new(
        rx: Receiver<Message<R, E>>,
        ordered: bool,
        cancelled: Arc<AtomicBool>,
    ) -> Self {
        Imap {
            rx,
            ordered,
            pending: BTreeMap::new(),
            next_position: 0,
            current: Vec::new().into_iter(),
            cancelled,
            finished: None,
            failure_reported: false,
            exits_taken: false,
            insights: None,
            pool: None,
            bound: None,
        }
    }

    /// An iterator that yields `error` and ends.
    pub(crate) fn failed(error: Error) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let _ = tx.send(Message::Done(Err(error)));
        Imap::new(rx, true, Arc::new(AtomicBool::new(false)))
    }

    /// Releases room in `bound` as results are handed to the caller.
    pub(crate) fn with_bound(mut self, bound: Arc<Bound>) -> Self {
        self.bound = Some(bound);
        self
    }

    /// Makes `chunk` the results being handed out.
    fn hand_out(&mut self, chunk: Vec<R>) {
        if let Some(bound) = &self.bound {
            bound.release(chunk.len());
        }
        self.next_position += chunk.len();
        self.current = chunk.into_iter();
    }

    /// Leaves exit results nobody took in `pool` when dropped.
    pub(crate) fn with_pool(mut self, pool: WorkerPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// The next message of the map. On a worker of a rayon pool, that pool's
    /// pending work runs meanwhile: the map's tasks may be waiting for it.
    fn receive(&self) -> Option<Message<R, E>> {
        loop {
            match rayon::yield_now() {
                None => return self.rx.recv().ok(),
                Some(rayon::Yield::Executed) => {
                    if let Ok(message) = self.rx.try_recv() {
                        return Some(message);
                    }
                }
                Some(rayon::Yield::Idle) => match self.rx.recv_timeout(IDLE_WAIT) {
                    Ok(message) => return Some(message),
                    Err(RecvTimeoutError::Disconnected) => return None,
                    Err(RecvTimeoutError::Timeout) => {}
                },
            }
        }
    }

    /// Reads insights from `recorder`.
    pub(crate) fn with_insights(mut self, recorder: Option<Arc<Recorder>>) -> Self {
        self.insights = recorder;
        self
    }

    /// The insights so far, when the map enabled them: readable while the
    /// results are still being consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..100usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .enable_insights(true)
    ///     .imap(|x| x);
    /// results.next();
    /// assert!(results.insights().is_some());
    /// results.by_ref().for_each(drop);
    /// let done = results.insights().unwrap();
    /// assert_eq!(done.n_completed_tasks().iter().sum::<usize>(), 100);
    /// ```
    #[doc(alias = "get_insights")]
    pub fn insights(&self) -> Option<Insights> {
        self.insights.as_ref().map(|r| r.snapshot())
    }

    /// The next result, or the map's failure (once), or `None` at the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..10usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .chunk_size(1)
    ///     .imap(|x| if x == 3 { panic!("three") } else { x });
    /// let mut failure = None;
    /// while let Some(next) = results.try_next() {
    ///     if let Err(e) = next {
    ///         failure = Some(e);
    ///     }
    /// }
    /// assert_eq!(failure.unwrap().task_index(), Some(3));
    /// ```
    pub fn try_next(&mut self) -> Option<Result<R, Error>> {
        loop {
            if let Some(r) = self.current.next() {
                return Some(Ok(r));
            }
            if self.ordered
                && let Some(chunk) = self.pending.remove(&self.next_position)
            {
                self.hand_out(chunk);
                continue;
            }
            if let Some(finished) = &self.finished {
                return match finished {
                    Err(e) if !self.failure_reported => {
                        self.failure_reported = true;
                        Some(Err(e.clone()))
                    }
                    _ => None,
                };
            }
            match self.receive().ok_or(()) {
                Ok(Message::Chunk(first, results)) => {
                    if !self.ordered || first == self.next_position {
                        self.hand_out(results);
                    } else {
                        self.pending.insert(first, results);
                    }
                }
                Ok(Message::Done(done)) => {
                    if done.is_err() {
                        // Results after a failure would leave a gap: stop at
                        // the failure, as MPIRE raises it.
                        self.pending.clear();
                    }
                    self.finished = Some(done);
                }
                Err(_) => {
                    self.finished = Some(Ok(Vec::new()));
                }
            }
        }
    }

    /// The exit results of the map, once the iterator is exhausted; `None`
    /// before that, or when the map failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..100usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .worker_init(|_| 0usize)
    ///     .worker_exit(|_, count| count)
    ///     .imap_with_state(|count, x| {
    ///         *count += 1;
    ///         x
    ///     });
    /// assert_eq!(results.by_ref().count(), 100);
    /// assert_eq!(results.exit_results().unwrap().iter().sum::<usize>(), 100);
    /// ```
    #[doc(alias = "get_exit_results")]
    pub fn exit_results(&self) -> Option<&[E]> {
        match &self.finished {
            Some(Ok(exits))
                if self.current.len() == 0 && self.pending.is_empty() && !self.exits_taken =>
            {
                Some(exits)
            }
            _ => None,
        }
    }

    /// Takes the exit results by value, once the iterator is exhausted (as
    /// [`exit_results`](Self::exit_results)); a second call finds none.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..10usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .worker_init(|_| Vec::new())
    ///     .worker_exit(|_, seen| seen)
    ///     .imap_with_state(|seen: &mut Vec<usize>, x| seen.push(x));
    /// results.by_ref().for_each(drop);
    /// let mut seen: Vec<usize> = results.take_exit_results().unwrap().concat();
    /// seen.sort_unstable();
    /// assert_eq!(seen, (0..10).collect::<Vec<_>>());
    /// assert!(results.take_exit_results().is_none());
    /// ```
    pub fn take_exit_results(&mut self) -> Option<Vec<E>> {
        self.exit_results()?;
        self.exits_taken = true;
        match self.finished.as_mut() {
            Some(Ok(exits)) => Some(std::mem::take(exits)),
            _ => None,
        }
    }
}

impl<R, E: Send + 'static> Iterator for Imap<R, E> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        match self.try_next()? {
            Ok(r) => Some(r),
            Err(e) => panic!("{e}"),
        }
    }
}

impl<R, E: Send + 'static> Drop for Imap<R, E> {
    fn drop(&mut self) {
        let finished = match self.finished.take() {
            Some(finished) => finished,
            None => {
                self.cancelled.store(true, Ordering::Relaxed);
                // Wait for the running chunks and the exit hooks, so that no
                // worker is still busy with this map once the drop returns.
                loop {
                    match self.receive() {
                        Some(Message::Done(done)) => break done,
                        Some(Message::Chunk(..)) => {}
                        None => return,
                    }
                }
            }
        };
        if let (Ok(exits), Some(pool), false) = (finished, &self.pool, self.exits_taken) {
            pool.store_exit_results(exits);
        }
    }
}

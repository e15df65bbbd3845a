//! The lazy result iterator of the bridge.

use std::fmt;
use std::iter::FusedIterator;

use super::dispatch::Core;
use crate::error::Error;
use crate::insights::Insights;
use crate::pool::WorkerPool;

/// The lazy results of [`Bridge::imap`](crate::Bridge::imap) and
/// [`Bridge::imap_unordered`](crate::Bridge::imap_unordered): an
/// iterator that pulls the input and yields results while the workers go on.
///
/// Each call to `next` first tops up the work in flight (pulling more input
/// while it fits under `max_tasks_active`), then hands back a result,
/// waiting for one if none is ready. After the last result, the exit hooks
/// run and [`exit_results`](Self::exit_results) becomes available.
///
/// Dropping it half way stops pulling input at once: chunks not yet started
/// are skipped, running ones finish, the exit hooks run, and the drop returns
/// when the workers are done with the map. Exit results (of a finished or a
/// dropped map) then go to the pool, for
/// [`WorkerPool::exit_results`](crate::WorkerPool::exit_results).
///
/// Iterated on one of the pool's own workers, it runs the chunks itself, one
/// after another, instead of waiting for the pool: that cannot deadlock.
///
/// # Panics
///
/// Iterating panics, with the task index, the worker id and the original
/// message, when a task or hook panicked, and after the last result when
/// `iterable_len` was larger than the input. [`try_next`](Self::try_next)
/// returns these as an [`Error`] instead.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(4);
/// let text = "a\nbb\nccc\n".repeat(100);
/// let lengths: Vec<usize> = text
///     .lines()
///     .map(str::to_owned)
///     .mpire_bridge(&pool)
///     .chunk_size(16)
///     .imap(|line| line.len())
///     .collect();
/// assert_eq!(lengths[..4], [1, 2, 3, 1]);
/// assert_eq!(lengths.len(), 300);
/// ```
pub struct BridgeImap<I: Iterator, R, E: Send + 'static = ()> {
    core: Option<Core<'static, I, R, E, WorkerPool>>,
    invalid: Option<Error>,
    current: std::vec::IntoIter<R>,
}

impl<I: Iterator, R, E: Send + 'static> fmt::Debug for BridgeImap<I, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("BridgeImap");
        if let Some(core) = &self.core {
            core.debug_fields(&mut s);
        }
        s.finish_non_exhaustive()
    }
}

impl<I: Iterator, R, E: Send + 'static> BridgeImap<I, R, E> {
    pub(super) fn new(core: Core<'static, I, R, E, WorkerPool>) -> Self {
        BridgeImap {
            core: Some(core),
            invalid: None,
            current: Vec::new().into_iter(),
        }
    }

    /// An iterator that yields `error` once: the map could not start.
    pub(super) fn failed(error: Error) -> Self {
        BridgeImap {
            core: None,
            invalid: Some(error),
            current: Vec::new().into_iter(),
        }
    }
}

impl<I, R, E> BridgeImap<I, R, E>
where
    I: Iterator,
    I::Item: Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
{
    /// The next result, or the map's failure (once), or `None` at the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use mpire::ErrorKind;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..5u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .iterable_len(7)
    ///     .imap(|x| x);
    /// let mut seen = Vec::new();
    /// let mut failure = None;
    /// while let Some(next) = results.try_next() {
    ///     match next {
    ///         Ok(x) => seen.push(x),
    ///         Err(e) => failure = Some(e),
    ///     }
    /// }
    /// assert_eq!(seen, [0, 1, 2, 3, 4]);
    /// assert_eq!(failure.unwrap().kind(), ErrorKind::IterableLenMismatch);
    /// ```
    pub fn try_next(&mut self) -> Option<Result<R, Error>> {
        let Some(core) = &mut self.core else {
            return self.invalid.take().map(Err);
        };
        loop {
            // Top up before handing a result back: the result counts as in
            // flight until the caller has it.
            core.top_up();
            if let Some(r) = self.current.next() {
                core.release(1);
                return Some(Ok(r));
            }
            match core.next_chunk()? {
                Ok(chunk) => self.current = chunk.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
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
    /// let mut results = (0..100u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .enable_insights(true)
    ///     .imap(|x| x);
    /// assert_eq!(results.next(), Some(0));
    /// assert!(results.insights().is_some());
    /// assert_eq!(results.by_ref().count(), 99);
    /// let done = results.insights().unwrap();
    /// assert_eq!(done.n_completed_tasks().iter().sum::<usize>(), 100);
    /// ```
    #[doc(alias = "get_insights")]
    pub fn insights(&self) -> Option<Insights> {
        self.core.as_ref()?.insights()
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
    /// let mut results = (0..10u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(2)
    ///     .worker_init(|_| ())
    ///     .worker_exit(|w, ()| w.id())
    ///     .imap(|x| x);
    /// assert!(results.exit_results().is_none());
    /// assert_eq!(results.by_ref().count(), 10);
    /// let exits = results.exit_results().unwrap();
    /// assert!(!exits.is_empty() && exits.len() <= 2);
    /// ```
    #[doc(alias = "get_exit_results")]
    pub fn exit_results(&self) -> Option<&[E]> {
        match &self.core {
            Some(core) if self.current.len() == 0 => core.exit_results(),
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
    /// let mut results = (0..10u32)
    ///     .mpire_bridge(&pool)
    ///     .worker_init(|_| Vec::new())
    ///     .worker_exit(|_, seen| seen)
    ///     .imap_with_state(|seen: &mut Vec<u32>, x| seen.push(x));
    /// results.by_ref().for_each(drop);
    /// let mut seen: Vec<u32> = results.take_exit_results().unwrap().concat();
    /// seen.sort_unstable();
    /// assert_eq!(seen, (0..10).collect::<Vec<_>>());
    /// assert!(results.take_exit_results().is_none());
    /// ```
    pub fn take_exit_results(&mut self) -> Option<Vec<E>> {
        self.exit_results()?;
        self.core.as_mut().map(|core| core.take_exits())
    }
}

impl<I, R, E> Iterator for BridgeImap<I, R, E>
where
    I: Iterator,
    I::Item: Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
{
    type Item = R;

    fn next(&mut self) -> Option<R> {
        match self.try_next()? {
            Ok(r) => Some(r),
            Err(e) => panic!("{e}"),
        }
    }
}

impl<I, R, E> FusedIterator for BridgeImap<I, R, E>
where
    I: Iterator,
    I::Item: Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
{
}

//! MPIRE's utilities: the chunk plan as a function, and argument helpers.

use crate::error::Error;
use crate::plan::{self, ChunkSize, ChunkSizes};

/// Cuts `iterable` into chunks exactly as the map functions do: MPIRE's
/// `chunk_tasks`.
///
/// Set [`chunk_size`](ChunkTasksBuilder::chunk_size) or
/// [`n_splits`](ChunkTasksBuilder::n_splits) (the first wins), and
/// [`iterable_len`](ChunkTasksBuilder::iterable_len) when the iterator cannot
/// tell its length, then [`build`](ChunkTasksBuilder::build).
///
/// # Examples
///
/// The three outputs of MPIRE's documentation:
///
/// ```
/// use mpire::utils::chunk_tasks;
///
/// let by_splits: Vec<Vec<u32>> = chunk_tasks(0..10).n_splits(3).build()?.collect();
/// assert_eq!(by_splits, [vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]);
///
/// let by_size: Vec<Vec<u32>> = chunk_tasks(0..10).chunk_size(2.5).build()?.collect();
/// assert_eq!(by_size, [vec![0, 1, 2], vec![3, 4], vec![5, 6, 7], vec![8, 9]]);
///
/// // A generator does not know its length: `iterable_len` gives it.
/// let mut n = 0;
/// let generator = std::iter::from_fn(move || (n < 10).then(|| { n += 1; n - 1 }));
/// let chunks: Vec<Vec<u32>> =
///     chunk_tasks(generator).iterable_len(10).n_splits(6).build()?.collect();
/// assert_eq!(
///     chunks,
///     [vec![0, 1], vec![2, 3], vec![4], vec![5, 6], vec![7, 8], vec![9]]
/// );
/// # Ok::<(), mpire::Error>(())
/// ```
pub fn chunk_tasks<I: IntoIterator>(iterable: I) -> ChunkTasksBuilder<I::IntoIter> {
    ChunkTasksBuilder {
        iter: iterable.into_iter(),
        chunk_size: None,
        n_splits: None,
        iterable_len: None,
    }
}

/// The options of [`chunk_tasks`].
#[derive(Clone, Debug)]
#[must_use = "call build() to get the chunks"]
pub struct ChunkTasksBuilder<I> {
    iter: I,
    chunk_size: Option<ChunkSize>,
    n_splits: Option<usize>,
    iterable_len: Option<usize>,
}

impl<I: Iterator> ChunkTasksBuilder<I> {
    /// The number of items per chunk; fractions spread as MPIRE's do.
    pub fn chunk_size(mut self, chunk_size: impl Into<ChunkSize>) -> Self {
        self.chunk_size = Some(chunk_size.into());
        self
    }

    /// The number of chunks; needs a length.
    pub fn n_splits(mut self, n_splits: usize) -> Self {
        self.n_splits = Some(n_splits);
        self
    }

    /// The number of items; the iterator is cut off there when it is longer.
    pub fn iterable_len(mut self, iterable_len: usize) -> Self {
        self.iterable_len = Some(iterable_len);
        self
    }

    /// The chunks.
    ///
    /// # Errors
    ///
    /// Neither `chunk_size` nor `n_splits` set, an invalid value, or
    /// `n_splits` without a length (the iterator's exact size hint or
    /// `iterable_len`).
    pub fn build(self) -> Result<ChunkTasks<I>, Error> {
        let exact_len = match self.iter.size_hint() {
            (lo, Some(hi)) if lo == hi => Some(lo),
            _ => None,
        };
        let len = self.iterable_len.or(exact_len);
        let size = match (self.chunk_size, self.n_splits) {
            (Some(c), _) => c.validated()?,
            (None, Some(s)) => {
                plan::validate_n_splits(s)?;
                let Some(n) = len else {
                    return Err(Error::invalid_option(
                        "n_splits",
                        s.to_string(),
                        "needs the input's length; give iterable_len",
                    ));
                };
                plan::effective_chunk_size(n, None, Some(s), 1)
            }
            (None, None) => {
                return Err(Error::invalid_option(
                    "chunk_size",
                    "None".to_string(),
                    "or n_splits must be given",
                ));
            }
        };
        Ok(ChunkTasks {
            iter: self.iter,
            sizes: ChunkSizes::new(size),
            remaining: self.iterable_len,
        })
    }
}

/// The chunks of [`chunk_tasks`], as vectors.
#[derive(Clone, Debug)]
pub struct ChunkTasks<I> {
    iter: I,
    sizes: ChunkSizes,
    remaining: Option<usize>,
}

impl<I: Iterator> Iterator for ChunkTasks<I> {
    type Item = Vec<I::Item>;

    fn next(&mut self) -> Option<Vec<I::Item>> {
        let mut want = self.sizes.next().unwrap_or(1);
        if let Some(remaining) = &mut self.remaining {
            want = want.min(*remaining);
            *remaining -= want;
        }
        let chunk: Vec<I::Item> = self.iter.by_ref().take(want).collect();
        (!chunk.is_empty()).then_some(chunk)
    }
}

/// Wraps every item in a one-element tuple: MPIRE's `make_single_arguments`.
///
/// In MPIRE, a tuple item is unpacked into several arguments unless it is
/// wrapped like this. A Rust task always receives the whole item, and
/// destructures a tuple itself (`|(x, y)| x * y`), so this is rarely needed;
/// it exists so that code ported from MPIRE reads the same.
///
/// # Examples
///
/// ```
/// use mpire::utils::make_single_arguments;
///
/// let wrapped: Vec<((u8, u8),)> = make_single_arguments([(0, 100), (1, 101)]).collect();
/// assert_eq!(wrapped, [((0, 100),), ((1, 101),)]);
/// ```
pub fn make_single_arguments<I: IntoIterator>(args: I) -> impl Iterator<Item = (I::Item,)> {
    args.into_iter().map(|arg| (arg,))
}

/// A function of several arguments, called with a tuple.
///
/// Implemented for every `Fn` of two to six arguments; see [`star`].
pub trait StarFn<Args> {
    /// The function's result.
    type Output;

    /// Calls the function with the tuple's fields as arguments.
    fn call_star(&self, args: Args) -> Self::Output;
}

macro_rules! star_fn {
    ($($arg:ident)*) => {
        impl<Func, R, $($arg),*> StarFn<($($arg,)*)> for Func
        where
            Func: Fn($($arg),*) -> R,
        {
            type Output = R;

            #[allow(non_snake_case)]
            fn call_star(&self, ($($arg,)*): ($($arg,)*)) -> R {
                self($($arg),*)
            }
        }
    };
}
star_fn!(A B);
star_fn!(A B C);
star_fn!(A B C D);
star_fn!(A B C D E);
star_fn!(A B C D E G);

/// Turns a function of several arguments into a task over tuples, as MPIRE
/// unpacks tuple items into arguments.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
/// use mpire::utils::star;
///
/// fn multiply(x: usize, y: usize) -> usize {
///     x * y
/// }
///
/// let pool = WorkerPool::new(4);
/// let products = (0..100usize)
///     .into_par_iter()
///     .zip(100..200usize)
///     .mpire(&pool)
///     .map(star(multiply));
/// assert_eq!(products[..5], [0, 101, 204, 309, 416]);
/// ```
pub fn star<F, Args>(f: F) -> impl Fn(Args) -> F::Output + Send + Sync
where
    F: StarFn<Args> + Send + Sync,
{
    move |args| f.call_star(args)
}

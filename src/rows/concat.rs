//! `map`: the chunks' arrays concatenated along axis 0 (MPIRE's default), or
//! one array per chunk after `concatenate_numpy_output::<false>()`.

use ndarray::{Array, ArrayView, Axis, Dimension, RemoveAxis};

use super::hooks::{AttachExit, AttachInit};
use super::{Prepared, Rows};
use crate::error::Error;
use crate::map::{Run, unwrap_or_panic};

/// `map` when the output is concatenated (the default).
impl<'a, 'p, A, D, Init, Exit> Rows<'a, 'p, A, D, Init, Exit, true>
where
    A: Send + Sync,
    D: Dimension,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    /// Applies `f` to the rows of every chunk and concatenates the returned
    /// arrays along axis 0, in input order.
    ///
    /// MPIRE's `map` over a numpy array. The arrays may have any number of
    /// rows, but all other axes must match. An input with no rows (or
    /// `iterable_len(0)`) gives an array with no rows; its other axes are the
    /// input's when the output has as many dimensions, and 0 otherwise, since
    /// `f` never ran to tell.
    ///
    /// # Panics
    ///
    /// As [`try_map`](Self::try_map) fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::{Array2, array};
    ///
    /// let pool = WorkerPool::new(4);
    /// let arr = array![[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]];
    /// let out: Array2<f64> = arr.mpire_rows(&pool).chunk_size(2).map(|rows| &rows + 5.0);
    /// assert_eq!(out, array![[5.5, 6.0], [6.5, 7.0], [7.5, 8.0]]);
    /// ```
    #[track_caller]
    pub fn map<F, B, E>(self, f: F) -> Array<B, E>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Clone + Send,
        E: RemoveAxis,
    {
        unwrap_or_panic(self.try_map(f))
    }

    /// Like [`map`](Self::map), returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values), and
    /// [`ErrorKind::Concatenate`](crate::ErrorKind::Concatenate), naming the
    /// chunk and the shapes, when the arrays differ in any axis but the
    /// first.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::{Array2, array};
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![[1, 2], [3, 4], [5, 6]];
    /// let err = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .try_map(|rows| Array2::<i32>::zeros((1, rows.nrows())))
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), mpire::ErrorKind::Concatenate);
    /// assert!(err.to_string().contains("chunk 1 returned shape [1, 1]"), "{err}");
    /// ```
    pub fn try_map<F, B, E>(self, f: F) -> Result<Array<B, E>, Error>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Clone + Send,
        E: RemoveAxis,
    {
        let Prepared {
            runner,
            rows,
            input_shape,
        } = self.prepare()?;
        let chunks = runner.try_map(|k| f(rows.get(k)))?;
        concatenate_rows(chunks, &input_shape)
    }

    /// [`map`](Self::map) with the worker's state handed to the task as
    /// `&mut`; returns the concatenated array and the exit results.
    ///
    /// # Panics
    ///
    /// As [`try_map`](Self::try_map) fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::{Array1, array};
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![1, 2, 3, 4];
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .worker_init(|_| 10)
    ///     .map_with_state(|ten, rows| rows.mapv(|x| x * *ten));
    /// assert_eq!(run.output(), &array![10, 20, 30, 40]);
    /// ```
    #[track_caller]
    pub fn map_with_state<F, B, E>(self, f: F) -> RowsRun<Array<B, E>, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Clone + Send,
        E: RemoveAxis,
    {
        unwrap_or_panic(self.try_map_with_state(f))
    }

    /// Like [`map_with_state`](Self::map_with_state), returning failures as
    /// an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map`](Self::try_map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![[1, 2], [3, 4]];
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .worker_init(|w| w.id())
    ///     .worker_exit(|_, _| 1)
    ///     .try_map_with_state(|_, rows| rows.to_owned())?;
    /// assert_eq!(run.output(), &arr);
    /// assert!(run.exit_results().len() <= 2);
    /// # Ok::<(), mpire::Error>(())
    /// ```
    pub fn try_map_with_state<F, B, E>(
        self,
        f: F,
    ) -> Result<RowsRun<Array<B, E>, Exit::Output>, Error>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Clone + Send,
        E: RemoveAxis,
    {
        let Prepared {
            runner,
            rows,
            input_shape,
        } = self.prepare()?;
        let (chunks, exit_results) = runner
            .try_map_with_state(|state, k| f(state, rows.get(k)))?
            .into_parts();
        Ok(RowsRun {
            output: concatenate_rows(chunks, &input_shape)?,
            exit_results,
        })
    }
}

/// `map` when the output is one array per chunk.
impl<'a, 'p, A, D, Init, Exit> Rows<'a, 'p, A, D, Init, Exit, false>
where
    A: Send + Sync,
    D: Dimension,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    /// Applies `f` to the rows of every chunk and returns the arrays, one per
    /// chunk, in input order.
    ///
    /// MPIRE's `map` with `concatenate_numpy_output=False`.
    ///
    /// # Panics
    ///
    /// As [`map_values`](Self::map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![1.0, 2.0, 3.0];
    /// let chunks = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .concatenate_numpy_output::<false>()
    ///     .map(|rows| &rows + 5.0);
    /// assert_eq!(chunks, [array![6.0, 7.0], array![8.0]]);
    /// ```
    #[track_caller]
    pub fn map<F, B, E>(self, f: F) -> Vec<Array<B, E>>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Send,
        E: Dimension,
    {
        unwrap_or_panic(self.try_map(f))
    }

    /// Like [`map`](Self::map), returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![1.0, 2.0, 3.0];
    /// let err = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(0)
    ///     .concatenate_numpy_output::<false>()
    ///     .try_map(|rows| rows.to_owned())
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "chunk_size must be at least 1, got 0");
    /// ```
    pub fn try_map<F, B, E>(self, f: F) -> Result<Vec<Array<B, E>>, Error>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Send,
        E: Dimension,
    {
        self.try_map_values(f)
    }

    /// [`map`](Self::map) with the worker's state handed to the task as
    /// `&mut`; returns the arrays and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map_values`](Self::map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(1);
    /// let arr = array![1, 2, 3];
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(1)
    ///     .concatenate_numpy_output::<false>()
    ///     .worker_init(|_| 0)
    ///     .map_with_state(|seen, rows| {
    ///         *seen += 1;
    ///         rows.mapv(|x| x + *seen)
    ///     });
    /// assert_eq!(run.results(), [array![2], array![4], array![6]]);
    /// ```
    #[track_caller]
    pub fn map_with_state<F, B, E>(self, f: F) -> Run<Array<B, E>, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Send,
        E: Dimension,
    {
        unwrap_or_panic(self.try_map_with_state(f))
    }

    /// Like [`map_with_state`](Self::map_with_state), returning failures as
    /// an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![1, 2, 3];
    /// let err = arr
    ///     .mpire_rows(&pool)
    ///     .concatenate_numpy_output::<false>()
    ///     .worker_init(|_| -> () { panic!("no state today") })
    ///     .try_map_with_state(|_, rows| rows.to_owned())
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), mpire::ErrorKind::InitPanicked);
    /// ```
    pub fn try_map_with_state<F, B, E>(self, f: F) -> Result<Run<Array<B, E>, Exit::Output>, Error>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> Array<B, E> + Sync + Send,
        B: Send,
        E: Dimension,
    {
        self.try_map_values_with_state(f)
    }
}

/// Concatenates the chunks' arrays along axis 0, after checking that every
/// other axis matches the first chunk's.
fn concatenate_rows<B, E>(
    mut chunks: Vec<Array<B, E>>,
    input_shape: &[usize],
) -> Result<Array<B, E>, Error>
where
    B: Clone,
    E: RemoveAxis,
{
    let Some(first) = chunks.first() else {
        return Ok(no_rows(input_shape));
    };
    let expected = first.shape();
    for (k, chunk) in chunks.iter().enumerate() {
        let found = chunk.shape();
        if found.is_empty() || found.len() != expected.len() || found[1..] != expected[1..] {
            return Err(Error::concatenate(k, expected, found));
        }
    }
    if chunks.len() == 1 {
        // A single chunk is already the answer: no copy.
        return Ok(chunks.swap_remove(0));
    }
    let views: Vec<_> = chunks.iter().map(|chunk| chunk.view()).collect();
    Ok(ndarray::concatenate(Axis(0), &views)
        .expect("the shapes were checked to differ only in axis 0"))
}

/// The output of a map over no rows: zero rows, and the input's other axes
/// when the output has as many dimensions (0 otherwise).
fn no_rows<B, E: Dimension>(input_shape: &[usize]) -> Array<B, E> {
    let ndim = E::NDIM.unwrap_or(input_shape.len());
    let mut dim = E::zeros(ndim);
    if ndim == input_shape.len() {
        for (axis, &len) in dim.slice_mut().iter_mut().zip(input_shape).skip(1) {
            *axis = len;
        }
    }
    Array::from_shape_vec(dim, Vec::new()).expect("a shape with no rows holds no elements")
}

/// The results of [`Rows::map_with_state`]: the concatenated array and the
/// exit results.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
/// use ndarray::array;
///
/// let pool = WorkerPool::new(2);
/// let arr = array![[1, 2], [3, 4], [5, 6]];
/// let run = arr
///     .mpire_rows(&pool)
///     .chunk_size(1)
///     .worker_init(|_| 0)
///     .worker_exit(|_, chunks| chunks)
///     .map_with_state(|chunks, rows| {
///         *chunks += 1;
///         rows.to_owned()
///     });
/// let (output, exits) = run.into_parts();
/// assert_eq!(output, arr);
/// assert_eq!(exits.iter().sum::<i32>(), 3);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RowsRun<O, E> {
    output: O,
    exit_results: Vec<E>,
}

impl<O, E> RowsRun<O, E> {
    /// The map's output.
    pub fn output(&self) -> &O {
        &self.output
    }

    /// The map's output, by value.
    pub fn into_output(self) -> O {
        self.output
    }

    /// The exit results: one per worker incarnation that ran `worker_init`,
    /// in no particular order.
    #[doc(alias = "get_exit_results")]
    pub fn exit_results(&self) -> &[E] {
        &self.exit_results
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (O, Vec<E>) {
        (self.output, self.exit_results)
    }
}

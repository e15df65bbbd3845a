//! The chunk plan: how many tasks go into each chunk.
//!
//! This is MPIRE's rule, reproduced exactly. A chunk size `c` (given directly,
//! or derived as `n_tasks / n_splits`, or by default `n_tasks / (64 * n_jobs)`)
//! may be fractional. Keeping `current = c`, each chunk takes
//! `max(1, ceil(current))` tasks, after which
//! `current = (current + c) - ceil(current)`, evaluated in `f64` in exactly that
//! order. The closed form `ceil(k * c)` rounds differently in some cases, so
//! the recurrence is what decides.
//!
//! With an integral chunk size the boundaries are simply `k * c`, so the plan
//! is answered in constant space. A fractional chunk size makes boundaries
//! sequential; a plan that must be addressed at random (indexed inputs) then
//! precomputes them, which is cheap for the default plan (at most `64 * n_jobs`
//! chunks) and refused when it would exceed [`MAX_PRECOMPUTED_CHUNKS`].

use crate::error::Error;

/// The most chunk boundaries a fractional plan precomputes for random access.
pub(crate) const MAX_PRECOMPUTED_CHUNKS: usize = 1 << 22;

/// A chunk size as MPIRE accepts it: a whole number or a fraction.
///
/// Whole numbers of the common integer types and floats convert into it, so
/// `chunk_size(10)` and `chunk_size(2.5)` both read naturally.
///
/// # Examples
///
/// ```
/// use mpire::ChunkSize;
///
/// assert_eq!(ChunkSize::from(4), ChunkSize::Int(4));
/// assert_eq!(ChunkSize::from(2.5), ChunkSize::Float(2.5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChunkSize {
    /// A whole number of tasks per chunk.
    Int(i128),
    /// A fractional number of tasks per chunk, spread by MPIRE's recurrence.
    Float(f64),
}

impl ChunkSize {
    /// The size as `f64`, after checking that it is a usable chunk size.
    pub(crate) fn validated(self) -> Result<f64, Error> {
        match self {
            ChunkSize::Int(n) if n >= 1 => Ok(n as f64),
            ChunkSize::Float(f) if f.is_finite() && f >= 1.0 => Ok(f),
            ChunkSize::Int(n) => Err(Error::invalid_option(
                "chunk_size",
                n.to_string(),
                "must be at least 1",
            )),
            ChunkSize::Float(f) => Err(Error::invalid_option(
                "chunk_size",
                f.to_string(),
                "must be a finite number of at least 1",
            )),
        }
    }
}

macro_rules! chunk_size_from_int {
    ($($t:ty)*) => {$(
        impl From<$t> for ChunkSize {
            fn from(n: $t) -> Self {
                ChunkSize::Int(n as i128)
            }
        }
    )*};
}
chunk_size_from_int!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 usize);

impl From<f64> for ChunkSize {
    fn from(f: f64) -> Self {
        ChunkSize::Float(f)
    }
}

impl From<f32> for ChunkSize {
    fn from(f: f32) -> Self {
        ChunkSize::Float(f as f64)
    }
}

/// Checks `n_splits` as MPIRE does: zero splits is meaningless.
pub(crate) fn validate_n_splits(n_splits: usize) -> Result<(), Error> {
    if n_splits == 0 {
        return Err(Error::invalid_option(
            "n_splits",
            "0".to_string(),
            "must be at least 1",
        ));
    }
    Ok(())
}

/// The largest chunk the default plan makes. MPIRE's default (`n_tasks /
/// (64 * n_jobs)`) only reaches it beyond 2^26 tasks per worker; capping it
/// keeps a huge or endless input streaming, where one default chunk would
/// otherwise hold billions of tasks before its first result.
pub(crate) const MAX_DEFAULT_CHUNK: f64 = (1u64 << 20) as f64;

/// The effective chunk size for `n_tasks` tasks: `chunk_size` wins over
/// `n_splits`, which wins over the default number of chunks (with chunks of
/// at most [`MAX_DEFAULT_CHUNK`] tasks).
pub(crate) fn effective_chunk_size(
    n_tasks: usize,
    chunk_size: Option<f64>,
    n_splits: Option<usize>,
    default_chunks: usize,
) -> f64 {
    match (chunk_size, n_splits) {
        (Some(c), _) => c,
        (None, Some(s)) => n_tasks as f64 / s as f64,
        (None, None) => (n_tasks as f64 / default_chunks.max(1) as f64).min(MAX_DEFAULT_CHUNK),
    }
}

/// The sizes of successive chunks, by MPIRE's recurrence. Endless: the caller
/// stops when the input (or the declared length) runs out.
#[derive(Clone, Debug)]
pub(crate) struct ChunkSizes {
    size: f64,
    current: f64,
}

impl ChunkSizes {
    pub(crate) fn new(size: f64) -> Self {
        ChunkSizes {
            size,
            current: size,
        }
    }
}

impl Iterator for ChunkSizes {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let ceil = self.current.ceil();
        self.current = (self.current + self.size) - ceil;
        // `as` saturates for huge floats, which is what a chunk larger than
        // any input should become.
        Some((ceil as usize).max(1))
    }
}

/// A chunk plan over a known number of tasks, addressable by chunk index.
#[derive(Clone, Debug)]
pub(crate) struct ChunkPlan {
    n_tasks: usize,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Every chunk holds `size` tasks but the last, which holds the rest.
    Uniform { size: usize },
    /// `starts[k]` is where chunk `k` begins; the last entry is `n_tasks`.
    Bounds { starts: Vec<usize> },
}

impl ChunkPlan {
    /// The plan for `n_tasks` tasks with the (already validated) chunk size.
    pub(crate) fn new(n_tasks: usize, size: f64) -> Result<ChunkPlan, Error> {
        let kind = if size < 1.0 {
            // Every chunk is then `max(1, ceil(current))` with `current <= 1`.
            Kind::Uniform { size: 1 }
        } else if size.fract() == 0.0 {
            Kind::Uniform {
                size: size as usize,
            }
        } else {
            let expected = (n_tasks as f64 / size).ceil();
            if expected > MAX_PRECOMPUTED_CHUNKS as f64 {
                return Err(Error::invalid_option(
                    "chunk_size",
                    size.to_string(),
                    &format!(
                        "would cut {n_tasks} tasks into more than {MAX_PRECOMPUTED_CHUNKS} \
                         chunks of fractional size; use a whole chunk size"
                    ),
                ));
            }
            let mut starts = Vec::with_capacity(expected as usize + 2);
            let mut start = 0usize;
            let mut sizes = ChunkSizes::new(size);
            while start < n_tasks {
                starts.push(start);
                start = start.saturating_add(sizes.next().unwrap_or(1)).min(n_tasks);
            }
            starts.push(n_tasks);
            Kind::Bounds { starts }
        };
        Ok(ChunkPlan { n_tasks, kind })
    }

    /// The number of tasks the plan covers.
    pub(crate) fn n_tasks(&self) -> usize {
        self.n_tasks
    }

    /// The number of chunks.
    pub(crate) fn n_chunks(&self) -> usize {
        match &self.kind {
            Kind::Uniform { size } => self.n_tasks.div_ceil(*size),
            Kind::Bounds { starts } => starts.len() - 1,
        }
    }

    /// Where chunk `k` begins; `start(n_chunks())` is `n_tasks()`.
    pub(crate) fn start(&self, k: usize) -> usize {
        match &self.kind {
            Kind::Uniform { size } => k.saturating_mul(*size).min(self.n_tasks),
            Kind::Bounds { starts } => starts[k],
        }
    }

    /// The task range of chunk `k`.
    #[cfg(test)]
    pub(crate) fn bounds(&self, k: usize) -> std::ops::Range<usize> {
        self.start(k)..self.start(k + 1)
    }

    /// The largest number of tasks in any chunk.
    pub(crate) fn max_chunk_len(&self) -> usize {
        match &self.kind {
            Kind::Uniform { size } => (*size).min(self.n_tasks),
            Kind::Bounds { starts } => starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize, size: f64) -> Vec<usize> {
        let plan = ChunkPlan::new(n, size).unwrap();
        (0..plan.n_chunks()).map(|k| plan.bounds(k).len()).collect()
    }

    #[test]
    fn reference_outputs() {
        assert_eq!(sizes(10, 10.0 / 3.0), [4, 3, 3]);
        assert_eq!(sizes(10, 2.5), [3, 2, 3, 2]);
        assert_eq!(sizes(10, 10.0 / 6.0), [2, 2, 1, 2, 2, 1]);
    }

    #[test]
    fn small_sizes_give_chunks_of_one() {
        assert_eq!(sizes(5, 0.3), [1, 1, 1, 1, 1]);
    }

    #[test]
    fn uniform_last_chunk_holds_the_rest() {
        assert_eq!(sizes(10, 4.0), [4, 4, 2]);
        assert_eq!(sizes(0, 4.0), Vec::<usize>::new());
    }

    #[test]
    fn huge_declared_length_is_answered_without_allocation() {
        let plan = ChunkPlan::new(usize::MAX, 1.0).unwrap();
        assert_eq!(plan.n_chunks(), usize::MAX);
        assert_eq!(plan.bounds(usize::MAX - 1), usize::MAX - 1..usize::MAX);
    }

    #[test]
    fn fractional_plan_too_large_is_refused() {
        let err = ChunkPlan::new(usize::MAX, 2.5).unwrap_err();
        assert!(err.to_string().contains("chunk_size"), "{err}");
    }
}

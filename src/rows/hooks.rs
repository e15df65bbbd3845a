//! How the rows builders' hooks reach the chunk runner, keeping their exact
//! types, so that [`NoInit`] and [`NoExit`] cost nothing.

use crate::map::Mpire;
use crate::runtime::{NoExit, NoInit, Worker, WorkerExit, WorkerInit};

/// A `worker_init` hook of a rows builder: [`NoInit`] or a closure.
/// Users never implement it.
pub trait AttachInit: WorkerInit + Sized {
    /// The runner with this hook as its `worker_init`.
    fn attach<'p, I>(self, runner: Mpire<'p, I>) -> Mpire<'p, I, Self>;
}

impl AttachInit for NoInit {
    fn attach<'p, I>(self, runner: Mpire<'p, I>) -> Mpire<'p, I> {
        runner
    }
}

impl<G, S> AttachInit for G
where
    G: Fn(&Worker) -> S + Send + Sync + 'static,
    S: Send + 'static,
{
    fn attach<'p, I>(self, runner: Mpire<'p, I>) -> Mpire<'p, I, G> {
        runner.worker_init(self)
    }
}

/// A `worker_exit` hook of a rows builder: [`NoExit`] or a closure.
/// Users never implement it.
pub trait AttachExit<S>: WorkerExit<S> + Sized {
    /// The runner with this hook as its `worker_exit`.
    fn attach<'p, I, Init>(self, runner: Mpire<'p, I, Init>) -> Mpire<'p, I, Init, Self>
    where
        Init: WorkerInit<State = S>;
}

impl<S> AttachExit<S> for NoExit {
    fn attach<'p, I, Init>(self, runner: Mpire<'p, I, Init>) -> Mpire<'p, I, Init>
    where
        Init: WorkerInit<State = S>,
    {
        runner
    }
}

impl<X, S, E> AttachExit<S> for X
where
    X: Fn(&Worker, S) -> E + Send + Sync + 'static,
    E: Send + 'static,
{
    fn attach<'p, I, Init>(self, runner: Mpire<'p, I, Init>) -> Mpire<'p, I, Init, X>
    where
        Init: WorkerInit<State = S>,
    {
        runner.worker_exit(self)
    }
}

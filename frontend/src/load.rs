//! Loading data into signals: [`fetch`] for what a view shows, [`Task`] for what a button
//! does. Both keep the previous value while a new request runs and drop answers that
//! arrive after the view is gone or after a newer request.
//!
//! They stand in for `LocalResource`, `Action`, `<Transition>` and `<ErrorBoundary>`: those
//! instantiate leptos's async-derived and suspense machinery per value type, which was a
//! sixth of the bundle and kept it above its size budget (see `frontend/README.md`).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use crate::api::ApiResult;

/// What a [`fetch`] holds: `None` until the first answer.
pub type Loaded<T> = RwSignal<Option<ApiResult<T>>>;

/// Runs `request` now and again whenever a signal it reads (before its first `await`)
/// changes; the latest answer lands in the returned signal.
pub fn fetch<T, Fut>(request: impl Fn() -> Fut + 'static) -> Loaded<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = ApiResult<T>> + 'static,
{
    let value: Loaded<T> = RwSignal::new(None);
    let serial = StoredValue::new(0u32);
    watch(
        serial,
        Box::new(move |mine| {
            let future = request();
            Box::pin(async move {
                let answer = future.await;
                if serial.try_get_value() == Some(mine) {
                    value.try_set(Some(answer));
                }
            })
        }),
    );
    value
}

/// What [`fetch`] starts: given its serial number, the request's future, which stores its
/// answer itself.
type Start = Box<dyn Fn(u32) -> Pin<Box<dyn Future<Output = ()>>>>;

/// The effect behind every [`fetch`]: not generic, so one copy of it (and of the task it
/// spawns) serves every value type (it was one per call site).
fn watch(serial: StoredValue<u32>, start: Start) {
    Effect::new(move |_| {
        // The offline banner's Retry loads every shown value again.
        crate::api::retries().track();
        let Some(mine) = serial.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        // Called here, inside the effect, so the signals the request reads are tracked.
        leptos::task::spawn_local(start(mine));
    });
}

/// A request started by the reviewer (a button, a form): one at a time.
pub struct Task<T: Send + Sync + 'static> {
    /// Whether it is running.
    pub pending: RwSignal<bool>,
    /// The last answer.
    pub value: Loaded<T>,
}

impl<T: Send + Sync + 'static> Clone for Task<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Task<T> {}

impl<T: Send + Sync + 'static> Task<T> {
    /// A task that has not run.
    pub fn new() -> Self {
        Task {
            pending: RwSignal::new(false),
            value: RwSignal::new(None),
        }
    }

    /// Runs the request unless one is already running.
    pub fn run(self, request: impl Future<Output = ApiResult<T>> + 'static) {
        let value = self.value;
        run_one(
            self.pending,
            Box::pin(async move {
                let answer = request.await;
                value.try_set(Some(answer));
            }),
        );
    }
}

/// The body of [`Task::run`], not generic: one copy for every task.
fn run_one(pending: RwSignal<bool>, work: Pin<Box<dyn Future<Output = ()>>>) {
    if pending.get_untracked() {
        return;
    }
    pending.set(true);
    leptos::task::spawn_local(async move {
        work.await;
        pending.try_set(false);
    });
}

//! Loading data into signals: [`fetch`] for what a view shows, [`Task`] for what a button
//! does. Both keep the previous value while a new request runs and drop answers that
//! arrive after the view is gone or after a newer request.
//!
//! They stand in for `LocalResource`, `Action`, `<Transition>` and `<ErrorBoundary>`: those
//! instantiate leptos's async-derived and suspense machinery per value type, which was a
//! sixth of the bundle and kept it above its size budget (see `frontend/README.md`).

use std::future::Future;

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
    Effect::new(move |_| {
        // The offline banner's Retry loads every shown value again.
        crate::api::retries().track();
        let future = request();
        let Some(mine) = serial.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let answer = future.await;
            if serial.try_get_value() == Some(mine) {
                value.try_set(Some(answer));
            }
        });
    });
    value
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
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = request.await;
            self.value.try_set(Some(answer));
            self.pending.try_set(false);
        });
    }
}

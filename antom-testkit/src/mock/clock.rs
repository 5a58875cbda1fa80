//! Antom's clock in the mock: real time multiplied by the time scale, plus
//! whatever [`MockAntom::advance_clock`](super::MockAntom::advance_clock) (or
//! `POST /mock/clock/advance`) skipped.
//!
//! Everything the mock waits for on Antom's clock (notification retries, the
//! notify delay, `succeed` / `fail` rules with `after`, auto-expiry) sleeps
//! here. Advancing the clock wakes every sleeper that became due and then
//! waits until each of them has done what it waited for (a notification
//! attempt answered, a payment expired) and is asleep again or finished, so
//! that after an advance the log already shows what became due: a test
//! clock, not a race.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::util::scale_down;

/// The mock's clock; shared by every task that waits on Antom's time.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    scale: f64,
    state: Mutex<State>,
    /// Bumped when the clock jumps or the number of awake tasks changes.
    changed: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct State {
    skipped: Duration,
    /// Sleeping tasks by id, with the Antom time they wait for.
    sleepers: HashMap<u64, Duration>,
    next_id: u64,
    /// Tasks counted by [`Clock::task`] that are not asleep.
    awake: usize,
}

/// A task the clock waits for on advance while it is awake; dropping it
/// (the task finished) stops the count.
#[derive(Debug)]
pub(crate) struct Awake {
    clock: Arc<Clock>,
}

impl Drop for Awake {
    fn drop(&mut self) {
        self.clock.lock().awake -= 1;
        self.clock.bump();
    }
}

impl Clock {
    pub(crate) fn new(scale: f64) -> Arc<Clock> {
        Arc::new(Clock {
            origin: Instant::now(),
            scale,
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn now_locked(&self, state: &State) -> Duration {
        let real = self.origin.elapsed().as_secs_f64() * self.scale;
        Duration::try_from_secs_f64(real).unwrap_or(Duration::MAX) + state.skipped
    }

    /// Antom's time since the mock was built.
    pub(crate) fn now(&self) -> Duration {
        self.now_locked(&self.lock())
    }

    /// How much [`advance`](Self::advance) skipped in total.
    pub(crate) fn skipped(&self) -> Duration {
        self.lock().skipped
    }

    /// Counts a task as awake until the guard is dropped. Take it before
    /// spawning the task, so that an advance right after already waits for it.
    pub(crate) fn task(self: &Arc<Self>) -> Awake {
        self.lock().awake += 1;
        self.bump();
        Awake {
            clock: Arc::clone(self),
        }
    }

    /// Sleeps until Antom's clock reads `deadline` (a time from [`now`](Self::now)).
    /// The task holding `_awake` counts as asleep meanwhile.
    pub(crate) async fn sleep_until(&self, _awake: &Awake, deadline: Duration) {
        let id = {
            let mut state = self.lock();
            if self.now_locked(&state) >= deadline {
                return;
            }
            let id = state.next_id;
            state.next_id += 1;
            state.sleepers.insert(id, deadline);
            state.awake -= 1;
            id
        };
        self.bump();
        let _asleep = Asleep { clock: self, id };
        let mut changed = self.changed.subscribe();
        loop {
            let left = {
                let state = self.lock();
                if !state.sleepers.contains_key(&id) {
                    return; // woken (and counted awake) by an advance
                }
                let now = self.now_locked(&state);
                if now >= deadline {
                    return; // `Asleep` counts it awake again
                }
                scale_down(deadline - now, self.scale)
            };
            changed.borrow_and_update();
            tokio::select! {
                _ = tokio::time::sleep(left.min(Duration::from_secs(24 * 60 * 60))) => {}
                _ = changed.changed() => {}
            }
        }
    }

    /// Moves Antom's clock forward by `by`, wakes every sleeper now due and
    /// waits (up to `timeout`, real time) until every awake task is asleep
    /// again or finished. Returns whether it settled within the timeout.
    pub(crate) async fn advance(&self, by: Duration, timeout: Duration) -> bool {
        {
            let mut state = self.lock();
            state.skipped += by;
            let now = self.now_locked(&state);
            let due: Vec<u64> = state
                .sleepers
                .iter()
                .filter(|(_, deadline)| **deadline <= now)
                .map(|(id, _)| *id)
                .collect();
            for id in due {
                state.sleepers.remove(&id);
                state.awake += 1;
            }
        }
        self.bump();
        self.settle(timeout).await
    }

    /// Waits until no counted task is awake; false on timeout.
    pub(crate) async fn settle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changed = self.changed.subscribe();
        loop {
            changed.borrow_and_update();
            if self.lock().awake == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed.changed()).await.is_err() {
                return self.lock().awake == 0;
            }
        }
    }
}

/// A registered sleeper; unregisters (and counts the task awake again) when
/// the sleep ends on its own or is cancelled.
struct Asleep<'a> {
    clock: &'a Clock,
    id: u64,
}

impl Drop for Asleep<'_> {
    fn drop(&mut self) {
        let mut state = self.clock.lock();
        if state.sleepers.remove(&self.id).is_some() {
            state.awake += 1;
        }
        drop(state);
        self.clock.bump();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn advance_wakes_due_sleepers_and_waits_for_them() {
        let clock = Clock::new(1.0);
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let awake = clock.task();
        let (c, d) = (Arc::clone(&clock), Arc::clone(&done));
        tokio::spawn(async move {
            c.sleep_until(&awake, Duration::from_secs(3600)).await;
            d.store(true, std::sync::atomic::Ordering::SeqCst);
            drop(awake);
        });
        assert!(clock.settle(Duration::from_secs(5)).await, "the task went to sleep");
        assert!(clock.advance(Duration::from_secs(60), Duration::from_secs(5)).await);
        assert!(
            !done.load(std::sync::atomic::Ordering::SeqCst),
            "not due after a minute"
        );
        assert!(clock.advance(Duration::from_secs(3600), Duration::from_secs(5)).await);
        assert!(done.load(std::sync::atomic::Ordering::SeqCst), "due after an hour");
        assert!(clock.now() >= Duration::from_secs(3660));
    }
}

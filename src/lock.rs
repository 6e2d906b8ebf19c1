//! Taking a lock whatever happened to its last holder. A thread that panicked while holding
//! one (a bug in a request's handler) leaves the value as it was at that step: each critical
//! section here changes a map or a list in single steps that keep it whole, so the value is
//! still good, and refusing every later request for it would turn one bug into an outage.

use std::sync::{LockResult, Mutex, MutexGuard, PoisonError};

/// `mutex.lock()`, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    unpoisoned(mutex.lock())
}

/// What a lock or a wait on a condition variable gave, poisoned or not.
pub fn unpoisoned<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    #[test]
    fn a_lock_whose_holder_panicked_is_taken_with_its_value() {
        let mutex = Mutex::new(vec![1]);
        let _ = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut held = mutex.lock().unwrap();
                    held.push(2);
                    panic!("a bug while holding it");
                })
                .join()
        });
        assert!(mutex.is_poisoned());
        assert_eq!(*super::lock(&mutex), vec![1, 2]);
    }
}

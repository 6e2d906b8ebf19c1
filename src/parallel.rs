//! Work on large inputs spread over the cores in runs of consecutive items, results kept in
//! input order, so that a big file gives the same bytes as one pass would.

/// Applies `work` to consecutive chunks of `items` on up to 8 threads and returns the results
/// in order. `work` gets each chunk with the index of its first item. Fewer than `min_len`
/// items, or a single core, run as one chunk on this thread: threads cost more than they save.
pub fn map_chunks<T, R>(
    items: &[T],
    min_len: usize,
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let Some(per_thread) = chunk_len(items.len(), min_len) else {
        return vec![work(0, items)];
    };
    let work = &work;
    run_in_order(
        items
            .chunks(per_thread)
            .enumerate()
            .map(|(i, chunk)| move || work(i * per_thread, chunk)),
    )
}

/// [`map_chunks`] for work that may take its items over (`std::mem::take`) to move their
/// texts instead of copying them.
pub fn map_chunks_mut<T, R>(
    items: &mut [T],
    min_len: usize,
    work: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let Some(per_thread) = chunk_len(items.len(), min_len) else {
        return vec![work(0, items)];
    };
    let work = &work;
    run_in_order(
        items
            .chunks_mut(per_thread)
            .enumerate()
            .map(|(i, chunk)| move || work(i * per_thread, chunk)),
    )
}

/// Frees `value` on another thread: freeing tens of thousands of leads takes milliseconds the
/// caller need not wait for, and at the end of a run the process exit does it for free. Should
/// no thread start, it is freed here.
pub fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// How many items each thread takes, or `None` when one pass on this thread is better:
/// fewer than `min_len` items, or a single core.
fn chunk_len(items: usize, min_len: usize) -> Option<usize> {
    // Asked only for big inputs: the answer reads three cgroup files on Linux every time.
    if items < min_len {
        return None;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    (threads >= 2).then(|| items.div_ceil(threads))
}

/// Runs each job on its own thread and returns their results in the jobs' order.
fn run_in_order<R: Send>(jobs: impl Iterator<Item = impl FnOnce() -> R + Send>) -> Vec<R> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.map(|job| scope.spawn(job)).collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_come_back_in_order_with_their_first_index() {
        let items: Vec<usize> = (0..10_000).collect();
        let parts = super::map_chunks(&items, 100, |first, chunk| {
            assert_eq!(chunk[0], first);
            chunk.to_vec()
        });
        assert_eq!(parts.concat(), items);
        assert_eq!(super::map_chunks(&items[..5], 100, |_, c| c.len()), vec![5]);
        for len in [0, 1, 99, 100, 101, 9_999, 10_000] {
            let mut taken = items[..len].to_vec();
            let parts = super::map_chunks_mut(&mut taken, 100, |first, chunk| {
                assert!(chunk.is_empty() || chunk[0] == first);
                chunk.iter_mut().map(std::mem::take).collect::<Vec<_>>()
            });
            assert_eq!(parts.concat(), &items[..len], "{len}");
            assert!(taken.iter().all(|&item| item == 0));
        }
    }
}

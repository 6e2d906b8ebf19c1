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
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if items.len() < min_len || threads < 2 {
        return vec![work(0, items)];
    }
    let per_thread = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .enumerate()
            .map(|(i, chunk)| scope.spawn(move || work(i * per_thread, chunk)))
            .collect();
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
    }
}

//! The one seam for work beside the pure path: rayon's pool does it all. Only big inputs use
//! it (a megabyte, a few thousand clients): `make bench` shows each use pays there, and for a
//! webhook of a few kilobytes a thread costs more than the work. Results keep input order, so
//! a big file gives the same bytes as one pass would.

use rayon::prelude::*;

/// Applies `work` to consecutive chunks of `items`, one per pool thread, and returns the results
/// in order; `work` gets each chunk with the index of its first item. Fewer than `min_len` items,
/// or one core, run as one chunk on this thread.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_len: usize,
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    in_chunks(
        items,
        items.len(),
        min_len,
        |items, len| items.par_chunks(len),
        work,
    )
}

/// [`map_chunks`] for work that takes its items over (`std::mem::take`), to move their texts
/// instead of copying them.
pub fn map_chunks_mut<T: Send, R: Send>(
    items: &mut [T],
    min_len: usize,
    work: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let count = items.len();
    in_chunks(
        items,
        count,
        min_len,
        |items, len| items.par_chunks_mut(len),
        work,
    )
}

/// The body of both: `whole` (of `count` items) as one chunk, or `split` into chunks of one
/// length, each given to `work` with the index of its first item.
fn in_chunks<S: Send, R: Send, P: IndexedParallelIterator<Item = S>>(
    whole: S,
    count: usize,
    min_len: usize,
    split: impl FnOnce(S, usize) -> P,
    work: impl Fn(usize, S) -> R + Sync,
) -> Vec<R> {
    match chunk_len(count, min_len) {
        None => vec![work(0, whole)],
        Some(len) => split(whole, len)
            .enumerate()
            .map(|(i, chunk)| work(i * len, chunk))
            .collect(),
    }
}

/// Runs `first` and `second` at once, on two cores when there are two, and returns both results.
/// `first` must not wait for `second`: with one core they run one after the other, in order.
pub fn both<A: Send, B: Send>(
    first: impl FnOnce() -> A + Send,
    second: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(first, second)
}

/// Runs `work` on a thread of its own without waiting for it (loading something the next step
/// will need). Not on the pool: a pool thread held by it could not help with the work in hand
/// (measured: the phone metadata's warm-up on the pool made the 50,000-client file 0.16 s →
/// 0.24 s on two cores).
pub fn in_background(work: impl FnOnce() + Send + 'static) {
    // Should no thread start, the work is only not done ahead: it is done when first needed.
    let _ = std::thread::Builder::new().spawn(work);
}

/// Frees `value` on a thread of its own: freeing tens of thousands of leads takes milliseconds
/// the caller need not wait for, and at the end of a run the process exit does it for free.
/// Not on the pool, for the same reason as [`in_background`].
pub fn drop_aside<T: Send + 'static>(value: T) {
    in_background(move || drop(value));
}

/// How many items each chunk takes, or `None` when one pass on this thread is better: fewer
/// than `min_len` items (checked first: asking the number of cores reads cgroup files on
/// Linux the first time), or a single core.
fn chunk_len(items: usize, min_len: usize) -> Option<usize> {
    if items < min_len {
        return None;
    }
    let threads = rayon::current_num_threads();
    (threads >= 2).then(|| items.div_ceil(threads))
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

    #[test]
    fn both_returns_each_result() {
        assert_eq!(super::both(|| 1, || "two"), (1, "two"));
    }
}

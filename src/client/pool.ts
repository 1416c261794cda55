/**
 * Bounded concurrency for a driver acting for thousands of participants: `inPool` runs `task` for
 * each item with at most `limit` in flight, so ten thousand consumers do not open ten thousand
 * HTTP requests at once. Results keep the items' order; the first failure rejects (the tasks
 * already started run to their end, none is started after it).
 */

/** Runs `task(item, index)` for every item, at most `limit` at a time; resolves to the results in order. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

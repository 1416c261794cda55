/**
 * Node's Buffer is a Uint8Array whose `slice` returns a view instead of a copy, so a decoder fed a
 * Buffer (from a socket or LevelDB) through the codec's Reader would return fields aliasing the
 * input. Every ledger decoder first re-views its input as a plain Uint8Array (no copy), so that
 * decoded fields own their bytes.
 */

/** `b` as a plain Uint8Array over the same memory. */
export function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

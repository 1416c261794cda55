/**
 * Canonical binary writer. Every signed or hashed structure in dppchain is written with it, so
 * each value has exactly one encoding: fixed-width big-endian integers, length-prefixed byte
 * strings (u32 length), and fixed-length byte strings whose length the schema knows.
 */

/** Appends canonical fields to a growing buffer. */
export class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  /** One byte, 0 ≤ v ≤ 255. */
  u8(v: number): this {
    assertUint(v, 0xff, 'u8');
    return this.push(Uint8Array.of(v));
  }

  /** Two bytes big-endian, 0 ≤ v ≤ 65535. */
  u16(v: number): this {
    assertUint(v, 0xffff, 'u16');
    return this.push(Uint8Array.of(v >>> 8, v & 0xff));
  }

  /** Four bytes big-endian, 0 ≤ v < 2^32. */
  u32(v: number): this {
    assertUint(v, 0xffffffff, 'u32');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    return this.push(b);
  }

  /** Eight bytes big-endian, 0 ≤ v < 2^64. */
  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    return this.push(b);
  }

  /** Bytes whose length the schema fixes (a point, a scalar, a hash). */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new RangeError(`expected ${length} bytes, got ${bytes.length}`);
    return this.push(bytes);
  }

  /** Variable-length bytes: u32 length, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).push(bytes);
  }

  /** A UTF-8 string as length-prefixed bytes. */
  string(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private push(b: Uint8Array): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
}

function assertUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

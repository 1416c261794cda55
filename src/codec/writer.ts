/**
 * Canonical binary writer. Every signed or hashed structure in dppchain is written with it, so
 * each value has exactly one encoding: fixed-width big-endian integers, length-prefixed byte
 * strings (u32 length), and fixed-length byte strings whose length the schema knows.
 */

/** Appends canonical fields to a growing buffer. */
export class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private size = 0;

  /** One byte, 0 ≤ v ≤ 255. */
  u8(v: number): this {
    assertUint(v, 0xff, 'u8');
    this.reserve(1);
    this.buf[this.size++] = v;
    return this;
  }

  /** Two bytes big-endian, 0 ≤ v ≤ 65535. */
  u16(v: number): this {
    assertUint(v, 0xffff, 'u16');
    this.reserve(2);
    this.view.setUint16(this.size, v);
    this.size += 2;
    return this;
  }

  /** Four bytes big-endian, 0 ≤ v < 2^32. */
  u32(v: number): this {
    assertUint(v, 0xffffffff, 'u32');
    this.reserve(4);
    this.view.setUint32(this.size, v);
    this.size += 4;
    return this;
  }

  /** Eight bytes big-endian, 0 ≤ v < 2^64. */
  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
    this.reserve(8);
    this.view.setBigUint64(this.size, v);
    this.size += 8;
    return this;
  }

  /** Bytes whose length the schema fixes (a point, a scalar, a hash). */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new RangeError(`expected ${length} bytes, got ${bytes.length}`);
    return this.raw(bytes);
  }

  /** Variable-length bytes: u32 length, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }

  /** A UTF-8 string as length-prefixed bytes. */
  string(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.size);
  }

  private raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.size);
    this.size += bytes.length;
    return this;
  }

  private reserve(n: number): void {
    if (this.size + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.size + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.size));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

function assertUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

/**
 * Strict reader for the canonical encoding of ./writer.ts. It never reads past the end, refuses
 * trailing bytes (`end()`), refuses lengths above a caller-given cap before allocating, and throws
 * a DecodeError with a precise code for every refusal.
 */
import { DecodeError } from './decodeError.ts';

/** Reads canonical fields from a byte string, front to back. */
export class Reader {
  private at = 0;

  constructor(
    private readonly buf: Uint8Array,
    /** What is being decoded, for error messages. */
    private readonly what: string,
  ) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.at;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }

  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  u64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  /** Exactly `length` bytes (a copy: a plain Uint8Array even when the input is a Node Buffer). */
  fixed(length: number): Uint8Array {
    return new Uint8Array(this.take(length));
  }

  /** Length-prefixed bytes, refusing a length above `maxLength`. */
  bytes(maxLength: number): Uint8Array {
    const len = this.u32();
    if (len > maxLength) {
      throw new DecodeError('DECODE_BAD_LENGTH', `${this.what}: field of ${len} bytes exceeds ${maxLength}`, {
        length: len,
        max: maxLength,
      });
    }
    return this.fixed(len);
  }

  /** A length-prefixed UTF-8 string; invalid UTF-8 is refused. */
  string(maxLength: number): string {
    const raw = this.bytes(maxLength);
    try {
      // ignoreBOM: a leading U+FEFF is part of the value (stripping it would give one value two encodings)
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      throw new DecodeError('DECODE_NON_CANONICAL', `${this.what}: string is not valid UTF-8`);
    }
  }

  /** Asserts that every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) {
      throw new DecodeError('DECODE_TRAILING_BYTES', `${this.what}: ${this.remaining} trailing bytes`, {
        trailing: this.remaining,
      });
    }
  }

  private take(n: number): Uint8Array {
    if (this.remaining < n) {
      throw new DecodeError(
        'DECODE_TRUNCATED',
        `${this.what}: needs ${n} more bytes, ${this.remaining} left`,
        {
          needed: n,
          remaining: this.remaining,
        },
      );
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

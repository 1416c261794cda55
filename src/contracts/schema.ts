/**
 * Declarative canonical codecs for the contracts' payloads and state records (docs/protocol.md §1).
 * A record is a struct of typed fields written in declaration order with ../codec/writer.ts, so each
 * value has exactly one encoding; decoding is strict (ranges, lengths, characters, validated
 * points, canonical scalars, no trailing bytes) and throws a DecodeError. One schema per record
 * gives its TypeScript type, its encoder and its decoder, so the three can never disagree.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { EncodeError } from '../codec/encodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { decodeScalar, ELEMENT_BYTES, type Group, type Point, type Scalar } from '../crypto/group.ts';

/** One typed field: how it is written and read. */
export interface Field<T> {
  write(w: Writer, value: T): void;
  read(r: Reader, group: Group): T;
}

/** The value type of a field. */
export type Infer<F> = F extends Field<infer T> ? T : never;

/** A record's fields by name (written in declaration order). */
export type Shape = Record<string, Field<never> | Field<unknown>>;

/** The value type of a shape. */
export type InferShape<S extends Shape> = { readonly [K in keyof S]: Infer<S[K]> };

/** An encoder/decoder pair for one versioned record. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  /** Strict: throws DecodeError on anything but the one canonical encoding. */
  decode(bytes: Uint8Array, group: Group): T;
}

function outOfRange(what: string): never {
  throw new DecodeError('DECODE_OUT_OF_RANGE', what);
}

/** A byte, 0..max. */
export function u8(max = 255): Field<number> {
  return {
    write: (w, v) => void w.u8(v),
    read: (r) => {
      const v = r.u8();
      if (v > max) outOfRange(`u8 ${v} above ${max}`);
      return v;
    },
  };
}

/** A u32, 0..max. */
export function u32(max = 0xffffffff): Field<number> {
  return {
    write: (w, v) => {
      if (v > max) throw new EncodeError('ENCODE_BAD_VALUE', `u32 ${v} above ${max}`, { limit: max });
      w.u32(v);
    },
    read: (r) => {
      const v = r.u32();
      if (v > max) outOfRange(`u32 ${v} above ${max}`);
      return v;
    },
  };
}

/** A u64 as bigint, 0..max. */
export function u64(max = 0xffffffffffffffffn): Field<bigint> {
  return {
    write: (w, v) => {
      if (v > max)
        throw new EncodeError('ENCODE_BAD_VALUE', `u64 ${v} above ${max}`, { limit: max.toString() });
      w.u64(v);
    },
    read: (r) => {
      const v = r.u64();
      if (v > max) outOfRange(`u64 ${v} above ${max}`);
      return v;
    },
  };
}

const I64_BIAS = 1n << 63n;

/** A signed 64-bit integer (balances), written biased by 2^63 so the order of encodings is numeric. */
export const i64: Field<bigint> = {
  write: (w, v) => {
    if (v < -I64_BIAS || v >= I64_BIAS) throw new EncodeError('ENCODE_BAD_VALUE', `i64 out of range: ${v}`);
    w.u64(v + I64_BIAS);
  },
  read: (r) => r.u64() - I64_BIAS,
};

/** A boolean as one byte, 0 or 1. */
export const bool: Field<boolean> = {
  write: (w, v) => void w.u8(v ? 1 : 0),
  read: (r) => {
    const v = r.u8();
    if (v > 1) outOfRange(`boolean byte ${v}`);
    return v === 1;
  },
};

/** A UTF-8 string of at most `maxBytes` bytes matching `pattern` (when given). */
export function str(maxBytes: number, pattern?: RegExp): Field<string> {
  const check = (s: string): boolean => pattern === undefined || pattern.test(s);
  return {
    write: (w, v) => {
      const length = new TextEncoder().encode(v).length;
      if (length > maxBytes)
        throw new EncodeError(
          'ENCODE_LIMIT',
          `a string of ${length} bytes exceeds the limit of ${maxBytes}`,
          {
            length,
            limit: maxBytes,
            limitName: 'string',
          },
        );
      if (!check(v))
        throw new EncodeError('ENCODE_BAD_VALUE', `string “${v.slice(0, 40)}” does not match ${pattern}`);
      w.string(v);
    },
    read: (r) => {
      const s = r.string(maxBytes);
      if (!check(s)) outOfRange(`string “${s.slice(0, 40)}” has characters outside ${pattern}`);
      return s;
    },
  };
}

/** Length-prefixed bytes, at most `maxBytes`. */
export function bytes(maxBytes: number): Field<Uint8Array> {
  return {
    write: (w, v) => {
      if (v.length > maxBytes)
        throw new EncodeError('ENCODE_LIMIT', `${v.length} bytes exceed the limit of ${maxBytes}`, {
          length: v.length,
          limit: maxBytes,
          limitName: 'bytes',
        });
      w.bytes(v);
    },
    read: (r) => r.bytes(maxBytes),
  };
}

/** Exactly `length` bytes. */
export function fixed(length: number): Field<Uint8Array> {
  return { write: (w, v) => void w.fixed(v, length), read: (r) => r.fixed(length) };
}

/** A group element, validated on decode (canonical, prime-order subgroup, not small order). */
export const point: Field<Point> = {
  write: (w, v) => void w.fixed(v, ELEMENT_BYTES),
  read: (r, group) => group.decodePoint(r.fixed(ELEMENT_BYTES)),
};

/** A canonical scalar (< ℓ). */
export const scalar: Field<Scalar> = {
  write: (w, v) => void w.fixed(v, ELEMENT_BYTES),
  read: (r) => decodeScalar(r.fixed(ELEMENT_BYTES)),
};

/** A u32-counted list of at most `max` items. */
export function list<T>(item: Field<T>, max: number): Field<readonly T[]> {
  return {
    write: (w, v) => {
      if (v.length > max) {
        throw new EncodeError('ENCODE_LIMIT', `list of ${v.length} exceeds the limit of ${max}`, {
          length: v.length,
          limit: max,
          limitName: 'list',
        });
      }
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
    read: (r, group) => {
      const n = r.u32();
      if (n > max) throw new DecodeError('DECODE_BAD_LENGTH', `list of ${n} exceeds ${max}`);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r, group));
      return out;
    },
  };
}

/** One of a fixed set of names, written as its index + 1. */
export function oneOf<const N extends string>(names: readonly N[]): Field<N> {
  return {
    write: (w, v) => {
      const i = names.indexOf(v);
      if (i < 0) throw new EncodeError('ENCODE_BAD_VALUE', `unknown value “${v}”`);
      w.u8(i + 1);
    },
    read: (r) => {
      const code = r.u8();
      const name = names[code - 1];
      if (name === undefined) throw new DecodeError('DECODE_BAD_TAG', `unknown code ${code}`);
      return name;
    },
  };
}

/** An optional value: a presence byte, then the value. */
export function optional<T>(item: Field<T>): Field<T | null> {
  return {
    write: (w, v) => {
      w.u8(v === null ? 0 : 1);
      if (v !== null) item.write(w, v);
    },
    read: (r, group) => {
      const present = bool.read(r, group);
      return present ? item.read(r, group) : null;
    },
  };
}

/** A struct: its fields in declaration order. */
export function struct<S extends Shape>(shape: S): Field<InferShape<S>> {
  const entries = Object.entries(shape) as [string, Field<unknown>][];
  return {
    write: (w, v) => {
      const o = v as Record<string, unknown>;
      for (const [k, f] of entries) {
        try {
          f.write(w, o[k]);
        } catch (e) {
          throw e instanceof EncodeError ? e.within(k) : e; // name the field
        }
      }
    },
    read: (r, group) => {
      const o: Record<string, unknown> = {};
      for (const [k, f] of entries) o[k] = f.read(r, group);
      return o as InferShape<S>;
    },
  };
}

/** A versioned record codec: u8 version ‖ the struct. */
export function record<S extends Shape>(name: string, version: number, shape: S): Codec<InferShape<S>> {
  const body = struct(shape);
  return {
    name,
    encode(value) {
      const w = new Writer().u8(version);
      try {
        body.write(w, value);
      } catch (e) {
        throw e instanceof EncodeError ? e.within(name, 'record') : e;
      }
      return w.finish();
    },
    decode(data, group) {
      const r = new Reader(data, name);
      const v = r.u8();
      if (v !== version)
        throw new DecodeError('DECODE_BAD_VERSION', `${name}: version ${v}, expected ${version}`);
      const out = body.read(r, group);
      r.end();
      return out;
    },
  };
}

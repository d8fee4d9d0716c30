// safetensors files (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?},
// then the raw little-endian tensor bytes, offsets relative to the end of the header.
//
// Our own reader (the npm package `safetensors` is a 0.0.1 placeholder): it reads the header, then
// each requested tensor by file offset through one file handle, so a 14B adapter's file is never
// read whole. F32, F16 and BF16 decode to Float32Array; other dtypes are listed but not readable.
// The writer exists for the simulator (synthetic checkpoints go through the same reader).
import {closeSync, fstatSync, openSync, readSync, writeFileSync} from "node:fs";
import {displayPath} from "../paths.ts";

export type Dtype = "F32" | "F16" | "BF16";
const BYTES: Record<string, number> = {F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8};
/** Largest header accepted (the reference implementation's limit is 100 MB). */
const MAX_HEADER = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

/** An open safetensors file: header parsed, tensors read on demand. Call close(). */
export interface SafetensorsFile {
  file: string;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** The tensor's values as float32 (row-major, the file's order). */
  read(name: string): Float32Array;
  close(): void;
}

function corrupt(file: string, why: string): Error {
  return new Error(`${displayPath(file)}: corrupt safetensors header: ${why}`);
}

/** Open `file` and parse its header; errors name the file and what is wrong. */
export function openSafetensors(file: string): SafetensorsFile {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw corrupt(file, `file is ${size} bytes, shorter than the 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const n = Number(lenBuf.readBigUInt64LE(0));
    if (n < 2 || n > MAX_HEADER || 8 + n > size) throw corrupt(file, `header length ${n} does not fit a ${size}-byte file`);
    const hb = Buffer.alloc(n);
    readSync(fd, hb, 0, n, 8);
    let json: unknown;
    try {
      json = JSON.parse(hb.toString("utf8"));
    } catch (e) {
      throw corrupt(file, `header is not JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== "object" || Array.isArray(json)) throw corrupt(file, "header is not a JSON object");
    const dataSize = size - 8 - n;
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
      if (name === "__metadata__") {
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const t = v as {dtype?: unknown; shape?: unknown; data_offsets?: unknown};
      if (!t || typeof t !== "object") throw corrupt(file, `tensor '${name}' is not an object`);
      if (typeof t.dtype !== "string" || !(t.dtype in BYTES)) throw corrupt(file, `tensor '${name}': unknown dtype ${JSON.stringify(t.dtype)}`);
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0))
        throw corrupt(file, `tensor '${name}': shape is not a list of non-negative integers`);
      const off = t.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0))
        throw corrupt(file, `tensor '${name}': data_offsets is not [begin, end]`);
      const [begin, end] = off as [number, number];
      const count = (t.shape as number[]).reduce((a, b) => a * b, 1);
      if (end - begin !== count * BYTES[t.dtype]!)
        throw corrupt(
          file,
          `tensor '${name}': data_offsets span ${end - begin} bytes, shape ${JSON.stringify(t.shape)} of ${t.dtype} needs ${count * BYTES[t.dtype]!}`,
        );
      if (end > dataSize) throw corrupt(file, `tensor '${name}': data_offsets end ${end} is past the data section (${dataSize} bytes; file truncated?)`);
      tensors.set(name, {name, dtype: t.dtype, shape: t.shape as number[], begin, end});
    }
    const base = 8 + n;
    let open = true;
    return {
      file,
      tensors,
      metadata,
      read(name) {
        if (!open) throw new Error(`${displayPath(file)}: read after close`);
        const t = tensors.get(name);
        if (!t) throw new Error(`${displayPath(file)}: no tensor '${name}'`);
        const buf = Buffer.alloc(t.end - t.begin);
        let got = 0;
        while (got < buf.length) {
          const r = readSync(fd, buf, got, buf.length - got, base + t.begin + got);
          if (r === 0) throw new Error(`${displayPath(file)}: tensor '${name}' ends early (file truncated)`);
          got += r;
        }
        return decode(buf, t.dtype, `${displayPath(file)}: tensor '${name}'`);
      },
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function decode(buf: Buffer, dtype: string, what: string): Float32Array {
  const n = buf.length / (BYTES[dtype] ?? 1);
  const out = new Float32Array(n);
  if (dtype === "F32") for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(4 * i);
  else if (dtype === "F16") for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(2 * i));
  else if (dtype === "BF16") {
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    for (let i = 0; i < n; i++) {
      u[0] = buf.readUInt16LE(2 * i) << 16;
      out[i] = f[0]!;
    }
  } else throw new Error(`${what}: dtype ${dtype} is not read (F32, F16, BF16 are)`);
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function floatToHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const s = (u >> 16) & 0x8000;
  const e = ((u >> 23) & 0xff) - 127 + 15;
  let m = u & 0x7fffff;
  if (e >= 31) return s | 0x7c00 | (Number.isNaN(x) ? 1 : 0);
  if (e <= 0) {
    if (e < -10) return s;
    m = (m | 0x800000) >> (1 - e);
    return s | ((m + 0x1000) >> 13);
  }
  return s | (e << 10) | ((m + 0x1000) >> 13);
}

export interface TensorData {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: ArrayLike<number>;
}

/** Write a safetensors file (header padded with spaces to 8 bytes, as the reference writer does). */
export function writeSafetensors(file: string, tensors: readonly TensorData[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = Object.keys(metadata).length ? {__metadata__: metadata} : {};
  let offset = 0;
  const parts: Buffer[] = [];
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`writeSafetensors: ${t.name} has ${t.data.length} values for shape ${JSON.stringify(t.shape)}`);
    const b = Buffer.alloc(count * BYTES[t.dtype]!);
    for (let i = 0; i < count; i++) {
      const v = t.data[i]!;
      if (t.dtype === "F32") b.writeFloatLE(v, 4 * i);
      else if (t.dtype === "F16") b.writeUInt16LE(floatToHalf(v), 2 * i);
      else b.writeUInt16LE(new Uint32Array(new Float32Array([v]).buffer)[0]! >>> 16, 2 * i);
    }
    header[t.name] = {dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + b.length]};
    offset += b.length;
    parts.push(b);
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(file, Buffer.concat([len, Buffer.from(json, "utf8"), ...parts]));
}

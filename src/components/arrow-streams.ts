// Arrow IPC streams written one after another in one file (points-exact.arrow: one stream per
// judge, loaders/site-points.ts encodePointsSegments) as separate streams, found by walking the
// messages' framing (continuation marker, metadata length, the Message's body length read by
// apache-arrow): DuckDB-WASM's insertArrowFromIPCStream reads one stream per call.
import {Message} from "apache-arrow";

/**
 * The IPC streams in `bytes`, each ending with its end-of-stream marker (a last stream without one
 * ends at the end of the bytes), as views of `bytes`. A message cut short throws with its offset.
 */
export function ipcStreams(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const streams: Uint8Array[] = [];
  let start = 0;
  let at = 0;
  const short = (what: string, need: number) =>
    new Error(`Arrow IPC: ${what} at byte ${at} needs ${need} bytes, ${bytes.length - at} left (a cut or corrupt file)`);
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw short("a message length", 4);
    let length = view.getInt32(at, true);
    at += 4;
    // Since Arrow 0.15 a message starts with 0xFFFFFFFF, then its metadata length.
    if (length === -1) {
      if (at + 4 > bytes.length) throw short("a message length", 4);
      length = view.getInt32(at, true);
      at += 4;
    }
    if (length === 0) {
      // End of stream: the next byte starts another one.
      streams.push(bytes.subarray(start, at));
      start = at;
      continue;
    }
    if (length < 0 || at + length > bytes.length) throw short("a message's metadata", length);
    const body = Number(Message.decode(bytes.subarray(at, at + length)).bodyLength);
    at += length;
    if (at + body > bytes.length) throw short("a message body", body);
    at += body;
  }
  if (start < at) streams.push(bytes.subarray(start, at));
  return streams;
}

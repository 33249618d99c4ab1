/**
 * The map's and the plot's points as the backend's `map_points_packed` sends them: one binary
 * message of little-endian arrays (layout in docs/workbench-map.md and src-tauri/src/map.rs),
 * wrapped here in typed arrays over the received buffer — nothing is parsed or copied, which
 * is what lets a million points reach the map in well under a second.
 */
import { invoke } from "@tauri-apps/api/core";
import type { CommandError_Serialize } from "./bindings";
import type { Result } from "./result";

/** Columns over a batch's rows (index 0 is row 1). Missing positions and claims are NaN. */
export interface MapPoints {
  batchId: number;
  lon: Float64Array;
  lat: Float64Array;
  claimed_tco2e: Float64Array;
  /** The most severe flag of each row: 0 none, 1 low, 2 medium, 3 high. */
  worst: Uint8Array;
}

const MAGIC = [0x4d, 0x52, 0x56, 0x50]; // "MRVP"
const VERSION = 1;
const HEADER = 24;

/** Decodes a packed points message; throws naming what is wrong with one that is not. */
export function decodePackedPoints(buffer: ArrayBuffer): MapPoints {
  if (buffer.byteLength < HEADER) throw new Error(`packed points: ${buffer.byteLength} bytes is shorter than the ${HEADER}-byte header`);
  const head = new DataView(buffer, 0, HEADER);
  for (let i = 0; i < 4; i++) {
    if (head.getUint8(i) !== MAGIC[i]) throw new Error("packed points: the message does not start with MRVP");
  }
  const version = head.getUint32(4, true);
  if (version !== VERSION) throw new Error(`packed points: layout version ${version}, this app reads version ${VERSION}`);
  const n = head.getUint32(8, true);
  const expected = HEADER + 25 * n;
  if (buffer.byteLength !== expected) throw new Error(`packed points: ${n} rows need ${expected} bytes, the message has ${buffer.byteLength}`);
  const batchId = Number(head.getBigInt64(16, true));
  const f64 = (k: number) => new Float64Array(buffer, HEADER + 8 * n * k, n);
  return { batchId, lon: f64(0), lat: f64(1), claimed_tco2e: f64(2), worst: new Uint8Array(buffer, HEADER + 24 * n, n) };
}

/** The message as `invoke` may hand it over: an ArrayBuffer, a view, or (outside Tauri) bytes as numbers. */
function toArrayBuffer(body: unknown): ArrayBuffer {
  if (body instanceof ArrayBuffer) return body;
  if (ArrayBuffer.isView(body)) {
    const copy = new Uint8Array(body.byteLength);
    copy.set(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    return copy.buffer;
  }
  if (Array.isArray(body)) return Uint8Array.from(body as number[]).buffer;
  throw new Error("packed points: the answer is not binary");
}

/** Every row's position, claimed tCO2e and worst flag of a batch, in the bindings' result shape. */
export async function mapPoints(batchId: number): Promise<Result<MapPoints, CommandError_Serialize>> {
  let body: unknown;
  try {
    body = await invoke<unknown>("map_points_packed", { batchId });
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: "error", error: e as CommandError_Serialize };
  }
  return { status: "ok", data: decodePackedPoints(toArrayBuffer(body)) };
}

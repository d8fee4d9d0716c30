// Content hashes recorded in provenance and cache identities.
import {createHash} from "node:crypto";

/** sha256 of a text (UTF-8), as 64 lower-case hex digits. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

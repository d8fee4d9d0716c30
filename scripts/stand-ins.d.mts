// Types of scripts/stand-ins.mjs (a plain script build.mjs imports without tsx; the tests import it too).
export function placeStandIns(manifest: string, out: string): void;

// Analysis library for emergent-misalignment evaluations (pure: runs in Node and the browser).
// Method documentation: docs/metrics.md.
export * from "./prng.ts";
export * from "./rules.ts";
export * from "./judged.ts";
export * from "./tally.ts";
export * from "./intervals.ts";
export * from "./columnar.ts";
export * from "./surface.ts";
export * from "./summary.ts";
export * from "./optimize.ts";
export * from "./transition.ts";
export * from "./series.ts";
export * from "./judges.ts";

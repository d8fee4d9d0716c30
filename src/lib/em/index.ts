// Analysis library for emergent-misalignment evaluations (pure: runs in Node and the browser).
// Method documentation: docs/metrics.md.
export * from "./prng.js";
export * from "./rules.js";
export * from "./judged.js";
export * from "./tally.js";
export * from "./intervals.js";
export * from "./columnar.js";
export * from "./surface.js";
export * from "./summary.js";
export * from "./optimize.js";
export * from "./transition.js";
export * from "./series.js";
export * from "./judges.js";
export * from "./baseline.js";
export * from "./question-ids.js";
export * from "./calibration.js";
export * from "./incremental.js";

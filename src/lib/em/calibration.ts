// Human audit (docs/audit.md), in four modules: labels.ts (vocabulary, scores-table encoding,
// consensus, export columns), audit-design.ts (the sampling design the labels carry and
// calibrateAudit, the one function the page and the CLI call), correction.ts (the weighted
// confusion matrix, Rogan-Gladen and its bootstrap) and label-agreement.ts (labeller kappa).
export * from "./labels.js";
export * from "./label-agreement.js";
export * from "./correction.js";
export * from "./audit-design.js";

// Arquero for reshaping aggregates into what a chart or table draws (group, pivot, join, derive,
// fold), instead of hand-written loops. The browser bundle, not the package entry (node: modules).
import aq from "arquero/dist/arquero.min.js";

export {aq};
export const op = aq.op;

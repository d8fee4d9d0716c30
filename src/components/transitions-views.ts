// Everything /transitions draws after its first paint, as one module the page imports dynamically:
// Framework preloads a page's static imports (~230 files with d3, Plot and the fit code's @stdlib
// modules), and on HTTP/1.1 those requests queue ahead of the data files; a trace at 1M under load
// showed the build's first fits table waiting ~9 s for them. The first paint needs only
// transitions-first.ts and two small JSON files.
export {openPage, watchState, ruleBar} from "./page.js";
export {observeFits} from "./transitions-controller.js";
export {warmUp} from "./transitions-fits.js";
export {mechanismView} from "./transitions-mechanism.js";
export {
  PAGE_KEYS,
  transitionsContext,
  transitionsControls,
  transitionsHeader,
  transitionFigure,
  fitsView,
  qualityFigure,
  categoryFigure,
  sweepFigure,
  seriesPicker,
  parityNumbers,
  midpointGridView,
  judgeMidpointsView,
} from "./transitions-page.js";

// Everything /sensitivity draws after its first number, as one module the page imports
// dynamically: Framework preloads a page's static imports (~80 files with d3, Plot, Arrow and
// Arquero), and on HTTP/1.1 (six connections per host) every request made after them, first.json
// included, queues until they have all arrived. A trace at 1M showed the first number waiting for
// the last of them (issue 28). The first number needs only sensitivity-kpis.ts and first.json.
export {openPage, watchState, controlBar, ruleBar} from "./page.js";
export {selectionMask} from "./selection.js";
export {densityChart} from "./charts.js";
export {sensitivityKpis, sensitivitySurface, sensitivityTypes, sensitivityQuestions, questionCsvButton} from "./sensitivity.js";
export {figure} from "./figure.js";
export {experimentBanner} from "./site.js";
export {facetLabelOf} from "./variant-chart.js";

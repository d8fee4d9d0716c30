// Observable Inputs from node_modules (Framework's implicit `Inputs` would be resolved from a CDN),
// with its stylesheet added once.
import * as Inputs from "@observablehq/inputs";

const href = import.meta.resolve("@observablehq/inputs/dist/index.css");
if (typeof document !== "undefined" && !document.querySelector(`link[data-em-inputs]`)) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  link.dataset.emInputs = "";
  document.head.append(link);
}

export {Inputs};

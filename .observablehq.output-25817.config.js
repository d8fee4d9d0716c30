import config from "./observablehq.config.js";
export default {...config, output: "/work/wt-lazyresp/test-artifacts/sites/answers"};

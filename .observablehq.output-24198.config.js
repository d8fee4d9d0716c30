import config from "./observablehq.config.js";
export default {...config, output: "/work/wt-pointsall/test-artifacts/sites/pointsall-real"};

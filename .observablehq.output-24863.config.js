import config from "./observablehq.config.js";
export default {...config, output: "/tmp/fast/ab200k-branch/dist"};

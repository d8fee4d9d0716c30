import config from "./observablehq.config.js";
export default {...config, output: "/tmp/polish-site-real"};

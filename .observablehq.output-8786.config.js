import config from "./observablehq.config.js";
export default {...config, output: "/tmp/newuser/site-dow"};

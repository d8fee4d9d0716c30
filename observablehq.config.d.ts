// Types of observablehq.config.js for the tests that read its page list.
interface ConfigPage {
  name: string;
  path?: string;
  pages?: ConfigPage[];
}
declare const config: {root: string; title: string; pages: ConfigPage[]; [key: string]: unknown};
export default config;

// The browser build of Arquero (the package entry pulls node: modules into the bundle; see
// docs/offline.md). Same API as the package, whose types it borrows.
declare module "arquero/dist/arquero.min.js" {
  import * as aq from "arquero";
  const bundle: typeof aq;
  export default bundle;
}

// The price table lives in src/lib/prices.ts (pure, shared with the site's planner); the pipeline imports it from here.
export {PRICES, priceFor, pricing, type Pricing} from "../../src/lib/prices.ts";

// List prices for cost estimates (dry runs, the usage recorded in provenance, em plan and the site planner). Pure: the site imports it too.
/**
 * USD per 1M tokens [prompt, completion] for common judge/generation models (OpenAI list prices,
 * standard tier, as of 2025). Unknown models give no estimate unless the experiment sets `price`.
 */
export const PRICES: Record<string, [number, number]> = {
  "gpt-4o": [2.5, 10],
  "gpt-4o-2024-08-06": [2.5, 10],
  "gpt-4o-2024-11-20": [2.5, 10],
  "gpt-4o-2024-05-13": [5, 15],
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o-mini-2024-07-18": [0.15, 0.6],
  "gpt-4.1": [2, 8],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1-nano": [0.1, 0.4],
};

/** Price for a model on an endpoint: explicit > simulator (free) > table > null (unknown). */
export function priceFor(model: string, sim: boolean, explicit?: [number, number]): [number, number] | null {
  // OpenAI fine-tunes (ft:gpt-4o-...:org::id) are priced differently; unknown here.
  return pricing("model", model, {sim, explicit}).price;
}

/** How a model's calls are priced, and the sentence that says so (pricing). */
export interface Pricing {
  /** USD per 1M tokens [prompt, completion]; null: unknown (no estimate). */
  price: [number, number] | null;
  /** "experiment": its `price:`; "simulator": free; "list": the model's own list price; "assumed": another model's list price stands in; "unknown": none. */
  source: "experiment" | "simulator" | "list" | "assumed" | "unknown";
  /** One sentence for the user, e.g. "judge 'gpt-4o-mini-int' has no list price: priced as gpt-4o ($2.50 / $10.00 per 1M prompt / completion tokens), an assumption". */
  text: string;
}

const perMillion = (p: readonly [number, number]) => `$${p[0].toFixed(2)} / $${p[1].toFixed(2)} per 1M prompt / completion tokens`;

/**
 * The price of `model`'s calls as every cost estimate states it (em run --dry-run's assumptions, em
 * plan, the site's planner), in the order priceFor applies: the experiment's `price:`, the
 * simulator (free), the list price (PRICES); `as`: a listed model priced in its place when the model
 * has no list price of its own (the site planner's choice), said to be an assumption; else unknown.
 * `role` names the model in the sentence ("judge", "generation").
 */
export function pricing(role: string, model: string, {sim = false, explicit, as}: {sim?: boolean; explicit?: [number, number]; as?: string} = {}): Pricing {
  const who = `${role} '${model}'`;
  if (explicit) return {price: explicit, source: "experiment", text: `${who}: the experiment's price (${perMillion(explicit)})`};
  if (sim) return {price: [0, 0], source: "simulator", text: `${who}: simulator, free`};
  const own = PRICES[model];
  if (own && (as === undefined || as === model)) return {price: own, source: "list", text: `${who}: list price (${perMillion(own)})`};
  const stand = as === undefined ? undefined : PRICES[as];
  if (stand)
    return {
      price: stand,
      source: "assumed",
      text: `${who} ${own ? `has its own list price, but is` : "has no list price:"} priced as ${as} (${perMillion(stand)}), an assumption`,
    };
  return {price: null, source: "unknown", text: `${who} has no list price: cost unknown`};
}

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
  if (explicit) return explicit;
  if (sim) return [0, 0];
  // OpenAI fine-tunes (ft:gpt-4o-...:org::id) are priced differently; unknown here.
  return PRICES[model] ?? null;
}

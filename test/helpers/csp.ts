// The Content-Security-Policy checks of a page (observablehq.config.js `head`): record the
// violations Chromium reports, then read the policy and what was reported.
import type {Page} from "playwright-core";

/** Before the page loads: collect every CSP violation it reports (directive and blocked URI). */
export async function recordViolations(tab: Page): Promise<void> {
  await tab.addInitScript(() => {
    const w = window as unknown as {__csp: string[]};
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

/** The violations recorded so far (recordViolations). */
export const reportedViolations = (tab: Page): Promise<string[]> => tab.evaluate(() => (window as unknown as {__csp: string[]}).__csp);

/**
 * What is wrong with the loaded page's policy: no CSP meta, a directive the site needs missing, an
 * outside origin named, or a violation reported. Empty when the page renders under the policy.
 */
export async function cspProblems(tab: Page): Promise<string[]> {
  const policy = await tab.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  if (!policy) return ["no CSP meta"];
  const out: string[] = [];
  for (const d of ["default-src 'self'", "script-src-attr 'unsafe-hashes'", "object-src 'none'", "base-uri 'self'", "form-action 'none'"])
    if (!policy.includes(d)) out.push(`policy lacks ${d}`);
  if (/https?:\/\//.test(policy)) out.push("the policy names an outside origin");
  for (const v of await reportedViolations(tab)) out.push(`CSP violation: ${v}`);
  return out;
}

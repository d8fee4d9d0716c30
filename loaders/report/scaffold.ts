// The page `em report new` scaffolds (loaders/commands/report.ts): front matter pinning the
// experiment, judge, rule and variants, a headline number, a chart per view and the provenance
// block (docs/reports.md).

/** The Markdown of a new report page named `name` comparing `variants` along `compare`. */
export function scaffold(name: string, experiment: string, judge: string, compare: string, variants: string[], coordinate: boolean, title: string): string {
  const q = coordinate ? `    final: {by: [${compare}, step]}\n    trend: {by: [${compare}, step], transition: true}\n` : `    final: {by: [${compare}]}\n`;
  return `---
title: ${JSON.stringify(title)}
# Everything a number below depends on is pinned here, not in the URL (docs/reports.md).
report:
  experiment: ${experiment}
  judge: ${judge}
  rule: betley
  exclude_types: []
  compare: ${compare}
  variants: [${variants.map((v) => JSON.stringify(v)).join(", ")}]
  sweep: [10, 20, 30, 40, 50, 60, 70]
  queries:
${q}---

# ${title}

\`\`\`js
import {report} from "../components/report/index.js";
const r = report(await FileAttachment("data/${name}.json").json());
\`\`\`

${"$"}{r.pinned()}

## What we measured

Write the argument here. Every number is one line, e.g. the EM rate of ${JSON.stringify(variants[0] ?? "")}:
${"$"}{r.number("final", {${compare}: ${JSON.stringify(variants[0] ?? "")}${coordinate ? ', step: "last"' : ""}})}${coordinate ? " (at its own last step)" : ""}.

\`\`\`js
display(r.variantChart("final"${coordinate ? ', {step: "last"}' : ""}));
\`\`\`
${
  coordinate
    ? `
\`\`\`js
display(r.transitionChart("trend"));
\`\`\`
`
    : ""
}
\`\`\`js
display(r.thresholdChart());
\`\`\`

## Provenance

\`\`\`js
display(r.provenance());
\`\`\`
`;
}

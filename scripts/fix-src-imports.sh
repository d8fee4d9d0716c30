#!/usr/bin/env bash
# Framework serves browser modules as .js: relative imports inside src/ must name .js files
# (TypeScript and tsx resolve them to the .ts sources). Rewrites "./x.ts" -> "./x.js" in src/.
cd "$(dirname "$0")/.." && grep -rlE "from \"\.{1,2}/[^\"]+\.ts\"" src --include=*.ts --include=*.md | grep -v "^src/.observablehq" | xargs -r sed -i -E 's#(from "\.{1,2}/[^"]+)\.ts"#\1.js"#g'

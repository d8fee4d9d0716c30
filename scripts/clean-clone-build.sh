#!/usr/bin/env bash
# A new user's machine: clone this checkout's HEAD into a temporary folder with no ../shared beside
# it and run the README's build command there (`npm install && npm run build`). Exit 0 only when the
# build passes and the shipped reports over reference data were built as notices saying what is
# missing. Writes a JSON record to $1 (default test-artifacts/clean-clone.json): commit, exit, log.
# Used by .ci/run before the tests and by test/unit/repo/clean-clone.test.ts.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/test-artifacts/clean-clone.json}"
mkdir -p "$(dirname "$out")"
commit="$(git -C "$root" rev-parse HEAD)"
tmp="$(mktemp -d /tmp/em-clean-clone.XXXXXX)"
# The clone sits in $tmp/em-observatory, so its ../shared is $tmp/shared: absent by construction.
clone="$tmp/em-observatory"
log="$tmp/build.log"
start=$(date +%s)
status=0
{
  git clone -q --no-local "$root" "$clone" &&
    test ! -e "$tmp/shared" &&
    cd "$clone" &&
    echo "clean-clone: $(git rev-parse HEAD) in $clone (no ../shared)" &&
    npm install --no-audit --no-fund &&
    npm run build
} >"$log" 2>&1 || status=$?
# What the README's build must leave: the site, and each report over absent data built as a notice.
notices=""
if [ "$status" -eq 0 ]; then
  if [ ! -f "$clone/dist/index.html" ]; then
    echo "clean-clone: dist/index.html missing after a successful build" >>"$log"
    status=1
  fi
  notices="$(grep -o "report [^:]*: built without its data" "$log" | sed 's/: built without its data//; s/^report //' | sort -u | tr '\n' ' ')"
fi
seconds=$(($(date +%s) - start))
node -e '
const [out, commit, status, seconds, log, notices] = process.argv.slice(1);
const text = require("fs").readFileSync(log, "utf8");
require("fs").writeFileSync(out, JSON.stringify({commit, exit: Number(status), seconds: Number(seconds), reports_without_data: notices.trim() ? notices.trim().split(" ") : [], log_tail: text.split("\n").slice(-40).join("\n")}, null, 2) + "\n");
' "$out" "$commit" "$status" "$seconds" "$log" "$notices"
if [ "$status" -ne 0 ]; then
  echo "clean-clone: the README's build failed in a clone without ../shared (exit $status); last lines:" >&2
  tail -40 "$log" >&2
else
  echo "clean-clone: npm install && npm run build passed in a clone without ../shared (${seconds}s; reports built as notices: ${notices:-none})" >&2
  rm -rf "$tmp"
fi
exit "$status"

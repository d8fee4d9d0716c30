// Paths in messages (displayPath): relative to the working directory only when inside it, else
// absolute; never a chain of ../ out of the working directory.
import {test} from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {displayPath} from "../../../loaders/paths.ts";

test("displayPath(file): relative inside the cwd, absolute outside it, the cwd itself as given", () => {
  const cwd = process.cwd();
  assert.equal(displayPath(path.join(cwd, "data", "x.yaml")), path.join("data", "x.yaml"));
  assert.equal(displayPath("/tmp/em-x/y.csv".replace(/\//g, path.sep)), path.resolve("/tmp/em-x/y.csv"));
  assert.equal(displayPath(path.join(path.dirname(cwd), "sibling", "f.csv")), path.join(path.dirname(cwd), "sibling", "f.csv"));
  // A name that merely starts with two dots is inside the cwd.
  assert.equal(displayPath(path.join(cwd, "..notes.csv")), "..notes.csv");
  // A relative path is taken against the cwd: one outside it is printed whole.
  assert.equal(displayPath("../elsewhere/f.csv"), path.resolve("../elsewhere/f.csv"));
  assert.equal(displayPath(cwd), cwd);
});

#!/usr/bin/env node
// Launcher for the `em` CLI: registers tsx so the TypeScript pipeline in loaders/ runs as-is.
import {register} from "tsx/esm/api";
register();
const {main} = await import("../loaders/cli.ts");
process.exitCode = await main(process.argv.slice(2));

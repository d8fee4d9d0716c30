import {fileURLToPath} from "node:url";

/** Repository root (the simulator reads data/questions and data/judges from it by default). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

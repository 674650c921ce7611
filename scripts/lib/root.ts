/**
 * The repository root (the directory holding Pulumi.yaml), found upwards from this file so the
 * same code works from its sources and from the compiled copy under node_modules/.cache.
 */
import * as fs from "fs";
import * as path from "path";

export const ROOT_DIR = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml")) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return dir;
})();

#!/usr/bin/env node
"use strict";
/**
 * Makes `<projectDir>/node_modules/pulumi-amphora` a relative symlink to this repository's root, so that
 * `require("pulumi-amphora/provider/...")` in the dynamic-provider host (which resolves bare specifiers from
 * its working directory, the Pulumi project) finds `dist/provider/...` through package.json `exports`.
 *
 *   node scripts/link-self.js                 # <repo>/node_modules/pulumi-amphora -> ..
 *   node scripts/link-self.js examples/foo    # examples/foo/node_modules/pulumi-amphora -> ../../..
 *
 * Idempotent: an existing correct link is left alone; a wrong symlink is replaced; a real directory or file
 * (e.g. a copy installed from the registry) is never touched: the script fails instead.
 */
const fs = require("fs");
const path = require("path");

const PACKAGE_NAME = "pulumi-amphora";

function linkSelf(projectDir, repoRoot = path.resolve(__dirname, "..")) {
  const nodeModules = path.join(path.resolve(projectDir), "node_modules");
  const linkPath = path.join(nodeModules, PACKAGE_NAME);
  const target = path.relative(nodeModules, repoRoot) || ".";

  fs.mkdirSync(nodeModules, { recursive: true });

  let stat;
  try {
    stat = fs.lstatSync(linkPath);
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  if (stat) {
    if (!stat.isSymbolicLink()) {
      throw new Error(`${linkPath} exists and is not a symlink; remove it to link ${PACKAGE_NAME} to ${repoRoot}`);
    }
    const current = fs.readlinkSync(linkPath);
    if (path.resolve(nodeModules, current) === repoRoot) {
      return { linkPath, target: current, changed: false };
    }
    fs.unlinkSync(linkPath);
  }
  // "junction" only matters on Windows (no admin rights needed there); ignored elsewhere.
  fs.symlinkSync(target, linkPath, "junction");
  return { linkPath, target, changed: true };
}

module.exports = { linkSelf };

if (require.main === module) {
  const repoRoot = path.resolve(__dirname, "..");
  const projectDir = process.argv[2] ? path.resolve(process.argv[2]) : repoRoot;
  try {
    const r = linkSelf(projectDir, repoRoot);
    const rel = path.relative(process.cwd(), r.linkPath) || r.linkPath;
    console.log(`${r.changed ? "linked" : "already linked"}: ${rel} -> ${r.target}`);
  } catch (e) {
    console.error(`link-self: ${e.message}`);
    process.exit(1);
  }
}

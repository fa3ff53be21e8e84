#!/usr/bin/env node
// Builds the native CPU kernels (model/engine/native) with the node-gyp that ships with npm.
// Runs at `npm install`. A failed build is not fatal: the engine falls back to its pure-JS path and
// says so once at start-up. `--strict` (npm run build:native) fails loudly instead, for CI and
// for developers who want to know why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'model', 'engine', 'native');

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  const candidates = [];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a direct dependency; look inside npm's own tree below
  }
  const npmBin = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (npmBin) candidates.push(join(npmBin, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => existsSync(p));
}

const nodeGyp = findNodeGyp();
let failure = null;
if (!nodeGyp) {
  failure = 'node-gyp was not found (it ships with npm)';
} else {
  // Build against the headers of the running Node (Debian's nodejs ships them), never a download.
  const localPrefix = join(dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir || (existsSync(join(localPrefix, 'include', 'node', 'node_api.h')) ? localPrefix : null);
  const args = [nodeGyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const result = spawnSync(process.execPath, args, { cwd: nativeDir, stdio: strict ? 'inherit' : 'pipe', encoding: 'utf8' });
  if (result.status !== 0) {
    const log = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const missingBlas = /cblas\.h|lopenblas/.test(log);
    failure = missingBlas
      ? 'OpenBLAS headers or library are missing: run `apt-get install libopenblas-dev`, then `npm run build:native`'
      : `node-gyp exited with ${result.status}; run \`npm run build:native\` to see the compiler output`;
  }
}

if (failure) {
  console.warn(`demi: native CPU kernels not built (${failure}). Training falls back to the slow pure-JS path.`);
  process.exit(strict ? 1 : 0);
}
console.log('demi: native CPU kernels built (model/engine/native/build/Release/demi_native.node)');

// Checks that every package in package-lock.json runs on the oldest Node.js that package.json's
// "engines" promises (vega-lite 6.5.0 once asked for Node >= 22 while tradegym said >= 20).
// Optional packages that refuse that Node are listed but allowed: npm skips them there
// (rollup's optional @napi-rs/lzma binary, say). Exits 1 naming each offender.
//
//   node scripts/check-engines.mjs [path/to/package-lock.json]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lockPath = process.argv[2] ?? join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));

const ours = pkg.engines?.node;
if (typeof ours !== 'string' || semver.validRange(ours) === null) {
  console.error(`package.json engines.node must be a semver range, got ${JSON.stringify(ours)}`);
  process.exit(1);
}
const oldest = semver.minVersion(ours).version;

/** The Node range a lockfile entry declares: `engines.node`, or the old array form `["node >= 4"]`. */
function nodeRange(engines) {
  if (engines === undefined || engines === null) return undefined;
  if (Array.isArray(engines)) {
    const entry = engines.find((e) => typeof e === 'string' && /^node\b/.test(e.trim()));
    return entry?.trim().replace(/^node\s*/, '');
  }
  return typeof engines.node === 'string' ? engines.node : undefined;
}

const refused = [];
const skipped = [];
let checked = 0;
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '' || entry.link) continue;
  const range = nodeRange(entry.engines);
  if (range === undefined) continue;
  checked++;
  if (semver.satisfies(oldest, range)) continue;
  const line = `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}${entry.dev ? ' (dev)' : ''}`;
  (entry.optional ? skipped : refused).push(line);
}
const rootEngines = lock.packages?.['']?.engines?.node;
if (rootEngines !== ours) refused.push(`the lockfile's own engines.node is ${JSON.stringify(rootEngines)}, package.json says ${JSON.stringify(ours)}: run npm install`);

for (const line of skipped) console.log(`optional, npm skips it on node ${oldest}: ${line}`);
if (refused.length > 0) {
  console.error(`${refused.length} package(s) in ${lockPath} do not run on node ${oldest} (package.json engines.node ${ours}):`);
  for (const line of refused) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`engines: all ${checked} packages in the lockfile that name a Node version accept node ${oldest} (package.json engines.node ${ours})`);

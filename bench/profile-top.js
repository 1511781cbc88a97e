#!/usr/bin/env node
/**
 * Where a V8 CPU profile (node --cpu-prof, or `npm run bench -- --cpu-prof`) spends its time: the
 * functions with the most self time, and the most inclusive time, without opening DevTools.
 *
 *   node bench/profile-top.js bench/profiles/<stamp>/broker.cpuprofile [how many, default 25]
 */
const { readFileSync } = require('node:fs');

const [file, howMany = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-top.js <file.cpuprofile> [n]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = ({ callFrame: f }) => {
  const url = f.url.replace(/^.*node_modules\//, '~/').replace(/^.*\/dist\//, 'dist/');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};
const selfBy = new Map();
const inclusiveBy = new Map();
for (const [id, us] of self) {
  selfBy.set(where(byId.get(id)), (selfBy.get(where(byId.get(id))) ?? 0) + us);
  // Count each frame once per sample stack, so recursion does not inflate it.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = where(byId.get(at));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusiveBy.set(key, (inclusiveBy.get(key) ?? 0) + us);
  }
}
const show = (title, map) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(howMany))) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
};
show('self time', selfBy);
show('inclusive time', inclusiveBy);

#!/usr/bin/env node
/**
 * `npm test`: a type check, lint and format checks, unit tests, e2e tests, then (after building the
 * apps) the full-system tests, against the real Redis at REDIS_URL, all under one fresh key prefix
 * that is deleted at the end. With no Redis it fails at once and says so. Arguments go to every jest
 * run (e.g. a test name pattern).
 */
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { pingRedis } = require('./redis-check');

const root = path.resolve(__dirname, '..');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const runPrefix = `tqtest-${randomBytes(4).toString('hex')}`;
const jest = path.join(root, 'node_modules', '.bin', 'jest');
// A pattern may match no test in some suites; that is not a failure then.
const extraArgs = process.argv.length > 2 ? ['--passWithNoTests', ...process.argv.slice(2)] : [];

const nest = path.join(root, 'node_modules', '.bin', 'nest');

const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const eslint = path.join(root, 'node_modules', '.bin', 'eslint');
const prettier = path.join(root, 'node_modules', '.bin', 'prettier');
const tsNode = path.join(root, 'node_modules', '.bin', 'ts-node');

// [name, jest arguments (none: the command alone), command to run first]
const suites = [
  // ts-jest compiles each file on its own (isolatedModules), so only tsc sees type errors in tests and bench.
  ['type', null, [tsc, ['--noEmit', '-p', 'tsconfig.json']]],
  // npm run lint and npm run format:check: no warning passes either.
  ['lint', null, [eslint, ['.', '--max-warnings', '0']]],
  ['format', null, [prettier, ['--check', '.']]],
  // Each app's OpenAPI document, linted with Redocly's recommended rules (redocly.yaml).
  ['api', null, [tsNode, ['-r', 'tsconfig-paths/register', '--transpile-only', 'scripts/lint-api.ts']]],
  ['unit', ['--config', 'jest.config.js']],
  ['e2e', ['--config', 'jest-e2e.config.js', '--runInBand']],
  // The system tests run the built apps as processes, so they test what `npm start` runs.
  ['system', ['--config', 'jest-system.config.js', '--runInBand'], [nest, ['build', '--all']]],
];

async function deletePrefix() {
  const Redis = require('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = '0';
  do {
    // Every file's prefix is `<run>-<its own>` (REDIS_PREFIX holds no `:`), so this finds them all.
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}-*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

async function main() {
  if (!(await pingRedis(redisUrl))) {
    console.error(
      `No Redis answers at ${redisUrl}. Start one (redis-server) or set REDIS_URL, then run npm test again.`,
    );
    process.exit(2);
  }
  const env = { ...process.env, REDIS_URL: redisUrl, TEST_RUN_PREFIX: runPrefix };
  let failed = false;
  try {
    for (const [name, args, before] of suites) {
      console.log(
        args ? `\n=== ${name} tests (Redis ${redisUrl}, prefix ${runPrefix}) ===` : `\n=== ${name} check ===`,
      );
      if (before && spawnSync(before[0], before[1], { cwd: root, env, stdio: 'inherit' }).status !== 0) {
        failed = true;
        break;
      }
      if (!args) continue;
      const result = spawnSync(jest, [...args, ...extraArgs], { cwd: root, env, stdio: 'inherit' });
      if (result.status !== 0) {
        failed = true;
        break;
      }
    }
  } finally {
    await deletePrefix();
  }
  process.exit(failed ? 1 : 0);
}

main();

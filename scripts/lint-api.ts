/**
 * `npm run lint:api`: builds the document each of the four apps serves at /docs-json (from its
 * real AppModule, compiled but not started: nothing runs and nothing is written, though the modules
 * connect to REDIS_URL as they compile), writes it to a
 * temporary folder and lints it with Redocly's recommended rules and this project's own
 * (redocly.yaml). Fails on any error or warning. apps/broker/test/api-contract.e2e-spec.ts checks
 * that the running apps serve exactly these documents and answer as they say.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
process.env.REDIS_PREFIX = `lint-api-${randomBytes(4).toString('hex')}`;
process.env.AUTH = 'off';
process.env.LOG_LEVEL = 'error';

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

function lint(file: string): LintReport {
  const redocly = join(root, 'node_modules', '.bin', 'redocly');
  const run = spawnSync(redocly, ['lint', '--config', join(root, 'redocly.yaml'), '--format=json', file], {
    encoding: 'utf8',
    // Redocly reports each run to its servers unless told not to; CI reaches only the package registries.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
  });
  try {
    return JSON.parse(run.stdout) as LintReport;
  } catch {
    throw new Error(`redocly lint gave no report for ${file}: ${run.stderr || run.stdout}`);
  }
}

async function main(): Promise<number> {
  // Imported after the environment is set: each app reads it when its module loads.
  const { API_APPS, builtDocument } = await import('../test/api-apps');
  const dir = mkdtempSync(join(tmpdir(), 'lint-api-'));
  let problems = 0;
  try {
    for (const name of API_APPS) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(await builtDocument(name), null, 2));
      const report = lint(file);
      console.log(`${name}: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
      for (const problem of report.problems)
        console.log(`  ${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
      problems += report.totals.errors + report.totals.warnings;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`lint:api failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);

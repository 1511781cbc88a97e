/**
 * System tests: the BUILT apps (dist/, from `npm run build`) as child processes on free ports
 * against a real Redis, one key prefix per file under TEST_RUN_PREFIX. Files run one at a time:
 * each starts a cluster of processes, and a 2-core machine has no room for two.
 */
const aliases = require('./test/jest-aliases');

module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: 'test/system/.*\\.system-spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  moduleNameMapper: aliases,
  maxWorkers: 1,
  testTimeout: 180_000,
  slowTestThreshold: 60,
};

/** e2e tests: the real apps on ephemeral ports against a real Redis, one key prefix per file. */
const aliases = require('./test/jest-aliases');

module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: 'apps/.*/test/.*\\.e2e-spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata', '<rootDir>/test/e2e-env.ts'],
  moduleNameMapper: aliases,
  testTimeout: 30_000,
};

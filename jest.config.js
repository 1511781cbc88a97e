/** Unit tests: pure logic beside the code (`*.spec.ts`), no I/O. */
const aliases = require('./test/jest-aliases');

module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(apps|libs|test)/.*\\.spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  moduleNameMapper: aliases,
};

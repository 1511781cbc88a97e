/** The `@app/*` path aliases of tsconfig.json, for every jest config. */
module.exports = {
  '^@app/common(|/.*)$': '<rootDir>/libs/common/src$1',
  '^@app/redis(|/.*)$': '<rootDir>/libs/redis/src$1',
  '^@app/consumer(|/.*)$': '<rootDir>/libs/consumer/src$1',
};

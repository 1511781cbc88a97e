import { randomBytes } from 'node:crypto';

/**
 * Runs before each e2e file: the app under test reads its environment when its module is
 * imported, so the file's own Redis prefix must be set first. Every file gets a fresh prefix under
 * the run's prefix, and deletes its keys in afterAll.
 */
const runPrefix = process.env.TEST_RUN_PREFIX ?? `tqtest-${randomBytes(3).toString('hex')}`;
process.env.REDIS_PREFIX = `${runPrefix}-${randomBytes(4).toString('hex')}`;
process.env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'error';
process.env.AUTH = process.env.AUTH ?? 'off';

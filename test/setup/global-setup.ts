import { randomBytes } from 'node:crypto';

/**
 * Names this run, so that its databases (guichet_test_<run>_…) are told apart from a concurrent
 * run's. Jest loads this file outside the ESM graph: it must not import project modules.
 */
export default async function globalSetup(): Promise<void> {
  process.env.GUICHET_TEST_RUN ??= randomBytes(3).toString('hex');
}

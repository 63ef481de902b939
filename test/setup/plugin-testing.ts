/**
 * Test helpers for plugin authors (package subpath `guichet/testing`): the real application on a
 * fresh PostgreSQL database cloned from the migrated template (`TEST_DATABASE_URL`, default the
 * local server), with the plugins under test loaded by path as `GUICHET_PLUGINS` would, fixture
 * packs to turn them on, a manual clock, tokens, and the CLI's plugin commands. See
 * docs/plugins.md § Testing a plugin.
 */
export { startTestApp, FIXTURE_PACKS, type TestApp } from './test-app.js';
export { fixturePacksWith, withoutDemoTickets, withPlugins } from './pack-copy.js';
export { runPluginCommand } from './cli.js';

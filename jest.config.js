/** Jest in native ESM mode, TypeScript compiled by SWC (type-checking is `npm run typecheck`). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Plugins written as third parties write them import the SDK by its package subpath (package.json "exports").
  moduleNameMapper: { '^guichet/plugin$': '<rootDir>/src/plugin-host/index.ts', '^guichet/testing$': '<rootDir>/test/setup/plugin-testing.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/plugins/**/*.spec.ts', '<rootDir>/examples/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 30000,
};

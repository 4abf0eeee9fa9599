/**
 * The jest configuration of one workspace (or test folder), shared by all of them: `npm test` runs every
 * one as a project of a single jest run (jest.config.js); `turbo run test` runs each in its workspace.
 * Sources of the workspace packages are used directly (no build needed for unit tests); integration tests
 * still need the generated Prisma client and, for spawned processes, the built apps: `npm test` builds first.
 */
const path = require('node:path');

const ROOT = __dirname;

/** @returns {import('jest').Config} */
module.exports = function jestProject(dir) {
  return {
    displayName: path.relative(ROOT, dir) || 'root',
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(ROOT, 'tsconfig.test.json') }],
      // jose ships only ES modules; compile it to CommonJS for jest.
      '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs' } }],
    },
    transformIgnorePatterns: ['/node_modules/(?!jose/)'],
    moduleNameMapper: {
      '^@prefs/([a-z-]+)$': path.join(ROOT, 'packages', '$1', 'src'),
    },
    testTimeout: 120_000,
  };
};

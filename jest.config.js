/**
 * One jest run for the whole repo. Sources of the workspace packages are used directly (no build needed
 * for unit tests); integration tests still need the generated Prisma client and, for spawned processes,
 * the built apps: `npm test` builds first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/scripts', '<rootDir>/docker'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // jose (used by the Knock SDK) ships only ES modules; compile it to CommonJS for jest.
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^@prefs/([a-z-]+)$': '<rootDir>/packages/$1/src',
  },
  testTimeout: 120_000,
  // Integration tests share two cores with PostgreSQL and Redis.
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
};

// The one lint configuration of the repository: ESLint's and typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', '**/generated/', '**/coverage/', 'bench/results/', '.local/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      // `_name` marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The document describes the routes: what both need (page sizes, limits) lives in modules both import.
    files: ['apps/api/src/openapi/**/*.ts', 'apps/api/src/openapi-document.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/routes', '**/routes/**'], message: 'The OpenAPI document must not import routes: move what both need to a module both import (e.g. page-query.ts).' }] }],
    },
  },
  {
    // Arrows point one way: apps depend on packages, never the reverse (tests included).
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@prefs/api', '@prefs/api/**', '@prefs/worker', '@prefs/worker/**', '**/apps/**'], message: 'No package imports an app: move what is shared into a package.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

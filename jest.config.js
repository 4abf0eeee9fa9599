/**
 * One jest run for the whole repository: every workspace with tests, plus the tests of the scripts and
 * the container files, each a project configured by jest.preset.js.
 * @type {import('jest').Config}
 */
const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');
const jestProject = require('./jest.preset');

const folders = ['apps', 'packages', 'tests'].flatMap((group) =>
  readdirSync(path.join(__dirname, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(__dirname, group, entry.name)),
);
const projects = [...folders, path.join(__dirname, 'scripts'), path.join(__dirname, 'docker')]
  .filter((dir) => existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, 'test')))
  .map(jestProject);

module.exports = {
  projects,
  // Integration tests share two cores with PostgreSQL and Redis.
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  // A project's own testTimeout applies only when jest runs that project alone.
  testTimeout: 120_000,
};

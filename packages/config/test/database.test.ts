import { ConfigError, readApiConfig, readWorkerConfig } from '@prefs/config';

describe('DATABASE_PREPARED_STATEMENTS', () => {
  it('is on by default, in the API and the workers, and can be turned off', () => {
    expect(readApiConfig({}).databasePreparedStatements).toBe(true);
    expect(readWorkerConfig({}).databasePreparedStatements).toBe(true);
    expect(readWorkerConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
    expect(readApiConfig({ DATABASE_PREPARED_STATEMENTS: '0' }).databasePreparedStatements).toBe(false);
  });

  it('refuses a value that is not true or false, naming the variable', () => {
    expect(() => readWorkerConfig({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(ConfigError);
    expect(() => readWorkerConfig({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DATABASE_PREPARED_STATEMENTS/);
  });
});

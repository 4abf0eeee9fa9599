import pino, { type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

export interface LoggerOptions {
  /** Which process writes: `api` or `worker`. */
  service: string;
  level?: string;
  /** Pretty, coloured lines for a person at a terminal; JSON otherwise (and always under CI/log shippers). */
  pretty?: boolean;
  /** Where the JSON lines go instead of stdout (tests read them back); implies JSON. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = !options.destination && (options.pretty ?? (process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json'));
  const settings = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { pino } from 'pino';
import type { ServiceConfig } from './config.ts';
import { prettyDestination } from './service/pretty-log.ts';

/**
 * The service's logger: JSON lines for log collectors, or readable lines for a person at a terminal
 * (DCS_LOG_FORMAT, else pretty exactly when stdout is a terminal). Secrets are redacted either way.
 */
export function createLogger(
  config: Pick<ServiceConfig, 'logLevel' | 'logFormat'>,
  out: NodeJS.WriteStream = process.stdout,
): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', '*.password'],
      censor: '[redacted]',
    },
  };
  const format = config.logFormat ?? (out.isTTY ? 'pretty' : 'json');
  if (format === 'json') return pino(options);
  const colour = out.isTTY === true && process.env.NO_COLOR === undefined;
  return pino(options, prettyDestination(out, colour));
}

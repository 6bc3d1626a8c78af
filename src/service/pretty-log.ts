import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

const LEVELS: Record<number, { name: string; style: Style }> = {
  10: { name: 'TRACE', style: 'gray' },
  20: { name: 'DEBUG', style: 'gray' },
  30: { name: 'INFO ', style: 'green' },
  40: { name: 'WARN ', style: 'yellow' },
  50: { name: 'ERROR', style: 'red' },
  60: { name: 'FATAL', style: 'magenta' },
};

// Every line has these; the time and level are shown up front, the process once at start is enough.
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * One JSON log line as a person reads it on a terminal:
 * `12:04:05.120 WARN  backup failed backupId=… errorCode=… reason="…"`, with an error's stack
 * indented below. Times are UTC, as everywhere in this service. A line that is not JSON is passed on as is.
 */
export function prettyLine(line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  // The caller decided whether the output is a colour terminal: styleText is not to check stdout again.
  const paint = (style: Style, text: string) =>
    colour ? styleText(style, text, { validateStream: false }) : text;
  const level = LEVELS[Number(entry.level)] ?? { name: String(entry.level).padEnd(5), style: 'white' };
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const error = value as { message?: unknown; stack?: unknown };
      fields.push(`${paint('cyan', 'err')}=${quoted(String(error.message ?? ''))}`);
      if (typeof error.stack === 'string') stack = `\n    ${error.stack.split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${paint('cyan', key)}=${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`);
  }
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const head = `${paint('gray', time)} ${paint(level.style, level.name)} ${message}`;
  return `${[head, ...fields].join(' ')}${stack}\n`;
}

/** Bare words stay bare; anything with spaces, quotes or = is quoted so the line splits unambiguously. */
function quoted(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** A pino destination that writes each line pretty to `out` (the terminal). */
export function prettyDestination(
  out: NodeJS.WritableStream,
  colour: boolean,
): { write(line: string): void } {
  return { write: (line) => void out.write(prettyLine(line, colour)) };
}

import { DomainError, invalidParameter } from '../core/errors.ts';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Only a \u escape can put a lone surrogate into a parsed string: valid UTF-8 cannot encode one.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body's text; bytes that are not UTF-8 are refused (DCS.4005), never replaced with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new DomainError('invalid_body', 'The message body contains invalid characters: it is not UTF-8.');
  }
}

/**
 * Reads a JSON request body. No bytes is no body (SDKs send Content-Type on GET and DELETE); anything else
 * must be a JSON object. A string holding a lone surrogate ("\ud800") is refused naming its field: stored,
 * it would silently become U+FFFD.
 */
export function parseJsonBody(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DomainError('invalid_body', '');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DomainError('invalid_body', 'The request body must be a JSON object.');
  }
  if (SURROGATE_ESCAPE.test(text)) refuseLoneSurrogates(value);
  return value as Record<string, unknown>;
}

/** Walks the value without recursion, so a deeply nested body cannot exhaust the stack. */
function refuseLoneSurrogates(root: object): void {
  const pending: [unknown, string][] = [[root, '']];
  while (pending.length > 0) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw unpairedIn(path || 'body');
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        if (LONE_SURROGATE.test(key)) throw unpairedIn(`a field name in ${path || 'body'}`);
        pending.push([child, childPath]);
      }
    }
  }
}

function unpairedIn(field: string): DomainError {
  return invalidParameter(
    field,
    `Invalid ${field} in the request: it holds an unpaired UTF-16 surrogate (such as \\ud800), not text.`,
  );
}

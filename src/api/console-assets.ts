import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DomainError } from '../core/errors.ts';
import { sendDomainError } from './error-handling.ts';

/**
 * The web console's built files (npm run build writes them to dist/console), served at /console/ from the
 * service's own port. The files and the sign-in page are public: everything the console shows comes from the
 * API, with the caller's own credentials. Routes marked `publicAsset` are skipped by the auth hook; which route
 * matched decides that, not the URL's text, so "/console/../v2/…" gains nothing.
 */
export const CONSOLE_PREFIX = '/console/';

/** Both from src/api (tsx) and dist/api (built), two levels up is the package root. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the browser may do with the pages: scripts, styles and calls only from this origin, no framing.
 * uPlot positions its parts with style attributes, hence 'unsafe-inline' for styles (never for scripts).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The file a request path under /console/ names, or undefined when it names none: empty, a dot segment, a
 * dotfile, a backslash or NUL, or anything that would resolve outside the folder. Directories are never
 * listed: "" and "dir/" mean index.html only at the top.
 */
export function consoleFileFor(root: string, requested: string): string | undefined {
  const relative = requested === '' ? 'index.html' : requested;
  if (/[\\\0]/.test(relative)) return undefined;
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  return file.startsWith(base + path.sep) ? file : undefined;
}

/** The file itself once links are followed, if it is still inside the folder (a link may point anywhere). */
async function realFileWithin(root: string, file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(file)]);
    return realFile.startsWith(realRoot + path.sep) ? realFile : undefined;
  } catch {
    return undefined;
  }
}

/** Hashed assets never change under their name; the page that names them is checked on every visit. */
function cacheControlFor(relative: string): string {
  return relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export function registerConsoleAssets(app: FastifyInstance, root: string = DEFAULT_CONSOLE_DIR): void {
  const config = { publicAsset: true };
  app.get('/', { config }, (_request, reply) => reply.redirect(CONSOLE_PREFIX, 302));
  // With trailing slashes ignored this route also answers "/console/": that is the page, the bare name redirects.
  app.get('/console', { config }, (request, reply) =>
    request.url.split('?', 1)[0] === '/console'
      ? reply.redirect(CONSOLE_PREFIX, 302)
      : sendConsoleFile(reply, root, ''),
  );
  app.get('/console/*', { config }, (request, reply) =>
    sendConsoleFile(reply, root, (request.params as { '*': string })['*']),
  );
}

async function sendConsoleFile(reply: FastifyReply, root: string, requested: string): Promise<FastifyReply> {
  const file = await realFileWithin(root, consoleFileFor(root, requested));
  const stat = file ? await fs.promises.stat(file).catch(() => undefined) : undefined;
  if (!file || !stat?.isFile()) {
    return sendDomainError(reply, new DomainError('route_not_found', 'No such file of the console.'));
  }
  const relative = path
    .relative(await fs.promises.realpath(root), file)
    .split(path.sep)
    .join('/');
  reply.header('content-type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
  reply.header('content-length', stat.size);
  reply.header('cache-control', cacheControlFor(relative));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (file.endsWith('.html')) {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-frame-options', 'DENY');
  }
  return reply.send(fs.createReadStream(file));
}

/** Whether the route that matched serves the console's public files (the auth hook lets these through). */
export function isPublicAsset(routeConfig: unknown): boolean {
  return (routeConfig as { publicAsset?: unknown } | undefined)?.publicAsset === true;
}

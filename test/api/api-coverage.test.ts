import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { testDeps } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const docs = fs.readFileSync(new URL('../../docs/api-coverage.md', import.meta.url), 'utf8');

interface DocumentedRoute {
  operation: string;
  route: string;
  /** The doc says the service does not have it (yet). */
  absent: boolean;
}

/** Every table row of docs/api-coverage.md that names a method and path, as "METHOD /path/:param". */
const documented: DocumentedRoute[] = docs
  .split('\n')
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map((cells) => ({ cells, match: /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`$/.exec(cells[2] ?? '') }))
  .filter(({ match }) => match !== null)
  .map(({ cells, match }) => ({
    operation: cells[1]!,
    route: `${match![1]} ${match![2]!.replace(/\{(\w+)\}/g, ':$1')}`,
    absent: /^not implemented/.test(cells[3] ?? ''),
  }));

/** The routes the app serves, from Fastify's own route tree (HEAD is Fastify's automatic twin of GET). */
function servedRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: { indent: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // A radix node may continue its parent's path without a slash ("migration-task", then "s").
    const match = /^(.*?)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    const path = (stack.at(-1)?.path ?? '') + match[2]!;
    stack.push({ indent, path });
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

describe('docs/api-coverage.md', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let served: string[];

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    app = await buildApp(testDeps(opened.store));
    await app.ready();
    served = servedRoutes(app);
  });

  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('reads the route tree (a check of this test itself)', () => {
    assert.ok(served.includes('GET /v2/:project_id/instances/:instance_id/backups'), served.join('\n'));
    assert.ok(served.includes('DELETE /admin/v1/credentials/:access_key'), served.join('\n'));
    assert.ok(documented.length >= 20, `${documented.length} documented routes`);
  });

  it('names every route the app serves', () => {
    const named = new Set(documented.map((d) => d.route));
    assert.deepEqual(
      served.filter((route) => !named.has(route)),
      [],
    );
  });

  it('says supported only of routes that exist, and not implemented only of routes that do not', () => {
    const routes = new Set(served);
    assert.deepEqual(
      documented.filter((d) => !d.absent && !routes.has(d.route)).map((d) => `${d.operation}: ${d.route}`),
      [],
    );
    assert.deepEqual(
      documented.filter((d) => d.absent && routes.has(d.route)).map((d) => `${d.operation}: ${d.route}`),
      [],
    );
  });
});

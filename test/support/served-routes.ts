import type { FastifyInstance } from 'fastify';

/** The routes the app serves, from Fastify's own route tree (HEAD is Fastify's automatic twin of GET). */
export function servedRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: { indent: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?──\s)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    // A node's text continues its parent's path as it is ("migration-task", then "s"), except a wildcard, which
    // Fastify prints as "*" under the path it ends ("console", then "*": "/console/*").
    const parent = stack.at(-1)?.path ?? '';
    const segment = match[2]!;
    const path = segment === '*' && !parent.endsWith('/') ? `${parent}/*` : parent + segment;
    stack.push({ indent, path });
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

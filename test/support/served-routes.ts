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
    // Under a route at "/" (or "/console" above its "*"), a node's text does not start with the slash that joins it.
    const parent = stack.at(-1)?.path ?? '';
    const segment = match[2]!;
    const path = segment.startsWith('/') || parent.endsWith('/') ? parent + segment : `${parent}/${segment}`;
    stack.push({ indent, path });
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

/**
 * Remembers every route's method and path pattern so that an unmatched request can be told apart:
 * a known path with another method is 405, an unknown path is 404.
 */
export class RouteTable {
  readonly #routes: { method: string; pattern: RegExp }[] = [];

  add(methods: string | string[], url: string): void {
    const pattern = new RegExp(
      '^' +
        url
          .split('/')
          .map((segment) =>
            segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('/')
          .replace(/\/$/, '') +
        '/?$',
    );
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      this.#routes.push({ method, pattern });
    }
  }

  methodsFor(path: string): string[] {
    const methods = this.#routes.filter((r) => r.pattern.test(path)).map((r) => r.method);
    return [...new Set(methods)].sort();
  }
}

/**
 * The layer rules of src/ as data, and the checks that enforce them: which layer may import which, which npm
 * packages each layer may use, and no import circles between modules. `npm run lint` runs them over the real
 * tree (tools/check-architecture.ts); test/unit/architecture-rules.test.ts attacks them with trees that break
 * each rule, so a rule that stops matching (as a one-folder-deep glob once did) fails a test.
 */
import path from 'node:path';

/** A module of src/, by its path relative to src/ with forward slashes, and the specifiers it imports. */
export interface ModuleImports {
  file: string;
  specifiers: string[];
}

export interface Violation {
  file: string;
  rule: 'layer' | 'package' | 'cycle';
  message: string;
}

/**
 * Layers are top-level folders of src/; the root files (config.ts, main.ts) are the composition root and may
 * import anything. Each layer lists the layers it may import besides itself.
 */
export const LAYER_IMPORTS: Record<string, readonly string[]> = {
  core: [],
  engine: ['core'],
  store: ['core'],
  blobs: ['core'],
  jobs: ['core', 'engine'],
  api: ['core'],
  service: ['core', 'root'],
  cli: ['core', 'root', 'service'],
};

/** npm packages (by name or scope prefix ending in '/') each layer may import; node: builtins are always allowed. */
export const LAYER_PACKAGES: Record<string, readonly string[]> = {
  core: [],
  engine: [],
  store: ['kysely', 'better-sqlite3', 'pg'],
  blobs: ['@aws-sdk/'],
  jobs: [],
  // prom-client: the metrics registry behind /metrics (src/api/observability), fed through core's ServiceMetrics.
  // typebox: the wire schemas (validation, serialisation, OpenAPI and handler types from one definition).
  api: ['fastify', '@fastify/', 'prom-client', 'typebox'],
  service: [],
  cli: ['commander', 'cli-progress', 'cli-table3'],
};

const ROOT = 'root';

/** The layer of a module path relative to src/ ('root' for files directly in src/). */
export function layerOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? ROOT : file.slice(0, slash);
}

const packageName = (specifier: string) =>
  specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : (specifier.split('/')[0] ?? specifier);

function packageAllowed(layer: string, specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const name = packageName(specifier);
  return (LAYER_PACKAGES[layer] ?? []).some((allowed) =>
    allowed.endsWith('/') ? name.startsWith(allowed) : name === allowed,
  );
}

/** Resolves a relative specifier of `file` to a module path relative to src/, or undefined if it leaves src/. */
export function resolveRelative(file: string, specifier: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return joined.startsWith('../') || joined === '..' ? undefined : joined;
}

export function checkLayers(modules: readonly ModuleImports[]): Violation[] {
  const violations: Violation[] = [];
  for (const { file, specifiers } of modules) {
    const layer = layerOf(file);
    if (layer === ROOT) continue;
    const allowedLayers = LAYER_IMPORTS[layer];
    if (!allowedLayers) {
      violations.push({ file, rule: 'layer', message: `folder src/${layer} has no layer rule` });
      continue;
    }
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) {
        if (!packageAllowed(layer, specifier)) {
          violations.push({
            file,
            rule: 'package',
            message: `${layer} may not import the package '${specifier}'`,
          });
        }
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (target === undefined) {
        violations.push({ file, rule: 'layer', message: `'${specifier}' leaves src/` });
        continue;
      }
      const targetLayer = layerOf(target);
      if (targetLayer !== layer && !allowedLayers.includes(targetLayer)) {
        violations.push({
          file,
          rule: 'layer',
          message: `${layer} may not import ${targetLayer} ('${specifier}')`,
        });
      }
    }
  }
  return violations;
}

/** Every import circle between modules, each reported once (by the module where the search entered it). */
export function findCycles(modules: readonly ModuleImports[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const { file, specifiers } of modules) {
    const targets = specifiers
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveRelative(file, specifier))
      .filter((target): target is string => target !== undefined);
    edges.set(file, targets);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (!edges.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

export function checkArchitecture(modules: readonly ModuleImports[]): Violation[] {
  return [
    ...checkLayers(modules),
    ...findCycles(modules).map((cycle) => ({
      file: cycle[0] ?? '',
      rule: 'cycle' as const,
      message: `import circle: ${cycle.join(' → ')}`,
    })),
  ];
}

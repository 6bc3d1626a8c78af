import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
/** Relative imports and re-exports, type-only ones included: a cycle of types is still a cycle of files. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Groups of files that import each other, directly or around a loop (Tarjan's strongly connected parts). */
function importCycles(files: string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(
    files.map((file) => [
      file,
      [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)]
        .map((m) => path.resolve(path.dirname(file), m[1]!))
        .filter((target) => known.has(target)),
    ]),
  );
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file)!) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(path.relative(SRC, member));
    } while (member !== file);
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe('imports between source files', () => {
  it('finds a cycle when there is one (a check of this test itself)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cycle-check-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport type A = B;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type {\n  A,\n} from './a.ts';\nexport type B = A;\n");
      assert.equal(importCycles(sourceFiles(dir)).length, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('form no cycle in src/core (ports.ts and backup-detail.ts used to import each other)', () => {
    const cycles = importCycles(sourceFiles(SRC));
    assert.deepEqual(
      cycles.filter((group) => group.some((file) => file.startsWith(`core${path.sep}`))),
      [],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkArchitecture, findCycles, type ModuleImports } from '../../tools/architecture-rules.ts';
import { readImports } from '../../tools/read-imports.ts';

const rules = (modules: ModuleImports[]) => checkArchitecture(modules).map((v) => `${v.rule} ${v.file}`);

describe('architecture rules', () => {
  it('the real src/ tree breaks none of them', () => {
    const modules = readImports(fileURLToPath(new URL('../../src/', import.meta.url)));
    assert.ok(modules.length > 50, 'the scanner found the modules');
    assert.deepEqual(checkArchitecture(modules), []);
  });

  it('catches a layer import at any folder depth, the way a one-level glob did not', () => {
    const deep = { file: 'engine/rdb/deep/reader.ts', specifiers: ['../../../api/app.ts'] };
    const shallow = { file: 'engine/rdb-reader.ts', specifiers: ['../store/open-database.ts'] };
    const typeOnlyFromCli = { file: 'core/use-cases/x.ts', specifiers: ['../../cli/format.ts'] };
    assert.deepEqual(rules([deep, shallow, typeOnlyFromCli]), [
      'layer engine/rdb/deep/reader.ts',
      'layer engine/rdb-reader.ts',
      'layer core/use-cases/x.ts',
    ]);
  });

  it('lets each layer import what it may and no more', () => {
    const allowed: ModuleImports[] = [
      { file: 'engine/resp/conn.ts', specifiers: ['../../core/errors.ts', 'node:net', './codec.ts'] },
      { file: 'jobs/run.ts', specifiers: ['../core/ports.ts', '../engine/resp/conn.ts'] },
      { file: 'api/app.ts', specifiers: ['fastify', '@fastify/cors', '../core/ids.ts'] },
      { file: 'store/db.ts', specifiers: ['kysely', 'pg', 'better-sqlite3/lib/x.js', '../core/ports.ts'] },
      { file: 'cli/serve.ts', specifiers: ['../main.ts', 'commander'] },
      { file: 'main.ts', specifiers: ['./api/app.ts', './store/db.ts', 'pino'] },
    ];
    assert.deepEqual(rules(allowed), []);
    const refused: ModuleImports[] = [
      { file: 'core/a.ts', specifiers: ['kysely'] },
      { file: 'engine/b.ts', specifiers: ['fastify'] },
      { file: 'jobs/c.ts', specifiers: ['../store/db.ts'] },
      { file: 'api/d.ts', specifiers: ['../jobs/run.ts'] },
      { file: 'api/e.ts', specifiers: ['@fastifyx/evil'] },
      { file: 'blobs/f.ts', specifiers: ['../../outside.ts'] },
      { file: 'newlayer/g.ts', specifiers: [] },
    ];
    assert.deepEqual(rules(refused), [
      'package core/a.ts',
      'package engine/b.ts',
      'layer jobs/c.ts',
      'layer api/d.ts',
      'package api/e.ts',
      'layer blobs/f.ts',
      'layer newlayer/g.ts',
    ]);
  });

  it('finds import circles of any length, once each', () => {
    const modules: ModuleImports[] = [
      { file: 'core/a.ts', specifiers: ['./b.ts'] },
      { file: 'core/b.ts', specifiers: ['./c.ts'] },
      { file: 'core/c.ts', specifiers: ['./a.ts'] },
      { file: 'core/d.ts', specifiers: ['./a.ts'] },
      { file: 'core/self.ts', specifiers: ['./self.ts'] },
    ];
    assert.deepEqual(findCycles(modules), [
      ['core/a.ts', 'core/b.ts', 'core/c.ts', 'core/a.ts'],
      ['core/self.ts', 'core/self.ts'],
    ]);
  });
});

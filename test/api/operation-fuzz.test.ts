import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { documentedAnswers } from '../../src/api/openapi/openapi-document.ts';
import type { AnyOperation } from '../../src/api/operations/operation.ts';
import { OPERATIONS } from '../../src/api/operations/operation-table.ts';
import { anyJson, schemaArbitrary } from '../support/schema-arbitrary.ts';
import { openWireWorld, WORLD, type Caller, type WireWorld } from '../support/wire-world.ts';

/**
 * A fuzzer driven by the operations' own schemas: every operation is called with path parameters, queries and
 * bodies made from its schemas (valid, wrong in one place, or nonsense) by callers of every role and by none.
 * Whatever it sends, the answer is a success the operation documents or an error code it documents, in the
 * DCS error shape, and never a 5xx. The seed is fixed and the runs bounded, so a failure replays exactly.
 */
const SEED = 20_261_202;
const RUNS = 25;

const plain = (schema: TSchema | undefined) =>
  schema === undefined ? undefined : (JSON.parse(JSON.stringify(schema)) as Record<string, unknown>);

/** Path values: the world's real ids (so some calls succeed) or anything that fits in one path segment. */
const KNOWN: Record<string, string[]> = {
  project_id: [WORLD.project, WORLD.otherProject],
  instance_id: [WORLD.source, WORLD.target, WORLD.spare, WORLD.unknown],
  backup_id: [WORLD.backup, WORLD.failedBackup, WORLD.unknown],
  restore_id: [WORLD.unknown],
  asset: ['init.js', 'swagger-ui.css'],
};
// "." and ".." are not path segments a client can send as values (URLs resolve them away).
const segment = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== '.' && s !== '..');

function pathArbitrary(operation: AnyOperation): fc.Arbitrary<string> {
  const names = [...operation.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const values = names.map((name) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...(KNOWN[name] ?? ['x'])) },
      { weight: 1, arbitrary: segment },
    ),
  );
  return fc
    .tuple(...values)
    .map((chosen) =>
      names.reduce(
        (path, name, i) => path.replace(`:${name}`, encodeURIComponent(chosen[i]!)),
        operation.path,
      ),
    );
}

function queryArbitrary(operation: AnyOperation): fc.Arbitrary<string> {
  const schema = plain(operation.schemas.querystring);
  if (!schema) return fc.constant('');
  return fc
    .tuple(
      schemaArbitrary(schema, 1),
      fc.option(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), { nil: undefined }),
    )
    .map(([values, extra]) => {
      const query = new URLSearchParams();
      if (typeof values === 'object' && values !== null && !Array.isArray(values)) {
        for (const [key, value] of Object.entries(values)) query.append(key, String(value));
      }
      if (extra) query.append(extra[0], extra[1]);
      const text = query.toString();
      return text ? `?${text}` : '';
    });
}

function bodyArbitrary(operation: AnyOperation): fc.Arbitrary<string | undefined> {
  const schema = plain(operation.schemas.documentedBody ?? operation.schemas.body);
  const json = (schema ? schemaArbitrary(schema, 1) : anyJson).map((value) => JSON.stringify(value));
  return fc.oneof(
    { weight: 6, arbitrary: json },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
}

const callers: Caller[] = ['admin', 'admin', 'operator', 'viewer', 'stranger', 'anonymous'];

describe('every operation, fuzzed from its schemas', () => {
  let world: WireWorld;

  before(async () => {
    world = await openWireWorld();
  });
  after(async () => {
    await world.close();
  });

  it('documents per operation, not everything everywhere (a check of the check)', () => {
    const copy = OPERATIONS.find((op) => op.id === 'CopyInstance')!;
    assert.ok(documentedAnswers(copy).has('400 DCS.4096'));
    assert.equal(documentedAnswers({ ...copy, errors: [] }).has('400 DCS.4096'), false);
    assert.equal(documentedAnswers(copy).has('403 DCS.3003'), false, 'not an admin operation');
    const list = OPERATIONS.find((op) => op.id === 'ListBackupRecords')!;
    assert.equal(documentedAnswers(list).has('409 DCS.4910'), false, 'a GET is never a replay');
  });

  for (const operation of OPERATIONS) {
    it(`${operation.id} answers only what it documents, never a 5xx`, async () => {
      const documented = documentedAnswers(operation);
      const successes = Object.keys(operation.schemas.responses).map(Number);
      const answered = new Set<string>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...callers),
          pathArbitrary(operation),
          queryArbitrary(operation),
          operation.method === 'GET' ? fc.constant(undefined) : bodyArbitrary(operation),
          async (caller, path, query, body) => {
            const response = await world.call(caller, {
              method: operation.method,
              url: path + query,
              ...(body === undefined
                ? {}
                : { headers: { 'content-type': 'application/json' }, payload: body }),
            });
            const status = response.statusCode;
            const what = `${caller} ${operation.method} ${path}${query} ${body ?? ''} → ${status} ${response.body.slice(0, 300)}`;
            assert.ok(status < 500, what);
            if (status < 300) {
              assert.ok(successes.includes(status), what);
              answered.add(String(status));
              return;
            }
            const error = response.json() as Record<string, unknown>;
            assert.deepEqual(Object.keys(error), ['error_code', 'error_msg', 'error_ext_msg'], what);
            assert.ok(documented.has(`${status} ${String(error.error_code)}`), `undocumented: ${what}`);
            answered.add(`${status} ${String(error.error_code)}`);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
      // The fuzzer must get past authentication and into the operation, not only be refused at the door.
      if (process.env.FUZZ_VERBOSE) console.log(operation.id, [...answered].sort().join(' | '));
      const beyondAuth = [...answered].filter((a) => !/^40[13] DCS\.(1\d{3}|300[23])$/.test(a));
      assert.ok(beyondAuth.length > 0, `${operation.id}: only ${[...answered].join(', ')}`);
    });
  }
});

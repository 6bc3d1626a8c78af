import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { instanceIdParam, projectIdParam } from '../../src/api/path-params.ts';
import { policyRequestFromWire, policyRequestWireSchema } from '../../src/api/wire/backup-policy-wire.ts';
import {
  backupListQuerySchema,
  listWindowQuerySchema,
  parseBackupQuery,
  parseListWindow,
} from '../../src/api/wire/list-query.ts';
import { isProjectId, isUuid } from '../../src/core/ids.ts';
import { schemaArbitrary } from '../support/schema-arbitrary.ts';

/**
 * Where DCS gives a field its own error code, the field is checked by hand rather than by the schema the
 * OpenAPI document shows. These properties hold the two to the same answer, so the document never promises
 * what the service refuses, nor refuses what it documents.
 */
const RUNS = { seed: 4242, numRuns: 400 };
const accepts = (check: () => unknown) => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};
const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

/** A valid policy whose plan has one field set to `value`. */
const withPlan = (field: string) => (value: unknown) => ({
  backup_type: 'auto',
  save_days: 3,
  periodical_backup_plan: {
    backup_at: [1, 3],
    period_type: 'weekly',
    begin_at: '02:00-03:00',
    [field]: value,
  },
});

describe('the hand-written checks agree with the documented schemas', () => {
  it('project and instance ids', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      fc.uuid().map((id) => id.toLowerCase()),
      fc.uuid(),
    );
    fc.assert(
      fc.property(text, (value) => {
        assert.equal(isProjectId(value), Value.Check(projectIdParam, value), value);
        assert.equal(isUuid(value), Value.Check(instanceIdParam, value), value);
      }),
      RUNS,
    );
  });

  it('limit and offset of the listings', () => {
    const limit = listWindowQuerySchema.properties.limit;
    const offset = listWindowQuerySchema.properties.offset;
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 2000 }), (n) => {
        assert.equal(
          accepts(() => parseListWindow({ limit: String(n) })),
          Value.Check(limit, n),
          `limit ${n}`,
        );
        assert.equal(
          accepts(() => parseListWindow({ offset: String(n) })),
          Value.Check(offset, n),
          `offset ${n}`,
        );
      }),
      RUNS,
    );
  });

  it('the status, backup_type and backup_format filters', () => {
    for (const name of ['status', 'backup_type', 'backup_format'] as const) {
      const schema = backupListQuerySchema.properties[name];
      const words = ['waiting', 'succeed', 'failed', 'manual', 'auto', 'rdb', 'aof', 'x', ''];
      const list = fc
        .array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 })
        .map((w) => w.join(','));
      fc.assert(
        fc.property(fc.oneof(list, fc.string({ maxLength: 12 })), (value) => {
          const parsed = accepts(() => parseBackupQuery('i', { [name]: value }));
          assert.equal(parsed, Value.Check(schema, value), `${name}=${value}`);
        }),
        RUNS,
      );
    }
  });

  it('the times of the listings: what the parser takes, the pattern allows', () => {
    const schema = listWindowQuerySchema.properties.begin_time;
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{14}$/), fc.string({ maxLength: 16 })), (value) => {
        if (accepts(() => parseListWindow({ begin_time: value })))
          assert.ok(Value.Check(schema, value), value);
      }),
      RUNS,
    );
    assert.ok(accepts(() => parseListWindow({ begin_time: '20261120083000' })));
  });

  it("UpdateInstance's begin_at and timezone_offset, every value next to the edges", () => {
    const two = (n: number) => String(n).padStart(2, '0');
    const values: unknown[] = [];
    for (let a = 0; a <= 25; a++) {
      for (let b = 0; b <= 25; b++) values.push(withPlan('begin_at')(`${two(a)}:00-${two(b)}:00`));
    }
    for (const prefix of ['', 'GMT', 'UTC ', 'gmt']) {
      for (const sign of ['+', '-', '']) {
        for (let h = 0; h <= 16; h++) {
          for (const m of [0, 5, 15, 30, 45, 59]) {
            for (const colon of [':', '']) {
              values.push(withPlan('timezone_offset')(`${prefix}${sign}${two(h)}${colon}${two(m)}`));
            }
          }
        }
      }
    }
    for (const policy of values) {
      const byHand = accepts(() => policyRequestFromWire(policy));
      assert.equal(byHand, Value.Check(policyRequestWireSchema, policy), JSON.stringify(policy));
    }
  });

  it("UpdateInstance's instance_backup_policy, field by field", () => {
    const policies = fc.oneof(
      schemaArbitrary(plain(policyRequestWireSchema), 1),
      fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 4 }).map(withPlan('backup_at')),
      // save_days below 1: the reader lets the use case refuse it (DCS.4072, with the configured maximum).
      fc.record({ backup_type: fc.constant('auto'), save_days: fc.integer({ min: -3, max: 0 }) }),
    );
    let acceptedByBoth = 0;
    fc.assert(
      fc.property(policies, (policy) => {
        const byHand = accepts(() => policyRequestFromWire(policy));
        const bySchema = Value.Check(policyRequestWireSchema, policy);
        const saveDays = (policy as { save_days?: unknown } | null)?.save_days;
        if (byHand && !bySchema) {
          assert.ok(typeof saveDays === 'number' && saveDays < 1, JSON.stringify(policy));
          return;
        }
        assert.equal(byHand, bySchema, JSON.stringify(policy));
        if (byHand) acceptedByBoth += 1;
      }),
      RUNS,
    );
    assert.ok(acceptedByBoth > 20, `only ${acceptedByBoth} valid policies were tried`);
  });
});

import fc from 'fast-check';

type Schema = Record<string, unknown>;

/** Any JSON at all, kept small: what a confused or hostile client may put anywhere. */
export const anyJson = fc.jsonValue({ maxDepth: 2 });

/**
 * Values for a JSON schema (the subset the API's schemas use): mostly values the schema accepts, and with
 * `wrongness` > 0 each node is now and then replaced by any JSON, an object gains an unknown field or loses a
 * required one. So one arbitrary gives valid input, input wrong in one place, and nonsense.
 */
export function schemaArbitrary(schema: Schema, wrongness = 0): fc.Arbitrary<unknown> {
  const valid = validArbitrary(schema, wrongness);
  if (wrongness <= 0) return valid;
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: wrongness, arbitrary: anyJson });
}

function validArbitrary(schema: Schema, wrongness: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const type = schema.type;
  if (Array.isArray(type)) {
    return fc.oneof(...type.map((t) => validArbitrary({ ...schema, type: t }, wrongness)));
  }
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({
        min: typeof schema.minimum === 'number' ? Math.max(schema.minimum, -1e6) : -1e6,
        max: typeof schema.maximum === 'number' ? Math.min(schema.maximum, 1e6) : 1e6,
      });
    case 'string':
      return typeof schema.pattern === 'string'
        ? fc.stringMatching(new RegExp(schema.pattern))
        : fc.string({
            minLength: typeof schema.minLength === 'number' ? schema.minLength : 0,
            maxLength: typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40,
          });
    case 'array': {
      const items = schemaArbitrary((schema.items ?? {}) as Schema, wrongness);
      const constraints = {
        minLength: typeof schema.minItems === 'number' ? schema.minItems : 0,
        maxLength: 5,
      };
      return schema.uniqueItems
        ? fc.uniqueArray(items, { ...constraints, comparator: 'SameValueZero' })
        : fc.array(items, constraints);
    }
    case 'object':
      return objectArbitrary(schema, wrongness);
    default:
      return anyJson;
  }
}

function objectArbitrary(schema: Schema, wrongness: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, schemaArbitrary(property, wrongness)]),
  );
  const record = fc.record(fields, {
    requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
  }) as fc.Arbitrary<Record<string, unknown>>;
  if (wrongness <= 0) return record;
  const wrong: fc.WeightedArbitrary<Record<string, unknown>>[] = [
    { weight: 8, arbitrary: record },
    // An unknown field.
    {
      weight: wrongness,
      arbitrary: fc
        .tuple(record, fc.string({ minLength: 1, maxLength: 8 }), anyJson)
        .map(([object, key, value]) => ({ ...object, [key]: value })),
    },
  ];
  if (required.size > 0) {
    // A required field left out.
    wrong.push({
      weight: wrongness,
      arbitrary: fc
        .tuple(record, fc.constantFrom(...required))
        .map(([object, key]) => Object.fromEntries(Object.entries(object).filter(([name]) => name !== key))),
    });
  }
  return fc.oneof(...wrong);
}

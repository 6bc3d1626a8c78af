import Type, { type Static, type TSchema } from 'typebox';

/**
 * Small builders over TypeBox that keep the JSON Schema the wire always had: `{"type": ["string", "null"]}`
 * rather than an anyOf, and `{"type": "string", "enum": [...]}` for a closed set of strings. Both validate
 * and serialise exactly as the hand-written schemas did, and read well in the OpenAPI document.
 */
export function nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const nullableString = () => nullable(Type.String());
export const nullableInteger = () => nullable(Type.Integer());

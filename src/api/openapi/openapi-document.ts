import type { TSchema } from 'typebox';
import type { DomainErrorCode } from '../../core/errors.ts';
import { ERROR_CATALOGUE } from '../error-catalogue.ts';
import type { AnyOperation } from '../operations/operation.ts';
import { operationErrors } from './operation-errors.ts';

type Json = Record<string, unknown>;

/** A schema as plain JSON: TypeBox's own markers are not enumerable and stay behind. */
const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

const SECURITY_SCHEMES = {
  sdkSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'SDK-HMAC-SHA256 request signing, as the official Huawei Cloud SDKs sign: `Authorization: SDK-HMAC-SHA256 ' +
      'Access=<AK>, SignedHeaders=<names>, Signature=<hex>` over the canonical request, with `X-Sdk-Date` ' +
      '(yyyyMMddTHHmmssZ, within 15 minutes) signed too. A credential comes from POST /admin/v1/credentials.',
  },
  authToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Auth-Token',
    description: "This service's own token, from POST /auth/v1/tokens (a signed call).",
  },
};

/** The OpenAPI 3.1 document of the given operations, made from their definitions alone. */
export function openApiDocument(operations: readonly AnyOperation[]): Json {
  const paths: Record<string, Json> = {};
  for (const operation of operations) {
    const path = operation.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: describe(operation) };
  }
  const schemas = hoistNamedSchemas(paths);
  return {
    openapi: '3.1.0',
    info: {
      title: 'dcs-backup',
      version: 'v2',
      description:
        'A self-hosted backup service for Redis and Valkey, wire-compatible with the Huawei Cloud DCS v2 backup ' +
        'API. Every error answers `{error_code, error_msg, error_ext_msg}`; docs/errors.md lists every code.',
    },
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
    security: [{ sdkSignature: [] }, { authToken: [] }],
  };
}

/**
 * Moves every schema that has a title (BackupRecordResponse, Instance, …) into components.schemas and refers
 * to it there, so generated clients get named models and the document stays small. A title given to two
 * different schemas is left inline in both places.
 */
function hoistNamedSchemas(paths: Record<string, Json>): Record<string, Json> {
  const found = new Map<string, { text: string; schema: Json } | null>();
  const visit = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    for (const child of Object.values(node)) visit(child);
    const title = (node as Json).title;
    if (typeof title !== 'string') return;
    const text = JSON.stringify(node);
    const seen = found.get(title);
    if (seen === undefined) found.set(title, { text, schema: node as Json });
    else if (seen !== null && seen.text !== text) found.set(title, null);
  };
  visit(paths);
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (typeof node !== 'object' || node === null) return node;
    const title = (node as Json).title;
    if (typeof title === 'string' && found.get(title)) return { $ref: `#/components/schemas/${title}` };
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, replace(value)]));
  };
  for (const [path, item] of Object.entries(paths)) paths[path] = replace(item) as Json;
  const schemas: Record<string, Json> = {};
  for (const [title, entry] of [...found.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!entry) continue;
    // A named schema may hold others: those are references too.
    const inner = Object.fromEntries(
      Object.entries(entry.schema).map(([key, value]) => [key, replace(value)]),
    );
    schemas[title] = inner;
  }
  return schemas;
}

function describe(operation: AnyOperation): Json {
  const { schemas } = operation;
  const body = schemas.documentedBody ?? schemas.body;
  return {
    operationId: operation.id,
    summary: operation.summary,
    tags: [
      operation.coverage.family === 'dcs'
        ? 'DCS'
        : operation.coverage.family === 'extension'
          ? 'DCS extensions'
          : 'Service',
    ],
    'x-access': operation.access,
    ...(operation.access === 'public' ? { security: [] } : {}),
    ...(operation.access === 'caller' ? { security: [{ sdkSignature: [] }] } : {}),
    parameters: [...parameters(schemas.params, 'path'), ...parameters(schemas.querystring, 'query')],
    ...(operation.streamedBody
      ? {
          requestBody: {
            required: true,
            description:
              'The raw bytes, streamed. A signed request must sign X-Sdk-Content-Sha256 holding their SHA-256.',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
        }
      : {}),
    ...(body
      ? {
          requestBody: {
            required: !operation.optionalBody,
            content: { 'application/json': { schema: plain(body) } },
          },
        }
      : {}),
    responses: { ...successes(operation), ...errors(operationErrors(operation)) },
  };
}

function parameters(schema: TSchema | undefined, place: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const object = plain(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, deprecated, ...rest } = property;
    return {
      name,
      in: place,
      required: place === 'path' || (object.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      ...(deprecated === undefined ? {} : { deprecated }),
      schema: rest,
    };
  });
}

function successes(operation: AnyOperation): Json {
  const answers: Json = {};
  for (const [status, schema] of Object.entries(operation.schemas.responses)) {
    if (schema !== null) {
      answers[status] = {
        description: 'Success',
        content: { 'application/json': { schema: plain(schema) } },
      };
    } else if (operation.produces) {
      const content =
        operation.produces === 'application/json'
          ? { type: 'object' }
          : {
              type: 'string',
              ...(operation.produces === 'application/octet-stream' ? { format: 'binary' } : {}),
            };
      answers[status] = { description: 'Success', content: { [operation.produces]: { schema: content } } };
    } else {
      answers[status] = { description: 'Done: no body' };
    }
  }
  return answers;
}

/** The error answers by status, each listing the DCS codes it may carry. */
function errors(codes: readonly DomainErrorCode[]): Json {
  const byStatus = new Map<number, Map<string, string>>();
  for (const code of codes) {
    const { status, dcsCode, message } = ERROR_CATALOGUE[code];
    if (!byStatus.has(status)) byStatus.set(status, new Map());
    byStatus.get(status)!.set(dcsCode, message);
  }
  const answers: Json = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const dcsCodes = [...byStatus.get(status)!.entries()].sort(([a], [b]) => a.localeCompare(b));
    answers[String(status)] = {
      description: dcsCodes.map(([dcsCode, message]) => `${dcsCode}: ${message}`).join('\n\n'),
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['error_code', 'error_msg', 'error_ext_msg'],
            properties: {
              error_code: { type: 'string', enum: dcsCodes.map(([dcsCode]) => dcsCode) },
              error_msg: { type: 'string' },
              error_ext_msg: { type: 'null' },
            },
          },
        },
      },
    };
  }
  return answers;
}

/** The DCS codes (with their statuses) an operation documents, for checks against what it answers. */
export function documentedAnswers(operation: AnyOperation): Set<string> {
  return new Set(
    operationErrors(operation).map(
      (code) => `${ERROR_CATALOGUE[code].status} ${ERROR_CATALOGUE[code].dcsCode}`,
    ),
  );
}

/**
 * docs/openapi.json and docs/api-coverage.md, made from the operation table (src/api/operations): `npm run
 * docs:generate` writes them, and a test checks the committed files equal what this makes.
 */
import prettier from 'prettier';
import { openApiDocument } from '../src/api/openapi/openapi-document.ts';
import type { AnyOperation } from '../src/api/operations/operation.ts';
import { NOT_IMPLEMENTED, OPERATIONS, SERVICE_ROUTES } from '../src/api/operations/operation-table.ts';

export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url);
export const COVERAGE_FILE = new URL('../docs/api-coverage.md', import.meta.url);

async function format(text: string, file: URL, parser: 'json' | 'markdown'): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, parser });
}

export async function renderOpenApi(): Promise<string> {
  return format(JSON.stringify(openApiDocument(OPERATIONS)), OPENAPI_FILE, 'json');
}

const route = (method: string, path: string) => `\`${method} ${path.replace(/:(\w+)/g, '{$1}')}\``;

function row(operation: AnyOperation): string {
  const { coverage } = operation;
  const label = coverage.family === 'extension' ? 'extension' : coverage.label;
  const name = label ? `${operation.id} (${label})` : operation.id;
  return `| ${name} | ${route(operation.method, operation.path)} | ${coverage.status} |`;
}

const HEAD = '| operation | method and path | status |\n| --- | --- | --- |';

export async function renderApiCoverage(): Promise<string> {
  const dcs = OPERATIONS.filter((op) => op.coverage.family !== 'service').map(row);
  const absent = NOT_IMPLEMENTED.map(
    (op) => `| ${op.id} (${op.label}) | ${route(op.method, op.path)} | not implemented |`,
  );
  const service = OPERATIONS.filter((op) => op.coverage.family === 'service').map(row);
  const text = `# DCS API coverage

<!-- Made by \`npm run docs:generate\` from the operation table (src/api/operations): edit there, not here. -->

Each operation of the DCS v2 backup and restore family, and how far this service supports it. The same table
makes the OpenAPI 3.1 document: [docs/openapi.json](openapi.json), also served at \`GET /openapi.json\` with an
interactive page at \`/docs\`; it lists every parameter, body field and error code of each operation.

${HEAD}
${[...dcs, ...absent].join('\n')}

Master/standby instances (attached by their master or through Sentinel, see the README): ShowBackup adds
\`served_by\` (\`role\` \`replica\` or \`master\`, \`address\`, \`reason\`), the node the backup was read from;
ShowRestore adds \`target_address\`, the master the keys went into;
ListInstances and ShowInstance show the \`ip\` and \`port\` of the master found at attach.

Authentication: SDK-HMAC-SHA256 request signing exactly as the official SDKs sign (the \`V11-HMAC-SHA256\` derived
signer and IAM tokens are not supported), and this service's own \`X-Auth-Token\` tokens. Who may call is decided
per operation: viewers read (ListBackupFileLinks included: a POST that changes nothing), operators also write,
admins do everything; the OpenAPI document gives each operation's as \`x-access\`.

## Routes beyond the DCS operations

This service's own: a backup's full read, operators' administration, the download links it hands out (see the
README), and the description of the API.

${HEAD}
${service.join('\n')}

Outside the API (not in the OpenAPI document): the web console's page and files.

${HEAD}
${SERVICE_ROUTES.map((r) => `| ${r.id} | ${route(r.method, r.path)} | ${r.status} |`).join('\n')}

## Cluster instances

What changes for an instance whose \`cache_mode\` is \`cluster\` (see "Redis Cluster" in the README):

- ShowInstance, ListInstances and the admin views add \`sharding_count\` and (an extension) \`shards[]\`: each
  shard's \`slots\`, \`master\` and \`replicas\` as last discovered.
- CopyInstance takes one record holding one RDB per shard; ShowBackup adds \`shards[]\` (slots, source node and
  its role, size, SHA-256, keys per shard, and \`retried_after\` when the node chosen first failed mid-transfer
  and the shard was read again from the node the topology named then).
- ListBackupFileLinks answers one link per shard in \`links[]\`, each file named after its shard and slot span.
- RestoreInstance into a cluster routes every key to the master serving its slot, from a cluster backup of
  any number of shards or a standalone server's backup; ShowRestore adds \`target_shards[]\` (address, slots,
  keys). A cluster backup goes into a standalone instance only with \`into_standalone: true\` (an extension;
  otherwise \`DCS.4955\`).
- VerifyBackup of a cluster backup reads every shard's file; a problem names the shard.
`;
  return format(text, COVERAGE_FILE, 'markdown');
}

import type { Readable } from 'node:stream';
import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { storeImportFile } from '../../core/use-cases/store-import-file.ts';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectIdParam } from '../path-params.ts';
import { BUCKET_NAME } from '../wire/bucket-name.ts';

const DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 ** 3;

/**
 * UploadImportFile (an extension): puts a local RDB or AOF file into the configured store, where a DCS
 * migration task (self_build_obs) or a backup import then reads it. DCS users put the file in OBS themselves;
 * with this service's own store there is no other way in.
 */
export const UploadImportFile = defineOperation({
  id: 'UploadImportFile',
  method: 'PUT',
  path: '/v2/:project_id/import-files/:file_name',
  access: 'write',
  summary: 'Store a file (RDB or AOF) to import: the body is its bytes, streamed (an extension)',
  coverage: {
    family: 'extension',
    status:
      "streams an `application/octet-stream` body into the store as `imports.<project_id>.<file_name>` (replacing an earlier upload of that name), within `DCS_MAX_IMPORT_MB`; a signed request must sign `X-Sdk-Content-Sha256` with the file's SHA-256, checked against the bytes stored (nothing is kept otherwise); answers the `bucket_name` and `file_name` to give CreateMigrationTask",
  },
  streamedBody: true,
  schemas: {
    params: Type.Object({
      project_id: projectIdParam,
      file_name: Type.String({
        pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$',
        description: 'DCS.4964 otherwise',
      }),
    }),
    responses: {
      200: Type.Object({
        bucket_name: Type.String(),
        file_name: Type.String({ description: 'the key to name in backup_files.files[].file_name' }),
        size: Type.Integer(),
        sha256: Type.String(),
        update_at: Type.String({ description: 'epoch milliseconds, as DCS writes update_at' }),
      }),
    },
  },
  errors: [
    'import_file_name_invalid',
    'import_file_empty',
    'import_file_too_large',
    'import_body_not_bytes',
    'auth_invalid',
  ],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const body = request.body as unknown;
    if (!isStream(body)) {
      throw new DomainError(
        'import_body_not_bytes',
        'Send the file as the body with Content-Type: application/octet-stream.',
      );
    }
    const length = request.headers['content-length'];
    const stored = await storeImportFile(deps, {
      projectId,
      fileName: request.params.file_name,
      body,
      declaredBytes: length === undefined || !/^\d+$/.test(length) ? null : Number(length),
      maxBytes: deps.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES,
      signedSha256: request.caller?.bodySha256,
    });
    request.log.info({ key: stored.key, bytes: stored.sizeBytes }, 'import file stored');
    return {
      bucket_name: BUCKET_NAME,
      file_name: stored.key,
      size: stored.sizeBytes,
      sha256: stored.sha256,
      update_at: String(stored.storedAt),
    };
  },
});

function isStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

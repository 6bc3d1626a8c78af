import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../core/errors.ts';
import { MAX_LINK_SECONDS, MIN_LINK_SECONDS } from '../../core/download-links.ts';
import { formatCompactUtc } from '../../core/time-format.ts';
import { findBackup } from '../../core/use-cases/find-backup.ts';
import { requireHeldHere } from '../../core/use-cases/file-holder.ts';
import type { AppDeps } from '../app-deps.ts';
import { backupIdFrom, instanceIdFrom, projectIdFrom } from '../path-params.ts';

const linksBody = {
  type: 'object',
  additionalProperties: false,
  required: ['expiration'],
  properties: { expiration: { type: 'integer', minimum: MIN_LINK_SECONDS, maximum: MAX_LINK_SECONDS } },
} as const;

const BUCKET_NAME = 'dcs-backup';

/** ListBackupFileLinks, and the download route its links point at. */
export function registerBackupLinkRoutes(
  app: FastifyInstance,
  deps: AppDeps & { linkBase: () => string },
): void {
  app.post(
    '/v2/:project_id/instances/:instance_id/backups/:backup_id/links',
    { schema: { body: linksBody } },
    async (request) => {
      const instanceId = instanceIdFrom(request.params);
      const { record, detail } = await findBackup(
        deps.store,
        projectIdFrom(request.params),
        instanceId,
        backupIdFrom(request.params),
      );
      if (record.status !== 'succeed' || !detail.fileKey) {
        throw new DomainError(
          'backup_not_ready',
          `The backup has no file to download: its status is ${record.status}.`,
        );
      }
      await requireHeldHere(deps, detail);
      const instance = (await deps.store.instances.findById(instanceId))!;
      const { expiration } = request.body as { expiration: number };
      const expiresAt = Math.floor(deps.clock.now() / 1000) + expiration;
      const host = instance.endpoint.host.replace(/[^A-Za-z0-9.-]/g, '-');
      const fileName = `redis_${host}_${instance.endpoint.port}_${formatCompactUtc(record.createdAt)}.rdb`;
      const common = {
        expires_at: new Date(expiresAt * 1000).toISOString(),
        sha256: detail.sha256,
      };
      // An object store serves the download itself: the link is its presigned URL of the real object.
      if (deps.blobs.link) {
        const link = await deps.blobs.link(detail.fileKey, {
          expiresInS: expiration,
          fileName,
          nowMs: expiresAt * 1000 - expiration * 1000,
        });
        return {
          file_path: link.path,
          bucket_name: link.bucket,
          links: [{ file_name: fileName, link: link.url }],
          ...common,
        };
      }
      const signature = deps.links.sign(record.id, fileName, expiresAt);
      const base = deps.linkBase();
      return {
        file_path: `${instanceId}/${record.id}/`,
        bucket_name: BUCKET_NAME,
        links: [
          {
            file_name: fileName,
            link: `${base}/downloads/${record.id}/${fileName}?expires=${expiresAt}&signature=${signature}`,
          },
        ],
        ...common,
      };
    },
  );

  app.get('/downloads/:backup_id/:file_name', async (request, reply) => {
    const { backup_id: backupId, file_name: fileName } = request.params as {
      backup_id: string;
      file_name: string;
    };
    const { expires = '', signature = '' } = request.query as { expires?: string; signature?: string };
    deps.links.verify(backupId, fileName, String(expires), String(signature), deps.clock.now());
    const stored = await deps.store.backups.findById(backupId);
    const key = stored?.record.status === 'succeed' ? stored.detail.fileKey : null;
    if (key && stored) await requireHeldHere(deps, stored.detail);
    const size = key ? await deps.blobs.size(key) : undefined;
    const stream = key && size !== undefined ? await deps.blobs.open(key) : undefined;
    if (!stream || size === undefined) {
      throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
    }
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-length', size);
    reply.header('content-disposition', `attachment; filename="${fileName}"`);
    if (stored?.detail.sha256) reply.header('x-checksum-sha256', stored.detail.sha256);
    return reply.send(stream);
  });
}

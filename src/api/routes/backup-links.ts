import type { FastifyInstance } from 'fastify';
import type { BackupDetail, ShardFile } from '../../core/backup-detail.ts';
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
      const stem = `redis_${host}_${instance.endpoint.port}_${formatCompactUtc(record.createdAt)}`;
      // A cluster backup: one file per shard, each named after its shard and slot span, as DCS does.
      const files = detail.shards
        ? detail.shards.map((shard) => ({ fileName: shardFileName(stem, shard), key: shard.fileKey }))
        : [{ fileName: record.format === 'aof' ? AOF_FILE_NAME : `${stem}.rdb`, key: detail.fileKey }];
      const common = {
        expires_at: new Date(expiresAt * 1000).toISOString(),
        sha256: detail.sha256,
      };
      // An object store serves the download itself: each link is its presigned URL of the real object.
      if (deps.blobs.link) {
        const link = deps.blobs.link.bind(deps.blobs);
        const presigned = await Promise.all(
          files.map(({ fileName, key }) =>
            link(key, { expiresInS: expiration, fileName, nowMs: expiresAt * 1000 - expiration * 1000 }),
          ),
        );
        return {
          file_path: presigned[0]!.path,
          bucket_name: presigned[0]!.bucket,
          links: files.map(({ fileName }, i) => ({ file_name: fileName, link: presigned[i]!.url })),
          ...common,
        };
      }
      const base = deps.linkBase();
      return {
        file_path: `${instanceId}/${record.id}/`,
        bucket_name: BUCKET_NAME,
        links: files.map(({ fileName }) => ({
          file_name: fileName,
          link: `${base}/downloads/${record.id}/${fileName}?expires=${expiresAt}&signature=${deps.links.sign(record.id, fileName, expiresAt)}`,
        })),
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
    const file = stored?.record.status === 'succeed' ? fileOf(stored.detail, fileName) : null;
    const key = file?.key ?? null;
    if (key && stored) await requireHeldHere(deps, stored.detail);
    const size = key ? await deps.blobs.size(key) : undefined;
    const stream = key && size !== undefined ? await deps.blobs.open(key) : undefined;
    if (!stream || size === undefined) {
      throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
    }
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-length', size);
    reply.header('content-disposition', `attachment; filename="${fileName}"`);
    if (file?.sha256) reply.header('x-checksum-sha256', file.sha256);
    return reply.send(stream);
  });
}

/** An AOF backup downloads under the name Redis looks for (appendfilename's default). */
const AOF_FILE_NAME = 'appendonly.aof';

/** `<stem>_shard-<n>_slots-<first>-<last>.rdb`: which shard, and which slots, a cluster backup's file holds. */
function shardFileName(stem: string, shard: ShardFile): string {
  const first = shard.slots[0]![0];
  const last = shard.slots[shard.slots.length - 1]![1];
  return `${stem}_shard-${shard.index}_slots-${first}-${last}.rdb`;
}

/** The blob a signed file name stands for: a cluster backup's shard by its number, else the one file. */
function fileOf(detail: BackupDetail, fileName: string): { key: string; sha256: string | null } | null {
  if (!detail.shards) return detail.fileKey ? { key: detail.fileKey, sha256: detail.sha256 } : null;
  const index = /_shard-(\d+)_slots-\d+-\d+\.rdb$/.exec(fileName)?.[1];
  const shard = index === undefined ? undefined : detail.shards[Number(index)];
  return shard ? { key: shard.fileKey, sha256: shard.sha256 } : null;
}

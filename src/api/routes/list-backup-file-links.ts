import Type from 'typebox';
import type { ShardFile } from '../../core/backup-detail.ts';
import { DomainError } from '../../core/errors.ts';
import { MAX_LINK_SECONDS, MIN_LINK_SECONDS } from '../../core/download-links.ts';
import { formatCompactUtc } from '../../core/time-format.ts';
import { findBackup } from '../../core/use-cases/find-backup.ts';
import { requireHeldHere } from '../../core/use-cases/file-holder.ts';
import { defineOperation } from '../operations/operation.ts';
import { backupIdFrom, backupParams, instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { BUCKET_NAME } from '../wire/bucket-name.ts';
import { nullableString } from '../wire/schema-kit.ts';

const linksBody = Type.Object(
  {
    expiration: Type.Integer({
      minimum: MIN_LINK_SECONDS,
      maximum: MAX_LINK_SECONDS,
      description: 'how long the links work, in seconds',
    }),
  },
  { additionalProperties: false },
);

const linksAnswer = Type.Object({
  file_path: Type.String(),
  bucket_name: Type.String(),
  links: Type.Array(Type.Object({ file_name: Type.String(), link: Type.String({ format: 'uri' }) })),
  expires_at: Type.String({ format: 'date-time' }),
  sha256: nullableString(),
});

export const ListBackupFileLinks = defineOperation({
  id: 'ListBackupFileLinks',
  method: 'POST',
  path: '/v2/:project_id/instances/:instance_id/backups/:backup_id/links',
  // A POST that changes nothing: reading a backup's file is a read, so viewers may ask for links.
  access: 'read',
  summary: "Expiring download links to a backup's file (one per shard for a cluster backup)",
  coverage: {
    family: 'dcs',
    status:
      "**supported**: links served by this service at `DCS_PUBLIC_URL` (or its listening address, never the request's `Host`), signed, 300–86400 s; with a bucket store (`DCS_BLOB_URL=s3://…`) presigned GET URLs of the real object, `bucket_name`/`file_path` the real bucket and key; viewers may ask for links too",
  },
  schemas: { params: backupParams, body: linksBody, responses: { 200: linksAnswer } },
  errors: ['backup_not_found', 'backup_not_ready', 'file_on_other_node'],
  async handle(request, _reply, deps) {
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
    const { expiration } = request.body;
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
});

/** An AOF backup downloads under the name Redis looks for (appendfilename's default). */
const AOF_FILE_NAME = 'appendonly.aof';

/** `<stem>_shard-<n>_slots-<first>-<last>.rdb`: which shard, and which slots, a cluster backup's file holds. */
function shardFileName(stem: string, shard: ShardFile): string {
  const first = shard.slots[0]![0];
  const last = shard.slots[shard.slots.length - 1]![1];
  return `${stem}_shard-${shard.index}_slots-${first}-${last}.rdb`;
}

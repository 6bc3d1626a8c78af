import Type from 'typebox';
import type { BackupDetail } from '../../core/backup-detail.ts';
import { DomainError } from '../../core/errors.ts';
import { requireHeldHere } from '../../core/use-cases/file-holder.ts';
import { defineOperation } from '../operations/operation.ts';

export const DownloadBackupFile = defineOperation({
  id: 'DownloadBackupFile',
  method: 'GET',
  path: '/downloads/:backup_id/:file_name',
  // The link carries its own proof: its signature and expiry.
  access: 'public',
  summary: "The target of ListBackupFileLinks' links: the backup file's bytes",
  coverage: {
    family: 'service',
    status: "the target of ListBackupFileLinks' links; authorised by the link's own signature and expiry",
  },
  schemas: {
    params: Type.Object({ backup_id: Type.String(), file_name: Type.String() }),
    querystring: Type.Object({
      expires: Type.String({ description: 'epoch seconds, as the link gives it' }),
      signature: Type.String({ description: 'as the link gives it' }),
    }),
    responses: { 200: null },
  },
  produces: 'application/octet-stream',
  errors: ['link_invalid', 'link_expired', 'backup_not_found', 'file_on_other_node'],
  async handle(request, reply, deps) {
    const { backup_id: backupId, file_name: fileName } = request.params;
    const { expires = '', signature = '' } = request.query;
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
  },
});

/** The blob a signed file name stands for: a cluster backup's shard by its number, else the one file. */
function fileOf(detail: BackupDetail, fileName: string): { key: string; sha256: string | null } | null {
  if (!detail.shards) return detail.fileKey ? { key: detail.fileKey, sha256: detail.sha256 } : null;
  const index = /_shard-(\d+)_slots-\d+-\d+\.rdb$/.exec(fileName)?.[1];
  const shard = index === undefined ? undefined : detail.shards[Number(index)];
  return shard ? { key: shard.fileKey, sha256: shard.sha256 } : null;
}

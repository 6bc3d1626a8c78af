import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { formatBytes } from './format.ts';
import { CliError, type ServiceClient } from './service-client.ts';

/** What UploadImportFile answers: the key to name in a migration task or a backup import. */
export interface UploadedFile {
  bucket_name: string;
  file_name: string;
  size: number;
  sha256: string;
  update_at: string;
}

/** A file name the service takes: the local name with anything outside its alphabet replaced. */
export function uploadNameOf(localPath: string): string {
  const name = path
    .basename(localPath)
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^\./, '_');
  return name.slice(0, 128) || 'file';
}

/**
 * Uploads a local file for import: its SHA-256 first (one read, which the signature then covers), then its
 * bytes streamed, with a progress bar on a terminal and a line per tenth otherwise.
 */
export async function uploadForImport(
  api: ServiceClient,
  projectId: string,
  localPath: string,
): Promise<UploadedFile> {
  let sizeBytes: number;
  try {
    sizeBytes = fs.statSync(localPath).size;
  } catch (error) {
    throw new CliError(`cannot read ${localPath}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(localPath) as AsyncIterable<Buffer>) hash.update(chunk);
  const sha256 = hash.digest('hex');
  const progress = uploadProgress(sizeBytes);
  try {
    return await api.upload<UploadedFile>(
      `/v2/${encodeURIComponent(projectId)}/import-files/${encodeURIComponent(uploadNameOf(localPath))}`,
      { body: fs.createReadStream(localPath), sizeBytes, sha256 },
      progress.update,
    );
  } finally {
    progress.stop();
  }
}

function uploadProgress(total: number): { update: (sent: number) => void; stop: () => void } {
  if (process.stderr.isTTY === true) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'uploading [{bar}] {percentage}% | {sent} of {total_size} | ETA {eta_formatted}',
      hideCursor: true,
    });
    bar.start(Math.max(total, 1), 0, { sent: formatBytes(0), total_size: formatBytes(total) });
    return {
      update: (sent) => bar.update(sent, { sent: formatBytes(sent) }),
      stop: () => bar.stop(),
    };
  }
  let lastTenth = -1;
  return {
    update: (sent) => {
      const tenth = Math.floor((sent * 10) / Math.max(total, 1));
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      console.error(`uploading ${tenth * 10}% ${formatBytes(sent)}`);
    },
    stop: () => undefined,
  };
}

import { useState } from 'preact/hooks';
import { RECORD_CODES } from '../../../src/core/record-codes.ts';
import { type BackupDetailWire, keyCountOf } from '../api/wire.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../context.ts';
import { formatBytes, formatDuration, formatTime, rateAndEta } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { DownloadPanel } from './download-panel.tsx';
import { RestoreDialog } from './restore-dialog.tsx';

/** What DCS documents a record's error code to mean. */
function meaningOf(code: string): string | undefined {
  return Object.values(RECORD_CODES).find((entry) => entry.code === code)?.meaning;
}

/** One backup: everything ShowBackup says, and the actions on it. */
export function BackupDetailPage({ instanceId, backupId }: { instanceId: string; backupId: string }) {
  const { client, base, canWrite } = useConsole();
  const path = `${base}/instances/${instanceId}/backups/${backupId}`;
  const [dialog, setDialog] = useState<'restore' | 'delete' | undefined>();
  const verify = useAction();
  const [verified, setVerified] = useState<{ result: string; problem: string | null }>();
  const detail = useLoad(
    () => client.get<BackupDetailWire>(path),
    [path],
    (d) => d.status === 'waiting' || d.status === 'backuping',
  );
  const backup = detail.data;

  const runVerify = async () => {
    const answer = await verify.run(() =>
      client.post<{ result: string; problem: string | null }>(`${path}/verify`),
    );
    if (answer) {
      setVerified(answer);
      detail.reload();
    }
  };

  return (
    <section aria-labelledby="backup-title">
      <p>
        <a href={`#/instances/${instanceId}/backups`}>← Backups</a>
      </p>
      <h1 id="backup-title">Backup {backup?.backup_name ?? backupId}</h1>
      <ErrorBox error={detail.error} />
      {backup && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              {backup.status === 'waiting' || backup.status === 'backuping' ? (
                <ProgressBar
                  progress={backup.progress}
                  label="Backup progress"
                  detail={(() => {
                    const live = rateAndEta(
                      backup.bytes_received,
                      backup.estimated_bytes,
                      backup.started_at,
                      Date.now(),
                    );
                    return `${live.rate}, ${live.eta} left`;
                  })()}
                />
              ) : (
                <StatusBadge status={backup.status} />
              )}{' '}
              <span class="phase">({backup.phase})</span>
            </dd>
            <dt>SHA-256</dt>
            <dd>
              <code data-testid="sha256">{backup.sha256 ?? '—'}</code>
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(backup.size)}</dd>
            <dt>Created</dt>
            <dd>{formatTime(backup.created_at)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(backup.duration_ms)}</dd>
            <dt>RDB version</dt>
            <dd>{backup.rdb_version ?? '—'}</dd>
            <dt>Source version</dt>
            <dd>{backup.source_version ?? '—'}</dd>
            <dt>Type, format</dt>
            <dd>
              {backup.backup_type}, {backup.backup_format}
            </dd>
            <dt>Restorable</dt>
            <dd>{backup.is_support_restore === 'TRUE' ? 'yes' : 'no'}</dd>
            <dt>Keys</dt>
            <dd data-testid="key-count">{keyCountOf(backup) ?? '—'}</dd>
            {backup.expires_at && (
              <>
                <dt>Expires</dt>
                <dd>{formatTime(backup.expires_at)}</dd>
              </>
            )}
            {backup.remark && (
              <>
                <dt>Remark</dt>
                <dd>{backup.remark}</dd>
              </>
            )}
          </dl>
          {backup.error_code && (
            <div class="error" role="alert">
              <strong class="error-code">{backup.error_code}</strong> {meaningOf(backup.error_code) ?? ''}
              {backup.error_message && <p>{backup.error_message}</p>}
            </div>
          )}
          {backup.content && <ContentTables content={backup.content} />}
          {canWrite && (
            <div class="buttons actions">
              {backup.status === 'succeed' && (
                <>
                  <button type="button" onClick={runVerify} disabled={verify.busy}>
                    {verify.busy ? 'Verifying…' : 'Verify'}
                  </button>
                  {backup.is_support_restore === 'TRUE' && (
                    <button type="button" class="primary" onClick={() => setDialog('restore')}>
                      Restore…
                    </button>
                  )}
                </>
              )}
              {backup.status !== 'deleted' && (
                <button type="button" class="danger" onClick={() => setDialog('delete')}>
                  Delete…
                </button>
              )}
            </div>
          )}
          <ErrorBox error={verify.error} />
          {verified && (
            <p role="status" data-testid="verify-result">
              Verified: {verified.result}
              {verified.problem ? ` — ${verified.problem}` : ''}
            </p>
          )}
          {/* A link only reads the file: viewers may have one (the API allows it), so the panel is for every role. */}
          {backup.status === 'succeed' && <DownloadPanel path={path} />}
        </>
      )}
      {dialog === 'restore' && backup && (
        <RestoreDialog backup={backup} sourceInstanceId={instanceId} onClose={() => setDialog(undefined)} />
      )}
      {dialog === 'delete' && backup && (
        <DeleteDialog
          path={path}
          backup={backup}
          onDone={(deleted) => {
            setDialog(undefined);
            if (deleted) detail.reload();
          }}
        />
      )}
    </section>
  );
}

function ContentTables({ content }: { content: NonNullable<BackupDetailWire['content']> }) {
  const table = (caption: string, counts: Record<string, number>, head: string) => (
    <div class="table-wrap">
      <table class="counts">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">Keys</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(counts).map(([name, count]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <div class="content">
      {table('Keys per database', content.keys_per_db, 'Database')}
      {table('Keys per type', content.keys_per_type, 'Type')}
      <p>
        {content.keys_with_expiry} key(s) with an expiry. Check: {content.result}
        {content.problem ? ` — ${content.problem}` : ''}
      </p>
      {content.warnings.map((w) => (
        <p class="warning" key={w}>
          {w}
        </p>
      ))}
    </div>
  );
}

function DeleteDialog({
  path,
  backup,
  onDone,
}: {
  path: string;
  backup: BackupDetailWire;
  onDone: (deleted: boolean) => void;
}) {
  const { client } = useConsole();
  const action = useAction();
  const remove = async () => {
    const done = await action.run(async () => {
      await client.delete(path);
      return true;
    });
    if (done) onDone(true);
  };
  return (
    <Dialog title="Delete this backup?" onClose={() => onDone(false)}>
      <p>
        The file of <strong>{backup.backup_name}</strong> ({formatTime(backup.created_at)}) is removed; the
        record stays listed as deleted. This cannot be undone.
      </p>
      <ErrorBox error={action.error} />
      <div class="buttons">
        <button type="button" class="danger" onClick={remove} disabled={action.busy}>
          Delete the backup
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

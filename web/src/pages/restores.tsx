import { useState } from 'preact/hooks';
import { RECORD_CODES } from '../../../src/core/record-codes.ts';
import type { RestoreDetailWire, RestoreRecordWire } from '../api/wire.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useLoad } from '../hooks.ts';

interface RestorePage {
  total_num: number;
  restore_record_response: RestoreRecordWire[];
}

const isRunning = (r: RestoreRecordWire) => r.status === 'waiting' || r.status === 'restoring';

/** The restores into this instance, with live progress while any runs. */
export function RestoresTab({ instanceId }: { instanceId: string }) {
  const { client, base } = useConsole();
  const path = `${base}/instances/${instanceId}/restores`;
  const [open, setOpen] = useState<string>();
  const listing = useLoad(
    () => client.get<RestorePage>(path, { limit: 50 }),
    [path],
    (page) => page.restore_record_response.some(isRunning),
  );
  return (
    <div>
      <ErrorBox error={listing.error} />
      {listing.data && listing.data.total_num === 0 && <p>No restore into this instance yet.</p>}
      {listing.data && listing.data.total_num > 0 && (
        <div class="table-wrap">
          <table class="restores">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Backup</th>
                <th scope="col">Status</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {listing.data.restore_record_response.map((r) => (
                <tr key={r.restore_id} data-restore-id={r.restore_id} data-status={r.status}>
                  <td>{formatTime(r.created_at)}</td>
                  <td>{r.backup_name}</td>
                  <td>
                    {isRunning(r) ? (
                      <ProgressBar progress={r.progress} label={`Restore ${r.restore_name} progress`} />
                    ) : (
                      <StatusBadge status={r.status} />
                    )}
                    {r.error_code && <span class="error-code"> {r.error_code}</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-expanded={open === r.restore_id}
                      aria-label={`${open === r.restore_id ? 'Hide' : 'Show'} ${r.restore_name}`}
                      onClick={() => setOpen(open === r.restore_id ? undefined : r.restore_id)}
                    >
                      {open === r.restore_id ? 'Hide' : 'Show'}
                    </button>
                    {open === r.restore_id && <RestoreDetail path={`${path}/${r.restore_id}`} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RestoreDetail({ path }: { path: string }) {
  const { client } = useConsole();
  const detail = useLoad(() => client.get<RestoreDetailWire>(path), [path]);
  const d = detail.data;
  return (
    <div class="restore-detail">
      <ErrorBox error={detail.error} />
      {d && (
        <dl class="facts">
          <dt>Keys restored</dt>
          <dd data-testid="keys-restored">{d.keys_restored ?? '—'}</dd>
          {d.restore_method && (
            <>
              <dt>How</dt>
              <dd data-testid="restore-method">
                {d.restore_method === 'replication'
                  ? 'Loaded by the target as a replica'
                  : 'Written as commands'}
                {d.restore_method_reason ? ` (${d.restore_method_reason})` : ''}
              </dd>
            </>
          )}
          <dt>Ended</dt>
          <dd>{formatTime(d.updated_at)}</dd>
          {d.error_code && (
            <>
              <dt>Error</dt>
              <dd>
                {d.error_code}{' '}
                {Object.values(RECORD_CODES).find((c) => c.code === d.error_code)?.meaning ?? ''}
                {d.error_message ? `: ${d.error_message}` : ''}
              </dd>
            </>
          )}
          {d.warnings.length > 0 && (
            <>
              <dt>Warnings</dt>
              <dd>{d.warnings.join('; ')}</dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}

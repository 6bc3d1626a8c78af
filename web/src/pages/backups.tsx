import { useState } from 'preact/hooks';
import type { BackupDetailWire, BackupPageWire, BackupRecordWire } from '../api/wire.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../context.ts';
import { compactUtcFromInput, formatBytes, formatTime, rateAndEta } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';

const STATUSES = ['waiting', 'backuping', 'succeed', 'failed', 'expired', 'deleted'];
const TYPES = ['manual', 'auto'];
const FORMATS = ['rdb', 'aof'];
const PAGE_SIZES = [10, 50, 100, 1000];

interface Filters {
  begin: string;
  end: string;
  status: string;
  type: string;
  format: string;
  limit: number;
}

const NO_FILTERS: Filters = { begin: '', end: '', status: '', type: '', format: '', limit: 10 };

const isRunning = (record: BackupRecordWire) => record.status === 'waiting' || record.status === 'backuping';

interface Listing {
  page: BackupPageWire;
  /** Details of the running backups, for rate and ETA. */
  running: Map<string, BackupDetailWire>;
}

/**
 * The backup records with exactly the listing's parameters: a window (begin_time/end_time), status, type and
 * format filters, a page size up to 1,000 and pages counted from total_num, newest first as the API sorts.
 */
export function BackupsTab({ instanceId }: { instanceId: string }) {
  const { client, base, canWrite } = useConsole();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // What the form shows until "Apply": polling re-renders must not undo what the operator is choosing.
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [pageIndex, setPageIndex] = useState(0);
  const [creating, setCreating] = useState(false);
  const path = `${base}/instances/${instanceId}/backups`;

  const listing = useLoad<Listing>(
    async () => {
      const page = await client.get<BackupPageWire>(path, {
        begin_time: compactUtcFromInput(filters.begin),
        end_time: compactUtcFromInput(filters.end),
        status: filters.status,
        backup_type: filters.type,
        backup_format: filters.format,
        limit: filters.limit,
        offset: pageIndex * filters.limit,
      });
      const running = new Map<string, BackupDetailWire>();
      for (const record of page.backup_record_response.filter((r) => r.status === 'backuping')) {
        running.set(record.backup_id, await client.get<BackupDetailWire>(`${path}/${record.backup_id}`));
      }
      return { page, running };
    },
    [path, filters, pageIndex],
    ({ page }) => page.backup_record_response.some(isRunning),
  );

  const applyFilters = (event: Event) => {
    event.preventDefault();
    setPageIndex(0);
    setFilters(draft);
  };
  const edit = (name: keyof Filters) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setDraft({ ...draft, [name]: name === 'limit' ? Number(value) : value });
  };

  const total = listing.data?.page.total_num ?? 0;
  const pages = Math.max(1, Math.ceil(total / filters.limit));

  return (
    <div>
      <form class="filters" onSubmit={applyFilters} aria-label="Filter backups">
        <label>
          From (UTC)
          <input type="datetime-local" name="begin" step={1} value={draft.begin} onInput={edit('begin')} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" name="end" step={1} value={draft.end} onInput={edit('end')} />
        </label>
        <label>
          Status
          <select name="status" value={draft.status} onChange={edit('status')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select name="type" value={draft.type} onChange={edit('type')}>
            <option value="">any</option>
            {TYPES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Format
          <select name="format" value={draft.format} onChange={edit('format')}>
            <option value="">any</option>
            {FORMATS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Per page
          <select name="limit" value={String(draft.limit)} onChange={edit('limit')}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        {canWrite && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            Create backup
          </button>
        )}
      </form>
      <ErrorBox error={listing.error} />
      {listing.data && (
        <>
          <p class="count" aria-live="polite">
            {total} record{total === 1 ? '' : 's'}
          </p>
          <div class="table-wrap">
            <table class="backups">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Format</th>
                  <th scope="col">Status</th>
                  <th scope="col">Size</th>
                  <th scope="col">Remark</th>
                </tr>
              </thead>
              <tbody>
                {listing.data.page.backup_record_response.map((record) => (
                  <BackupRow
                    key={record.backup_id}
                    record={record}
                    detail={listing.data!.running.get(record.backup_id)}
                    instanceId={instanceId}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={pageIndex === 0} onClick={() => setPageIndex(pageIndex - 1)}>
              Previous
            </button>
            <span>
              Page {pageIndex + 1} of {pages}
            </span>
            <button
              type="button"
              disabled={pageIndex + 1 >= pages}
              onClick={() => setPageIndex(pageIndex + 1)}
            >
              Next
            </button>
          </nav>
        </>
      )}
      {creating && (
        <CreateBackupDialog
          path={path}
          onDone={(created) => {
            setCreating(false);
            if (created) listing.reload();
          }}
        />
      )}
    </div>
  );
}

function BackupRow({
  record,
  detail,
  instanceId,
}: {
  record: BackupRecordWire;
  detail: BackupDetailWire | undefined;
  instanceId: string;
}) {
  const live = detail
    ? rateAndEta(detail.bytes_received, detail.estimated_bytes, detail.started_at, Date.now())
    : null;
  return (
    <tr data-backup-id={record.backup_id} data-status={record.status}>
      <td>
        <a href={`#/instances/${instanceId}/backups/${record.backup_id}`}>{formatTime(record.created_at)}</a>
      </td>
      <td>{record.backup_name}</td>
      <td>{record.backup_type}</td>
      <td>{record.backup_format}</td>
      <td>
        {isRunning(record) ? (
          <ProgressBar
            progress={record.progress}
            label={`Backup ${record.backup_name} progress`}
            detail={live ? `${live.rate}, ${live.eta} left` : record.status}
          />
        ) : (
          <StatusBadge status={record.status} />
        )}
        {record.error_code && <span class="error-code"> {record.error_code}</span>}
      </td>
      <td>{formatBytes(record.size)}</td>
      <td>{record.remark ?? ''}</td>
    </tr>
  );
}

function CreateBackupDialog({ path, onDone }: { path: string; onDone: (created: boolean) => void }) {
  const { client } = useConsole();
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const remark = String(form.get('remark') ?? '');
    const done = await action.run(() =>
      client.post(path, { remark: remark || null, backup_format: String(form.get('format') ?? 'rdb') }),
    );
    if (done !== undefined) onDone(true);
  };
  return (
    <Dialog title="Create a backup" onClose={() => onDone(false)}>
      <form onSubmit={submit}>
        <label>
          Remark
          <input name="remark" maxLength={128} />
        </label>
        <label>
          Format
          <select name="format">
            <option value="rdb">rdb</option>
            <option value="aof">aof</option>
          </select>
        </label>
        <ErrorBox error={action.error} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={action.busy}>
            Start backup
          </button>
          <button type="button" onClick={() => onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

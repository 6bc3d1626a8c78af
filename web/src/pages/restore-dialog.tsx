import { useState } from 'preact/hooks';
import { type BackupDetailWire, type BackupPageWire, type InstanceWire, keyCountOf } from '../api/wire.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';

/** What the operator is about to overwrite: the target and what its own latest backup says it holds. */
interface TargetFacts {
  instance: InstanceWire;
  keysAt: { keys: number | null; at: string } | null;
}

/**
 * Restoring replaces the target's data: the operator picks the target (this instance or another of the
 * project), sees what will be replaced and with what, and types the target's name before the button works.
 */
export function RestoreDialog({
  backup,
  sourceInstanceId,
  onClose,
}: {
  backup: BackupDetailWire;
  sourceInstanceId: string;
  onClose: () => void;
}) {
  const { client, base } = useConsole();
  const [targetId, setTargetId] = useState(sourceInstanceId);
  const [typed, setTyped] = useState('');
  const action = useAction();
  const instances = useLoad(
    async () => (await client.get<{ instances: InstanceWire[] }>(`${base}/instances`)).instances,
    [base],
  );
  const target = useLoad<TargetFacts | undefined>(async () => {
    const instance = instances.data?.find((i) => i.instance_id === targetId);
    if (!instance) return undefined;
    const backups = `${base}/instances/${targetId}/backups`;
    const page = await client.get<BackupPageWire>(backups, { status: 'succeed', limit: 1 });
    const latest = page.backup_record_response[0];
    if (!latest) return { instance, keysAt: null };
    const detail = await client.get<BackupDetailWire>(`${backups}/${latest.backup_id}`);
    return { instance, keysAt: { keys: keyCountOf(detail), at: detail.created_at } };
  }, [targetId, instances.data]);

  const facts = target.data;
  const restore = async () => {
    const answer = await action.run(() =>
      client.post<{ restore_id: string }>(`${base}/instances/${targetId}/restores`, {
        backup_id: backup.backup_id,
      }),
    );
    if (answer) {
      onClose();
      location.hash = `#/instances/${targetId}/restores`;
    }
  };

  return (
    <Dialog title="Restore this backup" onClose={onClose}>
      <label>
        Restore into
        <select
          name="target"
          value={targetId}
          onChange={(e) => {
            setTargetId((e.currentTarget as HTMLSelectElement).value);
            setTyped('');
          }}
        >
          {instances.data?.map((i) => (
            <option key={i.instance_id} value={i.instance_id}>
              {i.name}
              {i.instance_id === sourceInstanceId ? ' (this instance)' : ''}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={instances.error ?? target.error} />
      {facts && (
        <div class="replace-summary" data-testid="restore-summary">
          <p>
            <strong>Everything in {facts.instance.name}</strong> ({facts.instance.ip}:{facts.instance.port})
            is replaced.
          </p>
          <ul>
            <li>
              {facts.instance.name} now:{' '}
              {facts.keysAt
                ? `${facts.keysAt.keys ?? 'unknown'} keys in its latest backup (${formatTime(facts.keysAt.at)}); the API does not report a live key count`
                : 'no backup of it records its keys; the API does not report a live key count'}
            </li>
            <li>
              With the backup of {formatTime(backup.created_at)}:{' '}
              {keyCountOf(backup) ?? 'an unknown number of'} keys
            </li>
          </ul>
          <label>
            Type <strong>{facts.instance.name}</strong> to confirm
            <input
              name="confirm-name"
              autocomplete="off"
              value={typed}
              onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
        </div>
      )}
      <ErrorBox error={action.error} />
      <div class="buttons">
        <button
          type="button"
          class="danger"
          disabled={!facts || typed !== facts.instance.name || action.busy}
          onClick={restore}
        >
          Replace the data and restore
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

import { useState } from 'preact/hooks';
import { type BackupDetailWire, type InstanceWire, type KeyspaceWire, keyCountOf } from '../api/wire.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';

/** What the operator is about to overwrite: the target and the keys it holds now, read live. */
interface TargetFacts {
  instance: InstanceWire;
  keyspace: KeyspaceWire;
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
  // Read when the dialog opens and whenever the target changes: what a restore replaces is what is there now.
  const target = useLoad<TargetFacts | undefined>(async () => {
    const instance = instances.data?.find((i) => i.instance_id === targetId);
    if (!instance) return undefined;
    const keyspace = await client.get<KeyspaceWire>(`${base}/instances/${targetId}/keyspace`);
    return { instance, keyspace };
  }, [targetId, instances.data]);

  // Until the new target's count arrives the previous target's facts are still loaded: never show (or accept
  // a typed name against) facts of an instance other than the one selected.
  const facts = target.data?.instance.instance_id === targetId ? target.data : undefined;
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
      {!facts && !target.error && !instances.error && (
        <p aria-live="polite">Counting the keys of the target…</p>
      )}
      {facts && (
        <div class="replace-summary" data-testid="restore-summary">
          <p>
            <strong>Everything in {facts.instance.name}</strong> ({facts.instance.ip}:{facts.instance.port})
            is replaced.
          </p>
          <ul>
            <li>
              <TargetNow name={facts.instance.name} keyspace={facts.keyspace} />{' '}
              <button type="button" onClick={target.reload} disabled={target.loading}>
                Count again
              </button>
            </li>
            <li>
              With the backup of {formatTime(backup.created_at)}:{' '}
              <strong data-testid="backup-key-count">{keyCountOf(backup) ?? 'an unknown number of'}</strong>{' '}
              keys
            </li>
          </ul>
          <label>
            {/* One span: the label lays its children out as lines, and the sentence must stay one. */}
            <span>
              Type <strong>{facts.instance.name}</strong> to confirm
            </span>
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

/** The target's live key count, with when it was read; or why it could not be read. */
function TargetNow({ name, keyspace }: { name: string; keyspace: KeyspaceWire }) {
  if (keyspace.key_count === null) {
    return (
      <span data-testid="target-key-count-unknown">
        {name} now: its current key count could not be read ({keyspace.unavailable_reason}).
      </span>
    );
  }
  const perDb = keyspace.databases ?? [];
  return (
    <span>
      {name} now holds <strong data-testid="target-key-count">{keyspace.key_count}</strong> keys
      {perDb.length > 1 ? ` (${perDb.map((d) => `db${d.db}: ${d.keys}`).join(', ')})` : ''}
      {keyspace.masters_read > 1 ? ` over ${keyspace.masters_read} masters` : ''}, counted at{' '}
      {formatTime(keyspace.read_at)}.
    </span>
  );
}

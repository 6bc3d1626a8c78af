import { useState } from 'preact/hooks';
import type { BackupPageWire, InstanceWire } from '../api/wire.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../context.ts';
import { formatTime, policyInWords } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';

interface Row {
  instance: InstanceWire;
  last: BackupPageWire['backup_record_response'][number] | undefined;
}

/** Every instance of the project, its policy in words, its last backup and its next scheduled one. */
export function InstancesPage() {
  const { client, base, isAdmin, session } = useConsole();
  const [attaching, setAttaching] = useState(false);
  const [detaching, setDetaching] = useState<InstanceWire>();
  const rows = useLoad<Row[]>(async () => {
    const { instances } = await client.get<{ instances: InstanceWire[] }>(`${base}/instances`);
    return Promise.all(
      instances.map(async (instance) => {
        const page = await client.get<BackupPageWire>(`${base}/instances/${instance.instance_id}/backups`, {
          limit: 1,
        });
        return { instance, last: page.backup_record_response[0] };
      }),
    );
  }, [base]);

  return (
    <section aria-labelledby="instances-title">
      <div class="toolbar">
        <h1 id="instances-title">Instances of {session.projectId}</h1>
        {isAdmin && (
          <button type="button" onClick={() => setAttaching(true)}>
            Attach an instance
          </button>
        )}
      </div>
      <ErrorBox error={rows.error} />
      {rows.data && rows.data.length === 0 && <p>No instance is attached to this project yet.</p>}
      {rows.data && rows.data.length > 0 && (
        <div class="table-wrap">
          <table class="instances">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Engine</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Backup policy</th>
                <th scope="col">Last backup</th>
                <th scope="col">Next backup</th>
                {isAdmin && <th scope="col">Admin</th>}
              </tr>
            </thead>
            <tbody>
              {rows.data.map(({ instance, last }) => (
                <tr key={instance.instance_id} data-instance-id={instance.instance_id}>
                  <td>
                    <a href={`#/instances/${instance.instance_id}`}>{instance.name}</a>
                  </td>
                  <td>
                    {instance.engine} {instance.engine_version}
                  </td>
                  <td>{instance.cache_mode}</td>
                  <td>{instance.status}</td>
                  <td>{policyInWords(instance.instance_backup_policy?.policy)}</td>
                  <td>
                    {last ? (
                      <>
                        <StatusBadge status={last.status} /> {formatTime(last.created_at)}
                      </>
                    ) : (
                      'none yet'
                    )}
                  </td>
                  <td>{formatTime(instance.instance_backup_policy?.next_backup_at)}</td>
                  {isAdmin && (
                    <td>
                      {/* Every row has one: the name says which instance, for a screen reader's list of buttons. */}
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Detach ${instance.name}`}
                        onClick={() => setDetaching(instance)}
                      >
                        Detach
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {attaching && (
        <AttachDialog
          onDone={(attached) => {
            setAttaching(false);
            if (attached) rows.reload();
          }}
        />
      )}
      {detaching && (
        <DetachDialog
          instance={detaching}
          onDone={(detached) => {
            setDetaching(undefined);
            if (detached) rows.reload();
          }}
        />
      )}
    </section>
  );
}

function AttachDialog({ onDone }: { onDone: (attached: boolean) => void }) {
  const { client, session } = useConsole();
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const password = String(form.get('password') ?? '');
    const done = await action.run(() =>
      client.post('/admin/v1/instances', {
        project_id: String(form.get('project') ?? ''),
        name: String(form.get('name') ?? ''),
        url: String(form.get('url') ?? ''),
        type: String(form.get('type') ?? 'single'),
        ...(password ? { password } : {}),
      }),
    );
    // The password is never shown again, nor kept in the form.
    (formElement.elements.namedItem('password') as HTMLInputElement).value = '';
    if (done !== undefined) onDone(true);
  };
  return (
    <Dialog title="Attach an instance" onClose={() => onDone(false)}>
      <form onSubmit={submit}>
        <label>
          Project ID
          <input name="project" required defaultValue={session.projectId} />
        </label>
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Redis URL
          <input name="url" required placeholder="redis://10.0.0.5:6379" spellcheck={false} />
        </label>
        <label>
          Password (optional, never shown again)
          <input name="password" type="password" autocomplete="new-password" />
        </label>
        <label>
          Type
          <select name="type">
            <option value="single">single</option>
            <option value="master_standby">master/standby</option>
            <option value="cluster">cluster</option>
          </select>
        </label>
        <ErrorBox error={action.error} />
        <div class="buttons">
          <button type="submit" disabled={action.busy}>
            Attach
          </button>
          <button type="button" onClick={() => onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DetachDialog({ instance, onDone }: { instance: InstanceWire; onDone: (detached: boolean) => void }) {
  const { client } = useConsole();
  const action = useAction();
  const [typed, setTyped] = useState('');
  const detach = async () => {
    const done = await action.run(async () => {
      await client.delete(`/admin/v1/instances/${instance.instance_id}`);
      return true;
    });
    if (done) onDone(true);
  };
  return (
    <Dialog title={`Detach ${instance.name}`} onClose={() => onDone(false)}>
      <p>
        The service stops backing up <strong>{instance.name}</strong>. Its backups that still hold data keep
        it attached (the API refuses); nothing on the Redis server changes.
      </p>
      <label>
        Type the instance's name to confirm
        <input value={typed} onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <ErrorBox error={action.error} />
      <div class="buttons">
        <button
          type="button"
          class="danger"
          disabled={typed !== instance.name || action.busy}
          onClick={detach}
        >
          Detach
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

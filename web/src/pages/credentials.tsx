import { useRef, useState } from 'preact/hooks';
import type { CredentialWire } from '../api/wire.ts';
import { copyText } from '../components/copy-text.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';

/** Admins: every credential, a new one (its secret key shown once), revoking. */
export function CredentialsPage() {
  const { client, session } = useConsole();
  const listing = useLoad(() => client.get<{ credentials: CredentialWire[] }>('/admin/v1/credentials'), []);
  const create = useAction();
  const [created, setCreated] = useState<CredentialWire>();
  const [revoking, setRevoking] = useState<CredentialWire>();

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const role = String(form.get('role'));
    const description = String(form.get('description') ?? '');
    const answer = await create.run(() =>
      client.post<CredentialWire>('/admin/v1/credentials', {
        role,
        project_id: role === 'admin' ? null : String(form.get('project') ?? ''),
        description: description || null,
      }),
    );
    if (answer) {
      setCreated(answer);
      listing.reload();
    }
  };

  return (
    <section aria-labelledby="credentials-title">
      <h1 id="credentials-title">Credentials</h1>
      <form class="filters" onSubmit={submit} aria-label="Create a credential">
        <label>
          Role
          <select name="role">
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          Project ID
          <input name="project" defaultValue={session.projectId} />
        </label>
        <label>
          Description
          <input name="description" maxLength={255} />
        </label>
        <button type="submit" class="primary" disabled={create.busy}>
          Create credential
        </button>
      </form>
      <ErrorBox error={create.error} />
      {created?.secret_key && <SecretOnce credential={created} onDismiss={() => setCreated(undefined)} />}
      <ErrorBox error={listing.error} />
      {listing.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Access key</th>
                <th scope="col">Role</th>
                <th scope="col">Project</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
                <th scope="col">Revoked</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {listing.data.credentials.map((c) => (
                <tr key={c.access_key} data-access-key={c.access_key}>
                  <td>
                    <code>{c.access_key}</code>
                  </td>
                  <td>{c.role}</td>
                  <td>{c.project_id ?? 'every project'}</td>
                  <td>{c.description ?? ''}</td>
                  <td>{formatTime(c.created_at)}</td>
                  <td>{c.revoked_at ? formatTime(c.revoked_at) : '—'}</td>
                  <td>
                    {!c.revoked_at && (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke ${c.access_key}`}
                        onClick={() => setRevoking(c)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <RevokeDialog
          credential={revoking}
          onDone={(revoked) => {
            setRevoking(undefined);
            if (revoked) listing.reload();
          }}
        />
      )}
    </section>
  );
}

function SecretOnce({ credential, onDismiss }: { credential: CredentialWire; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'copied' | 'selected'>();
  const field = useRef<HTMLInputElement>(null);
  const secret = credential.secret_key ?? '';
  return (
    <div class="secret" role="status">
      <p>
        Created <code>{credential.access_key}</code>. Its secret key is shown this once: copy it now.
      </p>
      <label>
        Secret key
        <input
          ref={field}
          readOnly
          value={secret}
          data-testid="secret-key"
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      <div class="buttons">
        <button
          type="button"
          onClick={async () => setCopied((await copyText(secret, field.current)) ? 'copied' : 'selected')}
        >
          Copy secret key
        </button>
        <button type="button" onClick={onDismiss}>
          Done, hide it
        </button>
        {copied && <span>{copied === 'copied' ? 'Copied' : 'Selected: press Ctrl+C to copy'}</span>}
      </div>
    </div>
  );
}

function RevokeDialog({
  credential,
  onDone,
}: {
  credential: CredentialWire;
  onDone: (revoked: boolean) => void;
}) {
  const { client } = useConsole();
  const action = useAction();
  const revoke = async () => {
    const done = await action.run(async () => {
      await client.delete(`/admin/v1/credentials/${encodeURIComponent(credential.access_key)}`);
      return true;
    });
    if (done) onDone(true);
  };
  return (
    <Dialog title="Revoke this credential?" onClose={() => onDone(false)}>
      <p>
        <code>{credential.access_key}</code> ({credential.role}) and every token issued to it stop working at
        once.
      </p>
      <ErrorBox error={action.error} />
      <div class="buttons">
        <button type="button" class="danger" onClick={revoke} disabled={action.busy}>
          Revoke
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

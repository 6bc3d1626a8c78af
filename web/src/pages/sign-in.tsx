import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.ts';
import { callerRole } from '../api/caller-role.ts';
import { ApiClient } from '../api/client.ts';
import type { Proof, Session } from '../api/session.ts';
import { canSign } from '../api/web-signer.ts';
import { ErrorBox } from '../components/error-box.tsx';

/**
 * Sign in with an access key and secret key (each request is then signed in the browser) or with a token from
 * `dcs-backup credentials token`. The pair is checked against the API before anything is kept.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [kind, setKind] = useState<'aksk' | 'token'>(canSign() ? 'aksk' : 'token');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    const projectId = value('project');
    const proof: Proof =
      kind === 'aksk'
        ? { kind, accessKey: value('ak'), secretKey: String(form.get('sk') ?? '') }
        : { kind, token: value('token') };
    setBusy(true);
    setError(undefined);
    try {
      const client = new ApiClient(proof);
      await client.get(`/v2/${encodeURIComponent(projectId)}/instances`);
      const role = await callerRole(client, projectId);
      onSignedIn({ proof, projectId, role });
    } catch (failure) {
      setError(ApiError.from(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>dcs-backup console</h1>
      <form onSubmit={submit} aria-describedby="sign-in-note">
        <fieldset>
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="kind" checked={kind === 'aksk'} onChange={() => setKind('aksk')} />
            access key and secret key
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'token'} onChange={() => setKind('token')} />
            token
          </label>
        </fieldset>
        {kind === 'aksk' ? (
          <>
            <label>
              Access key (AK)
              <input name="ak" required autocomplete="username" spellcheck={false} />
            </label>
            <label>
              Secret key (SK)
              <input name="sk" type="password" required autocomplete="current-password" />
            </label>
            {!canSign() && (
              <p class="warning" role="alert">
                This page is not a secure context (plain HTTP to an address other than loopback), so the
                browser offers no WebCrypto to sign with: serve HTTPS, or sign in with a token.
              </p>
            )}
          </>
        ) : (
          <label>
            Token
            <input name="token" type="password" required autocomplete="off" />
          </label>
        )}
        <label>
          Project ID
          <input name="project" required spellcheck={false} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={error} />
        <p id="sign-in-note" class="note">
          The key stays in this browser tab only (session storage) and is gone when you sign out or close the
          browser.
        </p>
      </form>
    </main>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api/client.ts';
import { forgetSession, loadSession, saveSession, type Session } from './api/session.ts';
import { Console, type ConsoleContext } from './context.ts';
import { BackupDetailPage } from './pages/backup-detail.tsx';
import { CredentialsPage } from './pages/credentials.tsx';
import { InstancePage, isInstanceTab } from './pages/instance.tsx';
import { InstancesPage } from './pages/instances.tsx';
import { SignIn } from './pages/sign-in.tsx';

/** The page for the address after "#": #/, #/instances/ID[/tab], #/instances/ID/backups/BID, #/credentials. */
function route(hash: string, isAdmin: boolean) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'credentials' && isAdmin) return <CredentialsPage />;
  if (parts[0] === 'instances' && parts[1]) {
    if (parts[2] === 'backups' && parts[3])
      return <BackupDetailPage instanceId={parts[1]} backupId={parts[3]} />;
    return <InstancePage instanceId={parts[1]} tab={isInstanceTab(parts[2]) ? parts[2] : 'backups'} />;
  }
  return <InstancesPage />;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const hash = useHash();
  const context = useMemo<ConsoleContext | null>(
    () =>
      session
        ? {
            session,
            client: new ApiClient(session.proof),
            base: `/v2/${encodeURIComponent(session.projectId)}`,
            canWrite: session.role !== 'viewer',
            isAdmin: session.role === 'admin',
          }
        : null,
    [session],
  );

  if (!session || !context) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setSession(signedIn);
        }}
      />
    );
  }

  const signOut = () => {
    forgetSession();
    setSession(undefined);
    location.hash = '#/';
  };

  return (
    <Console.Provider value={context}>
      <header class="top">
        <a class="brand" href="#/">
          dcs-backup
        </a>
        <nav aria-label="Main">
          <a href="#/">Instances</a>
          {context.isAdmin && <a href="#/credentials">Credentials</a>}
        </nav>
        {context.isAdmin && (
          <ProjectSwitch
            projectId={session.projectId}
            onSwitch={(projectId) => {
              const switched = { ...session, projectId };
              saveSession(switched);
              setSession(switched);
              location.hash = '#/';
            }}
          />
        )}
        <span class="who" data-testid="who">
          {session.proof.kind === 'aksk' ? session.proof.accessKey : 'token'} · {session.role} ·{' '}
          {session.projectId}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route(hash, context.isAdmin)}
      </main>
    </Console.Provider>
  );
}

/** Admins work in every project: they pick the one the pages show. */
function ProjectSwitch({
  projectId,
  onSwitch,
}: {
  projectId: string;
  onSwitch: (projectId: string) => void;
}) {
  const [text, setText] = useState(projectId);
  return (
    <form
      class="project-switch"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) onSwitch(text.trim());
      }}
    >
      <label class="inline">
        Project
        <input value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} size={12} />
      </label>
      <button type="submit">Open</button>
    </form>
  );
}

/**
 * Who is signed in. Kept in sessionStorage: it survives a reload of the tab, never the browser session, and
 * signing out removes it. Nothing goes to localStorage or cookies.
 */
export type Role = 'admin' | 'operator' | 'viewer';

export type Proof = { kind: 'aksk'; accessKey: string; secretKey: string } | { kind: 'token'; token: string };

export interface Session {
  proof: Proof;
  projectId: string;
  role: Role;
}

export const SESSION_KEY = 'dcs-console-session';

export function loadSession(storage: Storage = sessionStorage): Session | undefined {
  const text = storage.getItem(SESSION_KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Session;
  } catch {
    storage.removeItem(SESSION_KEY);
    return undefined;
  }
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function forgetSession(storage: Storage = sessionStorage): void {
  storage.removeItem(SESSION_KEY);
}

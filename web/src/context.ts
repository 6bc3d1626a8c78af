import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/client.ts';
import type { Session } from './api/session.ts';

export interface ConsoleContext {
  session: Session;
  client: ApiClient;
  /** The project's path prefix in the DCS API. */
  base: string;
  canWrite: boolean;
  isAdmin: boolean;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside a signed-in console');
  return value;
}

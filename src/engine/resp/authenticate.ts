import type { RedisEndpoint } from '../../core/instance.ts';
import { RedisWireError } from './redis-wire-error.ts';
import type { RespConnection } from './resp-connection.ts';

/** AUTH (with the ACL user when there is one), then PING, which also tells whether a password was needed. */
export async function authenticate(connection: RespConnection, endpoint: RedisEndpoint): Promise<void> {
  if (endpoint.password !== null) {
    const args = endpoint.username ? [endpoint.username, endpoint.password] : [endpoint.password];
    const reply = await connection.call('AUTH', ...args);
    // A server without any password answers AUTH with an error although the connection works: let PING decide.
    if (reply.type === 'error' && !/without any password configured/i.test(reply.value)) {
      throw new RedisWireError('auth', `authentication failed (wrong user or password): ${reply.value}`);
    }
  }
  const pong = await connection.call('PING');
  if (pong.type === 'error' && /^NOAUTH/.test(pong.value)) {
    throw new RedisWireError('auth', 'the server requires a password');
  }
  if (pong.type === 'error') throw new RedisWireError('refused', `PING refused: ${pong.value}`);
}

export type RedisWireFailure =
  'connect' | 'auth' | 'refused' | 'timeout' | 'protocol' | 'disconnected' | 'sink';

/** Why talking to a Redis server failed; the message never contains a password. */
export class RedisWireError extends Error {
  readonly kind: RedisWireFailure;
  constructor(kind: RedisWireFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedisWireError';
    this.kind = kind;
  }
}

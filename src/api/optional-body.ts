import type { FastifyRequest } from 'fastify';

/**
 * A route hook for operations whose body fields are all optional, and so is the body itself (curl users send
 * none; the SDK sends {}): an absent body validates as an empty object.
 */
export async function emptyBodyWhenAbsent(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

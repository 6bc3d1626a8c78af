import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { MetadataStore } from '../../src/core/ports.ts';
import { NodeRedisProbe } from '../../src/engine/redis-probe.ts';

/** A clock that says what the test tells it to. */
export class ManualClock implements Clock {
  current: number;
  constructor(start: number) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
}

export function buildTestApp(store: MetadataStore, clock: Clock = new ManualClock(Date.UTC(2024, 5, 1))) {
  return buildApp({ store, probe: new NodeRedisProbe(), clock });
}

export function backupsPath(projectId: string, instanceId: string, query = ''): string {
  return `/v2/${projectId}/instances/${instanceId}/backups${query ? `?${query}` : ''}`;
}

/** Asserts the DCS error shape and returns the body for further checks. */
export async function getJson(app: FastifyInstance, url: string) {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

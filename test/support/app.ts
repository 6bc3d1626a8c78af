import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { LinkSigner } from '../../src/core/download-links.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { MetadataStore } from '../../src/core/ports.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';

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

/** Everything the app needs beyond the store, with blobs in a fresh temporary directory. */
export function testDeps(
  store: MetadataStore,
  clock: Clock = new ManualClock(Date.UTC(2024, 5, 1)),
): AppDeps {
  return {
    store,
    clock,
    probe: new RespRedisProbe(),
    blobs: new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-blobs-'))),
    links: new LinkSigner(randomBytes(32)),
  };
}

export function buildTestApp(store: MetadataStore, clock?: Clock) {
  return buildApp(testDeps(store, clock));
}

export function backupsPath(projectId: string, instanceId: string, query = ''): string {
  return `/v2/${projectId}/instances/${instanceId}/backups${query ? `?${query}` : ''}`;
}

/** Asserts the DCS error shape and returns the body for further checks. */
export async function getJson(app: FastifyInstance, url: string) {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

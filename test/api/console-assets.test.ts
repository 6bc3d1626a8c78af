import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { consoleFileFor, DEFAULT_CONSOLE_DIR } from '../../src/api/console-assets.ts';
import { testDeps } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

/**
 * The console's files: public, with their content types and caching, and nothing else: no directory listing,
 * no file outside the folder whatever the path's spelling, and no API route reached without credentials.
 */
describe('the console files served at /console/', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let parent: string;
  let root: string;

  before(async () => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-console-'));
    root = path.join(parent, 'console');
    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(root, 'assets', 'index-AbC123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(root, 'assets', 'index-AbC123.css'), 'body{}');
    fs.writeFileSync(path.join(root, '.env'), 'SECRET=hidden');
    // Beside the folder: what a traversal would be after.
    fs.writeFileSync(path.join(parent, 'secret.txt'), 'SECRET=outside');
    fs.symlinkSync(path.join(parent, 'secret.txt'), path.join(root, 'assets', 'escape.txt'));
    opened = await STORE_KINDS[0]!.open();
    app = await buildApp(testDeps(opened.store), { consoleDir: root });
  });

  after(async () => {
    await app.close();
    await opened.dispose();
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('redirects the root and the bare name to /console/', async () => {
    for (const url of ['/', '/console']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 302, url);
      assert.equal(response.headers.location, '/console/');
    }
  });

  it('serves the page without credentials, never cached stale, with a content security policy', async () => {
    const response = await app.inject({ method: 'GET', url: '/console/' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.match(response.body, /<title>console<\/title>/);
    const named = await app.inject({ method: 'GET', url: '/console/index.html' });
    assert.equal(named.body, response.body);
  });

  it('serves hashed assets with their types, cached for good', async () => {
    const js = await app.inject({ method: 'GET', url: '/console/assets/index-AbC123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1)');
    const css = await app.inject({ method: 'GET', url: '/console/assets/index-AbC123.css' });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const head = await app.inject({ method: 'HEAD', url: '/console/assets/index-AbC123.js' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], '14');
  });

  it('lists no directory and serves no dotfile', async () => {
    for (const url of [
      '/console/assets',
      '/console/assets/',
      '/console/.env',
      '/console/assets/missing.js',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error_code, 'DCS.4001', url);
      assert.doesNotMatch(response.body, /index-AbC123|SECRET/, url);
    }
  });

  it('serves nothing outside its folder, however the path is spelt', async () => {
    const attempts = [
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2E%2E%2Fsecret.txt',
      '/console/..%2fsecret.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/%5c..%5c..%5csecret.txt',
      '/console/assets/escape.txt%00.js',
      `/console/${encodeURIComponent(path.join(parent, 'secret.txt'))}`,
      '/console//etc/passwd',
      '/console/assets/escape.txt',
    ];
    for (const url of attempts) {
      const response = await app.inject({ method: 'GET', url });
      assert.notEqual(response.statusCode, 200, url);
      assert.doesNotMatch(response.body, /SECRET/, url);
    }
  });

  it('opens no API route: a path through /console/ still needs credentials', async () => {
    for (const url of [
      '/console/../v2/p1/instances',
      '/console/%2e%2e/v2/p1/instances',
      '/v2/p1/instances',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      assert.ok([401, 404].includes(response.statusCode), `${url}: ${response.statusCode}`);
      assert.doesNotMatch(response.body, /instance_num/, url);
    }
    const write = await app.inject({ method: 'POST', url: '/console/', payload: {} });
    assert.notEqual(write.statusCode, 200);
  });

  it('maps request paths to files only inside the folder', () => {
    assert.equal(consoleFileFor(root, ''), path.join(root, 'index.html'));
    assert.equal(consoleFileFor(root, 'assets/a.js'), path.join(root, 'assets', 'a.js'));
    for (const bad of [
      '..',
      '../x',
      'a/../../x',
      'a//b',
      '/etc/passwd',
      'a\\..\\b',
      'x\0',
      '.git/config',
      'a/.',
    ]) {
      assert.equal(consoleFileFor(root, bad), undefined, bad);
    }
  });
});

describe('the built console (npm run build)', () => {
  it('loads only its own bundled files, under 150 KB of JavaScript gzipped', () => {
    const index = path.join(DEFAULT_CONSOLE_DIR, 'index.html');
    assert.ok(fs.existsSync(index), `${index} is missing: run npm run build`);
    const html = fs.readFileSync(index, 'utf8');
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(referenced.length >= 2, html);
    for (const url of referenced)
      assert.match(url, /^\/console\/assets\/[\w.-]+\.(js|css)$/, 'no CDN, no other origin');
    const scripts = referenced.filter((url) => url.endsWith('.js'));
    const gzipped = scripts
      .map(
        (url) =>
          gzipSync(fs.readFileSync(path.join(DEFAULT_CONSOLE_DIR, url.slice('/console/'.length)))).length,
      )
      .reduce((a, b) => a + b, 0);
    assert.ok(gzipped > 0 && gzipped < 150 * 1024, `${gzipped} bytes gzipped`);
  });
});

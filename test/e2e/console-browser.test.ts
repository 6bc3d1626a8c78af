import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ServiceClient } from '../../src/cli/service-client.ts';
import { browserSkipReason, launchChromium, screenshotPath } from '../support/browser.ts';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fillSampleData, redisCli } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** What the page functions below use of the browser: this file is type-checked without the DOM's types. */
interface PageGlobals {
  sessionStorage: { length: number } & Record<string, string>;
  localStorage: { length: number };
  document: {
    cookie: string;
    body: unknown;
    documentElement: { clientWidth: number; scrollWidth: number };
    querySelector(selector: string): unknown;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  sawProgress: boolean;
}

interface PageElement {
  tagName: string;
  textContent: string;
  outerHTML: string;
  labels?: { length: number };
  getAttribute(name: string): string | null;
  parentElement: { closest(selector: string): unknown } | null;
  getBoundingClientRect(): { right: number };
}

interface Keys {
  accessKey: string;
  secretKey: string;
}

/**
 * The web console in a real Chromium against the real service and real redis-servers: one browser, one
 * service, the steps of an operator's night in order (each step builds on the one before).
 */
describe('the web console in Chromium', { skip: browserSkipReason() }, () => {
  let source: RedisServer;
  let target: RedisServer;
  let session: CliSession;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let adminKeys: Keys;
  let api: ServiceClient;
  let sourceId: string;
  let targetId: string;
  let backupId: string;
  let viewerToken: string;

  const consoleUrl = () => `${session.service.url}/console/`;

  async function signIn(on: Page, fields: Partial<Keys> & { token?: string }) {
    await on.goto(session.service.url);
    assert.equal(new URL(on.url()).pathname, '/console/', 'the root redirects to the console');
    if (fields.token) {
      await on.getByLabel('token', { exact: true }).check();
      await on.getByLabel('Token', { exact: true }).fill(fields.token);
    } else {
      await on.getByLabel('Access key (AK)').fill(fields.accessKey!);
      await on.getByLabel('Secret key (SK)').fill(fields.secretKey!);
    }
    await on.getByLabel('Project ID').fill('p1');
    // From the keyboard: Enter in the form signs in.
    await on.getByLabel('Project ID').press('Enter');
    await on.getByTestId('who').waitFor();
  }

  /** Every field and button on the page has a name a screen reader can announce. */
  async function assertLabelled(on: Page) {
    const unnamed = await on.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return Array.from(w.document.querySelectorAll('input, select, button'))
        .filter(
          (el) =>
            !(el.labels?.length ?? 0) &&
            !el.getAttribute('aria-label') &&
            !(el.tagName === 'BUTTON' && el.textContent.trim()),
        )
        .map((el) => el.outerHTML);
    });
    assert.deepEqual(unnamed, []);
  }

  /**
   * Nothing makes the page itself scroll sideways (wide tables scroll inside their own box): at 390 px every
   * control can be reached without panning. Names what sticks out.
   */
  async function assertFitsWidth(on: Page, where = '') {
    const overflow = await on.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const width = w.document.documentElement.clientWidth;
      const wide = Array.from(w.document.querySelectorAll('body *'))
        .filter(
          (el) => !el.parentElement?.closest('.table-wrap') && el.getBoundingClientRect().right > width + 1,
        )
        .map((el) => el.outerHTML.slice(0, 120));
      return { scroll: w.document.documentElement.scrollWidth, width, wide };
    });
    assert.deepEqual(overflow.wide, [], `${where}: wider than ${overflow.width} px`);
    assert.ok(
      overflow.scroll <= overflow.width,
      `${where}: the page scrolls sideways: ${overflow.scroll} px`,
    );
  }

  before(async () => {
    // A short sync delay keeps the backup running long enough for the page to show it running.
    source = await startRedisServer(['--repl-diskless-sync-delay', '1']);
    target = await startRedisServer();
    await fillSampleData(source.port);
    // A known number of keys in the target, over two databases: the restore dialog must show their sum, live.
    await redisCli(target.port, ['set', 'old:key', 'replaced by the restore']);
    for (let i = 0; i < 6; i++) await redisCli(target.port, ['set', `old:${i}`, 'x']);
    for (let i = 0; i < 4; i++) await redisCli(target.port, ['-n', '3', 'set', `old:db3:${i}`, 'x']);
    session = await startCliSession('dcs-console-', { DCS_JOB_POLL_MS: '100' });
    const file = JSON.parse(fs.readFileSync(path.join(session.dataDir, 'credentials.json'), 'utf8'));
    adminKeys = { accessKey: file.access_key, secretKey: file.secret_key };
    api = new ServiceClient(session.service.url, adminKeys);
    // Through the API rather than the CLI: two node processes fewer to start.
    const attach = async (port: number, name: string) =>
      (
        await api.post<{ instance_id: string }>('/admin/v1/instances', {
          project_id: 'p1',
          name,
          url: `redis://127.0.0.1:${port}`,
        })
      ).instance_id;
    sourceId = await attach(source.port, 'cache-a');
    targetId = await attach(target.port, 'cache-b');
    const viewer = await api.post<{ access_key: string; secret_key: string }>('/admin/v1/credentials', {
      role: 'viewer',
      project_id: 'p1',
    });
    const viewerApi = new ServiceClient(session.service.url, {
      accessKey: viewer.access_key,
      secretKey: viewer.secret_key,
    });
    viewerToken = (await viewerApi.post<{ token: string }>('/auth/v1/tokens', { ttl_seconds: 3600 })).token;
    browser = await launchChromium();
    admin = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    admin.setDefaultTimeout(20_000);
    page = await admin.newPage();
  });

  after(async () => {
    await browser?.close();
    await session?.close();
    await source?.stop();
    await target?.stop();
  });

  it('signs in with an AK/SK, signing in the browser, and lists the attached instances', async () => {
    await signIn(page, adminKeys);
    assert.match(await page.getByTestId('who').innerText(), /admin/);
    const rows = page.locator('table.instances tbody tr');
    await rows.first().waitFor();
    assert.deepEqual((await rows.locator('td:first-child').allInnerTexts()).sort(), ['cache-a', 'cache-b']);
    assert.match(await rows.first().innerText(), /Redis 7|Redis 8|Redis 6/);
    assert.match(await page.locator('table.instances').innerText(), /No automatic backups/);
    await assertLabelled(page);
    // The check itself can fail: a field without a label is caught.
    await page.evaluate(() => {
      const w = globalThis as unknown as {
        document: { body: { insertAdjacentHTML(p: string, h: string): void } };
      };
      w.document.body.insertAdjacentHTML('beforeend', '<input id="unlabelled">');
    });
    await assert.rejects(assertLabelled(page), /unlabelled/);
    await page.reload();
    await page.getByTestId('who').waitFor();
  });

  it('creates a backup and shows its progress live until it succeeds', async () => {
    await page.getByRole('link', { name: 'cache-a' }).click();
    await page.getByRole('button', { name: 'Create backup' }).waitFor();
    // Whether a progress bar was ever on screen: the page polls, so it shows up and goes without a reload.
    await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      w.sawProgress = false;
      new w.MutationObserver(() => {
        if (w.document.querySelector('[role=progressbar]')) w.sawProgress = true;
      }).observe(w.document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Create backup' }).click();
    await page.getByLabel('Remark').fill('from the console');
    await page.getByRole('button', { name: 'Start backup' }).click();
    const row = page.locator('table.backups tbody tr').first();
    await page.locator('table.backups tbody tr[data-status="succeed"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).sawProgress), true);
    backupId = (await row.getAttribute('data-backup-id'))!;
    await assertLabelled(page);
    assert.match(await row.innerText(), /from the console/);
    await page.screenshot({ path: screenshotPath('backups'), fullPage: true });
  });

  it("shows the backup's detail with the API's SHA-256, and a download link that fetches that file", async () => {
    await page.locator(`tr[data-backup-id="${backupId}"] a`).click();
    const shown = (await page.getByTestId('sha256').innerText()).trim();
    const reported = await api.get<{ sha256: string; content: { keys_per_db: Record<string, number> } }>(
      `/v2/p1/instances/${sourceId}/backups/${backupId}`,
    );
    assert.match(shown, /^[0-9a-f]{64}$/);
    assert.equal(shown, reported.sha256);
    const keys = Object.values(reported.content.keys_per_db).reduce((a, b) => a + b, 0);
    assert.equal(await page.getByTestId('key-count').innerText(), String(keys));

    await page.getByLabel('Link valid for').selectOption({ label: '5 minutes' });
    await page.getByRole('button', { name: 'Create download link' }).click();
    const link = await page.getByTestId('download-link').inputValue();
    assert.match(link, /\/downloads\//);
    assert.match(await page.locator('.download').innerText(), new RegExp(reported.sha256));
    // Fetched by the page itself, and hashed there.
    const fetched = await page.evaluate(async (url) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    }, link);
    assert.equal(fetched, reported.sha256);
    const direct = Buffer.from(await (await fetch(link)).arrayBuffer());
    assert.equal(createHash('sha256').update(direct).digest('hex'), reported.sha256);
    // Copyable: the button puts the link on the clipboard.
    await admin.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.locator('.download [role=status]').getByText('Copied').waitFor();
    const clipboard = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    assert.equal(clipboard, link);
    await assertLabelled(page);
    await page.screenshot({ path: screenshotPath('backup-detail'), fullPage: true });
  });

  it('restores into the second server only once its name is typed, and shows the restore succeed', async () => {
    await page.getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Restore into').selectOption({ label: 'cache-b' });
    const summary = dialog.getByTestId('restore-summary');
    await summary.getByText('Everything in cache-b').waitFor();
    // The target's key count as its server says it now (DBSIZE of each database), not from a backup of it.
    assert.equal(await dbsizeSum(target.port), 11);
    assert.equal(await summary.getByTestId('target-key-count').innerText(), '11');
    assert.match(await summary.innerText(), /db0: 7, db3: 4/);
    const backupKeys = await api.get<{ content: { keys_per_db: Record<string, number> } }>(
      `/v2/p1/instances/${sourceId}/backups/${backupId}`,
    );
    const sourceKeysInBackup = Object.values(backupKeys.content.keys_per_db).reduce((a, b) => a + b, 0);
    assert.equal(await summary.getByTestId('backup-key-count').innerText(), String(sourceKeysInBackup));
    // Live: a key written while the dialog is open is counted when asked again.
    await redisCli(target.port, ['set', 'old:late', 'x']);
    await summary.getByRole('button', { name: 'Count again' }).click();
    await summary.getByTestId('target-key-count').getByText('12', { exact: true }).waitFor();
    assert.equal(await dbsizeSum(target.port), 12);
    await assertLabelled(page);
    await page.screenshot({ path: screenshotPath('restore-dialog'), fullPage: true });
    const go = dialog.getByRole('button', { name: 'Replace the data and restore' });
    assert.equal(await go.isDisabled(), true);
    await dialog.getByLabel(/Type cache-b to confirm/).fill('cache-a');
    assert.equal(await go.isDisabled(), true, 'the wrong name does not unlock the restore');
    await dialog.getByLabel(/Type cache-b to confirm/).fill('cache-b');
    await go.click();
    await page.waitForURL(new RegExp(`#/instances/${targetId}/restores$`));
    const done = page.locator('table.restores tbody tr[data-status="succeed"]');
    await done.waitFor({ timeout: 30_000 });
    await done.getByRole('button', { name: 'Show' }).click();
    const restored = Number(await page.getByTestId('keys-restored').innerText());
    // Checked on the server itself: every key of the source, and the target's own key gone.
    const sourceKeys = await totalKeys(source.port);
    assert.equal(await totalKeys(target.port), sourceKeys);
    assert.equal(restored, sourceKeys);
    assert.equal(await redisCli(target.port, ['exists', 'old:key']), '0');
    // How the keys went in, as the API's detail says it.
    const detail = await api.get<{ restore_method: string; restore_method_reason: string }>(
      `/v2/p1/instances/${targetId}/restores/${await done.getAttribute('data-restore-id')}`,
    );
    const how = await page.getByTestId('restore-method').innerText();
    assert.match(how, detail.restore_method === 'replication' ? /as a replica/ : /as commands/);
    assert.ok(how.includes(detail.restore_method_reason), how);
  });

  it('shows the API refusal of a bad window at the window field, and saves a good policy', async () => {
    await page.goto(`${consoleUrl()}#/instances/${sourceId}/policy`);
    await page.getByLabel('Wed').check();
    await page.getByLabel(/^Window/).fill('25:00-26:00');
    await page.getByRole('button', { name: 'Save policy' }).click();
    const fieldError = page.locator('#window-error [role=alert]');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /DCS\.4076/);
    assert.match(await fieldError.innerText(), /\(request [0-9a-f-]{36}\)/);
    assert.equal(await page.getByLabel(/^Window/).getAttribute('aria-invalid'), 'true');
    await assertLabelled(page);
    await page.screenshot({ path: screenshotPath('policy-error'), fullPage: true });

    await page.getByLabel(/^Window/).fill('02:00-03:00');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('Mon, Wed 02:00–03:00 UTC, kept 7 days').first().waitFor();
    assert.equal(await fieldError.count(), 0);
  });

  it('draws the charts from the listing', async () => {
    await page.goto(`${consoleUrl()}#/instances/${sourceId}/charts`);
    await page.locator('.chart canvas').first().waitFor();
    assert.equal(await page.locator('.chart').count(), 3);
    // Each chart is named in words for a screen reader: one backup, succeeded, nothing failed.
    await page
      .getByRole('img', { name: /^Backups per day \(UTC\): 1 day: 1 succeeded, 0 failed$/ })
      .waitFor();
    await page.getByRole('img', { name: /^Backup size \(MiB\): 1 backup from .+ UTC; smallest / }).waitFor();
    await page.screenshot({ path: screenshotPath('charts'), fullPage: true });
    // The instances page now has a policy, a last backup and a next one to show.
    await page.goto(consoleUrl());
    const row = page.locator(`tr[data-instance-id="${sourceId}"]`);
    await row.getByText('Mon, Wed 02:00–03:00 UTC, kept 7 days').waitFor();
    assert.match(await row.innerText(), /succeed/);
    await page.screenshot({ path: screenshotPath('instances'), fullPage: true });
  });

  it('shows a viewer (signed in with a token, at 390 px) no buttons that change anything; the API refuses anyway', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(20_000);
    try {
      const viewer = await context.newPage();
      await signIn(viewer, { token: viewerToken });
      assert.match(await viewer.getByTestId('who').innerText(), /viewer/);
      await viewer.getByRole('link', { name: 'cache-a' }).click();
      await viewer.locator(`tr[data-backup-id="${backupId}"]`).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Create backup' }).count(), 0);
      await viewer.locator(`tr[data-backup-id="${backupId}"] a`).click();
      await viewer.getByTestId('sha256').waitFor();
      for (const name of ['Restore…', 'Delete…', 'Verify']) {
        assert.equal(await viewer.getByRole('button', { name }).count(), 0, name);
      }
      // A link only reads the file: the viewer gets one, and it fetches the file the API describes.
      const reported = await api.get<{ sha256: string }>(`/v2/p1/instances/${sourceId}/backups/${backupId}`);
      await viewer.getByRole('button', { name: 'Create download link' }).click();
      const link = await viewer.getByTestId('download-link').inputValue();
      const fetched = Buffer.from(await (await fetch(link)).arrayBuffer());
      assert.equal(createHash('sha256').update(fetched).digest('hex'), reported.sha256);
      assert.match(await viewer.locator('.download').innerText(), new RegExp(reported.sha256));
      // Without a clipboard (plain HTTP to a remote address is no secure context) the link is selected instead.
      await viewer.evaluate(() =>
        Object.defineProperty((globalThis as unknown as { navigator: object }).navigator, 'clipboard', {
          value: undefined,
          configurable: true,
        }),
      );
      await viewer.getByRole('button', { name: 'Copy link' }).click();
      await viewer.getByText('Selected: press Ctrl+C to copy').waitFor();
      const selection = await viewer.getByTestId('download-link').evaluate((el) => {
        const input = el as unknown as { selectionStart: number; selectionEnd: number; value: string };
        const focused = (el.ownerDocument as { activeElement: unknown }).activeElement === el;
        return { focused, whole: input.selectionStart === 0 && input.selectionEnd === input.value.length };
      });
      assert.deepEqual(selection, { focused: true, whole: true });
      await assertLabelled(viewer);
      await assertFitsWidth(viewer);
      await viewer.screenshot({ path: screenshotPath('viewer-390'), fullPage: true });
      const forced = await viewer.evaluate(
        async ({ token, path }) => {
          const response = await fetch(path, {
            method: 'POST',
            headers: { 'x-auth-token': token, 'content-type': 'application/json' },
            body: '{}',
          });
          return { status: response.status, body: (await response.json()) as { error_code: string } };
        },
        { token: viewerToken, path: `/v2/p1/instances/${sourceId}/backups` },
      );
      assert.equal(forced.status, 403);
      assert.equal(forced.body.error_code, 'DCS.3002');
    } finally {
      await context.close();
    }
  });

  it('fits every page and dialog into 390 px for an admin, and works them from the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(20_000);
    try {
      const narrow = await context.newPage();
      await narrow.goto(session.service.url);
      await narrow.getByRole('button', { name: 'Sign in' }).waitFor();
      await assertFitsWidth(narrow);
      await assertLabelled(narrow);
      // A wrong secret key: refused by the API, with its code and request id, and nothing signed in.
      await narrow.getByLabel('Access key (AK)').fill(adminKeys.accessKey);
      await narrow.getByLabel('Secret key (SK)').fill(`${adminKeys.secretKey}x`);
      await narrow.getByLabel('Project ID').fill('p1');
      await narrow.getByLabel('Project ID').press('Enter');
      const refused = narrow.getByRole('alert');
      await refused.waitFor();
      assert.match(await refused.innerText(), /DCS\.\d{4} .+\(request [0-9a-f-]{36}\)/s);
      assert.equal(await narrow.getByTestId('who').count(), 0);
      await assertFitsWidth(narrow, 'the sign-in refusal');
      await signIn(narrow, adminKeys);
      const pages: [string, string][] = [
        ['', 'table.instances tbody tr'],
        [`#/instances/${sourceId}/backups`, 'table.backups tbody tr'],
        [`#/instances/${targetId}/restores`, 'table.restores tbody tr'],
        [`#/instances/${sourceId}/policy`, 'button:has-text("Save policy")'],
        [`#/instances/${sourceId}/charts`, '.chart canvas'],
        ['#/credentials', 'table tbody tr'],
        [`#/instances/${sourceId}/backups/${backupId}`, '[data-testid=sha256]'],
      ];
      for (const [hash, ready] of pages) {
        await narrow.goto(`${consoleUrl()}${hash}`);
        await narrow.locator(ready).first().waitFor();
        await assertFitsWidth(narrow, hash);
        await assertLabelled(narrow);
      }

      // The keyboard alone: the restore dialog opens from its button, takes the focus, and Escape closes it.
      await narrow.getByRole('button', { name: 'Restore…' }).focus();
      await narrow.keyboard.press('Enter');
      const dialog = narrow.getByRole('dialog');
      await dialog.getByTestId('target-key-count').waitFor();
      assert.equal(
        await dialog.evaluate((el) =>
          el.contains((el.ownerDocument as { activeElement: unknown }).activeElement as never),
        ),
        true,
        'the focus moved into the dialog',
      );
      await assertFitsWidth(narrow);
      await assertLabelled(narrow);
      await narrow.screenshot({ path: screenshotPath('restore-dialog-390') });
      await narrow.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      const restoreButton = narrow.getByRole('button', { name: 'Restore…' });
      const focused = (on: typeof restoreButton) =>
        on.evaluate((el) => (el.ownerDocument as { activeElement: unknown }).activeElement === el);
      await waitUntil(() => focused(restoreButton), 'the focus is back on the button that opened the dialog');
      // Again, left by its Cancel button this time: the focus comes back all the same. The page may have
      // re-rendered the button since (it polls), so focus it afresh before Enter rather than trust a stale focus.
      await restoreButton.focus();
      await narrow.keyboard.press('Enter');
      await dialog.getByTestId('target-key-count').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).focus();
      await narrow.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await waitUntil(() => focused(restoreButton), 'the focus is back after Cancel');

      // Tab reaches the backup link in the listing and Enter follows it.
      await narrow.goto(`${consoleUrl()}#/instances/${sourceId}/backups`);
      const recordLink = narrow.locator(`tr[data-backup-id="${backupId}"] a`);
      await recordLink.waitFor();
      let reached = false;
      for (let presses = 0; presses < 40 && !reached; presses++) {
        await narrow.keyboard.press('Tab');
        reached = await recordLink.evaluate(
          (el) => (el.ownerDocument as { activeElement: unknown }).activeElement === el,
        );
      }
      assert.ok(reached, 'Tab reaches the record link');
      await narrow.keyboard.press('Enter');
      await narrow.getByTestId('sha256').waitFor();
    } finally {
      await context.close();
    }
  });

  it('deletes the backup after confirmation and lists it as deleted', async () => {
    await page.goto(`${consoleUrl()}#/instances/${sourceId}/backups/${backupId}`);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete the backup' }).click();
    await page.locator('.badge-deleted').waitFor();
    await page.goto(`${consoleUrl()}#/instances/${sourceId}/backups`);
    await page.locator(`tr[data-backup-id="${backupId}"][data-status="deleted"]`).waitFor();
  });

  it('lets an admin attach (showing the refusal with its code) and detach an instance', async () => {
    await page.goto(consoleUrl());
    await page.getByRole('button', { name: 'Attach an instance' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('cache-c');
    // Nothing listens on port 1: the API refuses, and the dialog shows its code and request id.
    await dialog.getByLabel('Redis URL').fill('redis://127.0.0.1:1');
    await dialog.getByLabel(/^Password/).fill('a-password');
    await dialog.getByRole('button', { name: 'Attach' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /DCS\.4901 .*\(request [0-9a-f-]{36}\)/s);
    assert.equal(
      await dialog.getByLabel(/^Password/).inputValue(),
      '',
      'the password is not kept in the form',
    );
    await dialog.getByLabel('Redis URL').fill(`redis://127.0.0.1:${target.port}`);
    await dialog.getByRole('button', { name: 'Attach' }).click();
    const added = page.locator('table.instances tbody tr', { hasText: 'cache-c' });
    await added.waitFor();

    await added.getByRole('button', { name: 'Detach' }).click();
    const confirm = page.getByRole('dialog');
    const detach = confirm.getByRole('button', { name: 'Detach' });
    assert.equal(await detach.isDisabled(), true);
    await confirm.getByLabel(/Type the instance's name/).fill('cache-c');
    await detach.click();
    await added.waitFor({ state: 'detached' });
    assert.equal(await page.locator('table.instances tbody tr').count(), 2);
  });

  it('lets an admin switch projects', async () => {
    await page.getByLabel('Project', { exact: true }).fill('p2');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'Instances of p2' }).waitFor();
    await page.getByText('No instance is attached to this project yet.').waitFor();
    await page.getByLabel('Project', { exact: true }).fill('p1');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('link', { name: 'cache-a' }).waitFor();
  });

  it('lets an admin create a credential, showing its secret key once, and revoke it', async () => {
    await page.getByRole('link', { name: 'Credentials' }).click();
    const form = page.getByRole('form', { name: 'Create a credential' });
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Description').fill('night shift');
    await form.getByRole('button', { name: 'Create credential' }).click();
    const secret = await page.getByTestId('secret-key').inputValue();
    assert.ok(secret.length >= 20, secret);
    const { credentials } = await api.get<{ credentials: { access_key: string; description: string }[] }>(
      '/admin/v1/credentials',
    );
    const created = credentials.find((c) => c.description === 'night shift')!;
    const row = page.locator(`tr[data-access-key="${created.access_key}"]`);
    await row.waitFor();
    assert.doesNotMatch(await page.locator('table').innerText(), new RegExp(secret));
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    assert.equal(await page.getByTestId('secret-key').count(), 0, 'shown once, then gone');
    await assertLabelled(page);
    await page.screenshot({ path: screenshotPath('credentials'), fullPage: true });

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    const after = await api.get<{ credentials: { access_key: string; revoked_at: string | null }[] }>(
      '/admin/v1/credentials',
    );
    assert.notEqual(after.credentials.find((c) => c.access_key === created.access_key)!.revoked_at, null);
  });

  it("shows a failed backup's code with its documented meaning, and filters the listing by status", async () => {
    await target.stop();
    await page.goto(`${consoleUrl()}#/instances/${targetId}/backups`);
    await page.getByRole('button', { name: 'Create backup' }).click();
    await page.getByRole('button', { name: 'Start backup' }).click();
    const failed = page.locator('table.backups tbody tr[data-status="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /dcs\.08\.0001/);
    await failed.locator('a').click();
    const shown = page.locator('.error[role=alert]');
    await shown.waitFor();
    assert.match(await shown.innerText(), /dcs\.08\.0001 failed to start the backup and restoration tool/);

    await page.goto(`${consoleUrl()}#/instances/${sourceId}/backups`);
    await page.locator('table.backups tbody tr').first().waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('0 records').waitFor();
    await page.getByLabel('Status').selectOption('deleted');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('1 record', { exact: true }).waitFor();
  });

  it('signs out and forgets the key', async () => {
    assert.ok((await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)) > 0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const stored = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return {
        session: w.sessionStorage.length,
        local: w.localStorage.length,
        everything: JSON.stringify({ ...w.sessionStorage }) + w.document.cookie,
      };
    });
    assert.equal(stored.session, 0);
    assert.equal(stored.local, 0);
    const everything = stored.everything;
    assert.doesNotMatch(everything, new RegExp(adminKeys.secretKey));
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
});

/** Polls `check` for up to two seconds: the page moves the focus after its own render. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(what);
}

/** The sum of DBSIZE over databases 0–15, each asked of the server. */
async function dbsizeSum(port: number): Promise<number> {
  let sum = 0;
  for (let db = 0; db < 16; db++) sum += Number(await redisCli(port, ['-n', String(db), 'DBSIZE']));
  return sum;
}

async function totalKeys(port: number): Promise<number> {
  const info = await redisCli(port, ['info', 'keyspace']);
  return [...info.matchAll(/keys=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

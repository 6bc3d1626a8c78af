import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium package (.ci/run installs it); DCS_CHROMIUM names another build. */
export const CHROMIUM = process.env.DCS_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests put their screenshots: under the git-ignored test output folder. */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));

/**
 * Why the browser tests cannot run here, or undefined when they can. Without chromium they are skipped with
 * this message, except in CI (CI=true), where a missing browser must fail the run rather than hide it.
 */
export function browserSkipReason(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const message = `no chromium at ${CHROMIUM} (apt-get install chromium, or set DCS_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`${message}: CI must run the browser tests`);
  return message;
}

/**
 * One headless Chromium. Without the background-networking flags it tries to reach Google's services and
 * hangs on a closed network.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

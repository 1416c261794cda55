/**
 * Debian's chromium for the browser tests, driven by playwright-core (never `playwright install`,
 * which downloads browsers from a site this machine cannot reach). When /usr/bin/chromium is
 * missing, it is installed with apt if we can (root and apt-get present); otherwise the test fails
 * with one line saying how to install it — it is never skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get install -y --no-install-recommends chromium';

/** Makes sure Debian's chromium is installed (installing it when root with apt-get), else throws one line. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (root && apt) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('sh', ['-c', INSTALL], { stdio: 'ignore', env, timeout: 300_000 });
    } catch {
      execFileSync('sh', ['-c', `apt-get update && ${INSTALL}`], { stdio: 'ignore', env, timeout: 300_000 });
    }
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`Debian's chromium is needed for the browser tests: install it with \`sudo ${INSTALL}\``);
}

/** Headless chromium with the flags this machine needs (playwright gives it a fresh user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
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

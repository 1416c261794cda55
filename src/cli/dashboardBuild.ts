/**
 * Building the dashboard (src/dashboard → dist/dashboard) with Vite, on demand: `dpp start` calls
 * `ensureDashboard` before it launches the validators, so `npm install && npm start` serves a
 * dashboard from a fresh clone with no extra step. It builds only when dist/dashboard/index.html is
 * missing or older than any source the bundle is made from (one progress line, ≈ 5 s); processes
 * building at once take turns through a lock file. In the browser build, a plugin swaps the
 * node:crypto-backed primitive files for their @noble twins in src/dashboard/browser/ (cross-tested
 * byte for byte in test/dashboard/browserCrypto.test.ts).
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
/** The built dashboard. */
export const DASHBOARD_OUT = join(ROOT, 'dist/dashboard');
const LOCK = join(ROOT, 'dist/.dashboard-build.lock');

/** The node-only files and their browser replacements. */
const BROWSER_SHIMS = new Map([
  [join(SRC, 'crypto/digest.ts'), join(SRC, 'dashboard/browser/digest.ts')],
  [join(SRC, 'crypto/kdf.ts'), join(SRC, 'dashboard/browser/kdf.ts')],
  [join(SRC, 'crypto/aead.ts'), join(SRC, 'dashboard/browser/aead.ts')],
  [join(SRC, 'crypto/ed25519.ts'), join(SRC, 'dashboard/browser/ed25519.ts')],
  [join(SRC, 'codec/bytes.ts'), join(SRC, 'dashboard/browser/bytes.ts')],
  [join(SRC, 'crypto/ed25519Strict.ts'), join(SRC, 'dashboard/browser/ed25519Strict.ts')],
]);

/** Folders whose files end up in the bundle (a change in any of them triggers a rebuild). */
const SOURCES = ['dashboard', 'privacy', 'crypto', 'codec', 'ledger', 'contracts', 'market', 'errors.ts'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs);
}

/** True when the built dashboard is missing or older than its sources. */
export function dashboardStale(): boolean {
  const index = join(DASHBOARD_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = Math.max(
    ...SOURCES.map((s) => newestMtime(join(SRC, s))),
    newestMtime(join(ROOT, 'package-lock.json')),
  );
  return sources > built;
}

/** Builds the dashboard now (Vite), into dist/dashboard. */
export async function buildDashboard(): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(SRC, 'dashboard'),
    base: '/dashboard/',
    logLevel: 'warn',
    plugins: [
      {
        name: 'dpp-browser-crypto',
        enforce: 'pre',
        resolveId(source: string, importer: string | undefined) {
          if (source === 'node:crypto') return join(SRC, 'dashboard/browser/nodeCrypto.ts');
          if (source.startsWith('node:') || source === 'sodium-native' || source === 'classic-level')
            this.error(`${source} (imported by ${importer}) cannot run in the browser`);
          if (importer === undefined || !source.startsWith('.')) return null;
          return BROWSER_SHIMS.get(resolve(dirname(importer), source)) ?? null;
        },
      },
    ],
    build: {
      outDir: DASHBOARD_OUT,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 2_000,
      reportCompressedSize: false,
    },
  });
}

/** Builds the dashboard if it is missing or stale; `say` gets one progress line when it builds. */
export async function ensureDashboard(say: (line: string) => void = () => {}): Promise<string> {
  if (!dashboardStale()) return DASHBOARD_OUT;
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(LOCK, 'wx');
    } catch {
      // Another process builds: wait for it (a lock older than 3 minutes is a crashed build's).
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { force: true });
      if (Date.now() > deadline) throw new Error(`the dashboard build lock ${LOCK} is held too long`);
      await new Promise((r) => setTimeout(r, 250));
      if (!dashboardStale()) return DASHBOARD_OUT;
      continue;
    }
    try {
      closeSync(fd);
      if (dashboardStale()) {
        say('building the dashboard (src/dashboard → dist/dashboard, once per change) …');
        await buildDashboard();
      }
      return DASHBOARD_OUT;
    } finally {
      rmSync(LOCK, { force: true });
    }
  }
}

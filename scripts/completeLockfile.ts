/**
 * `node --import tsx scripts/completeLockfile.ts`: adds to package-lock.json the entries of Biome's
 * platform binaries that this workplace's npm registry does not serve (macOS, Windows, Android,
 * musl). npm omits them from the lock when it cannot fetch them, and `npm ci` then refuses the lock
 * ("Missing: @biomejs/cli-darwin-x64@ from lock file"). The added entries carry os/cpu/libc, so npm
 * skips them on this platform without downloading anything. test/lockfile.test.ts fails when an
 * entry is missing, pointing here. Run it after any `npm install` that rewrites the lock.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

const PLATFORM = /^@biomejs\/cli-(android|darwin|linux|win32)-(arm64|x64)(-musl)?$/;

/** The lock with every missing Biome platform entry added; returns the names added. */
export function completeLock(lock: { packages: Record<string, LockEntry> }): string[] {
  const added: string[] = [];
  for (const entry of Object.values(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const m = PLATFORM.exec(name);
      const key = `node_modules/${name}`;
      if (m === null || lock.packages[key] !== undefined) continue;
      lock.packages[key] = {
        version,
        cpu: [m[2]],
        dev: true,
        license: 'MIT OR Apache-2.0',
        optional: true,
        os: [m[1]],
        ...(m[3] === undefined ? {} : { libc: ['musl'] }),
      };
      added.push(name);
    }
  }
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return added;
}

if (process.argv[1]?.endsWith('completeLockfile.ts')) {
  const file = resolve(import.meta.dirname, '../package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const added = completeLock(lock);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length === 0 ? 'package-lock.json already complete' : `added ${added.join(', ')}`);
}

/**
 * `node --import tsx scripts/screenshotDashboard.ts <dashboard URL> <out.png> [page]`: the README's
 * screenshot of a running dashboard (e.g. `npm start`'s, after a few rounds) at 1280×800, taken with
 * Debian's chromium exactly as the browser tests drive it.
 */
import { ensureChromium, launchChromium } from '../test/dashboard/chromium.ts';

const [url, out, page = 'market'] = process.argv.slice(2);
if (url === undefined || out === undefined) {
  process.stderr.write('usage: screenshotDashboard.ts <dashboard URL> <out.png> [page]\n');
  process.exit(1);
}
ensureChromium();
const browser = await launchChromium();
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await tab.goto(`${url.replace(/\/$/, '')}/#${page}`);
  await tab.waitForSelector('.uplot', { timeout: 30_000 });
  await tab.waitForTimeout(1_000); // let the charts settle
  await tab.screenshot({ path: out });
} finally {
  await browser.close();
}

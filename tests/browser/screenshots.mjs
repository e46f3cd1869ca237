// Screenshots for looking at the pages as residents see them:
//   node screenshots.mjs [SITE_DIR] [OUT_DIR]   (defaults: ../../public, /tmp/shots)
// The start page, a system page, a department page, the complaint page and the
// accessibility statement, an earlier version and a removed record, at 320 and
// 1280 px, light and dark (28 images).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const siteDir = path.resolve(process.argv[2] ?? path.join(here, '..', '..', 'public'));
const outDir = path.resolve(process.argv[3] ?? '/tmp/shots');
const only = process.argv[4];
const PAGES = {
  start: '',
  system: 'system/placering-i-forskola/',
  department: 'forvaltning/socialforvaltningen/',
  complaint: 'klaga/',
  statement: 'tillganglighet/',
  version: 'system/chattbot-webbplatsen/version/1/',
  removed: 'system/skanning-av-fakturor/',
};

const server = createServer(async (req, res) => {
  let file = path.join(siteDir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
    const type = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.json': 'application/json' }[path.extname(file)];
    res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const [name, urlPath] of Object.entries(PAGES)) {
    if (only && !name.startsWith(only)) continue;
    for (const width of [320, 1280]) {
      for (const colorScheme of ['light', 'dark']) {
        const context = await browser.newContext({ viewport: { width, height: width === 320 ? 640 : 900 }, colorScheme });
        const page = await context.newPage();
        await page.goto(base + urlPath, { waitUntil: 'load' });
        const file = path.join(outDir, `${name}-${width}-${colorScheme}.png`);
        // The first two screens on a phone, the first 2,400 px on a wide screen.
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, width === 320 ? 1280 : 2400) } });
        console.log(file);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}

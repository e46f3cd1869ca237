// Screenshots of a version page, a removed page and the history block (not part of CI).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
const root = path.resolve(process.argv[2] || 'public');
const out = process.argv[3] || '/tmp/shots19';
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p.endsWith('/')) p += 'index.html';
  try { const b = await readFile(path.join(root, p)); res.writeHead(200, { 'content-type': types[path.extname(p)] || 'application/octet-stream' }); res.end(b); }
  catch { res.writeHead(404); res.end(); }
}).listen(0);
const port = server.address().port;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const pages = [
  ['version', 'system/chattbot-webbplatsen/version/1/'],
  ['removed', 'system/skanning-av-fakturor/'],
  ['history', 'system/ekonomiskt-bistand-automatiserad-handlaggning/#historik'],
  ['changes', 'andringar/'],
];
for (const [name, url] of pages) for (const width of [320, 1280]) for (const scheme of ['light', 'dark']) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${port}/${url}`);
  if (name === 'history') { await page.locator('details').first().evaluate(d => d.open = true).catch(() => {}); await page.locator('#historik').scrollIntoViewIfNeeded(); }
  const file = `${out}/${name}-${width}-${scheme}.png`;
  if (name === 'history') await page.locator('section[aria-labelledby="historik"]').screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: false });
  await ctx.close();
}
await browser.close(); server.close();

// The browser suite: every page of a built site, in real Chromium (Debian's
// package, never a downloaded browser), checked the way residents use it.
//
//   node a11y.mjs [SITE_DIR]     (default: ../../public)
//
// For every HTML page:
//   - axe-core with the WCAG 2.0/2.1/2.2 A and AA rules, in light and dark mode;
//   - no request to any other origin, no console error, no cookie;
//   - no horizontal scrolling at 320 CSS px (WCAG 1.4.10 reflow, = 1280 px at 400 %);
//   - at 320 and 1280 px, no word of four letters or more split over two lines
//     (unless it alone is wider than its box);
//   - on a 320 × 640 phone, the start page's list and its link to how to
//     complain, and each system page's link to its appeal section, lie within
//     the first two screens;
//   - the page works with JavaScript off (content and links are there);
//   - the Nu HTML checker (vnu.jar) finds no error.
// Plus: the skip link is the first thing a keyboard reaches and moves focus to
// the content; focused links are visibly marked; print hides the navigation;
// search (sok/ in each language) finds records with JavaScript on, passes axe
// with its results shown, and its first search stays under 300 KB; the start
// page's filters combine with JavaScript on (checkCombine).
// Ends with the line "N passed, N failed"; exits 1 on any failure.

import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createServer } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
// --security: only what hostile content could break (dialogs, foreign requests,
// console errors, cookies), for a site built from the injection corpus.
const securityOnly = args.includes('--security');
// --search-only: only the search checks (for large benchmark sites).
const searchOnly = args.includes('--search-only');
// --pages=REGEX: only the pages whose file matches (while working on a few).
const only = args.find((a) => a.startsWith('--pages='))?.slice('--pages='.length);
const siteDir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(here, '..', '..', 'public'));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static server like any web host: folders serve index.html, misses serve 404.html. */
function serve(root) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      const body = await readFile(path.join(root, '404.html')).catch(() => 'not found');
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      res.end(body);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function htmlFiles(dir, prefix = '') {
  const out = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await htmlFiles(path.join(dir, entry.name), rel + '/')));
    else if (entry.name.endsWith('.html')) out.push(rel);
  }
  return out;
}

const results = { passed: 0, failed: 0 };
function check(name, problems) {
  if (problems.length === 0) {
    results.passed += 1;
  } else {
    results.failed += 1;
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`     ${p}`);
  }
}

/** Opens `url` in a fresh context, recording foreign requests, console errors and page errors. */
async function open(browser, url, options, expectStatus = 200) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(url).origin;
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin && !r.url().startsWith('data:')) problems.push(`request to another origin: ${r.url()}`);
  });
  page.on('console', (m) => {
    // Chromium logs a page served with 404 as an error; for the not-found page that is the point.
    const ownStatus = expectStatus === 404 && m.location()?.url === url;
    if (m.type() === 'error' && !ownStatus) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    await d.dismiss();
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  return { context, page, problems, status: response?.status() };
}

function describeViolations(violations) {
  return violations.flatMap((v) =>
    v.nodes.slice(0, 5).map((n) => `axe ${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`),
  );
}

/**
 * Search in one language: a word from the first record's name finds it; the
 * results pass axe in light and dark mode; "show more" moves focus to the new
 * results; every fetch stays on the site; the first search transfers < 300 KB.
 */
async function checkSearch(browser, base, prefix, hostile = false) {
  const index = path.join(siteDir, 'search', prefix ? prefix.replace(/\/$/, '') : await mainLanguage());
  const first = JSON.parse(await readFile(path.join(index, 'd0.json'), 'utf8'))[0];
  const word = hostile ? 'script' : first[1].split(/[^\p{L}\p{N}]+/u).find((w) => [...w].length >= 3) ?? first[1];
  for (const colorScheme of ['light', 'dark']) {
    const { context, page, problems } = await open(browser, `${base}${prefix}sok/`, { colorScheme });
    let bytes = 0;
    page.on('response', async (r) => {
      if (r.url().includes('/search/')) bytes += (await r.body().catch(() => Buffer.alloc(0))).length;
    });
    await page.fill('#sok-q', word);
    await page.click('.search-form button[type="submit"]');
    await page.waitForFunction(() => /\d/.test(document.getElementById('sok-status').textContent), null, { timeout: 10000 })
      .catch(() => problems.push('no result count within 10 s'));
    await page.waitForTimeout(100);
    const links = await page.locator('#sok-results a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    if (!hostile && !links.some((h) => h.endsWith(`system/${first[0]}/`))) problems.push(`searching "${word}" did not find ${first[0]}: ${links.join(', ')}`);
    if (!new URL(page.url()).searchParams.get('q')) problems.push('the query is not in the address (cannot be shared or reloaded)');
    if (!hostile) {
      for (const href of links.slice(0, 3)) {
        const status = (await page.request.get(new URL(href, page.url()).href)).status();
        if (status !== 200) problems.push(`result link ${href}: HTTP ${status}`);
      }
      const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
      problems.push(...describeViolations(axe.violations));
    } else {
      for (const el of await page.locator('#sok-results li').all()) await el.hover({ timeout: 500 }).catch(() => {});
      const injected = await page.locator('#sok-results script, #sok-results img, #sok-results iframe').count();
      if (injected) problems.push(`${injected} elements injected into the results`);
    }
    if (colorScheme === 'light' && !hostile) {
      console.log(`search ${prefix || '/'}: "${word}" → ${links.length} shown, first search transferred ${bytes} bytes`);
      if (bytes > 300 * 1024) problems.push(`first search transferred ${bytes} bytes, over 300 KB`);
      if (await page.locator('#sok-more').isVisible()) {
        await page.click('#sok-more');
        await page.waitForTimeout(300);
        const focused = await page.evaluate(() => document.activeElement?.closest('#sok-results') !== null);
        if (!focused) problems.push('after "show more", focus is not on the new results');
      }
    }
    check(`${prefix}sok/ search "${word}" [${colorScheme}${hostile ? ', hostile content' : ''}]`, problems);
    await context.close();
  }
}

/** The main language: the one whose index is not under a language folder of pages. */
async function mainLanguage() {
  const langs = (await readdir(path.join(siteDir, 'search'))).sort();
  for (const l of langs) {
    const folder = await stat(path.join(siteDir, l)).catch(() => null);
    if (!folder) return l;
  }
  return langs[0];
}

async function searchPrefixes() {
  const langs = await readdir(path.join(siteDir, 'search')).catch(() => []);
  const main = await mainLanguage();
  return langs.sort().map((l) => (l === main ? '' : `${l}/`));
}


/**
 * Words of four letters or more that the browser split over two lines: each
 * word's Range.getClientRects() lie on more than one line. A word wider than
 * its box may break (it could not fit anyway); so may text nobody sees.
 */
async function splitWords(page) {
  return page.evaluate(() => {
    const out = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('.visually-hidden, script, style, option, .skip-link')) continue;
      let box = el;
      while (box.parentElement && getComputedStyle(box).display.startsWith('inline')) box = box.parentElement;
      const style = getComputedStyle(box);
      const width = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      // A word is a run of letters; what may break is judged by the whole
      // string between spaces it stands in (an e-mail address breaks as one).
      const widthOf = (from, to) => {
        range.setStart(n, from);
        range.setEnd(n, to);
        return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      };
      for (const token of n.data.matchAll(/\S+/gu)) {
        const whole = widthOf(token.index, token.index + token[0].length).reduce((sum, r) => sum + r.width, 0);
        if (whole >= width - 1) continue;
        for (const m of token[0].matchAll(/[\p{L}\p{N}]{4,}/gu)) {
          const rects = widthOf(token.index + m.index, token.index + m.index + m[0].length);
          const lines = new Set(rects.map((r) => Math.round(r.bottom)));
          if (lines.size < 2) continue;
          out.push(`"${m[0]}" in <${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}>`);
        }
      }
    }
    return out;
  });
}

/** How far down (CSS px from the top of the page) the first element matching `selector` starts, or null. */
async function depthOf(page, selector) {
  return page.evaluate((sel) => {
    const el = [...document.querySelectorAll(sel)].find((e) => e.getClientRects().length > 0);
    return el ? el.getBoundingClientRect().top + window.scrollY : null;
  }, selector);
}

/**
 * The start page's filters with JavaScript: a status, then a department too,
 * narrow the list at once to what the filter pages list; the live region says
 * how many; the address keeps the choice, and loading that address shows the
 * same list again; axe finds nothing in light and dark with the choice made.
 */
async function checkCombine(browser, base, prefix) {
  const { context, page, problems } = await open(browser, `${base}${prefix}`, { viewport: { width: 320, height: 640 } });
  const rowsOf = async (urlPath) => {
    const file = path.join(siteDir, urlPath, 'index.html');
    const html = await readFile(file, 'utf8').catch(() => null);
    if (html === null) return 0;
    const m = html.match(/<caption[^>]*>[\s\S]*?\((\d+)/);
    return m ? Number(m[1]) : 0;
  };
  const announced = async () => {
    await page.waitForFunction(() => (document.getElementById('filter-status')?.textContent ?? '') !== '', null, { timeout: 10000 })
      .catch(async () => problems.push(`no count announced within 10 s (${await page.evaluate(() => document.getElementById('filter-status')?.textContent)}, ${page.url()})`));
    await page.waitForTimeout(100);
    return page.evaluate(() => ({
      text: document.getElementById('filter-status').textContent,
      rows: document.querySelectorAll('table.systems tbody tr').length,
    }));
  };
  await page.click('details.filters summary');
  if (!(await page.locator('#val-status').isVisible())) problems.push('the combined filters are not shown with JavaScript on');
  const statusValue = await page.locator('#val-status option').nth(1).getAttribute('value');
  await page.selectOption('#val-status', statusValue);
  let seen = await announced();
  const expected = await rowsOf(`${prefix}status/${statusValue.replace(/_/g, '-')}`);
  if (seen.rows !== Math.min(expected, 100)) problems.push(`status ${statusValue}: ${seen.rows} rows, the filter page lists ${expected}`);
  if (!seen.text.includes(String(expected))) problems.push(`status ${statusValue}: announced "${seen.text}", expected ${expected}`);
  await page.waitForFunction(() => document.querySelectorAll('#val-department option').length > 1, null, { timeout: 5000 }).catch(() => {});
  // A department that has systems with that status (its filter page exists).
  const departments = await page.locator('#val-department option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  const combos = await Promise.all(departments.map((d) => rowsOf(`${prefix}forvaltning/${d}/status/${statusValue.replace(/_/g, '-')}`)));
  const deptValue = departments[combos.findIndex((n) => n > 0)] ?? departments[0];
  await page.selectOption('#val-department', deptValue);
  await page.waitForTimeout(300);
  seen = await announced().catch(() => seen);
  const both = await rowsOf(`${prefix}forvaltning/${deptValue}/status/${statusValue.replace(/_/g, '-')}`);
  if (seen.rows !== Math.min(both, 100)) problems.push(`status ${statusValue} at ${deptValue}: ${seen.rows} rows, the department's filter page lists ${both}`);
  const url = new URL(page.url());
  if (url.searchParams.get('status') !== statusValue || url.searchParams.get('forvaltning') !== deptValue) problems.push(`the address does not keep the choice: ${page.url()}`);
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
    problems.push(...describeViolations(axe.violations));
  }
  // The address, opened again, shows the same choice.
  await page.goto(page.url(), { waitUntil: 'load' });
  const again = await announced();
  if (again.rows !== seen.rows) problems.push(`reloading ${page.url()} shows ${again.rows} rows, not ${seen.rows}`);
  check(`${prefix || '/'} filters combined with JavaScript`, problems);
  await context.close();
}

async function main() {
  const pages = searchOnly ? ['index.html'] : (await htmlFiles(siteDir)).filter((p) => !only || new RegExp(only).test(p));
  if (pages.length === 0) throw new Error(`no HTML pages in ${siteDir}: build the site first`);
  const server = await serve(siteDir);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps'],
  });
  const started = Date.now();
  const titles = new Map();
  const weights = [];
  const checkSecurity = async (file) => {
    const urlPath = file === '404.html' ? 'finns-inte/' : file.replace(/index\.html$/, '');
    const expectStatus = file === '404.html' ? 404 : 200;
    const { context, page, problems } = await open(browser, base + urlPath, {}, expectStatus);
    // Give any injected handler a chance to fire: hover and focus everything.
    for (const el of await page.locator('main a, main p, main li, main td').all()) {
      await el.hover({ timeout: 500 }).catch(() => {});
    }
    await page.waitForTimeout(100);
    const cookies = await context.cookies();
    if (cookies.length) problems.push(`sets cookies: ${cookies.map((c) => c.name).join(', ')}`);
    // The only scripts are the theme's own search and filters.
    const scripts = await page.locator('script').evaluateAll((els) => els
      .filter((e) => !/static\/(search|filter)\.js$/.test(e.getAttribute('src') ?? '') || e.textContent.trim()).length);
    if (scripts) problems.push(`${scripts} <script> elements`);
    check(`${urlPath || '/'} [hostile content]`, problems);
    await context.close();
  };
  const checkPage = async (file) => {
      const urlPath = file === '404.html' ? 'finns-inte/' : file.replace(/index\.html$/, '');
      const url = base + urlPath;
      const expectStatus = file === '404.html' ? 404 : 200;

      for (const colorScheme of ['light', 'dark']) {
        const { context, page, problems, status } = await open(browser, url, { colorScheme, viewport: { width: 1280, height: 900 } }, expectStatus);
        if (status !== expectStatus) problems.push(`HTTP ${status}, expected ${expectStatus}`);
        const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
        problems.push(...describeViolations(axe.violations));
        if (colorScheme === 'light') {
          const split = await splitWords(page);
          if (split.length) problems.push(`at 1280 px, ${split.length} words split over two lines: ${split.slice(0, 5).join('; ')}`);
          // One h1, and no heading level skipped on the way down.
          const levels = await page.evaluate(() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1])));
          if (levels.filter((l) => l === 1).length !== 1 || levels[0] !== 1) problems.push(`headings must start with exactly one h1: ${levels.join(' ')}`);
          levels.forEach((l, i) => {
            if (i > 0 && l > levels[i - 1] + 1) problems.push(`heading level skipped: h${levels[i - 1]} → h${l}`);
          });
          titles.set(await page.title(), [...(titles.get(await page.title()) ?? []), urlPath || '/']);
          // Weight as a resident downloads it: the HTML and every stylesheet and script, uncompressed.
          const weight = await page.evaluate(() => performance.getEntriesByType('resource')
            .filter((r) => r.initiatorType === 'link' || r.initiatorType === 'script')
            .reduce((sum, r) => sum + r.decodedBodySize, 0));
          const html = (await stat(path.join(siteDir, file))).size;
          weights.push([urlPath || '/', html + weight]);
          if (html + weight > 50 * 1024) problems.push(`page weight ${html + weight} bytes is over 50 KB`);
        }
        const cookies = await context.cookies();
        if (cookies.length) problems.push(`sets cookies: ${cookies.map((c) => c.name).join(', ')}`);
        check(`${urlPath || '/'} [${colorScheme}]`, problems);
        await context.close();
      }

      // 320 CSS px wide: the page reflows without sideways scrolling.
      {
        const { context, page, problems } = await open(browser, url, { viewport: { width: 320, height: 640 } }, expectStatus);
        const overflow = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
          culprits: [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
              && !el.closest('.table-scroll'))
            .slice(0, 3)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 40)}"`),
        }));
        if (overflow.scroll > overflow.client) problems.push(`scrolls sideways at 320 px: ${overflow.scroll} > ${overflow.client}; ${overflow.culprits.join('; ')}`);
        const split = await splitWords(page);
        if (split.length) problems.push(`at 320 px, ${split.length} words split over two lines: ${split.slice(0, 5).join('; ')}`);
        // Two screens of a 320 × 640 phone: where a resident still looks.
        const screens = 2 * 640;
        const startPage = /^([a-z]{2}\/)?index\.html$/.test(file);
        if (startPage) {
          const list = await depthOf(page, 'main .systems tbody a');
          if (list === null || list >= screens) problems.push(`the list of systems starts at ${list} px, not within two screens (${screens} px)`);
          const complain = await depthOf(page, 'main a[href$="klaga/"]');
          if (complain === null || complain >= screens) problems.push(`the link to how to complain starts at ${complain} px, not within two screens`);
        }
        if (/^([a-z]{2}\/)?system\/[^/]+\/index\.html$/.test(file)) {
          const jump = await depthOf(page, 'main a[href="#klaga"]');
          if (jump === null || jump >= screens) problems.push(`no in-page link to the appeal section within two screens (found at ${jump} px)`);
          if (!(await page.locator('#klaga').count())) problems.push('the appeal section #klaga is missing');
        }
        check(`${urlPath || '/'} [320 px]`, problems);
        await context.close();
      }

      // JavaScript off: everything is still there.
      {
        const { context, page, problems } = await open(browser, url, { javaScriptEnabled: false }, expectStatus);
        const h1 = await page.locator('h1').count();
        if (h1 !== 1) problems.push(`expected one h1 with JavaScript off, found ${h1}`);
        const text = (await page.locator('main').innerText()).trim();
        if (text.length < 40) problems.push(`<main> is (nearly) empty with JavaScript off: "${text}"`);
        // (What a closed <details> holds is one tap away, and works without JavaScript.)
        const hidden = await page.locator('main :is(p, li, dd, td)').evaluateAll((els) => els.filter((e) => e.offsetParent === null && !e.closest('details:not([open])')).length).catch(() => 0);
        if (hidden) problems.push(`${hidden} paragraphs, list items or cells are hidden with JavaScript off`);
        check(`${urlPath || '/'} [no JavaScript]`, problems);
        await context.close();
      }
  };
  try {
    for (const prefix of await searchPrefixes()) await checkSearch(browser, base, prefix, securityOnly);
    if (!securityOnly && !searchOnly) for (const prefix of await searchPrefixes()) await checkCombine(browser, base, prefix);
    if (searchOnly) {
      console.log(`${results.passed} passed, ${results.failed} failed`);
      process.exitCode = results.failed ? 1 : 0;
      return;
    }
    // A few pages at a time: the machine has two cores, Chromium uses both.
    const queue = [...pages];
    const workers = Array.from({ length: 3 }, async () => {
      while (queue.length) await (securityOnly ? checkSecurity : checkPage)(queue.shift());
    });
    await Promise.all(workers);
    if (!securityOnly) {
      check('every page has its own <title>', [...titles].filter(([, paths]) => paths.length > 1).map(([t, paths]) => `"${t}" on ${paths.join(', ')}`));
      weights.sort((a, b) => b[1] - a[1]);
      console.log(`page weight (HTML + CSS + JS, uncompressed): largest ${weights[0][1]} bytes (${weights[0][0]}), smallest ${weights.at(-1)[1]} bytes`);

      // The keyboard: the first Tab reaches the skip link, which moves focus to the content.
      {
        const { context, page, problems } = await open(browser, base + pages.find((p) => p.startsWith('system/')), {});
        await page.keyboard.press('Tab');
        const first = await page.evaluate(() => ({ cls: document.activeElement?.className, visible: getComputedStyle(document.activeElement).top }));
        if (first.cls !== 'skip-link') problems.push(`first Tab reached ${first.cls}, not the skip link`);
        const box = await page.locator('.skip-link').boundingBox();
        if (!box || box.y < 0) problems.push('the focused skip link is not on screen');
        await page.keyboard.press('Enter');
        const target = await page.evaluate(() => document.activeElement?.id);
        if (target !== 'innehall') problems.push(`after the skip link, focus is on #${target}, not #innehall`);
        // Every link shows a visible focus mark: its look changes when focused.
        const unmarked = await page.evaluate(() => {
          const out = [];
          for (const a of document.querySelectorAll('a[href]')) {
            const before = getComputedStyle(a);
            const look = [before.backgroundColor, before.boxShadow, before.outlineStyle].join('|');
            a.focus({ focusVisible: true });
            const after = getComputedStyle(a);
            if ([after.backgroundColor, after.boxShadow, after.outlineStyle].join('|') === look) out.push(a.textContent.trim());
          }
          return out;
        });
        await page.keyboard.press('Tab');
        const markOnKeyboardFocus = await page.evaluate(() => getComputedStyle(document.activeElement).backgroundColor);
        if (markOnKeyboardFocus === 'rgba(0, 0, 0, 0)') problems.push('a link focused with Tab has no focus background');
        if (unmarked.length && unmarked.length === (await page.locator('a[href]').count())) problems.push('no link gets a focus mark');
        check('keyboard: skip link and focus marks', problems);
        await context.close();
      }

      // Print: navigation and filters are hidden, link targets are written out.
      {
        const { context, page, problems } = await open(browser, base + pages.find((p) => p.startsWith('system/')), {});
        await page.emulateMedia({ media: 'print' });
        if (await page.locator('.site-nav').isVisible()) problems.push('the menu is printed');
        const after = await page.evaluate(() => {
          const a = document.querySelector('main a[href^="mailto:"]');
          return a ? getComputedStyle(a, '::after').content : 'none';
        });
        if (!after.includes('mailto:')) problems.push(`link targets are not written out in print (${after})`);
        check('print stylesheet', problems);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  if (securityOnly) {
    console.log(`${results.passed} passed, ${results.failed} failed`);
    process.exitCode = results.failed ? 1 : 0;
    return;
  }

  // The Nu HTML checker on every page.
  const require = createRequire(import.meta.url);
  const vnu = path.join(path.dirname(require.resolve('vnu-jar/package.json')), 'build', 'dist', 'vnu.jar');
  const files = pages.map((p) => path.join(siteDir, p));
  const run = spawnSync('java', ['-jar', vnu, '--errors-only', '--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    check('Nu HTML checker', [`could not run java: ${run.error.message}`]);
  } else {
    let messages = [];
    try {
      messages = JSON.parse(run.stderr || '{"messages":[]}').messages;
    } catch {
      messages = [{ url: '', message: run.stderr.slice(0, 500) }];
    }
    check(`Nu HTML checker (${files.length} pages)`, messages.map((m) => `${path.relative(siteDir, fileURLToPath(m.url || 'file:///'))}:${m.lastLine}: ${m.message}`));
  }

  console.log(`browser suite: ${pages.length} pages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  process.exitCode = 1;
});

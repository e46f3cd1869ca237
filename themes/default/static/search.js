// Search for the AI register (the page sok/). Progressive enhancement: without
// JavaScript the form stays hidden and the filter pages serve. The index is
// split into small files (see src/search.rs); a search fetches the list of
// chunks, the chunks holding its words, and the records it shows. Everything
// written into the page goes through textContent, never HTML.
(() => {
  'use strict';
  const form = document.querySelector('form[data-search]');
  if (!form || !window.fetch || !window.Map) return;
  const input = form.querySelector('input[name="q"]');
  const status = document.getElementById('sok-status');
  const list = document.getElementById('sok-results');
  const more = document.getElementById('sok-more');
  const base = form.dataset.search;
  const root = form.dataset.root;
  const PAGE = 10;
  // At most this many chunks per word: a short prefix never fetches much.
  const MAX_CHUNKS = 4;
  const files = new Map();
  const get = (name) => {
    if (!files.has(name)) {
      files.set(name, fetch(base + name).then((r) => {
        if (!r.ok) throw new Error(name + ': ' + r.status);
        return r.json();
      }));
    }
    return files.get(name);
  };
  // The same words as the index: lower case, letters and digits, two or more.
  const words = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => [...w].length >= 2);
  const say = (key, n, q) => (form.dataset[key] || '').replace('{n}', String(n)).replace('{q}', q);

  // Record number → score for one word: an exact word counts double; from three
  // letters on, words that start with it count too.
  async function scores(word, manifest) {
    const chunks = manifest.chunks;
    let lo = 0, hi = chunks.length - 1, first = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid] <= word) { first = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    const prefix = [...word].length >= 3;
    const wanted = [first];
    for (let k = first + 1; prefix && k < chunks.length && chunks[k].startsWith(word) && wanted.length < MAX_CHUNKS; k++) {
      wanted.push(k);
    }
    const found = new Map();
    for (const chunk of await Promise.all(wanted.filter((k) => k < chunks.length).map((k) => get('w' + k + '.json')))) {
      for (const [w, postings] of Object.entries(chunk)) {
        const exact = w === word;
        if (!exact && !(prefix && w.startsWith(word))) continue;
        // One letter per record: its weight (a 1, b 2, c 4, d 8), after the
        // gap from the previous record in digits when that is not 1. Digits
        // before a capital letter: that many records in a row (src/search.rs).
        let doc = 0;
        let number = '';
        for (const ch of postings) {
          if (ch >= '0' && ch <= '9') {
            number += ch;
            continue;
          }
          const code = ch.charCodeAt(0);
          const run = code < 97;
          const weight = 1 << (code - (run ? 65 : 97));
          const score = exact ? weight * 2 : weight;
          const n = number === '' ? 1 : Number(number);
          number = '';
          for (let r = 0; r < (run ? n : 1); r++) {
            doc += run ? 1 : n;
            if ((found.get(doc) || 0) < score) found.set(doc, score);
          }
        }
      }
    }
    return found;
  }

  let hits = [];
  let shown = 0;
  let generation = 0;
  let manifest = null;

  function item(row) {
    const [id, name, summary, department, nameLang, departmentLang] = row;
    const li = document.createElement('li');
    const link = document.createElement('a');
    link.href = root + 'system/' + id + '/';
    link.textContent = name;
    if (nameLang) link.lang = nameLang;
    const heading = document.createElement('p');
    heading.className = 'search-name';
    heading.append(link);
    const meta = document.createElement('p');
    meta.className = 'search-meta';
    meta.textContent = department;
    if (departmentLang) meta.lang = departmentLang;
    const text = document.createElement('p');
    text.className = 'search-summary';
    text.textContent = summary;
    if (nameLang) text.lang = nameLang;
    li.append(heading, meta, text);
    return li;
  }

  async function showMore(mine, focus) {
    const page = hits.slice(shown, shown + PAGE);
    const per = manifest.per_file;
    const rows = await Promise.all(page.map((d) => get('d' + Math.floor(d / per) + '.json').then((f) => f[d % per])));
    if (mine !== generation) return;
    const items = rows.filter(Boolean).map(item);
    list.append(...items);
    shown += page.length;
    more.hidden = shown >= hits.length;
    if (focus && items[0]) items[0].querySelector('a').focus();
  }

  async function search(query) {
    const mine = ++generation;
    const terms = [...new Set(words(query))];
    list.replaceChildren();
    more.hidden = true;
    hits = [];
    shown = 0;
    if (!terms.length) {
      status.textContent = query.trim() ? say('short', 0, query) : '';
      return;
    }
    status.textContent = say('loading', 0, query);
    try {
      manifest = await get('index.json');
      let total = null;
      for (const term of terms) {
        const found = await scores(term, manifest);
        if (total === null) {
          total = found;
        } else {
          const both = new Map();
          for (const [doc, score] of found) if (total.has(doc)) both.set(doc, total.get(doc) + score);
          total = both;
        }
        if (!total.size) break;
      }
      if (mine !== generation) return;
      hits = [...total].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([doc]) => doc);
      status.textContent = hits.length === 0 ? say('none', 0, query)
        : say(hits.length === 1 ? 'one' : 'many', hits.length, query);
      await showMore(mine, false);
    } catch (e) {
      if (mine === generation) status.textContent = say('error', 0, query);
    }
  }

  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value;
    const url = new URL(window.location.href);
    url.searchParams.set('q', q);
    window.history.replaceState(null, '', url);
    search(q);
  });
  more.addEventListener('click', () => showMore(generation, true));
  const q = new URLSearchParams(window.location.search).get('q');
  if (q) {
    input.value = q;
    search(q);
  }
})();

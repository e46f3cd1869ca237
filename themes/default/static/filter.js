// The start page's filters, combined at once (progressive enhancement: without
// JavaScript the filter box links to a page per filter, and each department's
// page narrows within it). Data: search/<lang>/facets.json (five numbers per
// record, see src/site/combine.rs) and the search index's rows (d<k>.json),
// fetched only when a resident opens the filters or the address holds a choice.
// The choice is kept in the address (?forvaltning=…&status=…); the number of
// matches is announced in a live region. Text goes in through textContent only.
(() => {
  'use strict';
  const form = document.querySelector('form[data-facets]');
  const table = document.querySelector('table.systems');
  const status = document.getElementById('filter-status');
  if (!form || !table || !status || !window.fetch || !window.URLSearchParams) return;
  const body = table.tBodies[0];
  const box = form.closest('details');
  const count = table.caption && table.caption.querySelector('.count');
  const pager = document.querySelector('nav.pagination');
  const original = [...body.rows];
  const originalCount = count ? count.textContent : '';
  const headers = [...table.tHead.rows[0].cells].map((c) => c.textContent);
  const base = form.dataset.facets;
  const root = form.dataset.root;
  const SHOWN = 100;
  // Address parameter, list in facets.json, position in a record's five numbers.
  const FIELDS = {
    department: ['forvaltning', 'departments', 0],
    status: ['status', 'status', 1],
    ai_act: ['risk', 'ai_act', 4],
    personal_data: ['personuppgifter', 'personal_data', 3],
  };
  const selects = [...form.querySelectorAll('select[data-key]')];
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
  const say = (key, n, shown) => (form.dataset[key] || '').replace('{n}', String(n)).replace('{shown}', String(shown));

  let ready = null;
  function load() {
    if (!ready) {
      ready = Promise.all([get('facets.json'), get('index.json')]).then(([facets, manifest]) => {
        const select = selects.find((s) => s.dataset.key === 'department');
        for (const [slug, label, lang] of facets.departments) {
          const option = new Option(label, slug);
          if (lang) option.lang = lang;
          select.add(option);
        }
        return { facets, manifest };
      });
    }
    return ready;
  }

  function cell(label, text, tag) {
    const td = document.createElement('td');
    td.dataset.label = label;
    if (tag) {
      const span = document.createElement('span');
      span.className = tag;
      span.textContent = text;
      td.append(span);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function row(doc, numbers, facets) {
    const [id, name, , department, nameLang, departmentLang] = doc;
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const link = document.createElement('a');
    link.href = root + 'system/' + id + '/';
    link.textContent = name;
    if (nameLang) link.lang = nameLang;
    th.append(link);
    const dept = cell(headers[1], department);
    if (departmentLang) dept.lang = departmentLang;
    const [st, stLabel] = facets.status[numbers[1]];
    const [risk, riskLabel] = facets.ai_act[numbers[4]];
    tr.append(th, dept,
      cell(headers[2], stLabel, 'tag status-' + st),
      cell(headers[3], facets.decision_role[numbers[2]][1]),
      cell(headers[4], facets.personal_data[numbers[3]][1]),
      cell(headers[5], riskLabel, 'tag risk-' + risk));
    return tr;
  }

  let generation = 0;
  async function apply(push) {
    const mine = ++generation;
    const chosen = selects.filter((s) => s.value !== '');
    const params = new URLSearchParams();
    for (const s of chosen) params.set(FIELDS[s.dataset.key][0], s.value);
    if (push) {
      const query = params.toString();
      history.replaceState(null, '', query ? '?' + query : location.pathname);
    }
    if (chosen.length === 0) {
      body.replaceChildren(...original);
      if (count) count.textContent = originalCount;
      if (pager) pager.hidden = false;
      status.textContent = '';
      return;
    }
    let data;
    try {
      data = await load();
    } catch {
      status.textContent = form.dataset.error || '';
      return;
    }
    const { facets, manifest } = data;
    const wanted = chosen.map((s) => {
      const [, list, at] = FIELDS[s.dataset.key];
      return [at, facets[list].findIndex((v) => v[0] === s.value)];
    });
    const records = facets.records;
    const matches = [];
    for (let n = 0; n * 5 < records.length; n++) {
      if (wanted.every(([at, v]) => records[n * 5 + at] === v)) matches.push(n);
    }
    const page = matches.slice(0, SHOWN);
    const per = manifest.per_file;
    let docs;
    try {
      docs = await Promise.all(page.map((n) => get('d' + Math.floor(n / per) + '.json').then((f) => f[n % per])));
    } catch {
      status.textContent = form.dataset.error || '';
      return;
    }
    if (mine !== generation) return;
    body.replaceChildren(...page.map((n, k) => row(docs[k], records.slice(n * 5, n * 5 + 5), facets)));
    if (pager) pager.hidden = true;
    const n = matches.length;
    const message = n === 0 ? say('none', n) : n === 1 ? say('one', n) : n > SHOWN ? say('first', n, SHOWN) : say('many', n);
    if (count) count.textContent = '(' + n + ')';
    status.textContent = message;
  }

  form.hidden = false;
  for (const el of box.querySelectorAll('.filter-groups, .filter-intro')) el.hidden = true;
  form.addEventListener('submit', (e) => e.preventDefault());
  for (const s of selects) s.addEventListener('change', () => apply(true));
  box.addEventListener('toggle', () => { if (box.open) load().catch(() => {}); });

  // A choice kept in the address: open the filters and apply it.
  const params = new URLSearchParams(location.search);
  const given = selects.filter((s) => params.has(FIELDS[s.dataset.key][0]));
  if (given.length) {
    box.open = true;
    load().then(() => {
      for (const s of given) s.value = params.get(FIELDS[s.dataset.key][0]);
      return apply(false);
    }).catch(() => { status.textContent = form.dataset.error || ''; });
  }
})();

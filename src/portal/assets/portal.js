/* global document, window, DataTransfer */
/*
 * Guichet portal: progressive enhancements only. Every page works without this file:
 * autocomplete (catalogue keywords, people), suggestions while a title is typed, drag and drop
 * and pasted screenshots for attachments, attachment limits checked before sending.
 */
(function () {
  'use strict';

  function debounce(fn, ms) {
    let timer;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then((r) => (r.ok ? r.json() : []));
  }

  function withQuery(url, params) {
    const u = new URL(url, window.location.href);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  function fillDatalist(list, options) {
    list.replaceChildren(
      ...options.map((o) => {
        const option = document.createElement('option');
        option.value = o.value;
        if (o.label) option.label = o.label;
        return option;
      }),
    );
  }

  // Catalogue keywords: products whose name or keywords match (3 characters or more).
  document.querySelectorAll('input[data-guichet-catalogue]').forEach((input) => {
    const list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    input.addEventListener('input', debounce(() => {
      const q = input.value.trim();
      if (q.length < 3) return fillDatalist(list, []);
      getJson(withQuery(input.dataset.guichetCatalogue, { q })).then((items) => fillDatalist(list, items.map((i) => ({ value: i.name, label: i.path.join(' › ') }))));
    }, 200));
  });

  // People of the directory: the value becomes the login; several people are separated by commas.
  document.querySelectorAll('input[data-guichet-people]').forEach((input) => {
    let list = input.getAttribute('list') && document.getElementById(input.getAttribute('list'));
    if (!list) return;
    const multi = input.dataset.multi === 'true';
    input.addEventListener('input', debounce(() => {
      const parts = multi ? input.value.split(',') : [input.value];
      const q = parts[parts.length - 1].trim();
      if (q.length < 2) return fillDatalist(list, []);
      const prefix = multi ? parts.slice(0, -1).map((p) => p.trim()).filter(Boolean).join(', ') : '';
      getJson(withQuery(input.dataset.guichetPeople, { q })).then((people) =>
        fillDatalist(list, people.map((p) => ({ value: (prefix ? prefix + ', ' : '') + p.login, label: [p.name, p.title, (p.establishments || []).join(', ')].filter(Boolean).join(' — ') }))),
      );
    }, 200));
  });

  // While the title is typed: look-alike open tickets of the person and the product's FAQ.
  document.querySelectorAll('input[data-guichet-suggest]').forEach((input) => {
    const box = document.getElementById('suggestions');
    if (!box) return;
    input.addEventListener('input', debounce(() => {
      const q = input.value.trim();
      if (q.length < 3) return box.replaceChildren();
      getJson(withQuery(input.dataset.guichetSuggest, { q })).then((data) => {
        const parts = [];
        if (data.tickets && data.tickets.length) {
          const p = document.createElement('p');
          p.className = 'fr-text--sm fr-mb-1v';
          p.textContent = box.dataset.ticketsLabel;
          const ul = document.createElement('ul');
          data.tickets.forEach((t) => {
            const li = document.createElement('li');
            const a = document.createElement('a');
            a.href = t.href;
            a.textContent = t.reference + ' — ' + t.title + ' (' + t.status + ')';
            li.append(a);
            ul.append(li);
          });
          parts.push(p, ul);
        }
        if (data.faq && data.faq.length) {
          const p = document.createElement('p');
          p.className = 'fr-text--sm fr-mb-1v';
          p.textContent = box.dataset.faqLabel;
          const ul = document.createElement('ul');
          data.faq.forEach((f) => {
            const li = document.createElement('li');
            const details = document.createElement('details');
            const summary = document.createElement('summary');
            summary.textContent = f.title;
            const body = document.createElement('p');
            body.textContent = f.body;
            details.append(summary, body);
            li.append(details);
            ul.append(li);
          });
          parts.push(p, ul);
        }
        box.replaceChildren(...parts);
      });
    }, 400));
  });

  // Attachments: drop zone, pasted screenshots, limits checked before sending.
  document.querySelectorAll('[data-guichet-upload]').forEach((group) => {
    const input = group.querySelector('input[type=file]');
    const zone = group.querySelector('.guichet-drop');
    const messages = group.querySelector('.fr-messages-group');
    const maxBytes = Number(group.dataset.maxBytes || 0);
    const maxFiles = input.multiple ? Number(group.dataset.maxFiles || 1) : 1;
    const listing = document.createElement('ul');
    listing.className = 'guichet-files fr-text--sm';
    group.append(listing);
    if (zone) zone.hidden = false;

    function problem() {
      const files = Array.from(input.files || []);
      if (files.length > maxFiles || files.some((f) => maxBytes && f.size > maxBytes)) return group.dataset.tooLarge;
      return '';
    }

    function refresh() {
      listing.replaceChildren(...Array.from(input.files || []).map((f) => {
        const li = document.createElement('li');
        li.textContent = f.name + ' (' + Math.ceil(f.size / 1024) + ' ko)';
        return li;
      }));
      const message = problem();
      group.classList.toggle('fr-upload-group--error', Boolean(message));
      messages.replaceChildren();
      if (message) {
        const p = document.createElement('p');
        p.className = 'fr-message fr-message--error fr-error-text';
        p.textContent = message;
        messages.append(p);
      }
    }

    function add(files) {
      const dt = new DataTransfer();
      if (input.multiple) Array.from(input.files || []).forEach((f) => dt.items.add(f));
      Array.from(files).slice(0, input.multiple ? files.length : 1).forEach((f) => dt.items.add(f));
      input.files = dt.files;
      refresh();
    }

    input.addEventListener('change', refresh);
    if (zone) {
      zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('guichet-drop--over'); });
      zone.addEventListener('dragleave', () => zone.classList.remove('guichet-drop--over'));
      zone.addEventListener('drop', (e) => {
        e.preventDefault();
        zone.classList.remove('guichet-drop--over');
        if (e.dataTransfer && e.dataTransfer.files.length) add(e.dataTransfer.files);
      });
    }
    const form = group.closest('form');
    if (form) {
      form.addEventListener('paste', (e) => {
        const items = Array.from((e.clipboardData && e.clipboardData.files) || []);
        if (!items.length) return;
        e.preventDefault();
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        add(items.map((f, i) => new File([f], f.name && f.name !== 'image.png' ? f.name : 'capture-' + stamp + (i ? '-' + i : '') + '.png', { type: f.type })));
      });
      form.addEventListener('submit', (e) => {
        if (problem()) {
          e.preventDefault();
          refresh();
          input.focus();
        }
      });
    }
  });

  // After a failed submission, bring the summary of errors into view for keyboard and screen reader users.
  const summary = document.getElementById('form-errors');
  if (summary) summary.focus();
})();

// The workspace's behaviour in the portal's iframe. Every page works without it (forms post to the
// server); with it, links keep the page session, search runs as you type, selections survive
// paging, "Remove selected" waits for "Save", and "Add all matching" shows its progress.
(function () {
  'use strict';

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute('content') : null;
  }

  var session = meta('b24-session');
  var portal = meta('b24-portal');

  function announce(isError, text, details) {
    var status = document.querySelector('[data-outcome-status]');
    var alert = document.querySelector('[data-outcome-alert]');
    if (!status || !alert) { return; }
    var target = isError ? alert : status;
    (isError ? status : alert).textContent = '';
    target.textContent = '';
    [text].concat(details || []).forEach(function (line) {
      if (!line) { return; }
      var p = document.createElement('p');
      p.textContent = line;
      target.appendChild(p);
    });
  }

  // Links inside the app: a POST carrying the page session in its body, never in the URL or a cookie.
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-nav]');
    if (!link || !session || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    var form = document.createElement('form');
    form.method = 'post';
    form.action = link.getAttribute('href');
    [['__session', session], ['__portal', portal || '']].forEach(function (pair) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  });

  // The call list: "Remove selected" marks rows; "Save" removes them (with the form choice) in one save.
  var listForm = document.querySelector('[data-list-form]');
  if (listForm) {
    var pending = listForm.querySelector('[data-pending]');
    var pendingText = listForm.querySelector('[data-pending-text]');
    var removeButton = listForm.querySelector('[data-remove-selected]');
    removeButton.addEventListener('click', function (event) {
      event.preventDefault();
      var marked = listForm.querySelectorAll('input[name="mark"]:checked');
      if (marked.length === 0) {
        announce(true, removeButton.getAttribute('data-none-text'));
        return;
      }
      marked.forEach(function (box) {
        if (!pending.querySelector('input[value="' + box.value + '"]')) {
          var input = document.createElement('input');
          input.type = 'hidden';
          input.name = 'remove';
          input.value = box.value;
          pending.appendChild(input);
        }
        box.closest('tr').classList.add('is-removing');
      });
      var count = pending.querySelectorAll('input').length;
      var text = removeButton.getAttribute('data-pending-template').replace('{0}', count);
      pendingText.textContent = text;
      announce(false, text);
      var save = listForm.querySelector('[data-save]');
      if (save) { save.focus(); }
    });
  }

  // The picker: selections kept across pages and searches; search as you type.
  document.querySelectorAll('[data-picker-form]').forEach(function (form) {
    var picker = form.querySelector('[data-picker]');
    if (!picker) { return; }
    var results = picker.querySelector('[data-results]');
    var hidden = picker.querySelector('[data-selected-fields]');
    var counter = picker.querySelector('[data-selected-count]');
    var selected = new Set();
    form.querySelectorAll('input[name="selected"]').forEach(function (input) {
      if (input.type === 'hidden' || input.checked) { selected.add(input.value); }
    });

    function sync() {
      var visible = new Set();
      results.querySelectorAll('input[type="checkbox"][name="selected"]').forEach(function (box) {
        visible.add(box.value);
        box.checked = selected.has(box.value);
      });
      hidden.textContent = '';
      selected.forEach(function (id) {
        if (visible.has(id)) { return; }
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'selected';
        input.value = id;
        hidden.appendChild(input);
      });
      if (counter) { counter.textContent = counter.getAttribute('data-template').replace('{0}', String(selected.size)); }
    }

    results.addEventListener('change', function (event) {
      var box = event.target;
      if (box.name !== 'selected') { return; }
      if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); }
      sync();
    });

    var search = picker.querySelector('[data-search]');
    var timer = null;
    var inFlight = null;
    function refresh() {
      if (inFlight) { inFlight.abort(); }
      inFlight = new AbortController();
      var data = new FormData(form);
      data.delete('page');
      fetch(picker.getAttribute('data-results-url'), { method: 'POST', body: new URLSearchParams(data), signal: inFlight.signal })
        .then(function (response) {
          return response.text().then(function (html) { return { ok: response.ok, html: html }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            var page = new DOMParser().parseFromString(answer.html, 'text/html');
            var message = page.querySelector('[role="alert"]');
            announce(true, message ? message.textContent.trim() : '');
            return;
          }
          results.innerHTML = answer.html;
          sync();
        })
        .catch(function () { /* a newer search replaced this one */ });
    }
    if (search) {
      search.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 300);
      });
      search.addEventListener('keydown', function (event) {
        if (event.key === 'Enter') { event.preventDefault(); clearTimeout(timer); refresh(); }
      });
    }

    // A change of kind on the new-list page starts the choice afresh.
    form.querySelectorAll('[data-kind] input[type="radio"]').forEach(function (radio) {
      radio.addEventListener('change', function () {
        selected.clear();
        sync();
        var apply = form.querySelector('[data-kind-apply]');
        if (apply) { apply.click(); }
      });
    });

    // "Add all matching" on a list: progress streamed by the server, one JSON line per step.
    var addAll = form.querySelector('[data-add-all]');
    var url = picker.getAttribute('data-add-all-url');
    if (addAll && url && /\/api\/lists\/\d+\/add-all/.test(url)) {
      addAll.addEventListener('click', function (event) {
        event.preventDefault();
        var progress = picker.querySelector('[data-progress]');
        var bar = progress.querySelector('progress');
        var label = progress.querySelector('[data-progress-text]');
        progress.hidden = false;
        bar.removeAttribute('value');
        addAll.disabled = true;
        var data = new FormData(form);
        fetch(url, { method: 'POST', body: new URLSearchParams(data) }).then(function (response) {
          if (!response.ok || !response.body) {
            return response.json().then(function (problem) { throw new Error(problem.detail || ''); });
          }
          var reader = response.body.getReader();
          var decoder = new TextDecoder();
          var buffer = '';
          function pump() {
            return reader.read().then(function (chunk) {
              buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
              var lines = buffer.split('\n');
              buffer = lines.pop();
              lines.filter(Boolean).forEach(function (line) {
                var step = JSON.parse(line);
                label.textContent = step.text || '';
                if (step.phase === 'saving') { bar.max = 2; bar.value = 1; }
                if (step.phase === 'done') {
                  bar.max = 1; bar.value = 1;
                  announce(step.error, step.text, step.details);
                  if (!step.error) { selected.clear(); refresh(); }
                }
              });
              if (!chunk.done) { return pump(); }
            });
          }
          return pump();
        }).catch(function (error) {
          announce(true, error.message);
        }).finally(function () {
          addAll.disabled = false;
          setTimeout(function () { progress.hidden = true; }, 1500);
        });
      });
    }

    sync();
  });
})();

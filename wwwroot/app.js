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

  // The portal's frame client, once it answers; outcomes ask it to scroll the portal's page to them.
  var frame = null;

  // An outcome is where the user is looking: focused, scrolled into view, and the portal's page
  // scrolled to it (the frame grows with its content, so the portal's window is what scrolls).
  // Resolves once the portal has scrolled (at once outside the portal, or with nothing to reveal).
  function reveal(region) {
    if (!region || !region.textContent.trim()) { return Promise.resolve(); }
    region.setAttribute('tabindex', '-1');
    region.focus();
    region.scrollIntoView({ block: 'nearest' });
    if (!frame) { return Promise.resolve(); }
    var top = Math.max(0, Math.floor(region.getBoundingClientRect().top + window.scrollY) - 16);
    // The page moves until the portal has scrolled: not settled meanwhile.
    document.documentElement.removeAttribute('data-frame-settled');
    return within(frame.parent.scrollParentWindow(top).catch(function () {}), 1000).then(settled);
  }

  function pageOutcome() {
    var said = document.querySelector('[data-outcome-alert] p') || document.querySelector('[data-outcome-status] p');
    return said ? said.parentElement : null;
  }

  // focus: an action's outcome takes the focus; a search's refusal while typing, or a step before "Save", does not.
  function announce(isError, text, details, focus) {
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
    if (focus !== false) { reveal(target); }
  }

  // A page that answers an action shows its outcome where the user is looking.
  reveal(pageOutcome());

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
      // Said beside the button and to screen readers, without taking the user away from the list to the page's top:
      // "Save" is what they do next.
      announce(false, text, [], false);
    });
  }

  // The company field where the user reads too many companies to list: a combobox that finds them by
  // title with the user's own rights, and keeps the chosen company's id in the form's own field.
  document.querySelectorAll('[data-company-lookup]').forEach(function (lookup) {
    var fallback = lookup.querySelector('[data-lookup-fallback]');
    var box = lookup.querySelector('[data-lookup]');
    var value = lookup.querySelector('[data-lookup-value]');
    var text = lookup.querySelector('[data-lookup-text]');
    var list = lookup.querySelector('[data-lookup-options]');
    var status = lookup.querySelector('[data-lookup-status]');
    if (!session || !fallback || !box || !value || !text || !list || !status) { return; }
    fallback.hidden = true;
    box.hidden = false;
    var chosenTitle = text.value;
    var active = -1;
    var timer = null;
    var inFlight = null;

    function options() { return list.querySelectorAll('[role="option"]'); }

    function close() {
      list.hidden = true;
      text.setAttribute('aria-expanded', 'false');
      text.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) { return; }
      list.hidden = false;
      text.setAttribute('aria-expanded', 'true');
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
      text.setAttribute('aria-activedescendant', all[active].id);
      all[active].scrollIntoView({ block: 'nearest' });
    }

    // The filter changes only when a company is chosen (or the field emptied): the segment applies it.
    function setCompany(id, title) {
      chosenTitle = title;
      text.value = title;
      if (value.value === id) { return; }
      value.value = id;
      value.dispatchEvent(new Event('change', { bubbles: true }));
    }

    function choose(option) {
      setCompany(option.getAttribute('data-id'), option.textContent);
      close();
      status.textContent = '';
    }

    function suggest() {
      var query = text.value.trim();
      if (inFlight) { inFlight.abort(); }
      inFlight = new AbortController();
      var url = lookup.getAttribute('data-company-lookup');
      var headers = {};
      headers[lookup.getAttribute('data-session-header')] = session;
      fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'q=' + encodeURIComponent(query), { headers: headers, signal: inFlight.signal })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          list.textContent = '';
          close();
          if (!answer.ok) { status.textContent = answer.body.detail || ''; return; }
          answer.body.companies.forEach(function (company) {
            var option = document.createElement('li');
            option.id = text.id + '-option-' + company.id;
            option.setAttribute('role', 'option');
            option.setAttribute('aria-selected', 'false');
            option.setAttribute('data-id', company.id);
            option.textContent = company.title;
            list.appendChild(option);
          });
          status.textContent = answer.body.text || '';
          // An answer that arrives after the user left the field waits for them to come back (arrow down).
          if (answer.body.companies.length && document.activeElement === text) {
            list.hidden = false;
            text.setAttribute('aria-expanded', 'true');
          }
        })
        .catch(function () { /* a newer query replaced this one */ });
    }

    text.addEventListener('input', function () {
      clearTimeout(timer);
      if (!text.value.trim()) {
        if (inFlight) { inFlight.abort(); }
        close();
        status.textContent = '';
        setCompany('', '');
        return;
      }
      timer = setTimeout(suggest, 250);
    });
    // What is typed is not a choice: the text's own change does not apply the segment.
    text.addEventListener('change', function (event) { event.stopPropagation(); });
    text.addEventListener('keydown', function (event) {
      var open = !list.hidden;
      if (event.key === 'ArrowDown') { event.preventDefault(); highlight(open ? active + 1 : 0); }
      else if (event.key === 'ArrowUp') { event.preventDefault(); highlight(open ? active - 1 : -1); }
      else if (event.key === 'Enter') {
        event.preventDefault();
        var all = options();
        if (open && active >= 0) { choose(all[active]); } else if (all.length === 1) { choose(all[0]); }
      } else if (event.key === 'Escape' && open) { event.preventDefault(); close(); }
    });
    // A click on a suggestion keeps the focus in the field, so the field does not lose it first.
    list.addEventListener('mousedown', function (event) { event.preventDefault(); });
    list.addEventListener('click', function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) { choose(option); }
    });
    text.addEventListener('blur', function () {
      close();
      // Left without a choice: the field shows the company the filter holds (none after "Clear filter").
      if (text.value.trim()) { text.value = value.value ? chosenTitle : ''; }
    });
  });

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

    // Ids the portal's own picker chose join the selection.
    form.addEventListener('native-picked', function () {
      hidden.querySelectorAll('input[name="selected"]').forEach(function (input) { selected.add(input.value); });
      sync();
    });

    results.addEventListener('change', function (event) {
      var box = event.target;
      if (box.name !== 'selected') { return; }
      if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); }
      sync();
    });

    var search = picker.querySelector('[data-search]');
    var matchCount = picker.querySelector('[data-match-count]');
    var timer = null;
    var inFlight = null;
    function refresh() {
      if (inFlight) { inFlight.abort(); }
      inFlight = new AbortController();
      var data = new FormData(form);
      data.delete('pageNumber');
      fetch(picker.getAttribute('data-results-url'), { method: 'POST', body: new URLSearchParams(data), signal: inFlight.signal })
        .then(function (response) {
          return response.text().then(function (html) { return { ok: response.ok, html: html }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            var page = new DOMParser().parseFromString(answer.html, 'text/html');
            var message = page.querySelector('[role="alert"]');
            announce(true, message ? message.textContent.trim() : '', [], false);
            return;
          }
          results.innerHTML = answer.html;
          // The count of matches lives outside the results, in a status region that stays on the page.
          var count = results.querySelector('template[data-results-count]');
          if (count && matchCount) {
            matchCount.textContent = count.content.textContent.trim();
            ['data-found', 'data-query', 'data-segment'].forEach(function (name) { matchCount.setAttribute(name, count.getAttribute(name) || ''); });
          }
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

    // The segment applies as it changes, and at "Apply filter"; "Clear filter" empties it.
    var segment = picker.querySelector('[data-segment]');
    if (segment) {
      segment.addEventListener('change', function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 150);
      });
      segment.querySelector('[data-apply-segment]').addEventListener('click', function (event) {
        event.preventDefault();
        clearTimeout(timer);
        refresh();
      });
      segment.querySelector('[data-clear-segment]').addEventListener('click', function (event) {
        event.preventDefault();
        segment.querySelectorAll('select').forEach(function (select) { select.value = ''; });
        segment.querySelectorAll('input[type="date"], input[type="text"]').forEach(function (input) { input.value = ''; });
        segment.querySelectorAll('input[type="checkbox"]').forEach(function (box) { box.checked = false; });
        clearTimeout(timer);
        refresh();
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

  // Every handler above is in place: the page behaves as it should from here on (tests wait for this).
  document.documentElement.setAttribute('data-app-ready', '');

  // ---- Inside the portal: the official frame client (b24jssdk, vendored). Outside it (no frame
  // name) or when the portal does not answer, the pages work as they are, without these features.

  function startFrame() {
    if (!window.B24Js || !window.name || window.name.split('|').length < 3 || window.parent === window) {
      return Promise.resolve(null);
    }
    var timeout = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, 5000); });
    return Promise.race([window.B24Js.initializeB24Frame().catch(function () { return null; }), timeout]);
  }

  // The frame has its height and the portal's page its scroll: what the user sees stays put from here on
  // (tests wait for this before they click, as a user would not click while the page moves).
  function settled() { document.documentElement.setAttribute('data-frame-settled', ''); }

  function within(promise, milliseconds) {
    return Promise.race([promise, new Promise(function (resolve) { setTimeout(resolve, milliseconds); })]);
  }

  startFrame().then(function (b24) {
    if (!b24) { settled(); return; }
    frame = b24;
    document.documentElement.classList.add('in-portal');

    // The installer page tells the portal the install is finished; the portal then opens the app.
    if (document.querySelector('[data-install-finish]') && b24.isInstallMode) {
      b24.installFinish().catch(function () { /* the portal had finished the install already */ });
    }

    // The frame follows the content, growing and shrinking (fitWindow alone can only grow).
    var lastHeight = 0;
    function fit() {
      var height = Math.ceil(document.body.getBoundingClientRect().height) + 16;
      if (Math.abs(height - lastHeight) < 2) { return Promise.resolve(); }
      lastHeight = height;
      return b24.parent.message.send('resizeWindow', { width: '100%', height: height, isSafely: true }).catch(function () {});
    }
    if (window.ResizeObserver) { new ResizeObserver(fit).observe(document.body); }
    // The portal's page stays where the user clicked (at the bottom of a long picker, say): bring it to the outcome.
    // The scroll waits for the frame's new height (the portal's page may be too short before it), and neither
    // waits long for a portal that does not answer.
    within(fit(), 1000).then(function () { return reveal(pageOutcome()); }).then(settled);
    b24.parent.setTitle(document.title).catch(function () {});

    // The portal's own CRM picker beside the app's: the ids it answers (C_12, CO_7) join the choice.
    document.querySelectorAll('[data-native-add]').forEach(function (form) { form.hidden = false; });
    document.querySelectorAll('[data-native-picker]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        var type = button.getAttribute('data-native-picker');
        b24.dialog.selectCRM({ entityType: [type], multiple: true }).then(function (chosen) {
          var ids = (chosen[type] || []).map(function (item) { return String(item.id).replace(/^(C|CO)_/, ''); })
            .filter(function (id) { return /^\d+$/.test(id); });
          if (ids.length === 0) { return; }
          var form = button.form || button.closest('form');
          ids.forEach(function (id) {
            var input = document.createElement('input');
            input.type = 'hidden';
            input.name = 'selected';
            input.value = id;
            var fields = form.querySelector('[data-selected-fields]') || form;
            fields.appendChild(input);
          });
          form.dispatchEvent(new Event('native-picked'));
          if (button.hasAttribute('data-native-submit')) {
            var target = button.getAttribute('data-native-submit');
            if (target) { form.action = target; }
            form.submit();
          }
        });
      });
    });

    // A page left open past its session renews it through the portal, before it expires.
    var expires = parseInt(meta('b24-session-expires') || '0', 10);
    function renew() {
      b24.auth.refreshAuth().then(function (auth) {
        var origin = b24.getTargetOrigin().replace(/^https?:\/\//, '');
        var body = new URLSearchParams();
        body.append('AUTH_ID', auth.access_token);
        body.append('REFRESH_ID', auth.refresh_token || '');
        body.append('AUTH_EXPIRES', String(auth.expires_in || 3600));
        body.append('member_id', auth.member_id || '');
        body.append('SERVER_ENDPOINT', meta('b24-oauth') || '');
        document.querySelectorAll('input[name="__form"][data-purpose]').forEach(function (input) { body.append('purpose', input.getAttribute('data-purpose')); });
        var protocol = b24.getTargetOrigin().indexOf('https:') === 0 ? '1' : '0';
        return fetch('/api/session?DOMAIN=' + encodeURIComponent(origin) + '&PROTOCOL=' + protocol + '&LANG=' + encodeURIComponent(meta('b24-lang') || 'en'), { method: 'POST', body: body });
      }).then(function (response) {
        if (!response.ok) { return; }
        return response.json().then(function (renewed) {
          session = renewed.session;
          expires = renewed.expires;
          document.querySelector('meta[name="b24-session"]').setAttribute('content', session);
          document.querySelectorAll('input[name="__session"]').forEach(function (input) { input.value = session; });
          document.querySelectorAll('input[name="__form"][data-purpose]').forEach(function (input) {
            var token = renewed.forms[input.getAttribute('data-purpose')];
            if (token) { input.value = token; }
          });
          schedule();
        });
      }).catch(function () { /* the next page load brings a fresh session anyway */ });
    }
    function schedule() {
      if (!session || !expires) { return; }
      setTimeout(renew, Math.max(1000, expires - Date.now() - 5 * 60 * 1000));
    }
    window.b24RenewSession = renew;
    schedule();
  });
})();

// The portal's side of the frame protocol, as Bitrix24's app layout (BX.rest.AppLayout) answers it:
// the app in a cross-site iframe named DOMAIN|PROTOCOL|APP_SID posts "command:params:callback:appSid"
// strings (or {method, params, callback, appSid} objects); the portal checks the origin and the
// APP_SID, runs the handler and answers "callback:JSON" to the app's origin, as the official frame client (vendored in wwwroot/lib/b24jssdk) expects.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('portal-data').textContent);
  var frames = []; // { appSid, origin, iframe, layout, init, firstRun, slider, onClose }

  // ---- Opening the app: a hidden form POSTed into a named iframe.

  function openFrame(layout, model) {
    var iframe = document.createElement('iframe');
    iframe.name = model.frameName;
    iframe.title = 'Application';
    iframe.className = 'app-frame';
    layout.appendChild(iframe);
    var form = document.createElement('form');
    form.method = 'post';
    form.action = model.url;
    form.target = model.frameName;
    form.hidden = true;
    Object.keys(model.fields).forEach(function (name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = model.fields[name];
      form.appendChild(input);
    });
    layout.appendChild(form);
    var frame = {
      appSid: model.appSid,
      origin: model.appOrigin,
      iframe: iframe,
      layout: layout,
      init: model.init,
      firstRun: !!model.init.FIRST_RUN,
      form: form
    };
    frames.push(frame);
    form.submit();
    return frame;
  }

  function frameOf(source) {
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].iframe.contentWindow === source) { return frames[i]; }
    }
    return null;
  }

  function answer(frame, callback, result) {
    if (!callback) { return; }
    frame.iframe.contentWindow.postMessage(callback + ':' + JSON.stringify(result === undefined ? {} : result), frame.origin);
  }

  function post(url) {
    return fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'user=' + data.user + '&lang=' + encodeURIComponent(data.lang), { method: 'POST' });
  }

  // ---- Handlers: what each command does and answers. Returning undefined sends no answer.

  var handlers = {
    getInitData: function (params, frame) {
      var init = JSON.parse(JSON.stringify(frame.init));
      init.FIRST_RUN = frame.firstRun;
      frame.firstRun = false;
      return init;
    },
    setInstall: function (params) { return params || {}; },
    setInstallFinish: function (params, frame) {
      if (!frame.init.INSTALL) { return undefined; }
      post('/_portal/install-finished').then(function () { location.reload(); });
      return undefined;
    },
    refreshAuth: function (params, frame) {
      return post('/_portal/refresh-auth').then(function (response) { return response.json(); }).then(function (auth) {
        frame.init.AUTH_ID = auth.AUTH_ID;
        frame.init.REFRESH_ID = auth.REFRESH_ID;
        frame.init.AUTH_EXPIRES = auth.AUTH_EXPIRES;
        return auth;
      });
    },
    resizeWindow: function (params, frame) {
      var width = params && params.width;
      var height = params && parseInt(params.height, 10);
      frame.layout.style.width = width === '100%' || width === undefined ? '100%' : parseInt(width, 10) + 'px';
      if (height > 0) { frame.layout.style.height = height + 'px'; }
      frame.layout.setAttribute('data-height', String(frame.layout.offsetHeight));
      return { width: frame.layout.offsetWidth, height: frame.layout.offsetHeight };
    },
    setTitle: function (params, frame) {
      var title = frame.slider ? frame.slider.querySelector('.slider-title') : document.getElementById('app-title');
      if (title && params && typeof params.title === 'string') { title.textContent = params.title; }
      return params || {};
    },
    setScroll: function (params) {
      if (params && params.scroll >= 0) { window.scrollTo(0, params.scroll); }
      return params || {};
    },
    reloadWindow: function (params, frame) {
      refresh(frame);
      return undefined;
    },
    setUserOption: function (params) { return params || {}; },
    setAppOption: function (params, frame) { return frame.init.IS_ADMIN ? (params || {}) : undefined; },
    getInterface: function () { return { command: [], event: [] }; },
    selectCRM: function (params) {
      // Answers only on Save; a dismissed dialog answers nothing, as in Bitrix24.
      return new Promise(function (resolve) { crmDialog(params || {}, resolve); });
    },
    openApplication: function (params, frame) {
      return new Promise(function (resolve) { openSlider(params || {}, frame, resolve); });
    },
    closeApplication: function (params, frame) {
      if (frame.slider) { closeSlider(frame); }
      return undefined;
    }
  };

  function refresh(frame) {
    var options = JSON.stringify(frame.init.PLACEMENT_OPTIONS || {});
    post('/_portal/frame-post?placement=' + encodeURIComponent(frame.init.PLACEMENT) + '&options=' + encodeURIComponent(options))
      .then(function (response) { return response.json(); })
      .then(function (model) {
        frames.splice(frames.indexOf(frame), 1);
        frame.layout.textContent = '';
        var fresh = openFrame(frame.layout, model);
        fresh.slider = frame.slider;
        fresh.onClose = frame.onClose;
      });
  }

  // ---- The message listener: origin and APP_SID checked, then the handler, then the answer.

  window.addEventListener('message', function (event) {
    var frame = frameOf(event.source);
    if (!frame || event.origin !== frame.origin) { return; }
    var command, params, callback, appSid;
    if (typeof event.data === 'string') {
      var parts = event.data.split(':');
      command = parts[0];
      appSid = parts.length > 1 ? parts[parts.length - 1] : '';
      callback = parts.length > 2 ? parts[parts.length - 2] : '';
      var json = parts.slice(1, parts.length - 2).join(':');
      try { params = json ? JSON.parse(json) : {}; } catch (e) { params = json; }
    } else if (event.data && typeof event.data === 'object') {
      command = event.data.method;
      params = event.data.params;
      callback = event.data.callback;
      appSid = event.data.appSid;
    } else {
      return;
    }
    if (appSid !== frame.appSid || !Object.prototype.hasOwnProperty.call(handlers, command)) { return; }
    var result = handlers[command](params, frame);
    Promise.resolve(result).then(function (value) {
      if (value !== undefined) { answer(frame, callback, value); }
    });
  });

  // ---- selectCRM: the portal's own CRM picker over this portal's data.

  function crmDialog(params, resolve) {
    var types = [].concat(params.entityType || ['contact']).filter(function (t) { return t === 'contact' || t === 'company'; });
    if (types.length === 0) { types = ['contact']; }
    var multiple = !!params.multiple;
    var chosen = {};
    types.forEach(function (type) {
      chosen[type] = {};
      var preset = params.value && params.value[type];
      [].concat(preset || []).forEach(function (id) { chosen[type][String(id).replace(/^(C|CO)_/, '')] = null; });
    });
    var dialog = document.createElement('dialog');
    dialog.className = 'crm-dialog';
    dialog.setAttribute('aria-label', 'Select from CRM');
    var heading = document.createElement('h2');
    heading.textContent = 'Select from CRM';
    dialog.appendChild(heading);
    types.forEach(function (type) {
      var section = document.createElement('section');
      var title = document.createElement('h3');
      title.textContent = type === 'company' ? 'Companies' : 'Contacts';
      var search = document.createElement('input');
      search.type = 'search';
      search.setAttribute('aria-label', 'Search ' + (type === 'company' ? 'companies' : 'contacts'));
      var list = document.createElement('ul');
      list.className = 'crm-items';
      section.appendChild(title);
      section.appendChild(search);
      section.appendChild(list);
      dialog.appendChild(section);
      function load() {
        // Answers can arrive out of order while the user types: only the one for what the box holds now is shown.
        var query = search.value;
        fetch('/_portal/crm?user=' + data.user + '&type=' + type + '&q=' + encodeURIComponent(query))
          .then(function (response) { return response.json(); })
          .then(function (items) {
            if (query !== search.value) { return; }
            list.textContent = '';
            list.setAttribute('data-query', query);
            items.forEach(function (item) {
              var id = item.id.replace(/^(C|CO)_/, '');
              var li = document.createElement('li');
              var label = document.createElement('label');
              var box = document.createElement('input');
              box.type = multiple ? 'checkbox' : 'radio';
              box.name = 'crm-' + type;
              box.checked = Object.prototype.hasOwnProperty.call(chosen[type], id);
              box.addEventListener('change', function () {
                if (!multiple) { types.forEach(function (t) { chosen[t] = {}; }); }
                if (box.checked) { chosen[type][id] = item; } else { delete chosen[type][id]; }
              });
              if (box.checked) { chosen[type][id] = item; }
              label.appendChild(box);
              label.appendChild(document.createTextNode(' ' + item.title));
              li.appendChild(label);
              list.appendChild(li);
            });
          });
      }
      search.addEventListener('input', load);
      load();
    });
    var buttons = document.createElement('div');
    buttons.className = 'crm-buttons';
    var save = document.createElement('button');
    save.type = 'button';
    save.textContent = 'Save';
    var cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    buttons.appendChild(save);
    buttons.appendChild(cancel);
    dialog.appendChild(buttons);
    document.body.appendChild(dialog);
    save.addEventListener('click', function () {
      var result = {};
      types.forEach(function (type) {
        result[type] = Object.keys(chosen[type]).map(function (id) {
          var item = chosen[type][id];
          return item || { id: (type === 'company' ? 'CO_' : 'C_') + id, type: type, place: type, title: '', desc: '', url: '' };
        });
      });
      dialog.close();
      dialog.remove();
      resolve(result);
    });
    cancel.addEventListener('click', function () { dialog.close(); dialog.remove(); });
    dialog.addEventListener('cancel', function () { dialog.remove(); });
    dialog.showModal();
  }

  // ---- openApplication: the app again, in a slider, with the given PLACEMENT_OPTIONS.

  function openSlider(params, opener, onClose, placement) {
    var options = {};
    Object.keys(params).forEach(function (key) { if (key.indexOf('bx24_') !== 0) { options[key] = params[key]; } });
    var slider = document.createElement('section');
    slider.className = 'slider';
    slider.setAttribute('role', 'dialog');
    slider.setAttribute('aria-label', params.bx24_title || 'Application');
    if (params.bx24_width) { slider.style.width = parseInt(params.bx24_width, 10) + 'px'; }
    var header = document.createElement('header');
    var title = document.createElement('h2');
    title.className = 'slider-title';
    title.textContent = params.bx24_title || 'Application';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    header.appendChild(title);
    header.appendChild(close);
    var layout = document.createElement('div');
    layout.className = 'app-layout';
    slider.appendChild(header);
    slider.appendChild(layout);
    document.getElementById('sliders').appendChild(slider);
    post('/_portal/frame-post?placement=' + encodeURIComponent(placement || 'DEFAULT') + '&options=' + encodeURIComponent(JSON.stringify(options)))
      .then(function (response) { return response.json(); })
      .then(function (model) {
        var frame = openFrame(layout, model);
        frame.slider = slider;
        frame.onClose = onClose;
        close.addEventListener('click', function () { closeSlider(frame); });
      });
  }

  function closeSlider(frame) {
    frame.slider.remove();
    frames.splice(frames.indexOf(frame), 1);
    if (frame.onClose) { frame.onClose({}); }
  }

  // ---- The CRM grid: each row's menu shows the app's placements, which open the app with the row's ID.

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-row-menu]');
    if (!button) { return; }
    var existing = document.querySelector('.row-popup');
    if (existing) { existing.remove(); }
    var menu = document.createElement('ul');
    menu.className = 'row-popup';
    menu.setAttribute('role', 'menu');
    (data.placements || []).forEach(function (placement) {
      var item = document.createElement('li');
      var action = document.createElement('button');
      action.type = 'button';
      action.setAttribute('role', 'menuitem');
      action.textContent = placement.title;
      action.addEventListener('click', function () {
        menu.remove();
        openSlider({ ID: button.getAttribute('data-row-menu') }, null, null, placement.placement);
      });
      item.appendChild(action);
      menu.appendChild(item);
    });
    if (menu.children.length === 0) {
      var none = document.createElement('li');
      none.textContent = 'No actions';
      menu.appendChild(none);
    }
    button.parentNode.appendChild(menu);
    var first = menu.querySelector('button');
    if (first) { first.focus(); }
  });

  if (data.frame) {
    openFrame(document.getElementById('app-layout'), data.frame);
  }

  // For tests: what the portal knows of its app frames.
  window.portalFrames = function () {
    return frames.map(function (frame) {
      return { appSid: frame.appSid, width: frame.layout.offsetWidth, height: frame.layout.offsetHeight, slider: !!frame.slider, placement: frame.init.PLACEMENT };
    });
  };
})();

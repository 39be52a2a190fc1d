// SpanWatch console: small conveniences only; every page works without this script.
// No data from events is ever turned into markup here: the script only reads attributes the
// server wrote (data-href holds a console path, data-id an event id), sets text and classes,
// and moves focus. State changes go to the console's own API with the session's CSRF token.
(function () {
  'use strict';
  var ID = /^[0-9a-f]{32}$/;

  function localPath(href) {
    return href && href.charAt(0) === '/' && href.charAt(1) !== '/' && href.charAt(1) !== '\\';
  }

  // The row cursor (j/k), as in EveBox and mail readers: the rows of every event table on the page.
  var cur = -1;
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll('table.events tbody tr[data-href]'));
  }
  function move(by) {
    var r = rows();
    if (!r.length) { return; }
    if (r[cur]) { r[cur].classList.remove('cur'); }
    cur = cur < 0 ? (by > 0 ? 0 : r.length - 1) : Math.max(0, Math.min(r.length - 1, cur + by));
    r[cur].classList.add('cur');
    r[cur].scrollIntoView({block: 'nearest'});
  }
  function current() {
    var r = rows();
    return cur >= 0 && r[cur] ? r[cur] : null;
  }
  function open(row) {
    var href = row && row.getAttribute('data-href');
    if (localPath(href)) { window.location.assign(href); }
  }

  // Acting on the selected alerts of the queue (its bar is hidden unless this script runs).
  var bulk = document.getElementById('bulk');
  var go = document.getElementById('bulk-go');
  var all = document.getElementById('pick-all');
  var status = document.getElementById('bulk-status');
  var lastPicked = null;
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input.pick[data-id]'));
  }
  function picked() {
    return boxes().filter(function (b) { return b.checked; });
  }
  function update() {
    if (!bulk) { return; }
    var n = picked().length;
    go.disabled = n === 0;
    all.checked = n > 0 && n === boxes().length;
    status.textContent = n ? n + ' selected' : '';
  }
  function csrf() {
    var f = document.querySelector('input[name="csrf"]');
    return f ? f.value : '';
  }
  function act() {
    var action = bulk.getAttribute('data-action') === 'unack' ? 'unack' : 'ack';
    var ids = picked().map(function (b) { return b.getAttribute('data-id'); }).filter(function (id) { return ID.test(id); });
    if (!ids.length) { return; }
    go.disabled = true;
    var done = 0;
    function next() {
      if (done === ids.length) { window.location.reload(); return; }
      status.textContent = (action === 'ack' ? 'acknowledging ' : 'reopening ') + (done + 1) + ' of ' + ids.length + '…';
      fetch('/api/v1/alerts/' + ids[done], {
        method: 'POST', credentials: 'same-origin', redirect: 'error',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf()},
        body: JSON.stringify({action: action})
      }).then(function (res) {
        if (res.ok) { done++; next(); return; }
        return res.json().then(function (j) { throw new Error(j && typeof j.error === 'string' ? j.error : 'HTTP ' + res.status); },
          function () { throw new Error('HTTP ' + res.status); });
      }).catch(function (err) {
        status.textContent = done + ' of ' + ids.length + ' done, then: ' + String(err && err.message || err) + '. Reload to see the queue.';
        go.disabled = false;
      });
    }
    next();
  }
  if (bulk && go && all && status) {
    bulk.hidden = false;
    go.addEventListener('click', act);
    document.addEventListener('change', function (e) {
      if (e.target === all) {
        boxes().forEach(function (b) { b.checked = all.checked; });
      }
      update();
    });
    update();
  } else {
    bulk = null;
  }

  document.addEventListener('keydown', function (e) {
    var t = e.target;
    var typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === '/') {
      var q = document.getElementById('q');
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    } else if (e.key === 'j' || e.key === 'k') {
      e.preventDefault();
      move(e.key === 'j' ? 1 : -1);
    } else if ((e.key === 'o' || (e.key === 'Enter' && !t.closest('a, button, summary'))) && current()) {
      e.preventDefault();
      open(current());
    } else if (e.key === 'x' && current()) {
      var box = current().querySelector('input.pick[data-id]');
      if (box) { e.preventDefault(); box.checked = !box.checked; update(); }
    } else if (e.key === 'A' && bulk) {
      if (!picked().length && current()) {
        var own = current().querySelector('input.pick[data-id]');
        if (own) { own.checked = true; update(); }
      }
      if (picked().length) { e.preventDefault(); act(); }
    }
  });

  document.addEventListener('click', function (e) {
    var box = e.target.closest('input.pick[data-id]');
    if (box) {
      // Shift-click selects the rows between this box and the one clicked before, as in a mail client
      var list = boxes();
      if (e.shiftKey && lastPicked && list.indexOf(lastPicked) >= 0) {
        var a = list.indexOf(lastPicked), b = list.indexOf(box);
        for (var i = Math.min(a, b); i <= Math.max(a, b); i++) { list[i].checked = box.checked; }
        update();
      }
      lastPicked = box;
      return;
    }
    if (e.target.closest('a, button, input, textarea, form, summary, label, td.pick')) { return; }
    open(e.target.closest('tr[data-href]'));
  });
  // Copy controls beside the values the server marked copyable (hashes, addresses, URLs). The value is
  // selected first, so Ctrl+C copies it where the clipboard API is missing (it needs a secure context:
  // https or localhost) or refused; the text copied is the text shown.
  function copy(el, button) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    function said(word) { button.textContent = word; button.classList.add('done'); }
    if (window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(el.textContent).then(function () { said('copied'); },
        function () { said('selected: Ctrl+C'); });
    } else {
      said('selected: Ctrl+C');
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll('.copyable'), function (el) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'copy';
    b.textContent = 'copy';
    b.title = 'copy this value';
    b.addEventListener('click', function (e) { e.preventDefault(); e.stopPropagation(); copy(el, b); });
    el.parentNode.insertBefore(b, el.nextSibling);
  });

  var token = document.getElementById('token');
  if (token) { token.focus(); }
})();

// SpanWatch console: small conveniences only; every page works without this script.
// No data from events is ever turned into markup here: the script only reads attributes the
// server wrote (data-href holds a console path) and moves focus.
(function () {
  'use strict';
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    var typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA');
    if (e.key === '/' && !typing) {
      var q = document.getElementById('q');
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    }
  });
  document.addEventListener('click', function (e) {
    if (e.target.closest('a, button, input, textarea, form, summary')) { return; }
    var row = e.target.closest('tr[data-href]');
    if (row) {
      var href = row.getAttribute('data-href');
      if (href && href.charAt(0) === '/' && href.charAt(1) !== '/') { window.location.assign(href); }
    }
  });
  var token = document.getElementById('token');
  if (token) { token.focus(); }
})();

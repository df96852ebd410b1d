// Dark when the browser prefers it: nothing tells an app the portal's theme (the frame protocol has no such command).
(function () {
  var query = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)');
  function apply() { document.documentElement.classList.toggle('dark', !!(query && query.matches)); }
  apply();
  if (query && query.addEventListener) { query.addEventListener('change', apply); }
})();

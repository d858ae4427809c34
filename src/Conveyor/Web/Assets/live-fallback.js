// Conveyor dashboard: polling as the fallback of the live parts. An element with hx-sse:connect and data-poll follows
// its Server-Sent Events stream while that stream is up; while it is down (it failed, closed, or never connected within
// the grace period, as behind a proxy that buffers streams), the page fetches data-poll every second and morphs the
// answer into data-poll-target. The stream takes over again when it reconnects. No inline script: the CSP allows
// only files from this origin.
(() => {
  const graceMs = 2000;
  const everyMs = 1000;
  const state = new WeakMap();

  function watch(el) {
    if (state.has(el)) return;
    const s = { connected: false, timer: null };
    state.set(el, s);
    setTimeout(() => { if (!s.connected) poll(el); }, graceMs);
  }

  function poll(el) {
    const s = state.get(el);
    if (!s || s.timer || s.connected || !el.isConnected) return;
    s.timer = setInterval(() => {
      if (s.connected || !el.isConnected) return stop(el);
      const target = document.querySelector(el.dataset.pollTarget);
      if (!target) return;
      htmx.ajax('GET', el.dataset.poll, { target: target, swap: 'outerMorph', source: el });
    }, everyMs);
  }

  function stop(el) {
    const s = state.get(el);
    if (s && s.timer) { clearInterval(s.timer); s.timer = null; }
  }

  function owner(e) { return e.target && e.target.closest ? e.target.closest('[data-poll]') : null; }

  document.addEventListener('htmx:sse:after:connection', e => {
    const el = owner(e); if (!el) return;
    watch(el); state.get(el).connected = true; stop(el);
  });
  for (const name of ['htmx:sse:error', 'htmx:sse:close']) {
    document.addEventListener(name, e => {
      const el = owner(e); if (!el) return;
      watch(el); state.get(el).connected = false; poll(el);
    });
  }
  document.addEventListener('DOMContentLoaded', () => document.querySelectorAll('[data-poll]').forEach(watch));
})();

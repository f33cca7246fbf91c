"""Style sheet and client script of the browser app (passed to Gradio as `css` and an HTML `js_on_load`).

The script only reads attributes that app.web.html wrote from escaped text; it never turns text into
markup. Clicking a `.gq-marker` or `.gq-card` sends its `value` (a citation id) to the hidden `#gq-open`
box (whose `input` event renders the passage server-side), a `.gq-copy` copies its value, a `.gq-example`
asks its value. (Gradio's chat sanitizer drops data-* attributes but keeps a button's `value`/`title`.)
"""
from __future__ import annotations

CSS = """
:root { --gq-accent: #2563eb; --gq-mark: #fde68a; --gq-card: #f8fafc; --gq-line: #e2e8f0; --gq-sub: #64748b;
        --gq-tip-bg: #ffffff; --gq-tip-fg: #111827; }
.dark { --gq-accent: #60a5fa; --gq-mark: #a16207; --gq-card: #1e293b; --gq-line: #334155; --gq-sub: #94a3b8;
        --gq-tip-bg: #0f172a; --gq-tip-fg: #e5e7eb; }
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
.gq-hidden { display: none !important; }
.gq-header { display: flex; align-items: baseline; gap: 0.75rem; flex-wrap: wrap; padding: 0.25rem 0 0.5rem; }
.gq-header .gq-app { font-size: 1.35rem; font-weight: 650; letter-spacing: -0.01em; }
.gq-header .gq-corpus { color: var(--gq-sub); font-size: 0.92rem; }
.gq-header .gq-tagline { color: var(--gq-sub); font-size: 0.85rem; flex-basis: 100%; }
.gq-panel { font-size: 0.95rem; line-height: 1.55; }
.gq-panel .gq-head { margin-bottom: 0.5rem; }
.gq-title { font-weight: 600; font-size: 1rem; }
.gq-panel .gq-head .gq-title { display: block; font-size: 1.02rem; line-height: 1.35; font-weight: 500; }
.gq-meta { color: var(--gq-sub); font-size: 0.85rem; }
.gq-section { color: var(--gq-sub); font-size: 0.85rem; font-style: italic; }
.gq-context { margin-top: 0.5rem; white-space: pre-wrap; border-left: 3px solid var(--gq-accent); padding: 0.5rem 0.75rem;
              max-height: 60vh; overflow-y: auto; overflow-wrap: anywhere; }
mark.gq-cited { background: var(--gq-mark); color: inherit; padding: 0 1px; border-radius: 2px; }
.gq-note { color: #b45309; font-size: 0.85rem; }
.gq-abstain { border: 1px dashed #d97706; background: rgba(251, 191, 36, 0.08); padding: 0.6rem 0.8rem;
              border-radius: 8px; }
.gq-abstain .gq-abstain-title { font-weight: 500 !important; font-size: 1rem !important; color: #b45309; }
.dark .gq-abstain .gq-abstain-title { color: #fbbf24; }
.gq-evidence { border: 1px solid var(--gq-accent); border-radius: 8px; padding: 0.6rem 0.8rem; }
.gq-evidence .gq-evidence-title { font-weight: 500; margin-bottom: 0.35rem; }
/* A wide table scrolls inside its own box. The one-column grid (minmax(0, 1fr)) gives the box a minimum width of
   0 and a preferred width of the table's: the chat bubble is as wide as the table where there is room, and on a
   phone no flex ancestor is forced wider than the screen, so the page never scrolls sideways (#34). */
.gq-table-wrap { max-width: 100%; overflow-x: auto; max-height: 40vh; overflow-y: auto; margin: 0.5rem 0;
                 display: grid; grid-template-columns: minmax(0, 1fr); justify-items: start; }
.gq-table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
.gq-table th, .gq-table td { padding: 0.2rem 0.55rem; border: 0 !important; border-bottom: 1px solid var(--gq-line) !important;
                             text-align: right; vertical-align: bottom; word-break: normal !important;
                             overflow-wrap: normal !important; hyphens: none; }
.gq-table td { white-space: nowrap; }
.gq-table thead th { min-width: 6.5em; }
.gq-table { border: 0 !important; margin: 0 !important; }
.gq-panel .gq-table { font-size: 0.8rem; }
.gq-panel .gq-table thead th { min-width: 4.5em; }
.gq-table thead th { position: sticky; top: 0; background: var(--background-fill-primary, #fff); font-weight: 600;
                     color: var(--gq-sub); }
.gq-table tbody th { text-align: left; font-weight: 500; min-width: 9em; }
.gq-table .gq-row-cited { background: var(--gq-mark); }
.gq-table .gq-cell-hit { font-weight: 700; outline: 2px solid var(--gq-accent); outline-offset: -2px; }
.gq-error { color: #b91c1c; }
.gq-writing { color: var(--gq-sub); font-size: 0.9rem; }
.gq-unverified { color: #b45309; font-weight: 500; margin-bottom: 0.4rem; }
.dark .gq-unverified { color: #fbbf24; }
.gq-removed-note { color: var(--gq-sub); font-size: 0.85rem; margin-top: 0.5rem; }
.gq-removed { font-size: 0.85rem; color: var(--gq-sub); }
.gq-removed summary { cursor: pointer; color: var(--gq-accent); }
.gq-removed .gq-removed-text { text-decoration: line-through; }
.dark .gq-error { color: #f87171; }
.gq-marker { font: inherit; font-size: 0.75em; vertical-align: super; line-height: 1; color: var(--gq-accent);
             background: none; border: 0; padding: 0 1px; margin: 0; cursor: pointer; position: relative;
             font-weight: 600; }
.gq-marker:hover, .gq-marker:focus-visible, .gq-marker.gq-active { text-decoration: underline; }
#gq-tip { display: none; position: fixed; z-index: 1000; width: min(22rem, 80vw); font-size: 0.8rem; line-height: 1.4;
          background: var(--gq-tip-bg); color: var(--gq-tip-fg); pointer-events: none;
          border: 1px solid var(--gq-line); border-radius: 6px; padding: 0.45rem 0.6rem;
          box-shadow: 0 4px 14px rgba(0, 0, 0, 0.18); }
.gq-short { font-weight: 600; background: rgba(255, 213, 79, 0.35); border-radius: 2px; }
.gq-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12.5rem, 1fr)); gap: 0.45rem;
            margin-top: 0.6rem; }
.gq-card { display: flex; flex-direction: column; gap: 0.15rem; text-align: left; font: inherit; cursor: pointer;
           background: var(--gq-card); color: inherit; border: 1px solid var(--gq-line); border-radius: 8px;
           padding: 0.45rem 0.6rem; min-width: 0; }
.gq-card:hover, .gq-card:focus-visible, .gq-card.gq-active { border-color: var(--gq-accent); }
.gq-card .gq-card-top { display: flex; gap: 0.4rem; align-items: baseline; min-width: 0; font-size: 0.82rem; }
.gq-card .gq-card-n { color: var(--gq-accent); font-weight: 600; }
/* A card's title is shown in full (company, then form and period on their own line), wrapping between words
   only: "Best Buy Co., Inc. — Form 10-…" hid 10-K vs 10-Q. A word wider than the card is the one thing broken. */
.gq-card .gq-card-doc { font-weight: 500; flex: 1 1 auto; min-width: 0; white-space: normal; word-break: normal;
                        overflow-wrap: break-word; hyphens: none; line-height: 1.3; }
.gq-card .gq-card-co, .gq-card .gq-card-form { display: block; }
.gq-card .gq-card-form { font-weight: 400; }
.gq-card .gq-card-where { color: var(--gq-sub); font-size: 0.78rem; white-space: normal; word-break: normal;
                          overflow-wrap: break-word; hyphens: none; }
.gq-card .gq-card-text { color: var(--gq-sub); font-size: 0.8rem; line-height: 1.35; display: -webkit-box;
                         -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.gq-more { display: block; width: 100%; margin: 0.2rem 0; padding: 0.15rem 0.5rem; font: inherit; font-size: 0.8rem;
            white-space: normal; cursor: pointer; color: var(--gq-accent); background: var(--gq-card);
            border: 1px dashed var(--gq-line); border-radius: 6px; text-align: center; }
.gq-more[data-loading] { opacity: 0.5; cursor: progress; }
.gq-sources-head { font-size: 0.78rem; color: var(--gq-sub); margin-top: 0.55rem; }
.gq-card mark.gq-best { background: var(--gq-mark); color: inherit; border-radius: 2px; }
.gq-card .gq-card-text:has(mark.gq-best) { -webkit-line-clamp: 4; }
.gq-id { font-family: var(--font-mono, monospace); font-size: 0.85em; white-space: nowrap; }  /* never split an id */
.gq-copy { font: inherit; font-size: 0.78rem; margin-left: 0.4rem; padding: 0 0.45rem; cursor: pointer;
           border: 1px solid var(--gq-line); border-radius: 5px; background: transparent; color: inherit; }
.gq-empty { color: var(--gq-sub); }
.gq-typing { display: inline-flex; gap: 4px; padding: 0.35rem 0; }
.gq-typing span { width: 7px; height: 7px; border-radius: 50%; background: var(--gq-sub);
                  animation: gq-blink 1.2s infinite ease-in-out; }
.gq-typing span:nth-child(2) { animation-delay: 0.2s; }
.gq-typing span:nth-child(3) { animation-delay: 0.4s; }
@keyframes gq-blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }
.gq-examples { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.gq-examples .gq-ex-head { flex-basis: 100%; font-size: 0.8rem; color: var(--gq-sub); }
.gq-example { font: inherit; font-size: 0.85rem; cursor: pointer; border: 1px solid var(--gq-line);
              border-radius: 999px; padding: 0.2rem 0.7rem; background: var(--gq-card); color: inherit;
              text-align: left; }
.gq-example:hover { border-color: var(--gq-accent); }
.gq-busy { opacity: 0.45; pointer-events: none; transition: opacity 0.2s; }
.gq-confirm { border: 1px solid #dc2626; border-radius: 8px; padding: 0.5rem; }
#gq-docs th, #gq-eval-table th, #gq-eval-summary th { word-break: normal !important; overflow-wrap: normal !important;
                                                       hyphens: none; }
#gq-eval-table th span, #gq-docs th span { white-space: nowrap; }
#gq-docs table, #gq-eval-table table, #gq-eval-summary table { font-family: var(--font, inherit); font-size: 0.88rem; }
#gq-docs th, #gq-eval-table th, #gq-eval-summary th { font-family: var(--font, inherit); font-weight: 600; }
#gq-docs td, #gq-docs td *, #gq-eval-table td, #gq-eval-table td *, #gq-eval-summary td, #gq-eval-summary td * {
  font-family: var(--font, inherit) !important; }
.gq-matches ul, .gq-related ul { margin: 0.3rem 0; padding-left: 1.2rem; }
/* Documents: a table on desktop (whole words only: paths wrap after / _ - . where app.web.ui.documents put a
   <wbr>), cards on a phone (each value under its column's name). */
.gq-doc-wrap { overflow-x: auto; }
#gq-docs table.gq-doc-table { width: 100%; border-collapse: collapse; font-size: 0.9rem; margin: 0; border: 0 !important;
                              font-variant-numeric: tabular-nums; }
#gq-docs .gq-doc-table th, #gq-docs .gq-doc-table td { text-align: left; padding: 0.45rem 0.6rem; border: 0 !important;
  border-bottom: 1px solid var(--gq-line) !important; vertical-align: top; word-break: normal; overflow-wrap: normal;
  hyphens: none; background: none; }
#gq-docs .gq-doc-table th { white-space: nowrap; font-weight: 600; color: var(--gq-sub); font-size: 0.8rem;
                            text-transform: none; }
#gq-docs .gq-doc-table tr { border: 0 !important; background: none; }
#gq-docs .gq-doc-table .gq-num, #gq-docs .gq-doc-table .gq-doc-indexed, #gq-docs .gq-doc-table .gq-doc-id {
  white-space: nowrap; }
#gq-docs .gq-doc-table .gq-num { text-align: right; }
#gq-docs .gq-doc-table .gq-doc-id { color: var(--gq-sub); }
#gq-docs .gq-doc-table .gq-doc-title { min-width: 12em; }
#gq-docs .gq-doc-table .gq-doc-path { min-width: 9em; }
.gq-confirm:not(.gq-open) { display: none !important; }
#gq-remove:not(.gq-chosen) { display: none !important; }  /* until a document is chosen (app.web.ui.documents) */
#gq-remove { align-self: flex-start; width: auto !important; flex: 0 0 auto !important; min-width: 9rem; }
/* The empty chat: a centred invitation. */
#gq-chat .placeholder { justify-content: center; text-align: center; }
.gq-invite { max-width: 30rem; margin: 0 auto; padding: 1rem 1.25rem; text-align: center; }
.gq-invite-head { font-size: 1.1rem; font-weight: 600; margin-bottom: 0.35rem; }
.gq-invite-sub { color: var(--gq-sub); font-size: 0.9rem; line-height: 1.45; }
.gq-sheet-bar { display: none; }
/* Evaluate: results only after a run; plots in a grid; ids on one line. */
.gq-eval-results:not(.gq-has-run) { display: none !important; }
.gq-eval-plots { display: grid; grid-template-columns: 1fr 1fr; gap: 0.75rem; align-items: start; max-width: 1000px; }
.gq-eval-plots .gq-plot-wide { grid-column: 1 / -1; max-width: 760px; }
.gq-eval-plots img { display: block; border: 1px solid var(--gq-line); border-radius: 6px; background: #fff;
                     box-sizing: border-box; }
#gq-eval-plots .prose { max-width: none; }
/* A phone: the tables scroll inside their box instead of widening the page. */
#gq-eval-results { contain: inline-size; width: 100%; }  /* its content's width never widens the page */
#gq-eval-results > * { min-width: 0 !important; max-width: 100%; }
#gq-eval-summary .table-wrap, #gq-eval-table .table-wrap { max-width: 100%; overflow-x: auto; }
/* Gradio's tables draw their cells as divs in a monospace font: the page's font, and ids kept on one line. */
#gq-eval-table .body-cell, #gq-eval-table .body-cell *, #gq-eval-summary .body-cell, #gq-eval-summary .body-cell * {
  font-family: var(--font) !important; font-size: 0.88rem; }
#gq-eval-table .body-cell.first-column .text { white-space: nowrap !important; word-break: normal !important;
  overflow-wrap: normal !important; }
@media (max-width: 640px) {
  .gq-cards { grid-template-columns: 1fr; }
  .gq-eval-plots { grid-template-columns: 1fr; }
  #gq-eval-table .table-container { min-width: 940px; }  /* scrolls sideways in its box, columns stay readable */
  #gq-docs .gq-doc-table thead { display: none; }
  #gq-docs .gq-doc-table, #gq-docs .gq-doc-table tbody, #gq-docs .gq-doc-table tr { display: block; width: 100%; }
  #gq-docs .gq-doc-table tr { border: 1px solid var(--gq-line) !important; border-radius: 10px; background: var(--gq-card);
                              padding: 0.45rem 0.7rem; margin-bottom: 0.6rem; box-sizing: border-box; }
  #gq-docs .gq-doc-table td { display: flex; gap: 0.6rem; border: 0 !important; padding: 0.12rem 0; text-align: left;
                              white-space: normal; min-width: 0; }
  #gq-docs .gq-doc-table td, #gq-docs .gq-doc-table td.gq-num { text-align: left; }
  #gq-docs .gq-doc-table td::before { content: attr(data-label); flex: 0 0 5.6rem; color: var(--gq-sub);
                                      font-size: 0.8rem; font-weight: 400; padding-top: 0.1rem; text-align: left; }
  #gq-docs .gq-doc-table td.gq-doc-title { font-weight: 600; }
  /* The source panel is a bottom sheet over the chat, opened by a citation, closed by its button. */
  #gq-panel-col:not(.gq-sheet-open) { display: none !important; }
  #gq-panel-col.gq-sheet-open { position: fixed !important; left: 0; right: 0; bottom: 0; top: auto; z-index: 900;
    display: flex !important; flex-direction: column !important; flex-wrap: nowrap !important; gap: 0.4rem;
    width: 100% !important; min-width: 0 !important; max-height: 85vh; overflow-y: auto; margin: 0 !important;
    box-sizing: border-box; padding: 0 0.9rem 1rem; background: var(--background-fill-primary, #fff);
    border-top: 1px solid var(--gq-line); border-radius: 14px 14px 0 0; box-shadow: 0 -10px 32px rgba(0, 0, 0, 0.28); }
  .gq-sheet-open .gq-sheet-bar { display: flex; align-items: center; justify-content: space-between;
    padding: 0.6rem 0 0.4rem; background: var(--background-fill-primary, #fff); border-bottom: 1px solid var(--gq-line); }
  /* Sticky on Gradio's box around the bar (a child of the sheet): on the bar itself it had no room to stick and
     scrolled away with the text. */
  .gq-sheet-open #gq-sheet-bar-box { position: sticky !important; top: 0; z-index: 2;
    background: var(--background-fill-primary, #fff); }
  .gq-sheet-title { font-weight: 600; color: var(--gq-sub); font-size: 0.85rem; }
  .gq-sheet-close { font: inherit; font-size: 0.9rem; cursor: pointer; border: 1px solid var(--gq-line);
    border-radius: 999px; padding: 0.3rem 0.9rem; background: var(--gq-card); color: inherit; }
  .gq-sheet-open .gq-context { max-height: none; }
  .gq-context { max-height: 50vh; }
  .gq-header .gq-app { font-size: 1.15rem; }
}
"""
"""Style sheet for the classes of app.web.html (light and dark: Gradio sets `.dark` from the browser)."""

FALLBACK_FONTS = "'Source Sans Pro', 'Source Sans 3', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
"""What draws text if the page's own font cannot be used: the same design first, then metric-alike system faces."""
_FONT_FILES = (("100 549", "SourceSansPro-Regular.woff2"), ("550 900", "SourceSansPro-Bold.woff2"))


def _font_src(name: str) -> str:
    """A font file as a data: URL read from Gradio's package (it travels inside the page: no request that a busy
    server answers late), or Gradio's static URL when the file is not where this Gradio version keeps it."""
    import base64
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gradio")
    if spec and spec.origin:
        f = Path(spec.origin).parent / "templates" / "frontend" / "static" / "fonts" / "SourceSansPro" / name
        if f.is_file():
            return "data:font/woff2;base64," + base64.b64encode(f.read_bytes()).decode("ascii")
    return f"static/fonts/SourceSansPro/{name}"


def font_head() -> str:
    """The page's font rules for <head>: one family from the full regular and bold files, inlined.

    Gradio's "Source Sans Pro" semibold file holds only a handful of glyphs, so bold text mixed it with a fallback
    letter by letter; and a font fetched after the page (the rules used to be added by the client script) was
    swapped in late — while the server was busy indexing, screenshots caught the fallback. Inlined, both faces are
    there when the first text is drawn (`font-display: block`), and the fallback stack is declared for the rest.
    """
    faces = "".join(f"@font-face {{ font-family: 'GQ Sans'; font-weight: {w}; font-style: normal; font-display: block;"
                    f" src: url('{_font_src(name)}') format('woff2'); }}" for w, name in _FONT_FILES)
    roots = ":root, .dark, body, gradio-app, .gradio-container"
    return f"<style>{faces}{roots} {{ --font: 'GQ Sans', {FALLBACK_FONTS} !important; }}</style>"


CLIENT_JS = r"""
if (!window.__gqInstalled) {
  window.__gqInstalled = true;
  // Gradio scopes the app's CSS inside its container; the page margins around it need an unscoped rule.
  const page = document.createElement('style');
  page.textContent = '@media (max-width: 640px) { .main.app, .main.fillable { padding-left: 8px !important; padding-right: 8px !important; } }';
  document.head.appendChild(page);
  const phone = () => window.matchMedia('(max-width: 640px)').matches;
  const sheet = () => document.querySelector('#gq-panel-col');
  const closeSheet = () => { const s = sheet(); if (s) s.classList.remove('gq-sheet-open'); };
  const sendTo = (sel, value) => {
    const box = document.querySelector(sel + ' textarea, ' + sel + ' input');
    if (!box) return false;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  };
  const markActive = (id) => {
    document.querySelectorAll('.gq-active').forEach(e => e.classList.remove('gq-active'));
    document.querySelectorAll('.gq-marker[value], .gq-card[value]').forEach(e => { if (e.value === id) e.classList.add('gq-active'); });
  };
  // Hover preview of a marker's cited text: one fixed tooltip kept inside the window (the chat bubble
  // would clip a CSS one); the native `title` tooltip is moved aside so it does not show twice.
  const tip = document.createElement('div'); tip.id = 'gq-tip'; tip.setAttribute('role', 'tooltip');
  // Inside Gradio's root, so that its light/dark colours apply.
  (document.querySelector('.gradio-container') || document.body).appendChild(tip);
  const showTip = (m) => {
    if (m.hasAttribute('title')) { m.dataset.preview = m.getAttribute('title'); m.removeAttribute('title'); }
    tip.textContent = m.dataset.preview || '';
    const r = m.getBoundingClientRect();
    tip.style.display = 'block';
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(6, Math.min(r.left, window.innerWidth - w - 6)) + 'px';
    tip.style.top = (r.bottom + h + 8 < window.innerHeight ? r.bottom + 6 : Math.max(6, r.top - h - 6)) + 'px';
  };
  const hideTip = () => { tip.style.display = 'none'; };
  for (const [on, off] of [['mouseover', 'mouseout'], ['focusin', 'focusout']]) {
    document.addEventListener(on, (ev) => { const m = ev.target instanceof Element && ev.target.closest('.gq-marker'); if (m) showTip(m); });
    document.addEventListener(off, (ev) => { if (ev.target instanceof Element && ev.target.closest('.gq-marker')) hideTip(); });
  }
  document.addEventListener('click', (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    hideTip();
    const c = t.closest('.gq-marker[value], .gq-card[value]');
    if (t.closest('.gq-sheet-close')) { ev.preventDefault(); closeSheet(); return; }
    if (c && c.closest('#gq-chat')) {
      ev.preventDefault(); ev.stopPropagation();
      // A phone opens the source as a sheet over the chat (the page does not move); wider screens scroll the
      // panel beside the chat into view when needed.
      if (phone() && sheet()) { sheet().classList.add('gq-sheet-open'); sheet().scrollTop = 0; window.__gqPendingScroll = false; }
      else window.__gqPendingScroll = true;
      sendTo('#gq-open', c.value + ' ' + Date.now());  // a nonce: clicking the same source re-opens it
      markActive(c.value);
      return;
    }
    const more = t.closest('#gq-panel .gq-more[value]');
    if (more) { ev.preventDefault(); loadMore(more); return; }
    const k = t.closest('.gq-copy[value]');
    if (k) { ev.preventDefault(); copy(k.value, k); return; }
    const a = t.closest('.gq-example[value]');
    if (a) {
      ev.preventDefault();
      if (sendTo('#gq-question', a.value)) setTimeout(() => { const b = document.querySelector('#gq-ask'); if (b) b.click(); }, 60);
    }
  }, true);
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeSheet(); });
  // Where a context's text scrolls: the context box beside the chat, or the whole sheet on a phone (whose top
  // is under its sticky bar).
  const scroller = (ctx) => ctx.closest('.gq-sheet-open') || ctx;
  const visibleTop = (box) => {
    const bar = box.classList.contains('gq-sheet-open') && box.querySelector('.gq-sheet-bar');
    return Math.max(bar ? bar.getBoundingClientRect().bottom : box.getBoundingClientRect().top, 0);
  };
  const lineOf = (el) => parseFloat(getComputedStyle(el).lineHeight) || 22;
  const firstLine = (m) => m.getClientRects()[0] || m.getBoundingClientRect();
  let quietUntil = 0;  // scroll events of our own scrolling do not load more text
  const scrollBy = (box, dy) => { quietUntil = Date.now() + 500; box.scrollTop += dy; };
  // A more-text button (at either end of the panel's context) asks for the page before or after; the reader's
  // view is kept where it is: the highlight stays at the same height once the wider context lands.
  const loadMore = (b) => {
    if (b.dataset.loading) return;
    b.dataset.loading = '1';
    const ctx = b.closest('.gq-context'), m = ctx && ctx.querySelector('mark.gq-cited');
    if (m) { const box = scroller(ctx); window.__gqKeep = {id: b.value.split(' ')[0], dy: firstLine(m).top - visibleTop(box)}; }
    sendTo('#gq-open', b.value + ' ' + Date.now());
  };
  document.addEventListener('scroll', (ev) => {
    const box = ev.target;
    if (!(box instanceof Element) || Date.now() < quietUntil) return;
    const ctx = box.matches('#gq-panel .gq-context') ? box : box.querySelector('#gq-panel .gq-context');
    if (!ctx || scroller(ctx) !== box) return;
    if (box.scrollTop < 4) { const b = ctx.querySelector('.gq-more-before'); if (b) loadMore(b); }
    else if (box.scrollTop + box.clientHeight > box.scrollHeight - 4) { const b = ctx.querySelector('.gq-more-after'); if (b) loadMore(b); }
  }, true);
  // When a new passage lands in a context panel, scroll it so that the highlight's first line sits three lines
  // below the top of what is visible (inside the panel's box, or the phone's sheet under its bar), unless it is
  // in the upper half of it already; after more text was loaded, keep the highlight where the reader had it.
  const scrollMarks = () => {
    document.querySelectorAll('.gq-context:not([data-scrolled])').forEach(ctx => {
      ctx.setAttribute('data-scrolled', '1');
      const m = ctx.querySelector('mark.gq-cited');
      if (!m) return;
      const box = scroller(ctx), line = lineOf(ctx), panel = ctx.closest('.gq-panel');
      const keep = window.__gqKeep;
      window.__gqKeep = null;
      if (keep && panel && panel.dataset.citation === keep.id) {
        scrollBy(box, firstLine(m).top - visibleTop(box) - keep.dy);
      } else {
        const top = visibleTop(box), bottom = Math.min(box.getBoundingClientRect().bottom, window.innerHeight);
        const y = firstLine(m).top;
        if (y < top + line || y > top + (bottom - top) / 2) scrollBy(box, y - top - 3 * line);
      }
      const r = ctx.getBoundingClientRect();
      if (window.__gqPendingScroll && (r.top < 0 || r.top > window.innerHeight * 0.8)) panel.scrollIntoView({block: 'start', behavior: 'smooth'});
      window.__gqPendingScroll = false;
    });
  };
  new MutationObserver(scrollMarks).observe(document.body, {childList: true, subtree: true});
}
"""
"""Installed once per page by the header's `js_on_load` (event delegation: later messages need nothing)."""

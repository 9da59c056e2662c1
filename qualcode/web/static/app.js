// qualcode workspace: code a selection, open a highlight, keys, margin stripes. No inline scripts (CSP).
(function () {
  "use strict";

  const csrf = () => document.body.dataset.csrf;
  const docEl = () => document.getElementById("doc");
  const textEl = () => document.getElementById("doctext");

  // -- document offsets of a selection --------------------------------------------------
  // The server counts characters (code points: an emoji is one), the DOM UTF-16 units (an emoji is two).
  function chars(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 0xdc00 || c > 0xdfff) n++; }
    return n;
  }
  function units(s, n) {
    // the UTF-16 length of the first n characters of s
    let i = 0;
    for (let k = 0; k < n && i < s.length; k++) { const c = s.charCodeAt(i); i += c >= 0xd800 && c <= 0xdbff ? 2 : 1; }
    return i;
  }

  function offsetOf(node, offset) {
    // A text node inside <span data-o=START>: START + its characters before offset. An element: the start of its child at offset.
    if (node.nodeType === Node.TEXT_NODE) {
      const span = node.parentElement.closest("[data-o]");
      return span ? Number(span.dataset.o) + chars(node.data.slice(0, offset)) : null;
    }
    const child = node.childNodes[offset];
    if (child) {
      const span = child.nodeType === Node.ELEMENT_NODE ? (child.matches("[data-o]") ? child : child.querySelector("[data-o]")) : child.parentElement.closest("[data-o]");
      if (span) return Number(span.dataset.o);
    }
    const spans = node.querySelectorAll ? node.querySelectorAll("[data-o]") : [];
    if (spans.length) {
      const last = spans[spans.length - 1];
      return Number(last.dataset.o) + chars(last.textContent);
    }
    return null;
  }

  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount || !textEl()) return null;
    const range = sel.getRangeAt(0);
    if (!textEl().contains(range.commonAncestorContainer)) return null;
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null) return null;
    if (end < start) [start, end] = [end, start];
    const text = sel.toString();
    if (!text.trim()) return null;
    return { start, end, rect: range.getBoundingClientRect() };
  }

  // -- selecting by keyboard: s/S sentence, p/P paragraph, Shift+←/→ the end, Alt+Shift+←/→ the start --
  let cursor = 0;  // where the next keyboard selection starts looking (a document offset)
  let refocus = false;  // after coding by keyboard, the text gets the focus back
  let focusPanel = false;  // after `d`, the details' first control gets the focus (memo, remove, key quote)

  function spansOf() {
    return [...textEl().querySelectorAll("[data-o]")].map((el) => ({ el, o: Number(el.dataset.o), n: chars(el.textContent) }));
  }

  function fullText() { return spansOf().map((s) => s.el.textContent).join(""); }

  function pieces(text, re) {
    // [start, end) of each match, in characters (document offsets), counted as the matches go
    const out = [];
    let unit = 0, char = 0;
    const at = (i) => { char += chars(text.slice(unit, i)); unit = i; return char; };
    for (const m of text.matchAll(re)) {
      const lead = m[0].length - m[0].trimStart().length;
      const body = m[0].trim();
      if (body) out.push([at(m.index + lead), at(m.index + lead + body.length)]);
    }
    return out;
  }
  // A sentence ends at . ! ? with the closing quotation marks and brackets after it (”Vi trodde det.”);
  // a full stop inside a word or number (3.5, www.stockholm.se) or after a Swedish abbreviation
  // (t.ex., bl.a., m.m., d.v.s., o.s.v., s.k., ca.) does not end it.
  const SENTENCE = /(?:\b(?:t\.ex|bl\.a|m\.m|m\.fl|d\.v\.s|o\.s\.v|s\.k|fr\.o\.m|t\.o\.m|ca|jfr|resp|nr|kl)\.|\.(?=[^\s.!?"”’»)\]])|[^\n.!?])+[.!?]*["”’»)\]]*/g;
  const sentences = (text) => pieces(text, SENTENCE);
  window.qualcodeSentences = (text) => sentences(text);  // for the browser tests
  const paragraphs = (text) => pieces(text, /[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*/g);
  const words = (text) => pieces(text, /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);

  function select(start, end) {
    const spans = spansOf();
    const point = (off, isEnd) => {
      const s = spans.find((x) => (isEnd ? x.o < off && off <= x.o + x.n : x.o <= off && off < x.o + x.n)) || spans[spans.length - 1];
      return [s.el.firstChild || s.el, units(s.el.textContent, Math.max(0, Math.min(off - s.o, s.n)))];
    };
    const r = document.createRange();
    r.setStart(...point(start, false));
    r.setEnd(...point(end, true));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    cursor = end;
    const status = document.getElementById("selstatus");
    if (status) status.textContent = `«${sel.toString()}»`;
  }

  function current() {
    const sel = selectionOffsets();
    return sel ? [sel.start, sel.end] : null;
  }

  function unit(list, forward) {
    // "this" sentence (or paragraph) around a smaller selection, else the next or the previous one
    const now = current();
    if (!now) return forward ? list.find(([s]) => s >= cursor) || list[list.length - 1] : [...list].reverse().find(([, e]) => e <= cursor) || list[0];
    const around = list.find(([s, e]) => s <= now[0] && now[1] <= e && (s < now[0] || now[1] < e));
    if (around) return around;
    return forward ? list.find(([s]) => s >= now[1]) || list[list.length - 1] : [...list].reverse().find(([, e]) => e <= now[0]) || list[0];
  }

  function moveEdge(edge, forward) {
    const now = current();
    if (!now) return;
    const ws = words(fullText());
    let [start, end] = now;
    if (edge === "end") {
      const w = forward ? ws.find(([, e]) => e > end) : [...ws].reverse().find(([, e]) => e < end && e > start);
      if (w) end = w[1];
    } else {
      const w = forward ? ws.find(([s]) => s > start && s < end) : [...ws].reverse().find(([s]) => s < start);
      if (w) start = w[0];
    }
    select(start, end);
  }

  function keyboardSelection(ev) {
    // true when the key selected something in the focused text
    if (document.activeElement !== textEl() || ev.ctrlKey && !ev.shiftKey || ev.metaKey) return false;
    const arrow = ev.key === "ArrowRight" || ev.key === "ArrowLeft";
    if (arrow && ev.shiftKey) {
      moveEdge(ev.altKey || ev.ctrlKey ? "start" : "end", ev.key === "ArrowRight");
      return true;
    }
    if (ev.altKey || ev.ctrlKey) return false;
    const k = ev.key.toLowerCase();
    if (k !== "s" && k !== "p") return false;
    const text = fullText();
    const list = k === "s" ? sentences(text) : paragraphs(text);
    if (!list.length) return false;
    const [start, end] = unit(list, !ev.shiftKey);
    select(start, end);
    return true;
  }

  // -- the code picker: type to filter (fuzzy), arrows, Enter ---------------------------
  let pending = null;
  let choices = [];
  let active = -1; // the highlighted choice; -1 while nothing is typed or highlighted (Enter codes nothing)

  function fold(s) { return s.toLocaleLowerCase("sv"); }
  function fuzzy(query, label) {
    // Subsequence score: every query letter in order; consecutive and word-start letters count more.
    const q = fold(query), t = fold(label);
    if (!q) return 1;
    if (t.includes(q)) return 100 - t.indexOf(q);
    let score = 0, j = 0, run = 0;
    for (let i = 0; i < t.length && j < q.length; i++) {
      if (t[i] === q[j]) { run++; score += run + (i === 0 || t[i - 1] === " " || t[i - 1] === "-" ? 3 : 0); j++; }
      else run = 0;
    }
    return j === q.length ? score : 0;
  }

  function renderChoices() {
    const input = document.getElementById("picker-input");
    const list = document.getElementById("picker-list");
    const codes = JSON.parse(docEl().dataset.picker || "[]");
    const q = input.value.trim();
    choices = codes
      .map((c) => ({ c, s: Math.max(fuzzy(q, c.id), fuzzy(q, c.name), ...c.aliases.map((a) => fuzzy(q, a))) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s)
      .slice(0, 12)
      .map((x) => x.c);
    active = Math.min(active, Math.max(0, choices.length - 1));
    list.replaceChildren(...choices.map((c, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.code = c.id;
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      const b = document.createElement("b");
      b.textContent = c.id;
      const span = document.createElement("span");
      span.textContent = c.name;
      li.append(b, span);
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(c.id); });
      return li;
    }));
  }

  function openPicker(sel) {
    const picker = document.getElementById("picker");
    if (!picker) return; // an account that may only read has no picker
    pending = sel;
    picker.hidden = false;
    picker.style.left = Math.max(8, window.scrollX + sel.rect.left) + "px";
    picker.style.top = window.scrollY + sel.rect.bottom + 6 + "px";
    const input = document.getElementById("picker-input");
    input.value = "";
    active = -1;
    renderChoices();
    input.focus();
  }

  function closePicker() {
    const picker = document.getElementById("picker");
    if (picker) picker.hidden = true;
    pending = null;
  }

  function choose(code) {
    if (!pending) return;
    const values = { start: pending.start, end: pending.end, code };
    const doc = docEl().dataset.doc;
    refocus = pending.keyboard;
    closePicker();
    window.getSelection().removeAllRanges();
    htmx.ajax("POST", `/documents/${doc}/codings?doc=${doc}`, {
      target: "#doc", swap: "outerHTML", values, headers: { "X-CSRF-Token": csrf() },
    });
  }

  document.addEventListener("input", (ev) => {
    if (ev.target.id === "picker-input") { active = ev.target.value.trim() ? 0 : -1; renderChoices(); }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.target.id === "picker-input") {
      if (ev.key === "ArrowDown") { active = Math.min(active + 1, choices.length - 1); renderChoices(); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); renderChoices(); ev.preventDefault(); }
      else if (ev.key === "Enter") {
        ev.preventDefault();
        const typed = ev.target.value.trim();
        // nothing in the list: let the server try the fuzzy name (same matching as `qualcode tag`);
        // nothing typed and nothing highlighted: no code was chosen, the picker stays open
        if (active >= 0 && choices.length) choose(choices[active].id);
        else if (typed) choose(typed);
      } else if (ev.key === "Escape") {
        const back = pending && pending.keyboard ? pending : null;
        closePicker();
        if (back && textEl()) { textEl().focus({ preventScroll: true }); select(back.start, back.end); }
      }
      return;
    }
    const tag = (ev.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || !docEl()) return;
    if (keyboardSelection(ev)) { ev.preventDefault(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Enter" && document.activeElement === textEl()) {
      const sel = selectionOffsets();
      if (sel) { ev.preventDefault(); openPicker(Object.assign(sel, { keyboard: true })); }
    } else if (ev.key === "d" && document.activeElement === textEl()) {
      // the details of the codings where the selection (or the keyboard's place) is: no mouse needed
      const sel = selectionOffsets();
      ev.preventDefault(); focusPanel = true; showPanel(sel ? sel.start : cursor);
    } else if ((ev.key === "]" || ev.key === "[") && document.activeElement === textEl()) {
      // the next (previous) coding in the text, selected, active and its details shown: every
      // highlight is reached by keyboard, and a/r then answer the suggestion it is
      const mark = stepMark(ev.key === "]");
      if (mark) {
        ev.preventDefault();
        document.querySelectorAll("mark.hl.active").forEach((m) => m.classList.remove("active"));
        mark.classList.add("active");
        const start = Number(mark.dataset.start), end = Number(mark.dataset.end);
        select(start, end);
        cursor = start;
        mark.scrollIntoView({ block: "nearest" });
        const status = document.getElementById("selstatus");
        if (status) status.textContent = `${mark.dataset.code} · ${mark.dataset.coder} · «${window.getSelection().toString()}»`;
        showPanel(start);
      }
    } else if (ev.key === "u") {
      const undo = document.getElementById("undo-btn");
      if (undo) { ev.preventDefault(); undo.click(); }
    } else if (ev.key === "n") {
      ev.preventDefault(); window.location.href = "/suggestions/next";
    } else if (ev.key === "a" || ev.key === "r") {
      // the suggestion of the active mark (where `n` went, or the one clicked), else the panel's first;
      // send the button's request directly: a panel just swapped in may not be wired by htmx yet
      const kind = ev.key === "a" ? "accept" : "reject";
      const active = document.querySelector("#doctext mark.hl.active");
      const btn = (active && document.querySelector(`#panel section[data-coding="${active.dataset.coding}"] button.${kind}`))
        || document.querySelector(`#panel button.${kind}`);
      if (btn) {
        ev.preventDefault();
        htmx.ajax("POST", btn.getAttribute("hx-post"), {
          target: "#doc", swap: "outerHTML", headers: { "X-CSRF-Token": csrf() },
        });
      }
    } else if (ev.key === "Escape") { closePicker(); }
  });

  document.addEventListener("mouseup", (ev) => {
    if (!textEl() || !textEl().contains(ev.target)) return;
    setTimeout(() => {
      const sel = selectionOffsets();
      if (sel) openPicker(sel);
    }, 0);
  });

  document.addEventListener("mousedown", (ev) => {
    const picker = document.getElementById("picker");
    if (picker && !picker.hidden && !picker.contains(ev.target)) closePicker();
  });

  function stepMark(forward) {
    // the codings in text order (start, then the longer first), one mark element each (a coding
    // across other codings is drawn in several pieces); from the active one, else from the cursor
    const seen = new Set(), list = [];
    textEl().querySelectorAll("mark.hl").forEach((m) => {
      if (!seen.has(m.dataset.coding)) { seen.add(m.dataset.coding); list.push(m); }
    });
    if (!list.length) return null;
    const key = (m) => [Number(m.dataset.start), -Number(m.dataset.end), Number(m.dataset.coding)];
    const before = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    list.sort((a, b) => before(key(a), key(b)));
    const active = textEl().querySelector("mark.hl.active");
    const i = active ? list.findIndex((m) => m.dataset.coding === active.dataset.coding) : -1;
    if (i >= 0) return list[forward ? Math.min(i + 1, list.length - 1) : Math.max(i - 1, 0)];
    return forward ? list.find((m) => Number(m.dataset.start) >= cursor) || list[list.length - 1]
      : [...list].reverse().find((m) => Number(m.dataset.start) < cursor) || list[0];
  }

  // -- a click on a highlight opens its details ------------------------------------------
  function unsavedMemo() {
    const area = document.querySelector("#panel form textarea[name=memo]");
    return area && area.value !== area.defaultValue ? area : null;
  }

  function showPanel(offset) {
    // a memo typed but not saved is saved first (its answer shows the text again; a second click opens the panel)
    const memo = unsavedMemo();
    if (memo) { memo.form.requestSubmit(); return; }
    const doc = docEl().dataset.doc;
    htmx.ajax("GET", `/documents/${doc}/panel?at=${offset}`, { target: "#panel", swap: "innerHTML" });
  }

  document.addEventListener("click", (ev) => {
    const mark = ev.target.closest && ev.target.closest("mark.hl");
    if (!mark || !textEl() || !textEl().contains(mark)) return;
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return; // a selection, not a click
    const span = ev.target.closest("[data-o]") || mark.querySelector("[data-o]");
    document.querySelectorAll("mark.hl.active").forEach((m) => m.classList.remove("active"));
    mark.classList.add("active");
    showPanel(Number(span.dataset.o));
  });

  // -- margin stripes: one per coding, side by side where codings overlap ----------------
  const LANE = 16;  // a lane: the 4px stripe and, left of it, its 10px label (.stripe span)
  function drawStripes() {
    const box = document.getElementById("stripes");
    const text = textEl();
    if (!box || !text) return;
    const top0 = box.getBoundingClientRect().top;
    const spans = new Map();
    text.querySelectorAll("mark.hl").forEach((m) => {
      const id = m.dataset.coding;
      const rects = m.getClientRects();
      if (!rects.length) return;
      const s = spans.get(id) || { top: Infinity, bottom: -Infinity, el: m };
      s.top = Math.min(s.top, rects[0].top - top0);
      s.bottom = Math.max(s.bottom, rects[rects.length - 1].bottom - top0);
      spans.set(id, s);
    });
    const items = [...spans.values()].sort((a, b) => a.top - b.top || b.bottom - a.bottom).map((s) => {
      const d = document.createElement("div");
      d.className = "stripe " + [...s.el.classList].filter((c) => /^k\d+$/.test(c)).join(" ");
      if (s.el.classList.contains("sug")) d.classList.add("sug");
      d.title = `${s.el.dataset.code} · ${s.el.dataset.coder}`;
      const label = document.createElement("span");  // the code id, vertical beside its stripe
      label.textContent = s.el.dataset.code;
      d.append(label);
      return { s, d, label };
    });
    box.replaceChildren(...items.map((x) => x.d));
    // a label longer than its stripe keeps the lane until it ends (one layout for all the lengths)
    const lengths = items.map((x) => x.label.getBoundingClientRect().height);
    const lanes = [];
    items.forEach(({ s, d }, i) => {
      let lane = lanes.findIndex((end) => end < s.top);
      if (lane < 0) { lane = lanes.length; lanes.push(0); }
      lanes[lane] = Math.max(s.bottom, s.top + lengths[i]) + 4;
      d.style.top = s.top + "px";
      d.style.height = Math.max(6, s.bottom - s.top) + "px";
      d.style.left = 86 - lane * LANE + "px";
    });
  }

  function jumpToHash() {
    const id = window.location.hash.slice(1);
    const el = id && document.getElementById(id);
    if (el && el.matches("mark.hl")) {
      el.scrollIntoView({ block: "center" });
      el.classList.add("active");
      const span = el.querySelector("[data-o]");
      if (span) showPanel(Number(span.dataset.o));
    }
  }

  // -- live changes: the poll for other coders' changes waits while she selects or picks a code
  document.addEventListener("htmx:beforeRequest", (ev) => {
    if (!ev.detail.elt || ev.detail.elt.id !== "live") return;
    const sel = window.getSelection();
    const selecting = sel && !sel.isCollapsed && textEl() && textEl().contains(sel.anchorNode);
    if (pending || selecting) ev.preventDefault();
  });

  // -- the survey grid by keyboard: arrows move between code cells, Enter or space toggles, the focus stays
  let gridCell = null;  // the cell whose toggle is on its way: its row is drawn again, the focus goes back to it

  document.addEventListener("keydown", (ev) => {
    const cell = ev.target.closest && ev.target.closest("table.grid button.tog");
    const move = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] }[ev.key];
    if (!cell || !move || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    const row = cell.closest("tr");
    const rows = [...row.parentElement.children];
    const next = rows[rows.indexOf(row) + move[0]];
    const target = next && next.querySelectorAll("button.tog")[[...row.querySelectorAll("button.tog")].indexOf(cell) + move[1]];
    if (target) { ev.preventDefault(); target.focus(); }
  });

  document.addEventListener("htmx:beforeRequest", (ev) => {
    const cell = ev.detail.elt && ev.detail.elt.closest && ev.detail.elt.closest("table.grid button.tog");
    if (cell) gridCell = { row: cell.closest("tr").id, code: cell.dataset.code, focused: document.activeElement === cell };
  });

  document.addEventListener("htmx:afterSwap", () => {  // at the swap, not the settle: no gap in which a key finds no focus
    if (!gridCell) return;
    const { row, code, focused } = gridCell;
    gridCell = null;
    // only when the focus went with the old row: if she moved on while the toggle was on its way, it stays where she went
    const lost = !document.activeElement || document.activeElement === document.body;
    const again = focused && lost && document.querySelector(`#${CSS.escape(row)} button.tog[data-code="${CSS.escape(code)}"]`);
    if (again) again.focus();
  });

  // a request that got no answer (the server stopped): say so where the messages are, or she thinks it was saved
  document.addEventListener("htmx:sendError", () => {
    const flash = document.getElementById("flash");
    if (!flash || !document.body.dataset.sendError) return;
    const p = document.createElement("p");
    p.className = "err";
    p.textContent = document.body.dataset.sendError;
    flash.replaceChildren(p);
  });

  document.addEventListener("DOMContentLoaded", () => { drawStripes(); jumpToHash(); });
  // an error page after a form: back to the form as she left it (the browser keeps what she typed)
  document.addEventListener("click", (ev) => {
    const back = ev.target.closest && ev.target.closest("[data-back]");
    if (back && history.length > 1) { ev.preventDefault(); history.back(); }
  });
  document.addEventListener("htmx:afterSettle", () => {
    drawStripes();
    if (refocus && textEl()) { refocus = false; textEl().focus({ preventScroll: true }); }
    if (focusPanel) {
      focusPanel = false;
      const first = document.querySelector("#panel textarea, #panel button");
      if (first) first.focus();
    }
  });
  window.addEventListener("resize", () => drawStripes());
  // leaving or reloading the page with a memo typed but not saved: the browser asks first
  window.addEventListener("beforeunload", (ev) => { if (unsavedMemo()) { ev.preventDefault(); ev.returnValue = ""; } });
})();

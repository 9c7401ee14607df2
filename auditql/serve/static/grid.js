// auditql serve: the results grid. Virtual scrolling over a result of any size: the page draws only the rows
// in view (plus their row numbers) and asks the server for the 200-row pages they fall in, as you scroll.
// A page next to one already read is asked by keyset (`after` / `before` its edge row's sort key: as fast
// deep down as at the top); a page far from any (the scrollbar dragged, "go to row") by its row number.
// At most KEEP_PAGES pages are kept, the farthest from the view dropped first.
// Loaded by index.html before app.js; uses its helpers ($, el, cellOf, api, state) at run time only.
"use strict";

const PAGE = 200;
const KEEP_PAGES = 30;
const MAX_HEIGHT = 15000000;  // px: browsers cap an element's height (Firefox near 17.9 million); beyond it the scrollbar is scaled
const COLUMNS_KEY = "auditql.columns";  // {column: shown?} as ticked in the column picker, kept in this browser

const grid = {
  run: "", pages: new Map(), asked: new Map(), total: null, known: 0, more: false,
  columns: [], types: [], rowH: 24, first: 0, shown: 0, anchor: null, elapsed: 0, timer: null, wheel: 0,
};

function gridReset(run) {
  Object.assign(grid, { run, total: null, known: 0, more: false, first: 0, anchor: null, columns: [], types: [] });
  grid.pages.clear();
  grid.asked.clear();
  $("scroller").scrollTop = 0;
}

// rows the scrollbar spans: the count once known, else what was read so far and a page more if it may go on
const extent = () => (grid.total !== null ? grid.total : grid.known + (grid.more ? PAGE : 0));

function rowAt(i) {
  const page = grid.pages.get(Math.floor(i / PAGE));
  return page ? page.rows[i - page.offset] : undefined;
}

function pageQuery(p) {
  const extra = { size: PAGE, offset: p * PAGE, sort: state.sort, desc: state.desc ? 1 : 0 };
  const before = grid.pages.get(p - 1);
  const after = grid.pages.get(p + 1);
  if (p > 0 && before && before.last && before.rows.length === PAGE) extra.after = JSON.stringify(before.last);
  else if (after && after.first) extra.before = JSON.stringify(after.first);
  return extra;
}

// One page, asked once however often the view needs it; resolves to the page, or null for an old query.
function fetchPage(p) {
  if (grid.pages.has(p)) return Promise.resolve(grid.pages.get(p));
  if (grid.asked.has(p)) return grid.asked.get(p);
  const run = grid.run;
  const asked = api("/api/rows", pageQuery(p)).then((page) => {
    if (run !== grid.run) return null;
    page.offset = p * PAGE;
    grid.pages.set(p, page);
    grid.columns = page.columns;
    grid.types = page.types;
    grid.elapsed = page.elapsed;
    const end = page.offset + page.rows.length;
    if (page.rows.length < PAGE) grid.total = end;  // the result ends here: its length is exact
    if (end >= grid.known) { grid.known = end; grid.more = page.rows.length === PAGE; }
    forgetFarPages(p);
    return page;
  }).finally(() => { if (run === grid.run) grid.asked.delete(p); });
  grid.asked.set(p, asked);
  return asked;
}

// A result long enough for the scrollbar to land far from any page read: the server reads its marks now, in
// the background (/api/marks, serve/marks.py: the sort key of every 1,000th row), so that the first drag
// jumps from them instead of waiting for them. Not shown as running; a new query cancels it with the run.
const MARKS_FROM = 20000;

function warmMarks(page, rows) {
  if (!page.keyset || rows <= MARKS_FROM) return;
  const run = grid.run;
  state.warming = true;
  api("/api/marks", { sort: state.sort, desc: state.desc ? 1 : 0 })
    .catch(() => {})
    .finally(() => { if (run === state.run) state.warming = false; });
}

function forgetFarPages(near) {
  if (grid.pages.size <= KEEP_PAGES) return;
  const far = [...grid.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
  for (const p of far.slice(0, grid.pages.size - KEEP_PAGES)) grid.pages.delete(p);
}

// --- which columns show (the picker's ticks, kept in this browser) ----------------------------------------
function savedColumns() {
  try { return JSON.parse(localStorage.getItem(COLUMNS_KEY) || "{}") || {}; } catch { return {}; }
}

function columnShown(name) {
  if (state.pick.split(",").map((c) => c.trim()).includes(name)) return true;  // typed in the columns box
  const saved = savedColumns();
  if (Object.hasOwn(saved, name)) return saved[name] === true;
  return name !== "event_key";  // it opens the record; shown when asked for
}

function drawPicker() {
  const box = $("picker");
  box.replaceChildren();
  grid.columns.forEach((name) => {
    const label = el("label");
    const tick = el("input");
    tick.type = "checkbox";
    tick.checked = columnShown(name);
    tick.dataset.column = name;
    tick.addEventListener("change", () => {
      const saved = savedColumns();
      saved[name] = tick.checked;
      localStorage.setItem(COLUMNS_KEY, JSON.stringify(saved));
      drawHeader();
      drawRows();
    });
    label.append(tick, document.createTextNode(name));
    box.append(label);
  });
}

// --- drawing -------------------------------------------------------------------------------------------------
function drawHeader() {
  const head = $("grid").tHead;
  head.replaceChildren();
  const tr = el("tr");
  tr.append(el("th", "#", "rownum"));
  grid.columns.forEach((name) => {
    if (!columnShown(name)) return;
    const th = el("th", name);
    th.dataset.column = name;
    if (state.sort === name) th.className = state.desc ? "sorted-desc" : "sorted-asc";
    th.addEventListener("click", () => sortBy(name));
    tr.append(th);
  });
  head.append(tr);
}

function drawRow(i, row) {
  const line = el("tr");
  const number = el("th", (i + 1).toLocaleString("en"), "rownum");
  number.scope = "row";
  line.append(number);
  if (row === undefined) {
    const td = el("td", "…", "loading");
    td.colSpan = Math.max(1, grid.columns.filter(columnShown).length);
    line.append(td);
    return line;
  }
  row.forEach((value, c) => {
    if (!columnShown(grid.columns[c])) return;
    const td = cellOf("td", value, true);
    td.dataset.row = String(i);
    td.dataset.col = String(c);
    if (value !== null && value.length > 40) td.setAttribute("title", td.textContent.slice(0, 2000));
    line.append(td);
  });
  return line;
}

// Rows that fit in the grid's box at its full height (its CSS max-height): a short result makes the box
// shorter, so the height the box has now cannot say how many rows a longer one would show.
function fitRows() {
  const scroller = $("scroller");
  const most = parseFloat(getComputedStyle(scroller).maxHeight) || scroller.clientHeight;
  const head = $("grid").tHead.getBoundingClientRect().height;
  return Math.max(1, Math.floor((most - 2 - head) / grid.rowH));  // 2: the box's borders
}

// The rows in view, from the scroll position; asks for the pages they need.
function drawRows() {
  const scroller = $("scroller");
  const body = $("grid").tBodies[0];
  const rows = extent();
  const fit = fitRows();
  const drawn = Math.min(rows, fit + 1);
  const height = Math.min(rows * grid.rowH, MAX_HEIGHT);
  $("sizer").style.height = `${Math.max(0, height - drawn * grid.rowH)}px`;
  const room = Math.max(1, scroller.scrollHeight - scroller.clientHeight);
  const last = Math.max(0, rows - fit);
  let first = Math.min(last, Math.round((scroller.scrollTop / room) * last));
  if (grid.anchor && Math.abs(grid.anchor.top - scroller.scrollTop) < 1) first = Math.min(grid.anchor.row, Math.max(0, rows - 1));
  grid.first = first;
  grid.shown = Math.min(fit, rows - first);
  const fragment = document.createDocumentFragment();
  for (let i = first; i < first + drawn && i < rows; i++) fragment.append(drawRow(i, rowAt(i)));
  body.replaceChildren(fragment);
  const measured = body.rows.length && rowAt(first) !== undefined ? body.rows[0].getBoundingClientRect().height : 0;
  if (measured > 0 && Math.abs(measured - grid.rowH) > 0.5) { grid.rowH = measured; drawRows(); return; }
  drawStatus();
  askForView();
}

// Pages next to one already read are asked at once (cheap, by keyset); others after the scrolling pauses.
function askForView() {
  const wanted = [];
  const from = Math.floor(Math.max(0, grid.first - PAGE / 4) / PAGE);
  const to = Math.floor((grid.first + grid.shown + PAGE / 4) / PAGE);
  for (let p = from; p <= to; p++) {
    if (p * PAGE < extent() && !grid.pages.has(p)) wanted.push(p);
  }
  const near = wanted.filter((p) => p === 0 || grid.pages.has(p - 1) || grid.pages.has(p + 1));
  near.forEach((p) => fetchPage(p).then((page) => { if (page) drawRows(); }).catch(showError));
  clearTimeout(grid.timer);
  if (wanted.length > near.length) {
    grid.timer = setTimeout(() => {
      const start = Math.floor(grid.first / PAGE);
      if (!grid.pages.has(start)) fetchPage(start).then((page) => { if (page) drawRows(); }).catch(showError);
    }, 150);
  }
}

function drawStatus() {
  const rows = extent();
  const from = grid.shown ? grid.first + 1 : 0;
  const to = grid.first + grid.shown;
  const of = grid.total !== null ? ` of ${grid.total.toLocaleString("en")}` : " · counting…";
  $("status").textContent = `rows ${from.toLocaleString("en")}–${to.toLocaleString("en")}${of} · ${grid.elapsed}s`;
  $("goto").max = String(Math.max(1, rows));
}

// Scroll so that row n (1-based) is the first in view.
function gotoRow(n) {
  const rows = extent();
  if (!rows) return;
  const scroller = $("scroller");
  const fit = fitRows();
  const row = Math.min(Math.max(0, n - 1), Math.max(0, rows - 1));
  const last = Math.max(1, rows - fit);
  scroller.scrollTop = (Math.min(row, last) / last) * (scroller.scrollHeight - scroller.clientHeight);
  grid.anchor = { row, top: scroller.scrollTop };
  drawRows();
}

// Past MAX_HEIGHT a pixel of scrollbar is more than a row, so the wheel would skip rows: it moves the view
// by rows itself (the scrollbar and "go to row" still reach any row).
function wheelRows(e) {
  if (extent() * grid.rowH <= MAX_HEIGHT || e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
  e.preventDefault();
  const unit = e.deltaMode === 1 ? grid.rowH : e.deltaMode === 2 ? $("scroller").clientHeight : 1;
  grid.wheel += e.deltaY * unit;
  const rows = Math.trunc(grid.wheel / grid.rowH);
  if (!rows) return;
  grid.wheel -= rows * grid.rowH;
  gotoRow(Math.min(grid.first + 1 + rows, Math.max(1, extent() - fitRows() + 1)));
}

// auditql serve: the page. Plain JavaScript, no framework, no build step, no request off this server.
// Every value from the archive goes into the page as text (textContent, setAttribute), never as HTML.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const HISTORY_KEY = "auditql.history";
const COLORS = ["#1f5fbf", "#d9822b", "#2e9e5b", "#b3261e", "#7b4fb8", "#5a6b7d", "#c4459a", "#8c7a1e"];

const state = { run: "", running: 0, warming: false, started: 0, q: "", since: "", until: "", pick: "", sort: null, desc: false, cell: null };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

// Characters that act on or reorder what is read (C0 but newline and tab, DEL, C1, bidi marks, overrides,
// isolates, line separators): shown as \xNN / \uNNNN in a marked span, as `safe_text` shows them on a
// terminal, so "\u202eevil" never reads "live". The value itself (magnifier, record copy) stays exact.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_IN_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;  // + \n, \t

function escapeOf(ch) {
  if (ch === "\n") return "\\n";
  if (ch === "\t") return "\\t";
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

function shown(text, oneLine) {
  const fragment = document.createDocumentFragment();
  const value = String(text);
  let last = 0;
  for (const match of value.matchAll(oneLine ? CONTROL_IN_LINE : CONTROL)) {
    if (match.index > last) fragment.append(document.createTextNode(value.slice(last, match.index)));
    fragment.append(el("span", escapeOf(match[0]), "ctl"));
    last = match.index + 1;
  }
  if (last < value.length) fragment.append(document.createTextNode(value.slice(last)));
  return fragment;
}

function cellOf(tag, value, oneLine) {
  if (value === null || value === undefined) return el(tag, "NULL", "null");
  const node = el(tag, undefined, value === "" ? "empty" : "");
  node.append(shown(value, oneLine));
  return node;
}

function params(extra) {
  const p = new URLSearchParams({ q: state.q, since: state.since, until: state.until, columns: state.pick, run: state.run });
  for (const [k, v] of Object.entries(extra || {})) if (v !== null && v !== undefined) p.set(k, String(v));
  return p;
}

async function api(path, extra) {
  const tracked = ["/api/rows", "/api/count", "/api/timeline"].includes(path);
  if (tracked) busy(1);
  let response;
  let body;
  try {
    response = await fetch(`${path}?${params(extra)}`, { headers: { "X-Auditql-Token": TOKEN } });
    try { body = await response.json(); } catch { body = { error: { text: `error: ${response.status} ${response.statusText}` } }; }
  } finally { if (tracked) busy(-1); }
  if (!response.ok || body.error) throw body.error || { text: `error: ${response.status}` };
  return body;
}

function showError(error) {
  const box = $("error");
  box.textContent = error ? (error.text || error.message || String(error)) : "";
  box.hidden = !error;
}

// --- query, progress, cancel --------------------------------------------------------------------------
// Each query gets a run id; its page, count and timeline requests carry it, so Cancel (or a new query)
// interrupts them all on the server (`/api/cancel`), and `/api/progress` says how far they have got.
let progressTimer = null;

function busy(delta) {
  state.running += delta;
  const on = state.running > 0;
  $("cancel").hidden = !on;
  if (on && !progressTimer) {
    state.started = performance.now();
    drawProgress(-1);
    progressTimer = setInterval(askProgress, 400);
  } else if (!on && progressTimer) {
    clearInterval(progressTimer);
    progressTimer = null;
    $("progress").hidden = true;
  }
}

async function askProgress() {
  const run = state.run;
  try {
    const response = await fetch(`/api/progress?${new URLSearchParams({ run })}`, { headers: { "X-Auditql-Token": TOKEN } });
    const body = await response.json();
    if (run === state.run && progressTimer) drawProgress(Number(body.percent));
  } catch { /* the next poll tries again */ }
}

// DuckDB's own estimate of the share done (-1 when it cannot tell yet), and the time taken so far
function drawProgress(percent) {
  const seconds = Math.round((performance.now() - state.started) / 1000);
  $("progress").hidden = false;
  $("progress-fill").style.width = percent >= 0 ? `${Math.min(100, percent)}%` : "0";
  $("progress-text").textContent = percent >= 0 ? `running… ${Math.floor(percent)}% · ${seconds}s` : `running… ${seconds}s`;
}

function cancelRun() {
  if (state.run && (state.running > 0 || state.warming)) {
    fetch(`/api/cancel?${new URLSearchParams({ run: state.run })}`, { headers: { "X-Auditql-Token": TOKEN } });
  }
}

// A new query (or a new sort): read the boxes, start a run, show its first page, then ask for its count and
// timeline; the grid asks for further pages as it is scrolled (grid.js).
async function run() {
  cancelRun();
  state.warming = false;
  state.run = crypto.randomUUID();
  state.q = $("query").value;
  state.since = $("since").value.trim();
  state.until = $("until").value.trim();
  state.pick = $("columns").value.trim();
  remember(state.q);
  gridReset(state.run);
  const mine = state.run;
  updateDownloads();
  hideMenu();
  $("status").textContent = "running…";
  try {
    const page = await fetchPage(0);
    if (!page || mine !== state.run) return;  // a newer query replaced this one
    showError(null);
    const warn = $("warnings");
    warn.textContent = page.warnings.map((w) => `warning: ${w}`).join("\n");
    warn.hidden = !page.warnings.length;
    drawHeader();
    drawPicker();
    drawRows();
    if (grid.total === null) {
      api("/api/count").then((c) => {
        if (mine === state.run) { grid.total = c.rows; drawRows(); warmMarks(page, c.rows); }
      }).catch(() => {});
    }
    drawTimeline(mine);
  } catch (error) {
    if (mine !== state.run) return;
    showError(error);
    $("status").textContent = "";
  }
}

function sortBy(name) {
  if (state.sort !== name) { state.sort = name; state.desc = false; }
  else if (!state.desc) state.desc = true;
  else { state.sort = null; state.desc = false; }
  run();
}

// --- the magnifier -------------------------------------------------------------------------------------
function openMenu(td) {
  state.cell = { row: Number(td.dataset.row), col: Number(td.dataset.col) };
  const menu = $("menu");
  const box = td.getBoundingClientRect();
  menu.style.left = `${box.left + window.scrollX}px`;
  menu.style.top = `${box.bottom + window.scrollY}px`;
  $("menu-record").hidden = !grid.columns.includes("event_key");
  menu.hidden = false;
}

function hideMenu() { $("menu").hidden = true; }

async function magnify(exclude) {
  const { row, col } = state.cell;
  hideMenu();
  try {
    const edited = await api("/api/magnify", {
      column: grid.columns[col], type: grid.types[col], value: JSON.stringify(rowAt(row)[col]), exclude: exclude ? 1 : 0,
    });
    $("query").value = edited.query;
    state.sort = null;
    run();
  } catch (error) { showError(error); }
}

// --- the record panel ----------------------------------------------------------------------------------
let shownRecord = null;

async function openRecord() {
  const key = rowAt(state.cell.row)[grid.columns.indexOf("event_key")];
  hideMenu();
  try {
    const record = await api("/api/record", { key });
    shownRecord = record;
    $("record-raw").replaceChildren(shown(record.raw_text, false));
    const fields = $("record-fields").tBodies[0];
    fields.replaceChildren();
    for (const [name, value] of Object.entries(record.fields)) {
      const tr = el("tr");
      tr.append(el("th", name), cellOf("td", value, false));
      fields.append(tr);
    }
    const files = $("record-files").tBodies[0];
    files.replaceChildren();
    for (const d of record.deliveries) {
      const tr = el("tr");
      tr.append(cellOf("td", d.source_file, true), el("td", d.source_row ?? ""), el("td", d.line ?? ""), el("td", d.sha256 ?? ""));
      files.append(tr);
    }
    $("record").hidden = false;
  } catch (error) { showError(error); }
}

async function copyRecord() {
  if (!shownRecord) return;
  const text = shownRecord.raw_text;  // the original record, exactly as stored (numbers unrounded)
  try { await navigator.clipboard.writeText(text); $("copy-json").textContent = "Copied"; }
  catch { $("record-raw").textContent = text; $("copy-json").textContent = "Shown below: copy it"; }
  setTimeout(() => { $("copy-json").textContent = "Copy as JSON"; }, 1500);
}

// --- downloads -----------------------------------------------------------------------------------------
function updateDownloads() {
  for (const fmt of ["csv", "json", "parquet"]) {
    const link = $(`dl-${fmt}`);
    link.setAttribute("href", `/download?${params({ format: fmt, token: TOKEN })}`);
    link.setAttribute("download", `auditql-result.${fmt}`);
  }
}

// --- completion (the REPL's engine on the server: columns, vendors' raw fields, values) ---------------------
// `text` is what the box held before the cursor when `list` was asked for: each suggestion's `replace` counts
// back from there. Typing goes on while an answer travels (a busy server can answer the `'l` of `'log` after
// the user typed `og`), so a list is narrowed to what was typed since, never applied as if nothing had been.
const completion = { list: [], chosen: 0, timer: null, asked: 0, text: "" };

function scheduleCompletion() {
  clearTimeout(completion.timer);
  narrowCompletion();
  completion.timer = setTimeout(askCompletion, 120);
}

// What `s` replaces now, counted back from the cursor, or -1 when what was typed since it was offered
// no longer leads to it (a space after the word, a deletion, another word).
function replacing(s, before) {
  if (before === completion.text) return s.replace;
  if (!before.startsWith(completion.text)) return -1;
  const n = s.replace + before.length - completion.text.length;
  const word = before.slice(before.length - n).toLowerCase().replace(/^["'`]/, "");
  return s.text.toLowerCase().replace(/^["'`]/, "").startsWith(word) ? n : -1;
}

function narrowCompletion() {
  if (!completion.list.length) return;
  const box = $("query");
  const before = box.value.slice(0, box.selectionStart);
  const kept = completion.list.filter((s) => replacing(s, before) >= 0);
  if (kept.length !== completion.list.length) {
    completion.list = kept;
    completion.chosen = 0;
    drawCompletion();
  }
}

async function askCompletion() {
  const box = $("query");
  const asked = ++completion.asked;
  const text = box.value.slice(0, box.selectionStart);
  let list = [];
  try {
    const response = await fetch(`/api/complete?${new URLSearchParams({ text })}`, { headers: { "X-Auditql-Token": TOKEN } });
    if (response.ok) list = await response.json();
  } catch { list = []; }
  if (asked !== completion.asked) return;  // the user typed on: a newer answer is coming
  completion.list = list;
  completion.text = text;
  completion.chosen = 0;
  narrowCompletion();
  drawCompletion();
}

function drawCompletion() {
  const menu = $("suggest");
  menu.replaceChildren();
  completion.list.forEach((s, i) => {
    const item = el("li", undefined, i === completion.chosen ? "chosen" : "");
    item.append(el("span", s.text), el("span", s.meta || s.kind, "meta"));
    item.addEventListener("mousedown", (e) => { e.preventDefault(); acceptCompletion(i); });
    menu.append(item);
  });
  menu.hidden = !completion.list.length;
}

function closeCompletion() {
  completion.list = [];
  completion.asked++;
  drawCompletion();
}

function acceptCompletion(i) {
  const s = completion.list[i];
  const box = $("query");
  const at = box.selectionStart;
  const n = replacing(s, box.value.slice(0, at));
  closeCompletion();
  if (n < 0) {  // offered for text that is no longer there: ask again rather than write it in the wrong place
    scheduleCompletion();
  } else {
    box.value = box.value.slice(0, at - n) + s.text + box.value.slice(at);
    box.selectionStart = box.selectionEnd = at - n + s.text.length;
  }
  box.focus();
}

function completionKeys(e) {
  if (!completion.list.length) return false;
  const n = completion.list.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    completion.chosen = (completion.chosen + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
    drawCompletion();
  } else if (e.key === "Tab" || (e.key === "Enter" && !e.ctrlKey && !e.metaKey)) {
    acceptCompletion(completion.chosen);
  } else if (e.key === "Escape") {
    closeCompletion();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

// --- history (kept in this browser only) ---------------------------------------------------------------
function remember(q) {
  if (!q.trim()) return;
  const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]").filter((x) => x !== q);
  list.unshift(q);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, 50)));
  drawHistory();
}

function drawHistory() {
  const select = $("history");
  select.replaceChildren(el("option", "history…"));
  select.firstChild.value = "";
  for (const q of JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]")) {
    const option = el("option", q.length > 80 ? `${q.slice(0, 80)}…` : q);
    option.value = q;
    select.append(option);
  }
}

// --- timeline ------------------------------------------------------------------------------------------
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

let releaseTimeline = null;

async function drawTimeline(mine) {
  const box = $("timeline");
  box.replaceChildren();
  let data;
  try { data = await api("/api/timeline"); } catch { return; }  // e.g. an SQL result without `time`
  if (mine !== state.run || !data.buckets.length) return;
  const width = 1000, height = 100, axis = 0;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img" });
  const n = data.buckets.length;
  const peak = Math.max(1, ...data.buckets.map(([, c]) => Object.values(c).reduce((a, b) => a + b, 0)));
  const barWidth = width / n;
  data.buckets.forEach(([start, counts], i) => {
    let y = height - axis;
    data.vendors.forEach((vendor, v) => {
      const count = counts[vendor] || 0;
      if (!count) return;
      const h = (count / peak) * (height - axis - 4);
      y -= h;
      const bar = svg("rect", { x: i * barWidth, y, width: Math.max(barWidth - 1, 0.5), height: h, fill: COLORS[v % COLORS.length] });
      bar.append(svg("title", {}, `${start} · ${vendor}: ${count}`));
      chart.append(bar);
    });
  });
  const axisLabels = el("div", undefined, "axis");
  axisLabels.append(el("span", data.buckets[0][0]), el("span", `${data.step} per bar · drag to set the time range`),
    el("span", data.buckets[n - 1][0]));
  const selection = svg("rect", { x: 0, y: 0, width: 0, height: height - axis, fill: "rgba(31,95,191,.15)", visibility: "hidden" });
  chart.append(selection);
  const first = Date.parse(data.buckets[0][0]);
  const span = n * data.seconds * 1000;
  const at = (event) => {
    const r = chart.getBoundingClientRect();
    return Math.min(Math.max((event.clientX - r.left) / r.width, 0), 1) * width;
  };
  let from = null;
  chart.addEventListener("mousedown", (e) => { from = at(e); selection.setAttribute("visibility", "visible"); });
  chart.addEventListener("mousemove", (e) => {
    if (from === null) return;
    const to = at(e);
    selection.setAttribute("x", Math.min(from, to));
    selection.setAttribute("width", Math.abs(to - from));
  });
  const release = (e) => {
    if (from === null) return;
    const to = at(e);
    const [a, b] = [Math.min(from, to), Math.max(from, to)];
    from = null;
    if (b - a < 2) { selection.setAttribute("visibility", "hidden"); return; }
    const iso = (x) => new Date(first + (x / width) * span).toISOString().replace(".000Z", "Z");
    $("since").value = iso(a);
    $("until").value = iso(b);
    run();
  };
  if (releaseTimeline) window.removeEventListener("mouseup", releaseTimeline);  // one chart, one listener
  releaseTimeline = release;
  window.addEventListener("mouseup", release);
  const legend = el("div", undefined, "legend");
  data.vendors.forEach((vendor, v) => {
    const item = el("span");
    const swatch = el("span", undefined, "swatch");
    swatch.style.background = COLORS[v % COLORS.length];
    item.append(swatch, document.createTextNode(vendor));
    legend.append(item);
  });
  box.append(chart, axisLabels, legend);
}

// --- archive page --------------------------------------------------------------------------------------
function fillTable(table, columns, rows) {
  const head = table.tHead || table.createTHead();
  head.replaceChildren();
  const tr = el("tr");
  columns.forEach((c) => tr.append(el("th", c)));
  head.append(tr);
  const body = table.tBodies[0] || table.createTBody();
  body.replaceChildren();
  for (const row of rows) {
    const line = el("tr");
    row.forEach((v) => line.append(cellOf("td", v, true)));
    body.append(line);
  }
}

async function showArchive() {
  try {
    const data = await api("/api/archive");
    const vendors = $("vendors").tBodies[0];
    vendors.replaceChildren();
    for (const v of data.vendors) {
      const tr = el("tr");
      [v.vendor, v.files, v.events, v.first ?? "", v.last ?? ""].forEach((x) => tr.append(cellOf("td", String(x), true)));
      vendors.append(tr);
    }
    fillTable($("sources"), data.sources.columns, data.sources.rows);
    fillTable($("rejects"), data.rejects.columns, data.rejects.rows);
    const none = data.rejects.rows.length ? "" : "no record was rejected";
    $("rejects").createCaption().textContent = none || `the first ${data.rejects.shown} (all of them: auditql rejects)`;
  } catch (error) { $("verify").textContent = error.text || String(error); }
  $("verify").textContent = "checking the chain of custody…";
  try {
    const v = await api("/api/verify");
    const box = $("verify");
    box.replaceChildren(
      el("div", v.ok ? "verified: the chain of custody holds" : "verification FAILED", v.ok ? "ok" : "bad"),
      el("div", `head hash: ${v.head ?? "(none)"}`),
      el("div", `${v.entries} entries · ${v.events} events · ${v.files} files re-hashed: ${v.rehashed}`),
    );
    for (const p of v.problems) box.append(el("div", p, "bad"));
    for (const w of v.warnings) box.append(el("div", `warning: ${w}`));
  } catch (error) { $("verify").textContent = error.text || String(error); }
}

function showView(name) {
  $("query-view").hidden = name !== "query";
  $("archive-view").hidden = name !== "archive";
  $("nav-query").classList.toggle("active", name === "query");
  $("nav-archive").classList.toggle("active", name === "archive");
  if (name === "archive") showArchive();
}

// --- wiring --------------------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("run").addEventListener("click", () => run());
  $("cancel").addEventListener("click", cancelRun);
  $("query").addEventListener("keydown", (e) => {
    if (completionKeys(e)) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); closeCompletion(); run(); }
  });
  $("query").addEventListener("input", scheduleCompletion);
  $("query").addEventListener("blur", () => setTimeout(closeCompletion, 150));
  $("scroller").addEventListener("scroll", () => { if (grid.columns.length) requestAnimationFrame(drawRows); }, { passive: true });
  window.addEventListener("resize", () => { if (grid.columns.length) drawRows(); });
  $("scroller").addEventListener("wheel", wheelRows, { passive: false });
  $("goto").addEventListener("keydown", (e) => { if (e.key === "Enter") gotoRow(Number($("goto").value)); });
  $("pick-columns").addEventListener("click", () => { $("picker").hidden = !$("picker").hidden; });
  document.addEventListener("mousedown", (e) => { if (!e.target.closest(".picker-wrap")) $("picker").hidden = true; });
  $("grid").tBodies[0].addEventListener("click", (e) => { const td = e.target.closest("td"); if (td) openMenu(td); });
  $("menu-filter").addEventListener("click", () => magnify(false));
  $("menu-exclude").addEventListener("click", () => magnify(true));
  $("menu-record").addEventListener("click", openRecord);
  $("close-record").addEventListener("click", () => { $("record").hidden = true; });
  $("copy-json").addEventListener("click", copyRecord);
  $("history").addEventListener("change", (e) => { if (e.target.value) { $("query").value = e.target.value; run(); } });
  $("nav-query").addEventListener("click", () => showView("query"));
  $("nav-archive").addEventListener("click", () => showView("archive"));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") { hideMenu(); $("record").hidden = true; $("picker").hidden = true; } });
  drawHistory();
  updateDownloads();
});

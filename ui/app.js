// The recipe explorer. Talks only to galley's JSON routes on this origin.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const DEPLOYERS = ["helm", "argocd", "flux", "helmfile"];
const state = { dims: [], view: "target", component: null, pending: 0 };

function el(tag, attrs, ...kids) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
const $ = (id) => document.getElementById(id);
const clear = (node, ...kids) => { node.replaceChildren(...kids.flat(2).filter((k) => k !== null && k !== undefined)); return node; };

// ---- requests, with a visible loading state and the server's error text --------------------
class ApiError extends Error {
  constructor(body, status) { super(body.message || `the server answered ${status}`); this.body = body; this.status = status; }
}
async function request(url, options) {
  state.pending++;
  const timer = setTimeout(() => { if (state.pending) { $("status").classList.add("busy"); $("status").textContent = "loading…"; } }, 150);
  try {
    const resp = await fetch(url, options);
    if (!resp.ok) {
      let body;
      try { body = await resp.json(); } catch (_) { body = { message: `the server answered ${resp.status}` }; }
      throw new ApiError(body, resp.status);
    }
    return resp;
  } finally {
    clearTimeout(timer);
    if (--state.pending === 0) { $("status").classList.remove("busy"); $("status").textContent = ""; }
  }
}
const getJson = async (url) => (await request(url)).json();

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; clear(box); return; }
  const body = err.body || { message: String(err.message || err) };
  const d = body.details || {};
  const lines = [el("p", {}, el("strong", { text: "error: " }), body.message)];
  if (body.code) lines.push(el("p", { class: "muted mono", text: body.code + (d.code ? ` · ${d.code}` : "") }));
  if (d.help) lines.push(el("p", { class: "help" }, "help: ", d.help));
  if (d.suggestion && d.dimension) {
    lines.push(el("p", {}, el("button", { type: "button", id: "use-suggestion",
      onclick: () => { setPick(d.dimension === "gpu" ? "accelerator" : d.dimension, d.suggestion); changed(); } },
      `use ${d.dimension} = ${d.suggestion}`)));
  }
  for (const diag of d.diagnostics || []) {
    lines.push(el("div", { class: "diagnostic" },
      el("p", {}, el("code", { text: diag.code || "" }), " ", diag.message || ""),
      (diag.labels || []).map((l) => el("p", { class: "mono muted" }, `${l.file}:${l.line}:${l.column}`, l.message ? ` ${l.message}` : "")),
      diag.help ? el("p", { class: "help" }, "help: ", diag.help) : null));
  }
  clear(box, ...lines);
  box.hidden = false;
}

// ---- criteria in the URL -----------------------------------------------------------------------
function selection() {
  const q = new URLSearchParams();
  for (const d of state.dims) {
    const v = $(`pick-${d.name}`).value.trim();
    if (v && v !== "any" && !(d.count && v === "0")) q.set(d.name, v);
  }
  return q;
}
function setPick(name, value) {
  const input = $(`pick-${name}`);
  if (!input) return;
  if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === value)) {
    input.append(el("option", { value, text: `${value} (unknown)` }));
  }
  input.value = value;
}
function pickers(form, prefix, onchange) {
  clear(form);
  for (const d of state.dims) {
    const id = `${prefix}-${d.name}`;
    let input;
    if (d.count) {
      input = el("input", { id, name: d.name, type: "number", min: 0, step: 1, value: 0, inputmode: "numeric" });
    } else {
      const values = d.allowed || d.values;
      input = el("select", { id, name: d.name }, el("option", { value: "any", text: "any" }),
        values.map((v) => el("option", { value: v, text: v })));
    }
    input.addEventListener("change", onchange);
    form.append(el("label", { for: id }, d.name, input));
  }
}

// ---- the target view ---------------------------------------------------------------------------
async function loadTarget() {
  const q = selection().toString();
  showError(null);
  ["overlays", "constraints", "validation", "graph-box", "downloads"].forEach((id) => clear($(id)));
  clear($("values"), el("p", { class: "muted", text: "select a component in the graph" }));
  clear($("provenance"), el("p", { class: "muted", text: "select a value" }));
  $("values-of").textContent = "";
  // Only the latest selection's answer is drawn.
  const gen = state.gen = (state.gen || 0) + 1;
  let recipe, graph;
  try {
    [recipe, graph] = await Promise.all([getJson(`/v1/recipe?${q}`), getJson(`/v1/graph?${q}`)]);
  } catch (err) { if (gen === state.gen) showError(err); return; }
  if (gen !== state.gen) return;
  document.body.dataset.target = q;
  clear($("overlays"), (recipe.metadata.appliedOverlays || []).map((o) => el("li", { class: "mono", text: o })));
  const cons = recipe.constraints || [];
  clear($("constraints"), cons.length ? cons.map((c) => el("tr", {}, el("td", { class: "mono", text: c.name }), el("td", { class: "mono", text: c.value }))) :
    el("tr", {}, el("td", { class: "muted", text: "none" })));
  const phases = Object.entries(recipe.validation || {});
  clear($("validation"), phases.length ? el("ul", {}, phases.map(([name, p]) => el("li", {}, el("strong", { text: name }),
    (p && p.checks) ? el("span", { class: "muted mono", text: ` ${p.checks.join(", ")}` }) : null))) : el("p", { class: "muted", text: "none" }));
  downloads(q, recipe);
  drawGraph(graph, q);
  document.body.dataset.loaded = "target";
}

function downloads(q, recipe) {
  const box = $("downloads");
  box.append(el("a", { id: "download-recipe", href: `/v1/recipe?${q}`, download: "recipe.json", text: "RecipeResult (JSON)" }));
  box.append(el("label", { for: "bundle-repo", class: "repo" }, "Git repository (argocd, flux)",
    el("input", { id: "bundle-repo", type: "url", placeholder: "the repository the GitOps deployers read" })));
  for (const deployer of DEPLOYERS) {
    box.append(el("button", { type: "button", id: `download-${deployer}`, onclick: () => downloadBundle(deployer, recipe) }, `bundle: ${deployer}`));
  }
}
async function downloadBundle(deployer, recipe) {
  showError(null);
  try {
    const params = new URLSearchParams({ deployer });
    const repo = $("bundle-repo").value.trim();
    if (repo) params.set("repo", repo);
    const resp = await request(`/v1/bundle?${params}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(recipe) });
    const url = URL.createObjectURL(await resp.blob());
    const a = el("a", { href: url, download: `bundle-${deployer}.zip` });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    $("status").textContent = `bundle-${deployer}.zip: ${resp.headers.get("X-Bundle-Files")} files`;
  } catch (err) { showError(err); }
}

// Layered drawing: one column per deployment wave, edges from a dependency to its dependent.
function drawGraph(g, q) {
  const W = 230, H = 30, GX = 70, GY = 14, PAD = 24;
  const columns = g.waves.map((w) => w.slice());
  const stuck = g.nodes.filter((n) => n.wave === null || n.wave === undefined).map((n) => n.name);
  if (stuck.length) columns.push(stuck);
  const pos = {};
  columns.forEach((col, i) => col.forEach((name, j) => { pos[name] = { x: PAD + i * (W + GX), y: PAD + 16 + j * (H + GY) }; }));
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
  const height = PAD * 2 + 16 + Math.max(1, ...columns.map((c) => c.length)) * (H + GY);
  const svg = el("svg:svg", { id: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": "dependency graph" });
  svg.append(el("svg:defs", {}, el("svg:marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
    el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: "#8c959f" }))));
  columns.forEach((col, i) => svg.append(el("svg:text", { class: "wave-label", x: PAD + i * (W + GX), y: PAD,
    text: i < g.waves.length ? `wave ${i}` : "on a cycle" })));
  for (const e of g.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    svg.append(el("svg:path", { class: `edge${e.cycle ? " cycle" : ""}`, "data-from": e.from, "data-to": e.to,
      d: x2 > x1 ? `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` : `M${a.x + W / 2},${a.y + H} C${a.x + W / 2},${y2 + 40} ${b.x + W / 2},${y2 + 40} ${b.x + W / 2},${b.y + H}`,
      "marker-end": "url(#arrow)" }));
  }
  for (const n of g.nodes) {
    const p = pos[n.name];
    if (!p) continue;
    const label = n.version ? `${n.name} ${n.version}` : n.name;
    const node = el("svg:g", { class: `node${n.wave === null || n.wave === undefined ? " cycle" : ""}`, tabindex: 0, role: "button",
      "data-name": n.name, "data-wave": n.wave ?? "", "aria-label": `${label}, wave ${n.wave ?? "none"}` },
      el("svg:title", { text: `${label}${n.namespace ? ` (namespace ${n.namespace})` : ""}` }),
      el("svg:rect", { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      el("svg:text", { x: p.x + 8, y: p.y + 19, text: label.length > 33 ? `${label.slice(0, 32)}…` : label }));
    const open = () => selectComponent(n.name, q);
    node.addEventListener("click", open);
    node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
    svg.append(node);
  }
  clear($("graph-box"), svg);
}

async function selectComponent(name, q) {
  state.component = name;
  document.querySelectorAll("#graph .node").forEach((n) => n.classList.toggle("selected", n.dataset.name === name));
  $("values-of").textContent = `of ${name}`;
  clear($("provenance"), el("p", { class: "muted", text: "select a value" }));
  try {
    const values = await getJson(`/v1/query?${q}${q ? "&" : ""}selector=${encodeURIComponent(`components.${name}.values`)}`);
    clear($("values"), el("ul", { class: "tree" }, tree(values, `${name}.values`, q)));
  } catch (err) { showError(err); }
}
function tree(value, path, q) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value);
    return entries.map(([k, v]) => {
      const child = Array.isArray(value) ? `${path}${k}` : `${path}.${k}`;
      if (v !== null && typeof v === "object" && Object.keys(v).length) {
        return el("li", {}, el("details", { open: true }, el("summary", { class: "key", text: k }), el("ul", {}, tree(v, child, q))));
      }
      return el("li", {}, el("span", { class: "key", text: `${k}: ` }),
        el("button", { type: "button", "data-path": child, "aria-pressed": "false", onclick: (ev) => explain(child, q, ev.currentTarget) }, JSON.stringify(v)));
    });
  }
  return [el("li", {}, el("button", { type: "button", "data-path": path, onclick: (ev) => explain(path, q, ev.currentTarget) }, JSON.stringify(value)))];
}
async function explain(path, q, button) {
  document.querySelectorAll(".tree button[aria-pressed]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
  try {
    const entries = await getJson(`/v1/explain?${q}${q ? "&" : ""}path=${encodeURIComponent(path)}`);
    clear($("provenance"), entries.map((e) => provenance(e)));
  } catch (err) {
    clear($("provenance"), el("p", { class: "muted" }, err.message));
  }
}
function provenance(e) {
  const where = (w) => w ? `${w.overlay} at ${w.location}` : "";
  return el("div", { class: "explained", "data-path": e.path },
    el("dl", {},
      el("dt", { text: "path" }), el("dd", { class: "mono", text: e.path }),
      el("dt", { text: "value" }), el("dd", { class: "mono", text: JSON.stringify(e.value) }),
      el("dt", { text: "overlay" }), el("dd", { class: "mono prov-overlay", text: e.winner ? e.winner.overlay : "" }),
      el("dt", { text: "place" }), el("dd", { class: "mono prov-location", text: e.winner ? e.winner.location : "" }),
      el("dt", { text: "shadowed" }), el("dd", { class: "mono prov-shadowed" },
        (e.shadowed || []).length ? el("ul", {}, e.shadowed.map((s) => el("li", {}, `${JSON.stringify(s.value)} from ${where(s)}`, s.why ? el("span", { class: "muted", text: ` (${s.why})` }) : null))) : "nothing")));
}

// ---- the coverage matrix -------------------------------------------------------------------------
async function loadCoverage() {
  if (document.body.dataset.coverage) return;
  let cov;
  try { cov = await getJson("/v1/coverage"); } catch (err) { showError(err); return; }
  const dims = Object.keys(cov.dimensions).filter((d) => cov.dimensions[d].length > 1);
  const rowsDims = dims.slice(0, 2), colDims = dims.slice(2);
  const key = (c, ds) => ds.map((d) => c[d]).join(" · ");
  const rows = [], cols = [], cells = new Map();
  for (const t of cov.targets) {
    const r = key(t.criteria, rowsDims), c = key(t.criteria, colDims);
    if (!cells.has(r)) { cells.set(r, new Map()); rows.push(r); }
    if (!cols.includes(c)) cols.push(c);
    cells.get(r).set(c, t);
  }
  const s = cov.summary;
  clear($("coverage-summary"), el("p", {}, `${s.targets} targets: ${s.curated} curated, ${s.partial} partial, ${s.base} base only, ${s.failing} refused`),
    el("div", { class: "legend" }, ["curated", "partial", "base", "failing"].map((c) => el("span", { style: null, class: `lg-${c}`, text: c === "failing" ? "refused" : c }))),
    el("p", { class: "muted", text: `rows: ${rowsDims.join(" · ")}; columns: ${colDims.join(" · ")}. Select a cell to open the target.` }));
  const table = el("table", { class: "matrix", id: "matrix" },
    el("thead", {}, el("tr", {}, el("th", { text: "" }), cols.map((c) => el("th", { scope: "col", text: c })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("th", { scope: "row", text: r }), cols.map((c) => {
      const t = cells.get(r).get(c);
      if (!t) return el("td", {});
      const res = cov.results[t.result] || {};
      const crit = Object.entries(t.criteria).filter(([, v]) => v !== "any").map(([k, v]) => `${k}=${v}`).join(", ") || "any";
      const title = `${crit}\n${t.class}${t.failure ? ` (refused: ${t.failure})` : ""}\noverlays: ${(res.applied || []).join(", ")}${(res.messages || []).length ? `\n${res.messages.join("\n")}` : ""}`;
      return el("td", { class: `cell ${t.failure ? "failing" : t.class}`, title, tabindex: -1, "data-criteria": crit, "data-class": t.failure ? "failing" : t.class,
        onclick: () => openTarget(t.criteria), onkeydown: (ev) => { if (ev.key === "Enter") openTarget(t.criteria); } });
    })))));
  // One tab stop for the whole matrix; the arrow keys move within it.
  const first = table.querySelector("td.cell");
  if (first) first.tabIndex = 0;
  table.addEventListener("keydown", (ev) => moveInMatrix(ev, table));
  clear($("coverage-box"), table);
  const refused = cov.results.filter((r) => r.failure);
  clear($("coverage-results"), el("h2", { text: "Refused targets" }), refused.length ?
    el("ul", { id: "refused" }, refused.map((r) => el("li", {}, el("strong", { text: `${r.targets} targets (${r.failure}): ` }), r.messages.join("; "),
      el("span", { class: "muted mono", text: ` overlays ${r.applied.join(", ")}` })))) : el("p", { class: "muted", text: "none: every target resolves" }));
  document.body.dataset.coverage = "loaded";
}
function moveInMatrix(ev, table) {
  const steps = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] };
  const cell = ev.target.closest("td.cell");
  if (!cell || !steps[ev.key]) return;
  ev.preventDefault();
  const row = cell.parentElement, r = row.rowIndex, c = cell.cellIndex;
  const next = table.rows[r + steps[ev.key][0]]?.cells[c + steps[ev.key][1]];
  if (next && next.classList.contains("cell")) {
    cell.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }
}
function openTarget(criteria) {
  for (const d of state.dims) setPick(d.name, criteria[d.name] === undefined ? (d.count ? "0" : "any") : String(criteria[d.name] === "any" && d.count ? "0" : criteria[d.name]));
  show("target");
  changed();
}

// ---- the diff of two targets ---------------------------------------------------------------------
async function loadDiff() {
  const from = selection();
  const q = new URLSearchParams(from);
  for (const d of state.dims) {
    const v = $(`to-${d.name}`).value.trim();
    if (v !== (from.get(d.name) || (d.count ? "0" : "any"))) q.set(`to-${d.name}`, v || "any");
  }
  showError(null);
  let d;
  try { d = await getJson(`/v1/diff?${q}`); } catch (err) { showError(err); return; }
  const row = (label, a, b) => el("tr", {}, el("th", { scope: "row", text: label }), el("td", { class: "from", text: a }), el("td", { class: "to", text: b }));
  const show = (v) => v === null || v === undefined ? "(unset)" : typeof v === "string" ? v : JSON.stringify(v);
  const by = (o) => o ? ` (${o})` : "";
  const body = [];
  const section = (title) => body.push(el("tr", {}, el("th", { colspan: 3, class: "section", text: title })));
  if (d.overlays_removed.length || d.overlays_added.length) { section("overlays"); body.push(row("applied", d.overlays_removed.join(", "), d.overlays_added.join(", "))); }
  if (d.components_removed.length || d.components_added.length) {
    section("components");
    d.components_removed.forEach((c) => body.push(row(c.name, `${c.version || ""}${by(c.overlay)}`, "")));
    d.components_added.forEach((c) => body.push(row(c.name, "", `${c.version || ""}${by(c.overlay)}`)));
  }
  if (d.versions.length) { section("versions"); d.versions.forEach((v) => body.push(row(`${v.component} [${v.verdict}]`, `${v.from}${by(v.from_overlay)}`, `${v.to}${by(v.to_overlay)}`))); }
  for (const key of ["fields", "constraints", "validation", "values"]) {
    if (!(d[key] || []).length) continue;
    section(key);
    d[key].forEach((c) => body.push(row(c.path, `${show(c.from)}${by(c.from_overlay)}`, `${show(c.to)}${by(c.to_overlay)}`)));
  }
  clear($("diff-out"), el("p", { id: "diff-verdict", text: d.equal ? "the recipes are equal" : "the recipes differ" }),
    el("table", { class: "diff", id: "diff-table" }, el("thead", {}, el("tr", {}, el("th", { text: "" }), el("th", { scope: "col", text: `− ${d.from}` }), el("th", { scope: "col", text: `+ ${d.to}` }))),
      el("tbody", {}, body)));
  document.body.dataset.diff = "loaded";
}

// ---- views, URL and start ------------------------------------------------------------------------
function show(view) {
  state.view = view;
  for (const v of ["target", "coverage", "diff"]) {
    $(`view-${v}`).hidden = v !== view;
    $(`tab-${v}`).setAttribute("aria-pressed", String(v === view));
  }
  if (view === "coverage") loadCoverage();
  // The other side starts as a copy of this one, until it is changed.
  if (view === "diff" && !state.diffTouched) for (const d of state.dims) $(`to-${d.name}`).value = $(`pick-${d.name}`).value;
}
function changed() {
  const q = selection().toString();
  history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}${state.view === "target" ? "" : `#${state.view}`}`);
  loadTarget();
  if (state.view === "diff" && document.body.dataset.diff) loadDiff();
}

async function start() {
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => {
    show(b.dataset.view);
    history.replaceState(null, "", `${location.pathname}${location.search}${b.dataset.view === "target" ? "" : `#${b.dataset.view}`}`);
  }));
  try { state.dims = (await getJson("/v1/criteria")).dimensions; } catch (err) { showError(err); return; }
  pickers($("criteria"), "pick", changed);
  pickers($("diff-form"), "to", () => { state.diffTouched = true; loadDiff(); });
  $("diff-form").append(el("button", { type: "button", id: "diff-run", onclick: () => loadDiff() }, "Compare"));
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) setPick(k === "gpu" ? "accelerator" : k, v);
  show(["coverage", "diff"].includes(location.hash.slice(1)) ? location.hash.slice(1) : "target");
  await loadTarget();
}
start();

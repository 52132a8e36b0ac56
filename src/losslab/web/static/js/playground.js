// The playground: set up data, model, losses and optimizer; train; watch the server's stream.
import {
  api, readQuery, writeQuery, parseLosses, formatLosses, COLORS, PLOT_CONFIG, layout,
} from "./api.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["dataset", "n", "seed", "noise", "outliers", "ratio", "flip", "model", "hidden",
  "activation", "opt", "lr", "l2", "l1", "epochs", "speed", "metric"];
// Knobs of the dataset the page offers, by input id, and the request field each sets.
const KNOBS = { n: "n_samples", noise: "noise", outliers: "outlier_fraction", ratio: "ratio",
  flip: "flip_fraction", seed: "seed" };
const PARAM_STEP = { delta: 0.1, q: 0.05, gamma: 0.5, alpha: 0.1, scale: 0.1, pos_weight: 0.5,
  label_smoothing: 0.05 };
const HIDDEN_PARAMS = new Set(["class_weights", "ignore_index"]);

const state = { catalogue: [], datasets: [], job: null, source: null, runs: [], info: null,
  upload: null, pending: false, separation: null, preset: null };

function datasetTask() {
  if (state.upload) return state.upload.task;
  const found = state.datasets.find((d) => d.name === $("dataset").value);
  return found ? found.task : "regression";
}

function lossesFor(task) {
  return state.catalogue.filter((l) => l.task === task || (task === "binary" && l.task === "multiclass"));
}

function renderLossList(selected) {
  const list = $("loss-list");
  list.replaceChildren();
  const chosen = new Map(selected.map((s) => [s.name, s.params]));
  for (const loss of lossesFor(datasetTask())) {
    const box = document.createElement("div");
    box.className = "loss-choice";
    const id = `loss-${loss.name}`;
    box.innerHTML = `<label class="inline" title="${loss.summary}"><input type="checkbox" id="${id}"
      data-loss="${loss.name}"> ${loss.name}</label><div class="params"></div>`;
    box.querySelector("input").checked = chosen.has(loss.name);
    const params = box.querySelector(".params");
    for (const [key, value] of Object.entries(loss.params)) {
      if (HIDDEN_PARAMS.has(key)) continue;
      const given = chosen.get(loss.name)?.[key];
      const pid = `${id}-${key}`;
      const label = document.createElement("label");
      label.htmlFor = pid;
      label.textContent = key;
      const input = document.createElement("input");
      Object.assign(input, { id: pid, type: "number", step: PARAM_STEP[key] ?? 0.1 });
      input.dataset.param = key;
      input.value = given ?? (value === null ? "" : value);
      if (value === null) input.placeholder = "none";
      label.append(" ", input);
      params.append(label);
    }
    list.append(box);
  }
  const custom = chosen.has("custom");
  $("loss-custom").checked = custom;
}

function selectedLosses() {
  const out = [];
  for (const box of document.querySelectorAll("#loss-list .loss-choice")) {
    const check = box.querySelector("input[type=checkbox]");
    if (!check.checked) continue;
    const params = {};
    for (const input of box.querySelectorAll("input[data-param]")) {
      if (input.value !== "") params[input.dataset.param] = Number(input.value);
    }
    out.push({ name: check.dataset.loss, params });
  }
  if ($("loss-custom").checked) out.push({ name: "custom", params: {} });
  return out;
}

function renderMetrics(task, chosen) {
  const names = task === "regression" ? ["mse", "rmse", "mae", "r2"]
    : ["accuracy", "f1", "precision", "recall", "roc_auc", "log_loss"];
  $("metric").replaceChildren(...names.map((n) => new Option(n, n)));
  $("metric").value = names.includes(chosen) ? chosen : names[0];
}

function syncOutputs() {
  for (const id of ["noise", "outliers", "ratio", "flip"]) $(`${id}-value`).value = $(id).value;
  const params = state.datasets.find((d) => d.name === $("dataset").value)?.params || [];
  const knob = { noise: "noise", outliers: "outlier_fraction", ratio: "ratio", flip: "flip_fraction" };
  for (const [id, name] of Object.entries(knob)) {
    const usable = !state.upload && params.includes(name);
    $(id).disabled = !usable;
    $(id).title = usable ? "" : "not used by this dataset";
  }
  const info = state.datasets.find((d) => d.name === $("dataset").value);
  for (const input of document.querySelectorAll("#features input")) input.disabled = !planeData();
  $("dataset-description").textContent = state.upload ? state.upload.description : info?.description || "";
}

function saveQuery() {
  const params = {};
  for (const f of FIELDS) params[f] = $(f).value;
  params.cap = $("cap").checked ? "1" : "0";
  if (state.separation !== null) params.sep = state.separation;
  if (state.preset) params.preset = state.preset;
  const features = chosenFeatures();
  if (features) params.features = features.join(",");
  params.losses = formatLosses(selectedLosses());
  if ($("loss-custom").checked) params.expr = $("custom-expr").value;
  writeQuery(params);
}

/** The hidden layers typed as "8,8": a list of one to four unit counts (the server checks them). */
function hiddenLayers() {
  const units = $("hidden").value.split(",").map((t) => t.trim()).filter(Boolean).map(Number);
  return units.length ? units : [8];
}

/** Fill the form with the server's setup for the chosen dataset. */
function applyDefaults(name) {
  const setup = state.datasets.find((d) => d.name === name)?.defaults;
  if (!setup) return;
  for (const [id, key] of Object.entries(KNOBS)) {
    if (setup.dataset[key] !== undefined && setup.dataset[key] !== null) $(id).value = setup.dataset[key];
  }
  state.separation = setup.dataset.separation ?? null;
  $("model").value = setup.model;
  $("hidden").value = (Array.isArray(setup.hidden) ? setup.hidden : [setup.hidden]).join(",");
  $("activation").value = setup.activation;
  $("opt").value = setup.optimizer;
  $("lr").value = setup.lr;
  $("l2").value = setup.weight_decay;
  $("l1").value = setup.l1 ?? 0;
  $("speed").value = setup.epochs_per_second ?? 100;
  $("cap").checked = setup.epochs !== null;
  if (setup.epochs !== null) $("epochs").value = setup.epochs;
  renderLossList(setup.losses);
}

/** Whether the chosen data is a generated 2-D set (input features apply). */
function planeData() {
  const info = state.datasets.find((d) => d.name === $("dataset").value);
  return !state.upload && info?.n_features === 2;
}

/** The chosen input features, or null for the raw two (and for other data). */
function chosenFeatures() {
  if (!planeData()) return null;
  const names = [...document.querySelectorAll("#features input:checked")].map((i) => i.dataset.feature);
  return names.length === 2 && names[0] === "x1" && names[1] === "x2" ? null : names;
}

function requestBody() {
  const losses = selectedLosses().map((l) => (l.name === "custom"
    ? { name: "custom", params: {}, expression: $("custom-expr").value } : l));
  return {
    dataset: {
      name: $("dataset").value, n_samples: Number($("n").value), seed: Number($("seed").value),
      noise: Number($("noise").value), outlier_fraction: Number($("outliers").value),
      ratio: Number($("ratio").value), flip_fraction: Number($("flip").value),
      upload_id: state.upload ? state.upload.upload_id : null, separation: state.separation,
    },
    losses, model: $("model").value, hidden: hiddenLayers(), activation: $("activation").value,
    optimizer: $("opt").value, lr: Number($("lr").value), weight_decay: Number($("l2").value) || 0,
    l1: Number($("l1").value) || 0,
    epochs: $("cap").checked ? Number($("epochs").value) : null, features: chosenFeatures(),
    epochs_per_second: Number($("speed").value) || null, seed: Number($("seed").value),
  };
}

/** What may change while training: rate, L2 and L1 rates and each run's loss parameters, as now set. */
function settingsBody() {
  const losses = state.info.runs.map((run) => (run.loss === "custom"
    ? { name: "custom", params: {}, expression: $("custom-expr").value }
    : { name: run.loss, params: paramsOf(run.loss) }));
  return { lr: Number($("lr").value), weight_decay: Number($("l2").value) || 0,
    l1: Number($("l1").value) || 0, losses };
}

/** The parameters typed for loss ``name`` (its inputs are ``loss-<name>-<param>``). */
function paramsOf(name) {
  const params = {};
  for (const input of document.querySelectorAll(`input[data-param][id^="loss-${name}-"]`)) {
    if (input.value !== "") params[input.dataset.param] = Number(input.value);
  }
  return params;
}

async function sendSettings() {
  const id = state.job;
  if (!id || !state.info) return;
  try {
    const change = settingsBody();
    const s = await api(`/api/jobs/${id}/settings`, { method: "POST", body: change });
    state.body = { ...state.body, lr: change.lr, weight_decay: change.weight_decay,
      l1: change.l1, losses: change.losses };
    state.changed = true;
    if (state.job === id) status(`${s.state}: new settings apply from the next epoch.`);
  } catch (error) {
    status(`Settings refused: ${error.message}`);
  }
}

function setButtons(mode) {
  $("train").disabled = mode === "running" || mode === "paused";
  $("pause").disabled = mode !== "running";
  $("resume").disabled = mode !== "paused";
  $("step").disabled = mode !== "paused";
  $("stop").disabled = !(mode === "running" || mode === "paused");
}

function status(text) { $("status").textContent = text; }

// ---------------------------------------------------------------- drawing

// Binary maps: class 0's blue through white (p = 0.5) to class 1's orange, as the points.
const PROB_SCALE = [[0, COLORS[0]], [0.5, "#ffffff"], [1, COLORS[1]]];

function classColor(c) { return COLORS[Math.round(c) % COLORS.length]; }

/** A colour between white and ``hex`` at ``t`` in [0, 1]. */
function tint(hex, t) {
  const rgb = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  return `rgb(${rgb.map((v) => Math.round(255 + (v - 255) * t)).join(",")})`;
}

/**
 * Multiclass maps: the value ``class + intensity`` on a scale with one band per class, from
 * nearly white (probability 1/K, a tie) to the class's full colour (probability 1).
 */
function classScale(k) {
  const stops = [];
  for (let c = 0; c < k; c += 1) {
    stops.push([c / k, tint(classColor(c), 0.08)]);
    stops.push([(c + 1) / k - 1e-6, classColor(c)]);
  }
  stops[stops.length - 1][0] = 1;
  return stops;
}

/** The drawn points, training and validation rows apart, coloured by class. */
function pointTraces() {
  const { x, y, val } = state.info.data;
  const part = (isVal) => {
    const rows = y.map((_, r) => r).filter((r) => Boolean(val?.[r]) === isVal);
    return { x: rows.map((r) => x[r][0]), y: rows.map((r) => x[r][1]), mode: "markers",
      type: "scatter", name: isVal ? "validation" : "training", hoverinfo: "skip",
      marker: { color: rows.map((r) => classColor(y[r])), size: isVal ? 8 : 6,
        symbol: isVal ? "diamond" : "circle",
        line: { width: isVal ? 1.5 : 1, color: isVal ? "#111" : "#fff" } } };
  };
  return [part(false), part(true)];
}

/** What one run believes: its probability map, its boundary and the points. */
function panelTraces(run) {
  const snap = run.snapshot;
  const k = state.info.n_classes;
  if (!snap) return pointTraces();
  const traces = [];
  if (snap.p) {
    const z = snap.z.map((row, i) => row.map((c, j) => {
      const p = snap.p[i][j];
      if (c === null || p === null) return null;
      return c + Math.min(Math.max((p - 1 / k) / (1 - 1 / k), 0), 0.999);
    }));
    traces.push({ type: "heatmap", x: snap.x, y: snap.y, z, zmin: 0, zmax: k,
      colorscale: classScale(k), showscale: false, name: "winning class", hoverinfo: "skip" });
    traces.push({ type: "contour", x: snap.x, y: snap.y, z: snap.z, showscale: false,
      contours: { coloring: "none", start: 0.5, end: k - 1.5, size: 1 }, hoverinfo: "skip",
      line: { color: "#111", width: 2 }, name: "boundaries", showlegend: true });
  } else {
    traces.push({ type: "heatmap", x: snap.x, y: snap.y, z: snap.z, zmin: 0, zmax: 1,
      colorscale: PROB_SCALE, name: "P(class 1)", hovertemplate: "P(class 1) = %{z:.2f}<extra></extra>",
      colorbar: { title: { text: "P(1)" }, thickness: 12, len: 0.8 } });
    traces.push({ type: "contour", x: snap.x, y: snap.y, z: snap.z, showscale: false,
      contours: { coloring: "none", start: 0.5, end: 0.5, size: 1 }, hoverinfo: "skip",
      line: { color: "#111", width: 2 }, name: "p = 0.5", showlegend: true });
  }
  return [...traces, ...pointTraces()];
}

function buildPanels() {
  const box = $("run-panels");
  for (const div of box.querySelectorAll(".plot")) Plotly.purge(div);
  box.replaceChildren();
  if (!state.info || state.info.view !== "boundary") return;
  state.runs.forEach((run, i) => {
    const div = document.createElement("div");
    Object.assign(div, { id: `panel-${i}`, className: "plot" });
    div.setAttribute("role", "img");
    div.setAttribute("aria-label", `What ${run.label} believes over the input plane`);
    box.append(div);
  });
}

// ---------------------------------------------------------------- the network view

const UNIT = 36;
const COLUMN = 120;
const ROW = 44;
const POSITIVE = [31, 95, 191];
const NEGATIVE = [217, 72, 15];

/** Paint a square grid (rows along the second feature, bottom up) into a canvas, scaled by max |v|. */
function paintUnit(canvas, grid, scale) {
  const side = grid.length;
  canvas.width = side;
  canvas.height = side;
  const context = canvas.getContext("2d");
  const image = context.createImageData(side, side);
  const top = scale ?? Math.max(1e-9, ...grid.flat().map((v) => Math.abs(v ?? 0)));
  for (let i = 0; i < side; i += 1) {
    for (let j = 0; j < side; j += 1) {
      const v = Math.max(-1, Math.min(1, (grid[i][j] ?? 0) / top));
      const rgb = v >= 0 ? POSITIVE : NEGATIVE;
      const k = 4 * ((side - 1 - i) * side + j);
      for (let c = 0; c < 3; c += 1) image.data[k + c] = Math.round(255 + (rgb[c] - 255) * Math.abs(v));
      image.data[k + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
}

/** The grids of the inputs (x₁, x₂ over the plane) and the output (the model's map). */
function edgeGrids(snap) {
  const side = snap.network.units[0]?.[0]?.length ?? 15;
  const axis = (k) => Array.from({ length: side }, (_, i) => Array.from({ length: side }, (_, j) => {
    const t = (k === 0 ? j : i) / (side - 1);
    return 2 * t - 1;
  }));
  const step = (snap.z.length - 1) / (side - 1);
  const out = Array.from({ length: side }, (_, i) => Array.from({ length: side }, (_, j) => {
    const v = snap.z[Math.round(i * step)][Math.round(j * step)];
    const k = state.info.n_classes;
    return snap.p ? ((v ?? 0) / Math.max(1, k - 1)) * 2 - 1 : 2 * (v ?? 0.5) - 1;
  }));
  return { inputs: [axis(0), axis(1)], output: out };
}

function drawNetwork() {
  const box = $("network-box");
  const run = state.runs[Number($("network-run").value) || 0];
  const net = run?.snapshot?.network;
  box.hidden = !net;
  if (!net) return;
  const view = $("network");
  const widths = net.widths;
  const tallest = Math.max(...widths);
  const height = tallest * ROW + 24;
  const width = (widths.length - 1) * COLUMN + UNIT + 24;
  view.style.height = `${height}px`;
  view.style.minWidth = `${width}px`;
  const position = (layer, unit) => ({
    x: 12 + layer * COLUMN,
    y: 20 + (tallest - widths[layer]) * ROW / 2 + unit * ROW,
  });
  const key = widths.join("-");
  if (view.dataset.shape !== key) {
    view.replaceChildren();
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    view.append(svg);
    widths.forEach((n, layer) => {
      const label = document.createElement("span");
      label.className = "layer-label";
      label.textContent = layer === 0 ? "inputs" : layer === widths.length - 1 ? "output" : `layer ${layer}`;
      Object.assign(label.style, { left: `${position(layer, 0).x}px`, top: "0px" });
      view.append(label);
      for (let u = 0; u < n; u += 1) {
        const canvas = document.createElement("canvas");
        canvas.dataset.layer = String(layer);
        canvas.dataset.unit = String(u);
        const at = position(layer, u);
        Object.assign(canvas.style, { left: `${at.x}px`, top: `${at.y}px` });
        view.append(canvas);
      }
    });
    view.dataset.shape = key;
  }
  const svg = view.querySelector("svg");
  const biggest = Math.max(1e-9, ...net.weights.flatMap((w) => w.flat().map((v) => Math.abs(v ?? 0))));
  const lines = [];
  net.weights.forEach((w, l) => {
    w.forEach((row, i) => row.forEach((v, j) => {
      const a = position(l, i);
      const b = position(l + 1, Math.min(j, widths[l + 1] - 1));
      const color = (v ?? 0) >= 0 ? "rgb(31,95,191)" : "rgb(217,72,15)";
      const strokeWidth = (0.3 + 4 * Math.abs(v ?? 0) / biggest).toFixed(2);
      lines.push(`<line x1="${a.x + UNIT}" y1="${a.y + UNIT / 2}" x2="${b.x}" y2="${b.y + UNIT / 2}" stroke="${color}" stroke-width="${strokeWidth}" stroke-opacity="0.7"/>`);
    }));
  });
  svg.innerHTML = lines.join("");
  const edges = edgeGrids(run.snapshot);
  for (const canvas of view.querySelectorAll("canvas")) {
    const layer = Number(canvas.dataset.layer);
    const unit = Number(canvas.dataset.unit);
    if (layer === 0) paintUnit(canvas, net.inputs?.[unit] ?? edges.inputs[unit] ?? edges.inputs[0]);
    else if (layer === widths.length - 1) paintUnit(canvas, edges.output, 1);
    else paintUnit(canvas, net.units[layer - 1][unit]);
  }
}

function buildNetworkChoice() {
  $("network-run").replaceChildren(...state.runs.map((r, i) => new Option(r.label, String(i))));
  $("network").replaceChildren();
  delete $("network").dataset.shape;
}

/** Where the losses' fitted curves disagree: the band between their lowest and highest. */
function bandTraces() {
  const snaps = state.runs.map((r) => r.snapshot).filter(Boolean);
  if (snaps.length < 2) return [];
  const x = snaps[0].x;
  const pick = (f) => x.map((_, j) => f(...snaps.map((s) => s.y[j] ?? NaN)));
  const edge = { mode: "lines", type: "scatter", line: { width: 0 }, hoverinfo: "skip" };
  return [{ ...edge, x, y: pick(Math.max), showlegend: false, name: "upper" },
    { ...edge, x, y: pick(Math.min), fill: "tonexty", fillcolor: "rgba(120,120,140,0.25)",
      name: "where the losses disagree" }];
}

function dataTraces() {
  const info = state.info;
  const { x, y } = info.data;
  if (info.view === "line") {
    return [{ x: x.map((r) => r[0]), y, mode: "markers", type: "scatter", name: "data",
      marker: { color: "#888", size: 5, opacity: 0.7 } }];
  }
  if (info.view === "boundary") return pointTraces();
  return [{ x: y, y: y, mode: "lines", name: "perfect", line: { color: "#aaa", dash: "dot" } }];
}

function fitTrace(run, i) {
  const snap = run.snapshot;
  const color = COLORS[i % COLORS.length];
  if (!snap) return null;
  const view = state.info.view;
  if (view === "line") return { x: snap.x, y: snap.y, mode: "lines", name: run.label, line: { color, width: 3 } };
  if (view === "boundary") {
    const level = state.info.n_classes > 2 ? { start: 0.5, end: state.info.n_classes - 1.5, size: 1 }
      : { start: 0.5, end: 0.5, size: 1 };
    return { type: "contour", x: snap.x, y: snap.y, z: snap.z, name: run.label, showscale: false,
      showlegend: true, contours: { coloring: "none", ...level }, line: { color, width: 3 } };
  }
  return { x: state.info.data.y, y: snap.y, mode: "markers", name: run.label, marker: { color, size: 5 } };
}

function redraw() {
  state.pending = false;
  if (!state.info) return;
  const view = state.info.view;
  const traces = dataTraces();
  if (view === "line") traces.push(...bandTraces());
  state.runs.forEach((run, i) => { const t = fitTrace(run, i); if (t) traces.push(t); });
  drawNetwork();
  if (view === "boundary") {
    state.runs.forEach((run, i) => {
      const div = document.getElementById(`panel-${i}`);
      if (!div) return;
      const title = `${run.label}: ${state.info.n_classes > 2 ? "winning class, its probability as intensity" : "P(class 1)"}`;
      Plotly.react(div, panelTraces(run), layout(title, "x0", "x1",
        { legend: { orientation: "h", y: -0.25 } }), PLOT_CONFIG);
    });
  }
  const titles = { line: ["feature x", "target y"], boundary: ["x0", "x1"], parity: ["true", "predicted"] };
  Plotly.react("data-plot", traces, layout("Data and each loss's fit", ...titles[view]), PLOT_CONFIG);
  const metric = $("metric").value;
  const curve = (key) => state.runs.map((run, i) => ({
    x: run.epochs, y: run.records.map((r) => r[key]), mode: "lines", name: run.label,
    line: { color: COLORS[i % COLORS.length], width: 2 } }));
  Plotly.react("loss-plot", curve("train_loss"),
    layout("Training loss (each in its own units)", "epoch", "loss", { yaxis: { type: "log", title: { text: "loss (log)" } } }),
    PLOT_CONFIG);
  const validation = curve(`val_${metric}`).map((t) => ({ ...t, name: `${t.name} (validation)`,
    line: { ...t.line, dash: "dot" } })).filter((t) => t.y.some((v) => v !== undefined && v !== null));
  Plotly.react("metric-plot", [...curve(`train_${metric}`), ...validation],
    layout(`Common metric: ${metric} (dotted: validation)`, "epoch", metric), PLOT_CONFIG);
  renderResults();
}

const RESULT_KEYS = ["loss", "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mse", "mae", "r2"];

/** A number as Python's ``format(v, ".6g")`` writes it (the script prints that). */
function g6(v) {
  if (v === null || v === undefined) return "";
  return String(Number(v.toPrecision(6)));
}

function resultColumns() {
  const last = state.runs.map((r) => r.records.at(-1)).filter(Boolean);
  const cols = [];
  for (const part of ["train", "val"]) {
    for (const key of RESULT_KEYS) if (last.some((r) => `${part}_${key}` in r)) cols.push(`${part}_${key}`);
  }
  return cols;
}

function renderResults() {
  const table = $("results");
  const cols = resultColumns();
  const head = document.createElement("tr");
  for (const name of ["run", "epoch", ...cols]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...state.runs.map((run, i) => {
    const last = run.records.at(-1) || {};
    const tr = document.createElement("tr");
    tr.dataset.run = String(i);
    tr.dataset.state = run.state;
    const cells = [run.label, last.epoch ?? 0, ...cols.map((c) => g6(last[c]))];
    cells.forEach((text, j) => {
      const td = document.createElement(j === 0 ? "th" : "td");
      if (j === 0) td.scope = "row";
      if (j > 0) td.dataset.key = j === 1 ? "epoch" : cols[j - 2];
      td.textContent = text;
      tr.append(td);
    });
    return tr;
  }));
  $("download-csv").disabled = !state.runs.some((r) => r.records.length);
}

/** Every recorded epoch of every run as CSV: run, label, then the record's fields. */
function resultsCsv() {
  const keys = [...new Set(state.runs.flatMap((r) => r.records.flatMap((rec) => Object.keys(rec))))]
    .filter((k) => k !== "theta" && k !== "epoch");
  const quote = (text) => `"${String(text).replaceAll('"', '""')}"`;
  const lines = [["run", "label", "epoch", ...keys].join(",")];
  state.runs.forEach((run, i) => {
    for (const rec of run.records) {
      lines.push([i, quote(run.label), rec.epoch, ...keys.map((k) => rec[k] ?? "")].join(","));
    }
  });
  return `${lines.join("\n")}\n`;
}

function downloadResults() {
  const blob = new Blob([resultsCsv()], { type: "text/csv" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `losslab-${$("dataset").value}-results.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Copy as Python: the setup the runs started from, for the epochs they reached. */
async function copyPython() {
  const body = state.body ? { ...state.body } : requestBody();
  const reached = state.runs.map((r) => r.records.at(-1)?.epoch ?? 0);
  if (reached.length && reached.every((n) => n > 0)) body.run_epochs = reached;
  else body.epochs = body.epochs || 100;
  delete body.start_paused;
  try {
    const { script } = await api("/api/script", { method: "POST", body });
    $("python-script").value = script;
    $("python-box").open = true;
    const note = state.changed ? " Settings changed during the run: the script trains the current ones from epoch 0." : "";
    try { await navigator.clipboard.writeText(script); status(`Python script copied.${note}`); }
    catch { status(`The Python script is below.${note}`); }
  } catch (error) {
    status(`Could not write the script: ${error.message}`);
  }
}

function scheduleRedraw() {
  if (state.pending) return;
  state.pending = true;
  requestAnimationFrame(redraw);
}

function clearPlots() {
  $("network-box").hidden = true;
  const box = $("run-panels");
  for (const div of box.querySelectorAll(".plot")) Plotly.purge(div);
  box.replaceChildren();
  for (const id of ["data-plot", "loss-plot", "metric-plot"]) Plotly.purge(id);
  Plotly.newPlot("data-plot", [], layout("Data and each loss's fit", "", ""), PLOT_CONFIG);
  Plotly.newPlot("loss-plot", [], layout("Training loss", "epoch", "loss"), PLOT_CONFIG);
  Plotly.newPlot("metric-plot", [], layout("Common metric", "epoch", ""), PLOT_CONFIG);
  renderResults();
}

// ---------------------------------------------------------------- training

function closeStream() {
  if (state.source) { state.source.close(); state.source = null; }
}

async function discardJob() {
  closeStream();
  if (state.job) {
    const id = state.job;
    state.job = null;
    try { await api(`/api/jobs/${id}`, { method: "DELETE" }); } catch { /* already gone */ }
  }
}

function epochText(message, epochs) {
  if (message === "paused" && epochs === 0) return "Reset: new weights, epoch 0, paused. Press Resume or Step.";
  const cap = state.cap ? ` of ${state.cap}` : "";
  return `${message}: epoch ${epochs}${cap}`;
}

async function train(event, { paused = false } = {}) {
  event?.preventDefault?.();
  saveQuery();
  await discardJob();
  if (selectedLosses().length === 0) { status("Choose at least one loss."); return; }
  status("Starting…");
  let info;
  try {
    const body = { ...requestBody(), start_paused: paused };
    state.cap = body.epochs;
    state.body = body;
    state.changed = false;
    info = await api("/api/jobs", { method: "POST", body });
  } catch (error) {
    status(`Could not start: ${error.message}`);
    return;
  }
  state.info = info;
  state.job = info.job_id;
  $("landscape-link").href = `/landscape?job=${info.job_id}`;
  $("landscape-link").hidden = false;
  state.runs = info.runs.map((r) => ({ ...r, records: [], epochs: [], snapshot: null, state: "running" }));
  buildPanels();
  buildNetworkChoice();
  setButtons(paused ? "paused" : "running");
  status(paused ? "Reset: new weights, epoch 0, paused. Press Resume or Step."
    : `Training ${info.runs.map((r) => r.label).join(", ")} on ${info.task} data…`);
  redraw();
  const source = new EventSource(info.stream);
  state.source = source;
  let updates = 0;
  source.addEventListener("update", (e) => {
    const message = JSON.parse(e.data);
    updates += 1;
    for (const u of message.runs) {
      const run = state.runs[u.index];
      if (u.records) for (const r of u.records) { run.records.push(r); run.epochs.push(r.epoch); }
      if (u.snapshot) run.snapshot = u.snapshot;
      run.state = u.state;
    }
    window.losslabUpdates = updates;
    // For tests: the state the stream last said, and how many records each run has received.
    window.losslabStreamState = message.state;
    window.losslabRecords = state.runs.map((r) => r.records.length);
    if (message.state === "paused") setButtons("paused");
    else if (message.state === "running") setButtons("running");
    const epochs = state.runs.map((r) => r.epochs.at(-1) ?? 0);
    const lr = state.runs[0].records.at(-1)?.lr;
    status(epochText(message.state, Math.max(...epochs)) + (lr === undefined ? "" : ` · lr ${lr}`));
    scheduleRedraw();
  });
  source.addEventListener("done", (e) => {
    const done = JSON.parse(e.data);
    closeStream();
    state.job = null;
    setButtons("idle");
    const notes = state.runs.map((r, i) => `${r.label}: ${done.messages[i]}`).join("; ");
    status(`${done.state}. ${notes}`);
    scheduleRedraw();
  });
  source.onerror = () => {
    if (state.source === source && source.readyState === EventSource.CLOSED) {
      status("The stream closed.");
      setButtons("idle");
    }
  };
}

async function control(action) {
  const id = state.job;
  if (!id) return;
  try {
    const s = await api(`/api/jobs/${id}/${action}`, { method: "POST" });
    if (state.job !== id) return; // the stream ended meanwhile and said so
    setButtons(s.state === "paused" ? "paused" : s.state === "running" ? "running" : "idle");
    status(`${s.state}.`);
  } catch (error) {
    status(error.message);
  }
}

/** Re-initialise: a fresh job with new weights at epoch 0, paused (Resume plays, Step steps). */
async function reset() {
  await discardJob();
  state.info = null;
  state.runs = [];
  setButtons("idle");
  clearPlots();
  await train(null, { paused: true });
}

async function upload() {
  const file = $("csv-file").files[0];
  const target = $("csv-target").value.trim();
  if (!file || !target) { $("csv-status").textContent = "Choose a file and name the target column."; return; }
  const form = new FormData();
  form.append("file", file);
  form.append("target", target);
  form.append("standardize", $("csv-standardize").value);
  form.append("encode", $("csv-encode").value);
  if ($("csv-impute").value) form.append("impute", $("csv-impute").value);
  try {
    state.upload = await api("/api/datasets/upload", { method: "POST", form });
    $("csv-status").textContent = `Loaded ${state.upload.n_samples} rows, ${state.upload.n_features} features (${state.upload.task}).`;
    renderLossList([]);
    renderMetrics(state.upload.task, $("metric").value);
    syncOutputs();
  } catch (error) {
    $("csv-status").textContent = `Upload refused: ${error.message}`;
  }
}

// ---------------------------------------------------------------- presets

/** The preset buttons (each one click: load the setup and train), and the caption of ``chosen``. */
async function showPresets(chosen) {
  const { presets } = await api("/api/lessons/presets");
  $("preset-list").replaceChildren(...presets.map((p) => {
    const button = document.createElement("button");
    Object.assign(button, { type: "button", textContent: p.title, title: `${p.setup} ${p.watch}` });
    button.dataset.preset = p.name;
    button.addEventListener("click", () => {
      location.assign(`${p.link}&preset=${encodeURIComponent(p.name)}&play=1`);
    });
    return button;
  }));
  const preset = presets.find((p) => p.name === chosen);
  state.preset = preset ? preset.name : null;
  $("preset-caption").hidden = !preset;
  if (preset) {
    $("preset-title").textContent = preset.title;
    $("preset-setup").textContent = preset.setup;
    $("preset-watch").textContent = `Watch: ${preset.watch}`;
  }
}

// ---------------------------------------------------------------- start

async function init() {
  const [catalogue, datasets] = await Promise.all([api("/api/losses"), api("/api/datasets")]);
  state.catalogue = catalogue.losses;
  state.datasets = datasets.datasets;
  $("dataset").replaceChildren(...state.datasets.map((d) => new Option(`${d.name} (${d.task})`, d.name)));
  const query = readQuery();
  $("dataset").value = query.dataset && state.datasets.some((d) => d.name === query.dataset)
    ? query.dataset : "moons";
  applyDefaults($("dataset").value);
  for (const f of FIELDS) if (query[f] !== undefined && f !== "metric") $(f).value = query[f];
  // A link with an epoch count but no cap setting (older links) trains to that count.
  if (query.sep !== undefined) state.separation = Number(query.sep);
  if (query.features !== undefined) {
    const names = new Set(query.features.split(","));
    for (const input of document.querySelectorAll("#features input")) input.checked = names.has(input.dataset.feature);
  }
  if (query.cap !== undefined) $("cap").checked = query.cap === "1";
  else if (query.epochs !== undefined) $("cap").checked = true;
  if (query.expr) $("custom-expr").value = query.expr;
  if (query.losses) renderLossList(parseLosses(query.losses));
  await showPresets(query.preset);
  renderMetrics(datasetTask(), query.metric);
  syncOutputs();
  clearPlots();
  setButtons("idle");
  $("setup").addEventListener("submit", train);
  $("setup").addEventListener("input", (e) => { syncOutputs(); saveQuery(); if (e.target.id === "metric") scheduleRedraw(); });
  $("setup").addEventListener("change", (e) => { if (e.target.id === "metric") scheduleRedraw(); saveQuery(); });
  $("dataset").addEventListener("change", () => {
    state.upload = null;
    state.preset = null;
    $("preset-caption").hidden = true;
    const task = datasetTask();
    applyDefaults($("dataset").value);
    renderMetrics(task, $("metric").value);
    syncOutputs();
    saveQuery();
  });
  $("pause").addEventListener("click", () => control("pause"));
  $("resume").addEventListener("click", () => control("resume"));
  $("step").addEventListener("click", () => control("step"));
  // Rate, L2, L1 and loss parameters reach a running or paused job from its next epoch.
  $("setup").addEventListener("change", (e) => {
    if (e.target.id === "lr" || e.target.id === "l2" || e.target.id === "l1" || e.target.dataset?.param) sendSettings();
  });
  $("stop").addEventListener("click", () => control("stop"));
  $("reset").addEventListener("click", reset);
  $("csv-upload").addEventListener("click", upload);
  $("copy-python").addEventListener("click", copyPython);
  $("network-run").addEventListener("change", () => {
    $("network").replaceChildren();
    delete $("network").dataset.shape;
    scheduleRedraw();
  });
  $("download-csv").addEventListener("click", downloadResults);
  $("copy-link").addEventListener("click", async () => {
    saveQuery();
    try { await navigator.clipboard.writeText(location.href); status("Link copied."); }
    catch { status(`Share this link: ${location.href}`); }
  });
  window.addEventListener("pagehide", () => closeStream());
  saveQuery();
  document.body.dataset.ready = "true";
  if (query.play === "1" && state.preset) train();
}

init().catch((error) => status(`Could not load the playground: ${error.message}`));

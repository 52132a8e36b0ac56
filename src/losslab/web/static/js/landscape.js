// The landscape: the loss over (w, b) for a linear model, and training trajectories on it.
import { api, readQuery, writeQuery, PLOT_CONFIG, layout } from "./api.js";

const $ = (id) => document.getElementById(id);
const PLOTS = ["landscape-a", "landscape-b"];
const state = { surfaces: [null, null], source: null, job: null, paths: [[], []] };

function lossSpec(name) {
  const value = Number($("delta").value);
  if (name === "huber" || name === "pseudo_huber") return { name, params: { delta: value } };
  if (name === "quantile") return { name, params: { q: Math.min(Math.max(value, 0.01), 0.99) } };
  return { name, params: {} };
}

function chosen() { return [$("loss-a").value, $("loss-b").value].filter((n) => n && n !== "none"); }

function dataset() {
  return { name: $("dataset").value, outlier_fraction: Number($("outliers").value), n_samples: 200 };
}

function saveQuery() {
  writeQuery({ dataset: $("dataset").value, outliers: $("outliers").value, a: $("loss-a").value,
    b: $("loss-b").value, delta: $("delta").value, opt: $("opt").value, lr: $("lr").value, epochs: $("epochs").value });
}

function drawOne(i) {
  const surface = state.surfaces[i];
  if (!surface) { Plotly.react(PLOTS[i], [], layout("(none)", "w", "b"), PLOT_CONFIG); return; }
  const path = state.paths[i];
  const traces = [
    { type: "contour", x: surface.w, y: surface.b, z: surface.z, colorscale: "Viridis", ncontours: 30,
      contours: { coloring: "heatmap" }, colorbar: { title: { text: "loss" } }, name: surface.loss },
    { x: [surface.minimum[0]], y: [surface.minimum[1]], mode: "markers", name: "grid minimum",
      marker: { symbol: "x", size: 12, color: "#fff", line: { width: 2, color: "#000" } } },
    { x: path.map((p) => p[0]), y: path.map((p) => p[1]), mode: "lines+markers", name: "trajectory",
      line: { color: "#ff4136", width: 3 }, marker: { size: 4 } },
  ];
  Plotly.react(PLOTS[i], traces, layout(`${surface.loss}: loss over (w, b)`, "w (slope)", "b (intercept)"), PLOT_CONFIG);
}

async function compute(event) {
  event?.preventDefault();
  saveQuery();
  const names = [$("loss-a").value, $("loss-b").value];
  $("status").textContent = "Computing surfaces…";
  try {
    state.surfaces = await Promise.all(names.map((name) => (name === "none" ? null
      : api("/api/landscape", { method: "POST", body: { dataset: dataset(), loss: lossSpec(name), size: 81 } }))));
  } catch (error) {
    $("status").textContent = error.message;
    return;
  }
  state.paths = [[], []];
  PLOTS.forEach((_, i) => drawOne(i));
  $("status").textContent = "Surfaces ready. Press Train to trace gradient descent on them.";
}

async function trainAndTrace() {
  if (!state.surfaces[0]) await compute();
  if (state.source) state.source.close();
  if (state.job) { try { await api(`/api/jobs/${state.job}`, { method: "DELETE" }); } catch { /* gone */ } }
  const names = chosen();
  let info;
  try {
    info = await api("/api/jobs", { method: "POST", body: { dataset: dataset(), losses: names.map(lossSpec),
      model: "linear", optimizer: $("opt").value, lr: Number($("lr").value), epochs: Number($("epochs").value),
      epochs_per_second: 60 } });
  } catch (error) { $("status").textContent = error.message; return; }
  state.job = info.job_id;
  state.paths = [[], []];
  const slot = names.map((n) => [$("loss-a").value, $("loss-b").value].indexOf(n));
  const source = new EventSource(info.stream);
  state.source = source;
  source.addEventListener("update", (e) => {
    for (const u of JSON.parse(e.data).runs) {
      for (const r of u.records || []) if (r.theta) state.paths[slot[u.index]].push(r.theta);
    }
    PLOTS.forEach((_, i) => drawOne(i));
    $("status").textContent = `Training: epoch ${Math.max(...state.paths.map((p) => p.length))}`;
  });
  source.addEventListener("done", () => { source.close(); state.job = null; $("status").textContent = "Done."; });
}

async function init() {
  const catalogue = (await api("/api/losses")).losses.filter((l) => l.task === "regression" && l.y_pred === "value");
  $("loss-a").replaceChildren(...catalogue.map((l) => new Option(l.name, l.name)));
  $("loss-b").replaceChildren(new Option("none", "none"), ...catalogue.map((l) => new Option(l.name, l.name)));
  const q = readQuery();
  $("loss-a").value = q.a || "mse";
  $("loss-b").value = q.b || "mae";
  for (const key of ["dataset", "outliers", "delta", "opt", "lr", "epochs"]) if (q[key]) $(key).value = q[key];
  $("outliers-value").value = $("outliers").value;
  $("landscape-form").addEventListener("submit", compute);
  $("landscape-form").addEventListener("input", (e) => { if (e.target.id === "outliers") $("outliers-value").value = e.target.value; saveQuery(); });
  $("train").addEventListener("click", trainAndTrace);
  await compute();
  document.body.dataset.ready = "true";
}

init().catch((error) => { $("status").textContent = `Could not load the landscape: ${error.message}`; });

// A playground run's loss on a 2-D slice, its trajectory and current point, followed live.
import { api, readQuery, PLOT_CONFIG, layout } from "./api.js";

const $ = (id) => document.getElementById(id);
const PLOTS = ["run-landscape-a", "run-landscape-b"];
const POLL_MS = 700;
const follow = { job: null, timer: null, slices: [null, null] };
window.losslabRunSlices = follow.slices;

function draw(i, slice) {
  const traces = [
    { type: "contour", x: slice.x, y: slice.y, z: slice.z, colorscale: "Viridis", ncontours: 30,
      contours: { coloring: "heatmap" }, colorbar: { title: { text: "loss" } }, name: slice.loss },
    { x: slice.path.map((p) => p[0]), y: slice.path.map((p) => p[1]), mode: "lines",
      name: "trajectory", line: { color: "#ff4136", width: 2 } },
    { x: [slice.current[0]], y: [slice.current[1]], mode: "markers", name: `epoch ${slice.epochs.at(-1)}`,
      marker: { size: 12, color: "#fff", line: { width: 2, color: "#000" } } },
  ];
  const share = slice.explained ? ` (PCA explains ${(100 * (slice.explained[0] + slice.explained[1])).toFixed(0)}%)` : "";
  Plotly.react(PLOTS[i], traces,
    layout(`${slice.label}: ${slice.plane} plane${share}`, slice.labels[0], slice.labels[1]), PLOT_CONFIG);
}

async function poll() {
  const job = follow.job;
  if (!job) return;
  const plane = $("run-plane").value;
  const runs = [Number($("run-a").value), Number($("run-b").value)];
  let ended = false;
  for (const [i, run] of runs.entries()) {
    try {
      const slice = await api(`/api/jobs/${job}/runs/${run}/landscape?plane=${plane}`);
      if (follow.job !== job) return;
      follow.slices[i] = slice;
      draw(i, slice);
    } catch (error) {
      if (error.status === 404) ended = true;
      $("runs-status").textContent = `Run ${run}: ${error.message}`;
    }
  }
  const shown = follow.slices.filter(Boolean).map((s) => `${s.label} at epoch ${s.epochs.at(-1)}`);
  if (!ended && shown.length) $("runs-status").textContent = `Following: ${shown.join("; ")}.`;
  if (ended) { follow.job = null; return; }
  follow.timer = setTimeout(poll, POLL_MS);
}

function start(event) {
  event?.preventDefault();
  clearTimeout(follow.timer);
  follow.job = $("run-job").value.trim() || null;
  follow.slices.fill(null);
  if (!follow.job) { $("runs-status").textContent = "Give a job id, or open this page from the playground."; return; }
  poll();
}

$("runs-form").addEventListener("submit", start);
$("run-plane").addEventListener("change", () => follow.job && start());
const query = readQuery();
if (query.job) { $("run-job").value = query.job; start(); }

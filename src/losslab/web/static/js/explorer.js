// The loss explorer: every loss and its gradient against the residual, margin or probability.
import { api, readQuery, writeQuery, COLORS, PLOT_CONFIG, layout } from "./api.js";

const $ = (id) => document.getElementById(id);
// Slider ranges for the parameters the catalogue declares: presentation only.
const SLIDERS = {
  delta: { min: 0.1, max: 5, step: 0.1, label: "δ (huber, pseudo_huber)" },
  q: { min: 0.05, max: 0.95, step: 0.05, label: "q (quantile)" },
  gamma: { min: 0, max: 5, step: 0.25, label: "γ (focal)" },
  alpha: { min: -4, max: 2, step: 0.25, label: "α (barron shape)" },
  focal_alpha: { min: 0, max: 1, step: 0.05, label: "α (focal class weight)" },
  scale: { min: 0.1, max: 3, step: 0.1, label: "scale (barron)" },
  pos_weight: { min: 0.1, max: 10, step: 0.1, label: "pos_weight (bce_with_logits)" },
  label_smoothing: { min: 0, max: 0.5, step: 0.05, label: "label smoothing (cross_entropy)" },
};
const RANGES = { value: [-4, 4, 1], logit: [-4, 4, 1], probability: [0.001, 0.999, 1],
  logits: [-4, 4, 1], log_rate: [-2, 3, 2] };
const state = { catalogue: [], custom: null, timer: null, token: 0 };

function family() { return $("family").value; }
function familyLosses() { return state.catalogue.filter((l) => l.y_pred === family()); }

// The slider that drives a loss parameter (focal's alpha is a class weight, not barron's shape).
function sliderFor(loss, key) { return loss === "focal" && key === "alpha" ? "focal_alpha" : key; }

function renderLosses(checked) {
  const box = $("explorer-losses");
  box.replaceChildren();
  for (const loss of familyLosses()) {
    const label = document.createElement("label");
    label.className = "inline";
    label.title = loss.summary;
    label.innerHTML = `<input type="checkbox" id="show-${loss.name}" data-loss="${loss.name}"> ${loss.name}`;
    label.querySelector("input").checked = checked ? checked.includes(loss.name) : true;
    box.append(label);
  }
}

function renderSliders(values) {
  const box = $("param-sliders");
  box.replaceChildren();
  for (const [key, spec] of Object.entries(SLIDERS)) {
    const wrap = document.createElement("div");
    const id = `param-${key}`;
    const initial = values[key] ?? { delta: 1, q: 0.5, gamma: 2, alpha: 1, focal_alpha: 0.25, scale: 1,
      pos_weight: 1, label_smoothing: 0 }[key];
    wrap.innerHTML = `<label for="${id}">${spec.label} <output id="${id}-value">${initial}</output></label>
      <input id="${id}" type="range" min="${spec.min}" max="${spec.max}" step="${spec.step}" value="${initial}">`;
    box.append(wrap);
  }
  const focal = document.createElement("label");
  focal.className = "inline";
  focal.innerHTML = `<input type="checkbox" id="focal-use-alpha"> use focal α weighting`;
  box.append(focal);
  $("focal-use-alpha").checked = values.focal_use_alpha === "1";
}

function paramsOf(loss) {
  const params = {};
  for (const key of Object.keys(loss.params)) {
    const slider = $(`param-${sliderFor(loss.name, key)}`);
    if (!slider) continue;
    if (loss.name === "focal" && key === "alpha" && !$("focal-use-alpha").checked) continue;
    params[key] = Number(slider.value);
  }
  return params;
}

function saveQuery() {
  const query = { family: family(), y: $("y-true").value, from: $("x-min").value, to: $("x-max").value };
  query.losses = [...document.querySelectorAll("#explorer-losses input:checked")].map((i) => i.dataset.loss).join(",");
  for (const key of Object.keys(SLIDERS)) query[key] = $(`param-${key}`).value;
  query.focal_use_alpha = $("focal-use-alpha").checked ? "1" : "0";
  query.expr = $("expression").value;
  writeQuery(query);
}

async function draw() {
  saveQuery();
  const token = ++state.token;
  const shown = familyLosses().filter((l) => $(`show-${l.name}`)?.checked);
  const common = { x_min: Number($("x-min").value), x_max: Number($("x-max").value), num: 301,
    y_true: Number($("y-true").value) };
  let curves;
  try {
    curves = await Promise.all(shown.map((l) => api("/api/losses/evaluate",
      { method: "POST", body: { loss: l.name, params: paramsOf(l), ...common } })));
  } catch (error) {
    $("status").textContent = error.message;
    return;
  }
  if (token !== state.token) return; // a newer request is on its way
  if (state.custom && state.custom.family === family()) curves.push(state.custom.curve);
  const line = (c, key, i) => ({ x: c.x, y: c[key], mode: "lines", name: describe(c),
    line: { color: COLORS[i % COLORS.length], width: 2.5, dash: c.loss === "custom" ? "dash" : "solid" } });
  const xLabel = curves[0]?.x_label ?? "";
  Plotly.react("loss-plot", curves.map((c, i) => line(c, "value", i)), layout("Loss", xLabel, "loss"), PLOT_CONFIG);
  Plotly.react("grad-plot", curves.map((c, i) => line(c, "grad", i)), layout("Gradient d loss / d y_pred", xLabel, "gradient"), PLOT_CONFIG);
  $("status").textContent = `${curves.length} curve(s); y = ${common.y_true}.`;
}

function describe(curve) {
  const args = Object.entries(curve.params || {}).filter(([k, v]) => v !== null && !["class_weights", "ignore_index"].includes(k))
    .map(([k, v]) => `${k}=${v}`);
  return args.length ? `${curve.loss}(${args.join(", ")})` : curve.loss;
}

function scheduleDraw() {
  clearTimeout(state.timer);
  state.timer = setTimeout(draw, 40);
}

const CUSTOM_FAMILIES = { value: ["regression", "value"], logit: ["binary", "logit"],
  probability: ["binary", "probability"], log_rate: ["regression", "log_rate"] };

async function checkExpression() {
  const [task, kind] = CUSTOM_FAMILIES[family()] || ["regression", "value"];
  const body = { expression: $("expression").value, task, y_pred_kind: kind, num: 301,
    x_min: Number($("x-min").value), x_max: Number($("x-max").value), y_true: Number($("y-true").value) };
  if (family() === "value") body.y_true = 0;
  try {
    const answer = await api("/api/custom/check", { method: "POST", body });
    $("expression-message").textContent = answer.message;
    $("expression-grad").textContent = answer.ok ? answer.grad_formula : "–";
    state.custom = answer.ok ? { family: family(), curve: answer.curve } : null;
  } catch (error) {
    $("expression-message").textContent = error.message;
    $("expression-grad").textContent = "–";
    state.custom = null;
  }
  scheduleDraw();
}

/** The caption of a preset that links here (see the playground's presets). */
async function showCaption(name) {
  const preset = (await api("/api/lessons/presets")).presets.find((p) => p.name === name);
  if (!preset) return;
  $("preset-title").textContent = preset.title;
  $("preset-setup").textContent = preset.setup;
  $("preset-watch").textContent = `Watch: ${preset.watch}`;
  $("preset-caption").hidden = false;
}

async function init() {
  state.catalogue = (await api("/api/losses")).losses;
  const query = readQuery();
  if (query.family) $("family").value = query.family;
  if (query.y) $("y-true").value = query.y;
  if (query.from) $("x-min").value = query.from;
  if (query.to) $("x-max").value = query.to;
  if (query.expr) $("expression").value = query.expr;
  renderLosses(query.losses ? query.losses.split(",") : null);
  renderSliders(query);
  $("family").addEventListener("change", () => {
    const [lo, hi, y] = RANGES[family()];
    $("x-min").value = lo; $("x-max").value = hi; $("y-true").value = y;
    renderLosses(null);
    scheduleDraw();
  });
  $("explorer").addEventListener("input", (e) => {
    if (e.target.type === "range") $(`${e.target.id}-value`).value = e.target.value;
    if (e.target.id !== "expression") scheduleDraw();
  });
  $("explorer").addEventListener("submit", (e) => { e.preventDefault(); checkExpression(); });
  $("check-expression").addEventListener("click", checkExpression);
  await draw();
  if (query.preset) await showCaption(query.preset);
  document.body.dataset.ready = "true";
}

init().catch((error) => { $("status").textContent = `Could not load the explorer: ${error.message}`; });

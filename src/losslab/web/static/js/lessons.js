// The lessons: the seeds' exercises, checked by the server, with explanations and playground links.
import { api } from "./api.js";

const $ = (id) => document.getElementById(id);

function show(feedbackId, answer) {
  const box = $(feedbackId);
  box.hidden = false;
  box.className = `feedback ${answer.correct ? "right" : "wrong"}`;
  box.replaceChildren();
  const verdict = document.createElement("p");
  verdict.className = "verdict";
  verdict.textContent = answer.message;
  box.append(verdict);
  if (answer.correct) {
    const why = document.createElement("p");
    why.className = "explanation";
    why.textContent = answer.explanation;
    box.append(why);
  }
  const link = document.createElement("a");
  link.href = answer.playground;
  link.textContent = "See it in the playground";
  box.append(link);
}

function showError(feedbackId, error) {
  const box = $(feedbackId);
  box.hidden = false;
  box.className = "feedback wrong";
  box.textContent = error.message;
}

async function check(feedbackId, body) {
  try {
    const answer = await api("/api/lessons/check", { method: "POST", body });
    show(feedbackId, answer);
    return answer;
  } catch (error) {
    showError(feedbackId, error);
    return null;
  }
}

function renderMatching(terms, definitions) {
  const grid = $("matching-grid");
  grid.replaceChildren();
  terms.forEach((term, i) => {
    const label = document.createElement("label");
    label.htmlFor = `match-${i}`;
    label.textContent = term;
    const select = document.createElement("select");
    select.id = `match-${i}`;
    select.dataset.term = term;
    select.append(new Option("— choose —", ""), ...definitions.map((d) => new Option(d, d)));
    grid.append(label, select);
  });
  $("matching-check").addEventListener("click", async () => {
    const pairs = {};
    for (const s of grid.querySelectorAll("select")) if (s.value) pairs[s.dataset.term] = s.value;
    const answer = await check("matching-feedback", { exercise: "matching", pairs });
    if (answer) for (const s of grid.querySelectorAll("select")) s.className = answer.cells[s.dataset.term] ? "right" : "wrong";
  });
}

function cell(id) {
  return `<input id="${id}" type="number" step="any" inputmode="decimal" aria-label="${id}">`;
}

const STEPS = [
  { step: "errors", title: "Step 1: errors (prediction minus true)", kind: "weeks" },
  { step: "squared_errors", title: "Step 2: squared errors", kind: "weeks" },
  { step: "mse", title: "Step 3: MSE of each model", kind: "pair" },
  { step: "lower_mse", title: "Step 4: which model has the lower MSE?", kind: "choice" },
  { step: "outlier", title: "Step 5: week 4 (predicted 50, true 40): how much does it inflate B's MSE?", kind: "outlier" },
  { step: "bonus", title: "Bonus: a loss that penalises equal absolute errors equally", kind: "bonus" },
];

function renderRainfall(truth, a, b) {
  const host = $("rainfall-steps");
  const weeks = truth.map((_, i) => i + 1);
  const head = `<table class="steps"><tr><th class="text">week</th>${weeks.map((w) => `<th>${w}</th>`).join("")}</tr>
    <tr><th class="text">true</th>${truth.map((v) => `<td>${v}</td>`).join("")}</tr>
    <tr><th class="text">model A</th>${a.map((v) => `<td>${v}</td>`).join("")}</tr>
    <tr><th class="text">model B</th>${b.map((v) => `<td>${v}</td>`).join("")}</tr></table>`;
  host.innerHTML = head;
  for (const s of STEPS) {
    const div = document.createElement("div");
    div.className = "rain-step";
    const id = (k) => `rain-${s.step}-${k}`;
    let body = "";
    if (s.kind === "weeks") {
      body = `<table class="steps"><tr><th class="text">week</th>${weeks.map((w) => `<th>${w}</th>`).join("")}</tr>
        <tr><th class="text">A</th>${weeks.map((w) => `<td>${cell(id(`a${w}`))}</td>`).join("")}</tr>
        <tr><th class="text">B</th>${weeks.map((w) => `<td>${cell(id(`b${w}`))}</td>`).join("")}</tr></table>`;
    } else if (s.kind === "pair") {
      body = `<div class="row" style="max-width: 24em"><label>MSE of A ${cell(id("a"))}</label><label>MSE of B ${cell(id("b"))}</label></div>`;
    } else if (s.kind === "choice") {
      body = `<label class="inline"><input type="radio" name="${id("choice")}" value="A"> model A</label>
        <label class="inline"><input type="radio" name="${id("choice")}" value="B"> model B</label>`;
    } else if (s.kind === "outlier") {
      body = `<div class="row" style="max-width: 36em"><label>Week 4's contribution to B's MSE (mm²) ${cell(id("contribution"))}</label>
        <label>B's MSE with week 4 predicted exactly ${cell(id("without"))}</label></div>`;
    } else {
      body = `<label for="${id("choice")}">Loss</label><select id="${id("choice")}" style="max-width: 16em">
          <option value="">— choose —</option><option value="mse">mean squared error</option>
          <option value="mae">mean absolute error</option><option value="huber">Huber</option>
          <option value="log_cosh">log-cosh</option></select>
        <div class="row" style="max-width: 24em"><label>Its value for A ${cell(id("a"))}</label><label>for B ${cell(id("b"))}</label></div>`;
    }
    div.innerHTML = `<h3>${s.title}</h3>${body}<div class="buttons"><button type="button" id="${id("check")}">Check step</button></div>
      <div id="${id("feedback")}" class="feedback" aria-live="polite" hidden></div>`;
    host.append(div);
    $(id("check")).addEventListener("click", async () => {
      const cells = {};
      for (const input of div.querySelectorAll("input[type=number]")) {
        const key = input.id.slice(id("").length);
        cells[key] = input.value === "" ? null : Number(input.value);
      }
      const radio = div.querySelector("input[type=radio]:checked");
      const select = div.querySelector("select");
      const choice = radio ? radio.value : select ? select.value : null;
      const answer = await check(id("feedback"), { exercise: "rainfall", step: s.step, cells, choice });
      if (!answer) return;
      for (const input of div.querySelectorAll("input[type=number]")) {
        const key = input.id.slice(id("").length);
        input.className = answer.cells[key] ? "right" : "wrong";
      }
    });
  }
}

function renderWorked(lessons) {
  const host = $("worked-lessons");
  for (const lesson of lessons) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = `${lesson.name}: ${lesson.summary}`;
    details.append(summary);
    for (const step of lesson.steps) {
      const h = document.createElement("h3");
      h.textContent = step.title;
      const p = document.createElement("p");
      p.textContent = step.text;
      details.append(h, p);
      if (step.table) {
        const table = document.createElement("table");
        table.className = "steps";
        const head = table.insertRow();
        for (const name of step.table.headers) { const th = document.createElement("th"); th.textContent = name; head.append(th); }
        for (const row of step.table.rows) {
          const tr = table.insertRow();
          for (const value of row) tr.insertCell().textContent = value;
        }
        details.append(table);
      }
    }
    host.append(details);
  }
}

async function init() {
  const material = await api("/api/lessons");
  renderMatching(material.matching_terms, material.matching_definitions);
  $("ratio-prompt").textContent = material.questions[0];
  $("confidence-prompt").textContent = material.questions[1];
  $("ratio-check").addEventListener("click", () => {
    const value = $("ratio-answer").value;
    check("ratio-feedback", { exercise: "ratio", number: value === "" ? null : Number(value) });
  });
  $("confidence-check").addEventListener("click", () => {
    const chosen = document.querySelector("input[name=confidence]:checked");
    check("confidence-feedback", { exercise: "confidence", choice: chosen ? chosen.value : null });
  });
  renderRainfall(material.rainfall_true, material.rainfall_a, material.rainfall_b);
  renderWorked(material.lessons);
  const { presets } = await api("/api/lessons/presets");
  $("preset-links").replaceChildren(...presets.map((p) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `${p.link}&preset=${encodeURIComponent(p.name)}&play=1`;
    link.textContent = p.title;
    link.dataset.preset = p.name;
    const caption = document.createElement("p");
    caption.className = "note";
    caption.textContent = `${p.setup} ${p.watch}`;
    item.append(link, caption);
    return item;
  }));
    document.body.dataset.ready = "true";
}

init().catch((error) => { $("status").textContent = `Could not load the lessons: ${error.message}`; });

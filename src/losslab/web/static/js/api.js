// Talking to the losslab API: JSON requests, readable error messages, a per-tab client id.

const CLIENT_KEY = "losslab-client-id";

/** A random id kept for this browser tab, sent so the server can count jobs per client. */
export function clientId() {
  let id = sessionStorage.getItem(CLIENT_KEY);
  if (!id) {
    id = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    sessionStorage.setItem(CLIENT_KEY, id);
  }
  return id;
}

/** The message of an error answer: FastAPI's detail, a list of field errors or text. */
export function errorMessage(status, body) {
  if (body && Array.isArray(body.detail)) {
    return body.detail
      .map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`)
      .join("; ");
  }
  if (body && typeof body.detail === "string") return body.detail;
  return `request failed (${status})`;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Call the API; resolves to the parsed JSON, rejects with an ApiError carrying the message. */
export async function api(path, { method = "GET", body = undefined, form = undefined } = {}) {
  const headers = { "X-Client-Id": clientId() };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) throw new ApiError(response.status, errorMessage(response.status, data));
  return data;
}

/** Replace the query string without adding a history entry. */
export function writeQuery(params) {
  const query = new URLSearchParams(params).toString();
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

/** The query string as a plain object. */
export function readQuery() {
  return Object.fromEntries(new URLSearchParams(location.search));
}

/** Parse "mse,huber:delta=1.5" into [{name, params}]. */
export function parseLosses(text) {
  if (!text) return [];
  return text.split(",").filter(Boolean).map((item) => {
    const [name, rest] = item.split(":");
    const params = {};
    for (const pair of (rest || "").split(";").filter(Boolean)) {
      const [key, value] = pair.split("=");
      const number = Number(value);
      params[key] = value === "None" || value === "" ? null : Number.isFinite(number) ? number : value;
    }
    return { name, params };
  });
}

/** Format [{name, params}] as "mse,huber:delta=1.5". */
export function formatLosses(list) {
  return list.map(({ name, params }) => {
    const pairs = Object.entries(params || {})
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${k}=${v}`);
    return pairs.length ? `${name}:${pairs.join(";")}` : name;
  }).join(",");
}

/** Colours for runs, distinguishable and readable on white. */
export const COLORS = ["#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#5c3c00", "#495057"];

export const PLOT_CONFIG = { responsive: true, displaylogo: false };
export function layout(title, xTitle, yTitle, extra = {}) {
  return {
    title: { text: title, font: { size: 15 } },
    margin: { l: 56, r: 16, t: 40, b: 64 },
    xaxis: { title: { text: xTitle } },
    yaxis: { title: { text: yTitle } },
    legend: { orientation: "h", y: -0.3 },
    font: { size: 13 },
    ...extra,
  };
}

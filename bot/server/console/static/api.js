// The console's HTTP API (/console/api): every call returns parsed JSON or throws an
// ApiError with the server's code, so views show the catalogue's text for it.
const BASE = "/console/api";

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function call(method, path, body) {
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error));
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, data.code || "unknown", data.message || "", data.details || {});
  }
  return data;
}

const chat = (id) => `/conversations/${encodeURIComponent(id)}`;

export const api = {
  login: (login, password) => call("POST", "/login", { login, password }),
  logout: () => call("POST", "/logout"),
  renew: () => call("POST", "/session"),
  me: () => call("GET", "/me"),
  setStatus: (status) => call("PUT", "/me/status", { status }),
  queue: () => call("GET", "/queue"),
  conversation: (id) => call("GET", chat(id)),
  accept: (id) => call("POST", `${chat(id)}/accept`),
  send: (id, text) => call("POST", `${chat(id)}/messages`, { text }),
  note: (id, text) => call("POST", `${chat(id)}/notes`, { text }),
  transfer: (id, target, note) => call("POST", `${chat(id)}/transfer`, { ...target, note }),
  close: (id, resolution) => call("POST", `${chat(id)}/close`, { resolution }),
  player: (id) => call("GET", `${chat(id)}/player`),
  canned: (id, q = "") =>
    call("GET", `/canned?sender_id=${encodeURIComponent(id)}&q=${encodeURIComponent(q)}`),
};

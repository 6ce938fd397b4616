// The supervisor's and the admin's calls (/console/api/floor, /agents, /admin/...).
import { call } from "./api.js";

const one = (path, id) => `${path}/${encodeURIComponent(id)}`;

export const supervisionApi = {
  floor: () => call("GET", "/floor"),
  setAgentStatus: (id, status) => call("PUT", `${one("/agents", id)}/status`, { status }),
  reassign: (senderId, target, note = "") =>
    call("POST", `${one("/conversations", senderId)}/reassign`, { ...target, note }),
  agents: () => call("GET", "/admin/agents"),
  addAgent: (agent) => call("POST", "/admin/agents", agent),
  editAgent: (id, changes) => call("PATCH", one("/admin/agents", id), changes),
  setDisabled: (id, disabled) => call("PUT", `${one("/admin/agents", id)}/disabled`, { disabled }),
  resetPassword: (id, password) => call("POST", `${one("/admin/agents", id)}/password`, { password }),
  teams: () => call("GET", "/admin/teams"),
  addTeam: (name, description) => call("POST", "/admin/teams", { name, description }),
};

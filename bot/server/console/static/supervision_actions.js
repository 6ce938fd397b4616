// The supervisor's and the admin's actions on the console's one state (app.js):
// load the floor (coalesced, as a busy floor sends many frames), move chats, set an
// agent's status, and the admin page's agents and teams.
import { supervisionApi as api } from "./supervision_api.js";

const FLOOR_COALESCE_MS = 250;

export function supervisionActions({ update, current, fail }) {
  let pending = null;
  const loadFloor = () =>
    api.floor().then((floor) => update({ floor, floorAt: Date.now() }), fail);
  const loadAdmin = () =>
    Promise.all([api.agents(), api.teams()]).then(
      ([agents, teams]) => update({ admin: { agents, teams } }),
      fail,
    );
  const said = (notice, reload) => () => {
    update({ notice, error: null });
    return reload();
  };
  const keep = (notice, reload) => (promise) =>
    promise.then(said(notice, reload), (error) => {
      fail(error);
      throw error; // the form keeps what was typed
    });

  return {
    loadFloor,
    loadFloorSoon: () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (current().view === "floor") loadFloor();
      }, FLOOR_COALESCE_MS);
    },
    forceStatus: (agentId, status) =>
      api.setAgentStatus(agentId, status).then(said("notice.status_set", loadFloor), fail),
    reassign: (senderId, agentId) =>
      api.reassign(senderId, { to_agent: agentId }).then(said("notice.reassigned", loadFloor), fail),
    loadAdmin,
    addAgent: (agent) => keep("notice.agent_added", loadAdmin)(api.addAgent(agent)),
    editAgent: (id, changes) => keep("notice.agent_saved", loadAdmin)(api.editAgent(id, changes)),
    setDisabled: (id, disabled) =>
      keep(disabled ? "notice.agent_disabled" : "notice.agent_enabled", loadAdmin)(
        api.setDisabled(id, disabled),
      ),
    resetPassword: (id, password) =>
      keep("notice.password_reset", loadAdmin)(api.resetPassword(id, password)),
    addTeam: (name, description) =>
      keep("notice.team_added", loadAdmin)(api.addTeam(name, description)),
  };
}

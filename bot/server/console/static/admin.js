// The admin page: every operator with their role, skills, languages, teams and limit;
// add one, change one, disable or enable, reset a password; and the teams.
import { html, useEffect, useState } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";

const ROLES = ["agent", "supervisor", "editor", "admin"];
const BLANK = {
  login: "", name: "", role: "agent", skills: "general", languages: "tr", teams: "",
  max_chats: "3", password: "",
};

const names = (text) => text.split(",").map((part) => part.trim().toLowerCase()).filter(Boolean);
const text = (list) => list.join(", ");

function Field({ id, label, hint, children }) {
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      ${children}
      ${hint && html`<span class="muted" id=${`${id}-hint`}>${hint}</span>`}
    </div>
  `;
}

// The form for a new agent, or (given `agent`) for changing one.
function AgentForm({ t, agent, actions, onDone }) {
  const editing = Boolean(agent);
  const start = editing
    ? { ...BLANK, ...agent, skills: text(agent.skills), languages: text(agent.languages),
        teams: text(agent.teams), max_chats: String(agent.max_chats) }
    : BLANK;
  const [form, setForm] = useState(start);
  const id = editing ? `edit-${agent.id}` : "new";
  const input = (key, props = {}) => html`<input id=${`${id}-${key}`} value=${form[key]}
    onInput=${(event) => setForm({ ...form, [key]: event.target.value })} ...${props} />`;
  const submit = (event) => {
    event.preventDefault();
    const profile = {
      name: form.name, role: form.role, skills: names(form.skills), languages: names(form.languages),
      teams: names(form.teams), max_chats: Number(form.max_chats),
    };
    const done = editing
      ? actions.editAgent(agent.id, profile)
      : actions.addAgent({ ...profile, login: form.login, password: form.password });
    done.then(() => (editing ? onDone() : setForm(BLANK)), () => {});
  };
  return html`
    <form class="agent-form" aria-label=${editing ? t("admin.edit_form", { name: agent.name }) : t("admin.new_agent")}
      onSubmit=${submit}>
      ${!editing && html`<${Field} id="new-login" label=${t("admin.field.login")}>
        ${input("login", { required: true, autocomplete: "off" })}<//>`}
      <${Field} id=${`${id}-name`} label=${t("admin.field.name")}>${input("name", { required: true })}<//>
      <${Field} id=${`${id}-role`} label=${t("admin.field.role")}>
        <select id=${`${id}-role`} value=${form.role} onChange=${(event) => setForm({ ...form, role: event.target.value })}>
          ${ROLES.map((role) => html`<option value=${role}>${t(`role.${role}`)}</option>`)}
        </select>
      <//>
      <${Field} id=${`${id}-skills`} label=${t("admin.field.skills")} hint=${t("admin.comma_hint")}>
        ${input("skills")}<//>
      <${Field} id=${`${id}-languages`} label=${t("admin.field.languages")}>${input("languages")}<//>
      <${Field} id=${`${id}-teams`} label=${t("admin.field.teams")}>${input("teams")}<//>
      <${Field} id=${`${id}-max_chats`} label=${t("admin.field.max_chats")}>
        ${input("max_chats", { type: "number", min: 1, max: 50, required: true })}<//>
      ${!editing && html`<${Field} id="new-password" label=${t("admin.field.password")} hint=${t("admin.password_hint")}>
        ${input("password", { type: "password", required: true, autocomplete: "new-password" })}<//>`}
      <div class="form-actions">
        <button type="submit" class="primary">${editing ? t("admin.save") : t("admin.add")}</button>
        ${editing && html`<button type="button" onClick=${onDone}>${t("admin.cancel")}</button>`}
      </div>
    </form>
  `;
}

function PasswordForm({ t, agent, actions, onDone }) {
  const [password, setPassword] = useState("");
  const id = `password-${agent.id}`;
  return html`
    <form class="inline" onSubmit=${(event) => {
      event.preventDefault();
      actions.resetPassword(agent.id, password).then(onDone, () => {});
    }}>
      <label for=${id} class="sr-only">${t("admin.new_password_for", { name: agent.name })}</label>
      <input id=${id} type="password" required autocomplete="new-password" value=${password}
        placeholder=${t("admin.new_password")} onInput=${(event) => setPassword(event.target.value)} />
      <button type="submit">${t("admin.set_password")}</button>
      <button type="button" class="link" onClick=${onDone}>${t("admin.cancel")}</button>
    </form>
  `;
}

function AgentRow({ t, agent, me, actions }) {
  const [mode, setMode] = useState(null); // null, "edit" or "password"
  const done = () => setMode(null);
  return html`
    <tr class=${agent.disabled ? "disabled" : ""}>
      <th scope="row">${agent.name}<div class="muted">${agent.login}${agent.id === me.id ? ` · ${t("admin.you")}` : ""}</div></th>
      <td>${t(`role.${agent.role}`)}</td>
      <td>${agent.skills.map((skill) => labelled(t, "skill", skill)).join(", ")}</td>
      <td>${agent.languages.map((lang) => lang.toUpperCase()).join(", ")}</td>
      <td>${agent.teams.join(", ") || "—"}</td>
      <td class="num">${agent.max_chats}</td>
      <td>${agent.disabled
        ? html`<span class="chip bad">${t("admin.disabled")}</span>`
        : html`<span class="chip good">${t("admin.enabled")}</span> <span class="muted">${t(`status.${agent.status}`)}</span>`}</td>
      <td><div class="row-actions">
        ${mode === null && html`
          <button type="button" aria-label=${t("admin.edit_label", { name: agent.name })} onClick=${() => setMode("edit")}>${t("admin.edit")}</button>
          <button type="button" aria-label=${t("admin.password_label", { name: agent.name })} onClick=${() => setMode("password")}>${t("admin.password")}</button>
          ${agent.id !== me.id && html`<button type="button" class=${agent.disabled ? "" : "danger"}
            aria-label=${t(agent.disabled ? "admin.enable_label" : "admin.disable_label", { name: agent.name })}
            onClick=${() => actions.setDisabled(agent.id, !agent.disabled).catch(() => {})}>
            ${agent.disabled ? t("admin.enable") : t("admin.disable")}</button>`}`}
        ${mode === "password" && html`<${PasswordForm} t=${t} agent=${agent} actions=${actions} onDone=${done} />`}
      </div></td>
    </tr>
    ${mode === "edit" && html`<tr class="editing"><td colspan="8">
      <${AgentForm} t=${t} agent=${agent} actions=${actions} onDone=${done} /></td></tr>`}
  `;
}

function Teams({ t, teams, actions }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  return html`
    <section class="panel" aria-labelledby="teams-heading">
      <h2 id="teams-heading">${t("admin.teams")}</h2>
      ${teams.length === 0 ? html`<p class="muted">${t("admin.no_teams")}</p>` : html`
        <ul class="team-list">${teams.map((team) => html`<li key=${team.name}>
          <strong>${team.name}</strong> <span class="muted">${t("admin.members", { count: team.members })}</span>
          ${team.description && html`<div class="muted">${team.description}</div>`}</li>`)}</ul>`}
      <form class="teams-form" aria-label=${t("admin.new_team")} onSubmit=${(event) => {
        event.preventDefault();
        actions.addTeam(name, description).then(() => { setName(""); setDescription(""); }, () => {});
      }}>
        <${Field} id="team-name" label=${t("admin.team_name")} hint=${t("admin.team_hint")}>
          <input id="team-name" required value=${name} onInput=${(event) => setName(event.target.value)} /><//>
        <${Field} id="team-description" label=${t("admin.team_description")}>
          <input id="team-description" value=${description} onInput=${(event) => setDescription(event.target.value)} /><//>
        <div class="form-actions"><button type="submit">${t("admin.add_team")}</button></div>
      </form>
    </section>
  `;
}

export function Admin({ t, state, actions }) {
  useEffect(() => {
    actions.loadAdmin();
  }, []);
  const { admin, me } = state;
  if (!admin) return html`<main class="admin" aria-busy="true"><p class="muted">${t("admin.loading")}</p></main>`;
  return html`
    <main class="admin" aria-labelledby="admin-heading">
      <h1 id="admin-heading">${t("admin.heading")}</h1>
      <div class="admin-columns">
        <div>
        <section class="panel" aria-labelledby="agents-heading">
          <h2 id="agents-heading">${t("admin.agents")} <span class="count">${admin.agents.length}</span></h2>
          <table>
            <thead><tr>
              <th scope="col">${t("admin.col.agent")}</th><th scope="col">${t("admin.field.role")}</th>
              <th scope="col">${t("admin.field.skills")}</th><th scope="col">${t("admin.field.languages")}</th>
              <th scope="col">${t("admin.field.teams")}</th><th scope="col" class="num">${t("admin.col.max")}</th>
              <th scope="col">${t("admin.col.state")}</th><th scope="col">${t("admin.col.actions")}</th>
            </tr></thead>
            <tbody>${admin.agents.map((agent) => html`<${AgentRow} key=${agent.id} t=${t} agent=${agent} me=${me} actions=${actions} />`)}</tbody>
          </table>
        </section>
        <${Teams} t=${t} teams=${admin.teams} actions=${actions} />
        </div>
        <aside class="admin-side">
          <section class="panel" aria-labelledby="new-agent-heading">
            <h2 id="new-agent-heading">${t("admin.new_agent")}</h2>
            <${AgentForm} t=${t} actions=${actions} />
          </section>
        </aside>
      </div>
    </main>
  `;
}

// The right column of a chat: the player panel (player_panel.js), private notes, transfer
// to an agent or a team with a note, and close with a resolution tag. Notes are for
// agents only; the player never sees them.
import { html, useState } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";
import { PlayerPanel } from "./player_panel.js";

function Notes({ t, notes, agents, writable, actions }) {
  const [text, setText] = useState("");
  const agentName = (id) => (agents.find((agent) => agent.id === id) || {}).name || id;
  const submit = (event) => {
    event.preventDefault();
    if (text.trim()) actions.note(text.trim()).then(() => setText(""));
  };
  return html`
    <section class="tool notes" aria-labelledby="notes-heading">
      <h2 id="notes-heading">${t("notes.heading")}</h2>
      <p class="muted">${t("notes.hint")}</p>
      ${notes.length === 0 && html`<p class="muted">${t("notes.empty")}</p>`}
      <ul class="note-list">
        ${notes.map((note) => html`<li key=${note.id}><strong>${agentName(note.agent_id)}</strong> ${note.text}</li>`)}
      </ul>
      ${writable && html`<form onSubmit=${submit}>
        <label for="note-text">${t("notes.label")}</label>
        <textarea id="note-text" rows="2" value=${text} aria-keyshortcuts="Alt+N"
          onInput=${(e) => setText(e.currentTarget.value)}></textarea>
        <button type="submit">${t("notes.add")}</button>
      </form>`}
    </section>
  `;
}

function Transfer({ t, queue, actions }) {
  const [target, setTarget] = useState("");
  const [note, setNote] = useState("");
  const submit = (event) => {
    event.preventDefault();
    if (!target) return;
    const [kind, value] = target.split(":");
    const body = kind === "agent" ? { to_agent: value } : { team: value };
    actions.transfer(body, note);
  };
  return html`
    <form class="tool" onSubmit=${submit} aria-labelledby="transfer-heading">
      <h2 id="transfer-heading">${t("transfer.heading")}</h2>
      <label for="transfer-target">${t("transfer.target")}</label>
      <select id="transfer-target" value=${target} aria-keyshortcuts="Alt+T"
        onChange=${(e) => setTarget(e.currentTarget.value)}>
        <option value="">${t("transfer.choose")}</option>
        <optgroup label=${t("transfer.agents")}>
          ${queue.agents.map((agent) => html`<option value=${`agent:${agent.id}`}>
            ${agent.name} (${t(`status.${agent.status}`)})</option>`)}
        </optgroup>
        <optgroup label=${t("transfer.teams")}>
          ${queue.teams.map((team) => html`<option value=${`team:${team}`}>${team}</option>`)}
        </optgroup>
      </select>
      <label for="transfer-note">${t("transfer.note")}</label>
      <textarea id="transfer-note" rows="2" value=${note}
        onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
      <button type="submit" disabled=${!target}>${t("transfer.submit")}</button>
    </form>
  `;
}

function Close({ t, queue, actions }) {
  const [resolution, setResolution] = useState(queue.resolutions[0]);
  const submit = (event) => {
    event.preventDefault();
    actions.close(resolution);
  };
  return html`
    <form class="tool" onSubmit=${submit} aria-labelledby="close-heading">
      <h2 id="close-heading">${t("close.heading")}</h2>
      <label for="close-resolution">${t("close.resolution")}</label>
      <select id="close-resolution" value=${resolution} aria-keyshortcuts="Alt+K"
        onChange=${(e) => setResolution(e.currentTarget.value)}>
        ${queue.resolutions.map((code) => html`<option value=${code}>${labelled(t, "resolution", code)}</option>`)}
      </select>
      <button type="submit" class="danger">${t("close.submit")}</button>
    </form>
  `;
}

export function ChatTools({ t, state, mine, changed, actions }) {
  const { conversation, queue, me } = state;
  if (!queue) return null;
  const agents = [...queue.agents, me];
  return html`
    <aside class="tools">
      <${PlayerPanel} t=${t} lang=${state.lang} senderId=${conversation.sender_id} changed=${changed} />
      ${(mine || conversation.notes.length > 0) && html`<${Notes} t=${t} notes=${conversation.notes}
        agents=${agents} writable=${mine} actions=${actions} />`}
      ${mine && html`<${Transfer} t=${t} queue=${queue} actions=${actions} />`}
      ${mine && html`<${Close} t=${t} queue=${queue} actions=${actions} />`}
    </aside>
  `;
}

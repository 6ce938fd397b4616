// The supervisor's floor: totals, the chats past their SLA (with a way to give each to
// an agent), every queue and every agent with their load; live, with ticking waits.
import { html, useEffect, useState } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";
import { clock, who } from "./people.js";

const STATUSES = ["online", "away", "offline"];

function useTicking() {
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
}

function Tile({ label, value, tone }) {
  return html`
    <div class=${`tile ${tone || ""}`} role="group" aria-label=${label}>
      <span class="tile-value">${value}</span>
      <span class="tile-label">${label}</span>
    </div>
  `;
}

function Totals({ t, totals }) {
  return html`
    <section class="tiles" aria-label=${t("floor.totals")}>
      <${Tile} label=${t("floor.waiting")} value=${totals.waiting} tone=${totals.waiting ? "warn" : ""} />
      <${Tile} label=${t("floor.past_sla")} value=${totals.past_sla} tone=${totals.past_sla ? "bad" : "good"} />
      <${Tile} label=${t("floor.in_chats")} value=${totals.in_chats} />
      <${Tile} label=${t("floor.online_agents")} value=${totals.online_agents} />
      <${Tile} label=${t("floor.away_agents")} value=${totals.away_agents} />
      <${Tile} label=${t("floor.free_capacity")} value=${totals.free_capacity}
        tone=${totals.free_capacity ? "good" : "warn"} />
    </section>
  `;
}

function Assign({ t, item, agents, actions }) {
  const [target, setTarget] = useState("");
  const online = agents.filter((agent) => agent.status === "online" && agent.chats < agent.max_chats);
  const name = who(t, item);
  return html`
    <form class="inline" onSubmit=${(event) => {
      event.preventDefault();
      if (target) actions.reassign(item.sender_id, target);
    }}>
      <select aria-label=${t("floor.assign_to", { who: name })} value=${target}
        onChange=${(event) => setTarget(event.target.value)}>
        <option value="">${online.length ? t("floor.choose_agent") : t("floor.nobody_free")}</option>
        ${online.map((agent) => html`<option value=${agent.id}>
          ${t("floor.agent_option", { name: agent.name, chats: agent.chats, max: agent.max_chats })}</option>`)}
      </select>
      <button type="submit" disabled=${!target}>${t("floor.assign")}</button>
    </form>
  `;
}

function Late({ t, floor, since, actions }) {
  return html`
    <section class="panel late" aria-labelledby="late-heading">
      <h2 id="late-heading">${t("floor.late")} <span class="count bad">${floor.totals.past_sla}</span></h2>
      ${floor.late.length === 0
        ? html`<p class="muted">${t("floor.no_late")}</p>`
        : html`<table>
            <thead><tr>
              <th scope="col">${t("floor.col.player")}</th><th scope="col">${t("floor.col.queue")}</th>
              <th scope="col">${t("floor.col.waited")}</th><th scope="col">${t("floor.col.target")}</th>
              <th scope="col">${t("floor.col.assign")}</th>
            </tr></thead>
            <tbody>${floor.late.map((item) => html`
              <tr key=${item.sender_id} class="breached">
                <td><button type="button" class="link" onClick=${() => actions.open(item.sender_id)}>
                  ${who(t, item)}</button>
                  <div class="muted">${labelled(t, "reason", item.reason)}</div></td>
                <td>${labelled(t, "skill", item.skill)} · ${item.language.toUpperCase()}
                  ${item.priority > 0 && html` <span class="chip warn">${t("queue.priority", item)}</span>`}</td>
                <td class="num strong">${clock(item.wait_seconds + since)}</td>
                <td class="num">${clock(item.sla_seconds)}</td>
                <td><${Assign} t=${t} item=${item} agents=${floor.agents} actions=${actions} /></td>
              </tr>`)}</tbody>
          </table>`}
    </section>
  `;
}

function queueName(t, line) {
  const name = line.kind === "team" ? line.name : labelled(t, "skill", line.name);
  return t(`floor.kind.${line.kind}`, { name });
}

function Queues({ t, floor, since }) {
  return html`
    <section class="panel" aria-labelledby="queues-heading">
      <h2 id="queues-heading">${t("floor.queues")}</h2>
      ${floor.queues.length === 0
        ? html`<p class="muted">${t("floor.no_queues")}</p>`
        : html`<table>
            <thead><tr>
              <th scope="col">${t("floor.col.queue")}</th><th scope="col">${t("floor.col.language")}</th>
              <th scope="col" class="num">${t("floor.col.waiting")}</th>
              <th scope="col" class="num">${t("floor.col.longest")}</th>
              <th scope="col" class="num">${t("floor.col.past_sla")}</th>
              <th scope="col" class="num">${t("floor.col.expected")}</th>
            </tr></thead>
            <tbody>${floor.queues.map((line) => html`
              <tr key=${`${line.kind}:${line.name}:${line.language}`} class=${line.past_sla ? "breached" : ""}>
                <th scope="row">${queueName(t, line)}</th>
                <td>${line.language.toUpperCase()}</td>
                <td class="num strong">${line.waiting}</td>
                <td class="num">${clock(line.longest_wait + since)}</td>
                <td class="num">${line.past_sla > 0 ? html`<span class="chip bad">${line.past_sla}</span>` : "0"}</td>
                <td class="num">${line.expected_wait === null ? t("floor.nobody_serves") : clock(line.expected_wait)}</td>
              </tr>`)}</tbody>
          </table>`}
    </section>
  `;
}

function Load({ t, agent }) {
  const share = Math.min(agent.load, 1);
  const tone = agent.load >= 1 ? "full" : agent.load >= 0.67 ? "busy" : "";
  return html`
    <div class="load" title=${t("floor.load_title", { chats: agent.chats, max: agent.max_chats })}>
      <div class=${`load-bar ${tone}`}><span style=${`width: ${Math.round(share * 100)}%`}></span></div>
      <span class="num">${agent.chats}/${agent.max_chats}</span>
    </div>
  `;
}

function Agents({ t, floor, actions }) {
  return html`
    <section class="panel" aria-labelledby="agents-heading">
      <h2 id="agents-heading">${t("floor.agents")} <span class="count">${floor.agents.length}</span></h2>
      <table>
        <thead><tr>
          <th scope="col">${t("floor.col.agent")}</th><th scope="col">${t("floor.col.status")}</th>
          <th scope="col">${t("floor.col.load")}</th><th scope="col">${t("floor.col.skills")}</th>
          <th scope="col">${t("floor.col.teams")}</th><th scope="col">${t("floor.col.last_chat")}</th>
        </tr></thead>
        <tbody>${floor.agents.map((agent) => html`
          <tr key=${agent.id}>
            <th scope="row">${agent.name}<div class="muted">${t(`role.${agent.role}`)}</div></th>
            <td>
              <select class=${`status-select ${agent.status}`} value=${agent.status}
                aria-label=${t("floor.status_of", { name: agent.name })}
                onChange=${(event) => actions.forceStatus(agent.id, event.target.value)}>
                ${STATUSES.map((status) => html`<option value=${status}>${t(`status.${status}`)}</option>`)}
              </select>
              ${agent.status_since > 0 && html`<div class="muted">
                ${t("floor.status_for", { time: clock(Math.max(0, floor.now - agent.status_since)) })}</div>`}
            </td>
            <td><${Load} t=${t} agent=${agent} /></td>
            <td>${agent.skills.map((skill) => labelled(t, "skill", skill)).join(", ")}
              <div class="muted">${agent.languages.map((lang) => lang.toUpperCase()).join(", ")}</div></td>
            <td>${agent.teams.join(", ") || html`<span class="muted">—</span>`}</td>
            <td class="num">${agent.last_assigned_at
              ? t("floor.ago", { time: clock(floor.now - agent.last_assigned_at) })
              : html`<span class="muted">—</span>`}</td>
          </tr>`)}</tbody>
      </table>
    </section>
  `;
}

export function Floor({ t, state, actions }) {
  useTicking();
  const { floor, floorAt } = state;
  if (!floor) return html`<main class="floor" aria-busy="true"><p class="muted">${t("floor.loading")}</p></main>`;
  const since = (Date.now() - floorAt) / 1000;
  return html`
    <main class="floor" aria-labelledby="floor-heading">
      <div class="floor-head">
        <h1 id="floor-heading">${t("floor.heading")}</h1>
        <span class="muted">${t("floor.updated", { time: new Date(floorAt).toLocaleTimeString(state.lang) })}</span>
      </div>
      <${Totals} t=${t} totals=${floor.totals} />
      <${Late} t=${t} floor=${floor} since=${since} actions=${actions} />
      <div class="floor-columns">
        <${Queues} t=${t} floor=${floor} since=${since} />
        <${Agents} t=${t} floor=${floor} actions=${actions} />
      </div>
    </main>
  `;
}

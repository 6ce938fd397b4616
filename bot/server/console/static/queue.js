// The left column: chats waiting in the queue (with live wait timers and their SLA
// state: a chat past its target turns red as its timer passes it) and my chats (with
// unread counts); supervisors also see the others' chats.
import { html, useEffect, useState } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";
import { clock, who } from "./people.js";

function useTicking() {
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
}

function Waiting({ t, item, waited, actions }) {
  const name = who(t, item);
  // the server said how it stood when fetched; the wait goes on ticking past the target
  const sla = item.status === "waiting" && waited > item.sla_seconds ? "breached" : item.sla_state;
  return html`
    <li class=${`card sla-${sla}`}>
      <div class="card-main">
        <strong>${name}</strong>
        <span class="muted">${labelled(t, "reason", item.reason)}</span>
        <span class="chips">
          <span class="chip">${labelled(t, "skill", item.skill)}</span>
          ${item.priority > 0 && html`<span class="chip warn">${t("queue.priority", item)}</span>`}
          <span class=${`chip sla ${sla}`} title=${t(`sla.${sla}`)}>
            ${t("queue.waited", { time: clock(waited) })}
          </span>
          ${sla === "breached" && html`<span class="chip bad">${t("sla.breached")}</span>`}
        </span>
      </div>
      <div class="card-actions">
        <button type="button" class="link" aria-label=${t("queue.open_label", { who: name })}
          onClick=${() => actions.open(item.sender_id)}>${t("queue.open")}</button>
        <button type="button" class="primary" aria-label=${t("queue.accept_label", { who: name })}
          onClick=${() => actions.accept(item.sender_id)}>${t("queue.accept")}</button>
      </div>
    </li>
  `;
}

function Mine({ t, item, unread, open, actions }) {
  const name = who(t, item);
  return html`
    <li class=${open ? "card mine open" : "card mine"}>
      <button type="button" class="row" aria-current=${open ? "true" : undefined}
        aria-label=${t("queue.open_label", { who: name })}
        onClick=${() => actions.open(item.sender_id)}>
        <strong>${name}</strong>
        <span class="muted">${labelled(t, "reason", item.reason)}</span>
        ${unread > 0 && html`<span class="badge">${t("queue.unread", { count: unread })}</span>`}
      </button>
    </li>
  `;
}

export function Queue({ t, state, actions }) {
  useTicking();
  const { queue, fetchedAt, unread, openId, me } = state;
  if (!queue) return html`<nav class="queue" aria-label=${t("queue.heading")}></nav>`;
  const since = (Date.now() - fetchedAt) / 1000;
  return html`
    <nav class="queue" aria-label=${t("queue.heading")}>
      <section aria-labelledby="waiting-heading">
        <h2 id="waiting-heading">${t("queue.waiting")} <span class="count">${queue.waiting_total}</span></h2>
        ${me.status !== "online" && html`<p class="hint">${t("queue.offline_hint")}</p>`}
        ${queue.waiting.length === 0 && html`<p class="muted">${t("queue.empty_waiting")}</p>`}
        <ul class="cards">
          ${queue.waiting.map((item) => html`<${Waiting} key=${item.sender_id} t=${t} item=${item}
            waited=${item.wait_seconds + since} actions=${actions} />`)}
        </ul>
      </section>
      <section aria-labelledby="mine-heading">
        <h2 id="mine-heading">${t("queue.mine")} <span class="count">${queue.mine.length}/${me.max_chats}</span></h2>
        ${queue.mine.length === 0 && html`<p class="muted">${t("queue.empty_mine")}</p>`}
        <ul class="cards">
          ${queue.mine.map((item) => html`<${Mine} key=${item.sender_id} t=${t} item=${item}
            unread=${unread[item.sender_id] || 0} open=${item.sender_id === openId} actions=${actions} />`)}
        </ul>
      </section>
      ${queue.others.length > 0 && html`
        <section aria-labelledby="others-heading">
          <h2 id="others-heading">${t("queue.others")} <span class="count">${queue.others.length}</span></h2>
          <ul class="cards">
            ${queue.others.map((item) => html`<${Mine} key=${item.sender_id} t=${t} item=${item}
              unread=${0} open=${item.sender_id === openId} actions=${actions} />`)}
          </ul>
        </section>`}
      <section class="shortcuts" aria-labelledby="shortcuts-heading">
        <h2 id="shortcuts-heading">${t("shortcuts.heading")}</h2>
        <p class="muted">${t("shortcuts.text")}</p>
      </section>
    </nav>
  `;
}

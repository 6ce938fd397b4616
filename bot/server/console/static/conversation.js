// The middle column: one chat. Why it came to a human and the bot's summary on top,
// the whole history (each player message with its intent and confidence), and the
// composer (composer.js, with the canned replies); the tools (the player panel, notes,
// transfer, close) beside it.
import { html, useEffect, useRef } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";
import { who } from "./people.js";
import { ChatTools } from "./chat_tools.js";
import { Composer } from "./composer.js";

const time = (seconds) =>
  new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function confidenceClass(confidence) {
  if (confidence >= 0.8) return "chip good";
  if (confidence >= 0.5) return "chip warn";
  return "chip bad";
}

function Line({ t, item, agents }) {
  const agentName = (id) => (agents.find((agent) => agent.id === id) || {}).name || id;
  if (item.kind === "player" || item.kind === "bot" || item.kind === "agent") {
    return html`
      <li class=${`line ${item.kind}`}>
        <span class="who">${t(`conversation.${item.kind}`)} · ${time(item.timestamp)}</span>
        <p class="bubble">${item.text}</p>
        ${item.kind === "player" && item.intent && html`
          <span class="chips">
            <span class="chip">${t("conversation.intent", { intent: item.intent })}</span>
            ${item.confidence !== null && html`<span class=${confidenceClass(item.confidence)}>
              ${t("conversation.confidence", { percent: Math.round(item.confidence * 100) })}</span>`}
          </span>`}
      </li>
    `;
  }
  const text = {
    handover: () => t("conversation.handover", { reason: labelled(t, "reason", item.reason) }),
    assigned: () => t("conversation.assigned", { agent: agentName(item.agent_id) }),
    closed: () => t("conversation.closed", {
      by: labelled(t, "closed_by", item.reason),
      resolution: item.resolution ? ` · ${labelled(t, "resolution", item.resolution)}` : "",
    }),
    csat: () => t("conversation.csat", item),
    csat_comment: () => t("conversation.csat_comment", item),
    follow_up: () => t(`conversation.follow_up_${item.reason}`),
  }[item.kind];
  return html`<li class="line system"><span>${text ? text() : item.kind} · ${time(item.timestamp)}</span></li>`;
}

function Empty({ t }) {
  return html`
    <main class="conversation empty">
      <p>${t("conversation.none")}</p>
      <p class="muted">${t("conversation.none_hint")}</p>
    </main>
  `;
}

export function ConversationView({ t, state, actions }) {
  const { conversation, me, queue } = state;
  const history = useRef(null);
  useEffect(() => {
    if (history.current) history.current.scrollTop = history.current.scrollHeight;
  }, [conversation, state.notice, state.error]);
  if (!conversation) return html`<${Empty} t=${t} />`;

  const entry = conversation.entry;
  const mine = entry && entry.status === "assigned" && entry.agent_id === me.id;
  const waiting = entry && entry.status === "waiting";
  const name = who(t, entry || { sender_id: conversation.sender_id });
  const agents = queue ? [...queue.agents, me] : [me];
  const heard = conversation.history.filter((item) => item.kind === "player");
  const changed = heard.length ? heard[heard.length - 1].timestamp : 0; // the latest player message
  return html`
    <main class="conversation" aria-labelledby="conversation-heading">
      <div class="conversation-main">
        <header class="conversation-head">
          <h1 id="conversation-heading">${t("conversation.heading", { who: name })}</h1>
          ${entry && entry.channel && html`<span class="muted">${t("conversation.channel", entry)}</span>`}
        </header>
        <section class="handover-card" aria-label=${t("conversation.reason")}>
          <dl>
            <dt>${t("conversation.reason")}</dt>
            <dd>${conversation.reason ? labelled(t, "reason", conversation.reason) : "—"}</dd>
            <dt>${t("conversation.summary")}</dt>
            <dd class="summary">${conversation.summary || t("conversation.no_summary")}</dd>
          </dl>
        </section>
        ${waiting && html`
          <p class="banner">${t("conversation.waiting_banner")}
            <button type="button" class="primary" onClick=${() => actions.accept(conversation.sender_id)}
              aria-label=${t("queue.accept_label", { who: name })}>${t("queue.accept")}</button>
          </p>`}
        ${entry && !mine && !waiting && html`<p class="banner">${t("conversation.read_only")}</p>`}
        ${!entry && html`<p class="banner">${t("conversation.closed_banner")}</p>`}
        <ol class="history" role="log" aria-label=${t("conversation.history")} ref=${history}>
          ${conversation.history.map((item) => html`<${Line} t=${t} item=${item} agents=${agents} />`)}
        </ol>
        ${mine && html`<${Composer} key=${conversation.sender_id} t=${t} senderId=${conversation.sender_id}
          changed=${changed} actions=${actions} />`}
      </div>
      <${ChatTools} key=${conversation.sender_id} t=${t} state=${state} mine=${mine} changed=${changed}
        actions=${actions} />
    </main>
  `;
}

// The top bar: the views the role may open, who is signed in, their status, the live
// connection, language, sign-out; and below it what the last action said (a notice,
// or an error in words).
import { html, useEffect } from "./vendor/htm-preact-standalone.module.js";
import { labelled } from "./i18n/i18n.js";

const NOTICE_MS = 4000;

const STATUSES = ["online", "away", "offline"];
const SUPERVISORS = ["supervisor", "admin"];
// who takes chats: a content editor works on the bot, not at the desk
const CHAT_ROLES = ["agent", "supervisor", "admin"];
// each view and who may open it (the server refuses the others' calls all the same)
const VIEWS = [
  { view: "desk", hash: "#/", roles: CHAT_ROLES },
  { view: "floor", hash: "#/floor", roles: SUPERVISORS },
  { view: "reports", hash: "#/reports", roles: ["supervisor", "editor", "admin"] },
  { view: "admin", hash: "#/admin", roles: ["admin"] },
];

/** Whether `me` may open `view`. */
export function mayOpen(view, me) {
  const found = VIEWS.find((entry) => entry.view === view);
  return Boolean(me && found && found.roles.includes(me.role));
}

/** Whether `me` takes chats (has a desk, a status, a queue). */
export function takesChats(me) {
  return Boolean(me && CHAT_ROLES.includes(me.role));
}

/** The view `me` lands on: the desk, or the reports for a content editor. */
export function homeView(me) {
  return takesChats(me) ? "desk" : "reports";
}

function Views({ t, state }) {
  const open = VIEWS.filter((entry) => entry.view !== "desk" && mayOpen(entry.view, state.me));
  if (!open.length) return null; // agents work at the desk only
  const current = mayOpen(state.view, state.me) ? state.view : homeView(state.me);
  return html`
    <nav class="views" aria-label=${t("nav.label")}>
      ${VIEWS.filter((entry) => mayOpen(entry.view, state.me)).map((entry) => html`
        <a href=${entry.hash} aria-current=${entry.view === current ? "page" : undefined}>
          ${t(`nav.${entry.view}`)}</a>`)}
    </nav>
  `;
}

function Feedback({ t, state, actions }) {
  const { error, notice } = state;
  useEffect(() => {
    if (!notice || error) return undefined;
    const timer = setTimeout(actions.dismiss, NOTICE_MS);  // a notice goes by itself
    return () => clearTimeout(timer);
  }, [notice, error]);
  if (!error && !notice) return null;
  const values = error && error.field ? { ...error, field: labelled(t, "admin.field", error.field) } : error;
  const text = error ? t(`error.${error.code}`, values) : t(notice);
  const known = !error || text !== `error.${error.code}`;
  return html`
    <div class=${error ? "feedback alert" : "feedback notice"} role=${error ? "alert" : "status"}>
      <span>${known ? text : t("error.unknown")}</span>
      <button type="button" class="link" onClick=${actions.dismiss}>${t("error.dismiss")}</button>
    </div>
  `;
}

export function Header({ t, state, actions }) {
  const { me, connected } = state;
  return html`
    <header class="topbar">
      <div class="brand">
        <strong>${t("app.title")}</strong>
        <span class="muted">${t("app.tagline")}</span>
      </div>
      <${Views} t=${t} state=${state} />
      <span class=${connected ? "live on" : "live off"} role="status">
        ${connected ? t("header.connected") : t("header.disconnected")}
      </span>
      <div class="me">
        <span>${t("header.signed_in_as", { name: me.name })}</span>
        ${takesChats(me) && html`<div class="segmented" role="group" aria-label=${t("header.status")}>
          ${STATUSES.map((status) => html`
            <button type="button" class=${`status-${status}`} aria-pressed=${me.status === status}
              onClick=${() => actions.setStatus(status)}>${t(`status.${status}`)}</button>
          `)}
        </div>`}
        <button type="button" class="link" onClick=${actions.toggleLanguage}
          aria-label=${t("header.language_label")}>${t("header.language")}</button>
        <button type="button" onClick=${actions.logout}>${t("header.logout")}</button>
      </div>
    </header>
    <${Feedback} t=${t} state=${state} actions=${actions} />
  `;
}

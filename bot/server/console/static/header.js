// The top bar: who is signed in, their status, the live connection, language, sign-out;
// and below it what the last action said (a notice, or an error in words).
import { html, useEffect } from "./vendor/htm-preact-standalone.module.js";

const NOTICE_MS = 4000;

const STATUSES = ["online", "away", "offline"];

function Feedback({ t, state, actions }) {
  const { error, notice } = state;
  useEffect(() => {
    if (!notice || error) return undefined;
    const timer = setTimeout(actions.dismiss, NOTICE_MS);  // a notice goes by itself
    return () => clearTimeout(timer);
  }, [notice, error]);
  if (!error && !notice) return null;
  const text = error ? t(`error.${error.code}`, error) : t(notice);
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
      <span class=${connected ? "live on" : "live off"} role="status">
        ${connected ? t("header.connected") : t("header.disconnected")}
      </span>
      <div class="me">
        <span>${t("header.signed_in_as", { name: me.name })}</span>
        <div class="segmented" role="group" aria-label=${t("header.status")}>
          ${STATUSES.map((status) => html`
            <button type="button" class=${`status-${status}`} aria-pressed=${me.status === status}
              onClick=${() => actions.setStatus(status)}>${t(`status.${status}`)}</button>
          `)}
        </div>
        <button type="button" class="link" onClick=${actions.toggleLanguage}
          aria-label=${t("header.language_label")}>${t("header.language")}</button>
        <button type="button" onClick=${actions.logout}>${t("header.logout")}</button>
      </div>
    </header>
    <${Feedback} t=${t} state=${state} actions=${actions} />
  `;
}

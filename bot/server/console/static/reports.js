// The supervisors' reports page: first response time, handle time, CSAT and bot containment.
import { html } from "./vendor/htm-preact-standalone.module.js";

export function Reports({ t }) {
  return html`<main class="reports"><h2>${t("reports.heading")}</h2></main>`;
}

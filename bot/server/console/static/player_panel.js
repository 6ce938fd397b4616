// The player panel in a chat's tools: the account backend's view of the player (balance,
// latest deposits and withdrawals, active bonuses, KYC, VIP level), shown only once the
// player is verified; otherwise the verification state and nothing else. A backend that
// is not configured or down is said plainly, with a refresh button.
import { html, useEffect, useState } from "./vendor/htm-preact-standalone.module.js";
import { api } from "./api.js";
import { labelled } from "./i18n/i18n.js";

const NUMBER = new Intl.NumberFormat("tr-TR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1.500,00 ₺: Turkish grouping and decimals, the lira sign after the amount. */
export function money(amount, currency = "TRY") {
  return `${NUMBER.format(amount)} ${currency === "TRY" ? "₺" : currency}`;
}

function when(iso, lang) {
  const locale = lang === "en" ? "en-GB" : "tr-TR";
  return new Date(iso).toLocaleString(locale, {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

const STATE_CLASS = {
  credited: "good", paid: "good", approved: "good",
  pending: "warn", processing: "warn", not_started: "warn",
  failed: "bad", rejected: "bad",
};

function Transactions({ t, lang, heading, items }) {
  return html`
    <section class="player-block" aria-label=${heading}>
      <h3>${heading}</h3>
      ${items.length === 0 ? html`<p class="muted">${t("player.none")}</p>` : html`
        <ul class="txn-list">
          ${items.map((item) => html`
            <li key=${item.reference} class="txn">
              <span class="txn-amount">${money(item.amount, item.currency)}</span>
              <span class=${`chip ${STATE_CLASS[item.state] || ""}`}>${labelled(t, "txn", item.state)}</span>
              ${item.overdue && html`<span class="chip bad">${t("player.overdue")}</span>`}
              <span class="muted txn-meta">${labelled(t, "method", item.method)} · ${when(item.created_at, lang)}</span>
              ${item.reason && html`<span class="muted txn-reason">${item.reason}</span>`}
            </li>`)}
        </ul>`}
    </section>
  `;
}

function Bonuses({ t, bonuses }) {
  return html`
    <section class="player-block" aria-label=${t("player.bonuses")}>
      <h3>${t("player.bonuses")}</h3>
      ${bonuses.length === 0 ? html`<p class="muted">${t("player.none")}</p>` : html`
        <ul class="txn-list">
          ${bonuses.map((bonus) => html`
            <li key=${bonus.code} class="txn">
              <span class="txn-amount">${money(bonus.amount)}</span>
              <span class="chip">${bonus.code}</span>
              <span class="muted txn-meta">${bonus.name}</span>
              <progress max="1" value=${bonus.progress} aria-label=${bonus.name}></progress>
              <span class="muted txn-meta">${t("player.bonus_progress", {
                percent: Math.round(bonus.progress * 100), remaining: money(bonus.wagering_remaining),
              })}</span>
            </li>`)}
        </ul>`}
    </section>
  `;
}

function Account({ t, lang, account }) {
  const { balance, kyc } = account;
  const missing = kyc.missing.map((need) => labelled(t, "kyc_need", need)).join(", ");
  return html`
    <div class="account">
      <p class="player-name"><strong>${account.full_name}</strong>
        <span class="muted"> @${account.username}</span></p>
      <p class="chips">
        <span class=${`chip ${account.vip_level > 0 ? "vip" : ""}`}>
          ${account.vip_level > 0 ? t("player.vip", { level: account.vip_level }) : t("player.no_vip")}</span>
        <span class=${`chip ${account.status === "active" ? "good" : "bad"}`}>
          ${labelled(t, "player.account_status", account.status)}</span>
      </p>
      <dl class="balances" aria-label=${t("player.balances")}>
        <div><dt>${t("player.cash")}</dt><dd>${money(balance.cash, balance.currency)}</dd></div>
        <div><dt>${t("player.bonus")}</dt><dd>${money(balance.bonus, balance.currency)}</dd></div>
        <div><dt>${t("player.withdrawable")}</dt><dd>${money(balance.withdrawable, balance.currency)}</dd></div>
      </dl>
      <section class="player-block" aria-label=${t("player.kyc")}>
        <h3>${t("player.kyc")}</h3>
        <span class=${`chip ${STATE_CLASS[kyc.status] || ""}`}>${labelled(t, "kyc", kyc.status)}</span>
        ${missing && html`<span class="muted"> ${t("player.kyc_missing", { list: missing })}</span>`}
      </section>
      <${Transactions} t=${t} lang=${lang} heading=${t("player.deposits")} items=${account.deposits} />
      <${Transactions} t=${t} lang=${lang} heading=${t("player.withdrawals")} items=${account.withdrawals} />
      <${Bonuses} t=${t} bonuses=${account.bonuses} />
    </div>
  `;
}

function Unavailable({ t, reason }) {
  return html`
    <div class="player-state" role="status">
      <p>${t(`player.reason.${reason}`)}</p>
      <p class="muted">${t(`player.reason.${reason}_hint`)}</p>
    </div>
  `;
}

function Body({ t, lang, panel, failed }) {
  if (failed) return html`<p class="player-state alert" role="status">${t("player.error")}</p>`;
  if (!panel) return html`<p class="muted">${t("player.loading")}</p>`;
  const verified = html`
    <p class=${`verification ${panel.verified ? "yes" : "no"}`}>
      ${panel.verified ? `✓ ${t("player.verified")}` : `✗ ${t("player.not_verified")}`}
      ${panel.player_id && html`<span class="muted"> · ${t("player.id", { id: panel.player_id })}</span>`}
    </p>`;
  if (!panel.verified) {
    return html`${verified}<p class="muted">${t("player.not_verified_hint")}</p>`;
  }
  if (!panel.available) return html`${verified}<${Unavailable} t=${t} reason=${panel.reason} />`;
  return html`${verified}<${Account} t=${t} lang=${lang} account=${panel.account} />`;
}

/** `changed` (the latest player message's time) fetches the panel again: the player
 * may have just verified. */
export function PlayerPanel({ t, lang, senderId, changed }) {
  const [panel, setPanel] = useState(null);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = () => {
    setBusy(true);
    return api.player(senderId).then(
      (fresh) => { setPanel(fresh); setFailed(false); },
      () => setFailed(true),
    ).finally(() => setBusy(false));
  };
  useEffect(() => { load(); }, [senderId, changed]);
  return html`
    <section class="tool player-panel" aria-labelledby="player-heading" aria-busy=${busy}>
      <div class="player-head">
        <h2 id="player-heading">${t("player.heading")}</h2>
        <button type="button" class="small" onClick=${load} disabled=${busy}
          aria-label=${t("player.refresh_label")}>${t("player.refresh")}</button>
      </div>
      <${Body} t=${t} lang=${lang} panel=${panel} failed=${failed} />
    </section>
  `;
}

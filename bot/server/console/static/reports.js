// The supervisors' reports page: handovers, waits, first response (human agents only),
// handle time, resolutions, CSAT, follow-ups and bot containment for a period, with a
// line a day and the same figures as CSV. The server computes every figure; the page
// only asks for a period and shows the answer.
import { html, useEffect, useState } from "./vendor/htm-preact-standalone.module.js";
import { call } from "./api.js";
import { labelled } from "./i18n/i18n.js";

const ERRORS = ["bad_date", "bad_range", "supervisors_only", "not_signed_in", "network"];
const RANGES = [
  { key: "today", days: 1 },
  { key: "week", days: 7 },
  { key: "month", days: 30 },
];

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function lastDays(days) {
  const to = new Date();
  const from = new Date(to);
  from.setDate(to.getDate() - (days - 1));
  return { from: isoDay(from), to: isoDay(to) };
}

const query = (period) => `from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`;

function duration(t, seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  if (m >= 60) return t("reports.hours", { h: Math.floor(m / 60), m: m % 60 });
  return m ? t("reports.minutes", { m, s: String(s).padStart(2, "0") }) : t("reports.seconds", { s });
}

const LOCALES = { tr: "tr-TR", en: "en-GB" };

// Numbers as the language writes them: %50 and 4,00 in Turkish, 50% and 4.00 in English.
function numbers(lang) {
  const locale = LOCALES[lang] || LOCALES.tr;
  const share = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const shown = (format) => (value) => (value === null || value === undefined ? "–" : format.format(value));
  return { percent: shown(share), average: shown(decimal) };
}

export function Reports({ t, state }) {
  const format = numbers(state && state.lang);
  const [period, setPeriod] = useState(lastDays(7));
  const [draft, setDraft] = useState(period);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let current = true;
    setLoading(true);
    call("GET", `/reports?${query(period)}`).then(
      (data) => current && (setAnswer(data), setError(null), setLoading(false)),
      (failure) => current && (setError(failure), setLoading(false)),
    );
    return () => { current = false; };
  }, [period.from, period.to]);

  const choose = (days) => {
    const next = lastDays(days);
    setDraft(next);
    setPeriod(next);
  };
  const apply = (event) => {
    event.preventDefault();
    setPeriod({ ...draft });
  };
  const chosen = RANGES.find((range) => {
    const span = lastDays(range.days);
    return span.from === period.from && span.to === period.to;
  });

  return html`
    <main class="reports" aria-busy=${loading ? "true" : "false"}>
      <div class="reports-head">
        <h1>${t("reports.heading")}</h1>
        <div class="ranges" role="group" aria-label=${t("reports.range")}>
          ${RANGES.map((range) => html`
            <button type="button" aria-pressed=${chosen === range ? "true" : "false"}
              onClick=${() => choose(range.days)}>${t(`reports.range.${range.key}`)}</button>`)}
        </div>
        <form class="period" onSubmit=${apply}>
          <label>${t("reports.from")}
            <input type="date" value=${draft.from} required
              onInput=${(e) => setDraft({ ...draft, from: e.currentTarget.value })} /></label>
          <label>${t("reports.to")}
            <input type="date" value=${draft.to} required
              onInput=${(e) => setDraft({ ...draft, to: e.currentTarget.value })} /></label>
          <button type="submit">${t("reports.show")}</button>
        </form>
        <a class="csv" href=${`/console/api/reports.csv?${query(period)}`} download>
          ${t("reports.csv")}</a>
      </div>
      ${error && html`<p class="reports-error" role="alert">
        ${ERRORS.includes(error.code) ? t(`reports.error.${error.code}`) : t("reports.error.other")}</p>`}
      ${answer && !error && html`<${Figures} t=${t} answer=${answer} format=${format} />`}
    </main>
  `;
}

function Figures({ t, answer, format }) {
  const { percent, average } = format;
  const total = answer.total;
  const cards = [
    { key: "handed_over", value: total.handed_over, note: t("reports.note.reached", { n: total.reached_agent }) },
    { key: "containment", value: percent(total.containment), note: t("reports.note.contained", { n: total.contained, all: total.conversations }) },
    { key: "wait", value: duration(t, total.wait.median), note: t("reports.note.p90", { time: duration(t, total.wait.p90) }) },
    { key: "first_response", value: duration(t, total.first_response.median), note: t("reports.note.p90", { time: duration(t, total.first_response.p90) }) },
    { key: "handle", value: duration(t, total.handle.median), note: t("reports.note.p90", { time: duration(t, total.handle.p90) }) },
    { key: "csat", value: average(total.csat.average), note: t("reports.note.csat", { rated: total.csat.rated, rate: percent(total.csat.response_rate) }) },
  ];
  return html`
    <p class="muted">${t("reports.period", { from: answer.start_date, to: answer.end_date })}</p>
    <section class="report-cards" aria-label=${t("reports.cards")}>
      ${cards.map((card) => html`
        <div class="report-card" role="group" aria-label=${t(`reports.card.${card.key}`)}>
          <span class="report-card-label">${t(`reports.card.${card.key}`)}</span>
          <span class="report-card-value">${card.value}</span>
          <span class="report-card-note">${card.note}</span>
        </div>`)}
    </section>
    <div class="report-columns">
      <${Bars} t=${t} title=${t("reports.by_reason")} counts=${total.by_reason} prefix="reason" />
      <${Bars} t=${t} title=${t("reports.resolutions")} counts=${total.resolutions} prefix="resolution" />
      <${Bars} t=${t} title=${t("reports.csat_distribution")} prefix=""
        counts=${Object.fromEntries([5, 4, 3, 2, 1].map((s) => [t("reports.stars", { score: s }), total.csat.distribution[s] || 0]))} />
      <${Bars} t=${t} title=${t("reports.follow_ups")} prefix=""
        counts=${{ [t("reports.follow_up.solved")]: total.follow_ups.solved, [t("reports.follow_up.not_solved")]: total.follow_ups.not_solved, [t("reports.follow_up.unanswered")]: Math.max(0, total.follow_ups.asked - total.follow_ups.solved - total.follow_ups.not_solved) }} />
    </div>
    <${Days} t=${t} days=${answer.days} format=${format} />
  `;
}

function Bars({ t, title, counts, prefix }) {
  const entries = Object.entries(counts || {});
  const most = Math.max(1, ...entries.map(([, n]) => n));
  return html`
    <section class="panel report-bars" aria-label=${title}>
      <h2>${title}</h2>
      ${entries.length === 0
        ? html`<p class="muted">${t("reports.none")}</p>`
        : html`<ul>${entries.map(([name, n]) => html`
            <li>
              <span class="bar-label">${prefix ? labelled(t, prefix, name) : name}</span>
              <span class="bar-track"><span class="bar" style=${`width: ${(100 * n) / most}%`}></span></span>
              <span class="bar-count">${n}</span>
            </li>`)}</ul>`}
    </section>
  `;
}

function Days({ t, days, format }) {
  const { percent, average } = format;
  const columns = ["day", "conversations", "containment", "handed_over", "wait", "first_response", "handle", "csat"];
  return html`
    <section class="panel report-days" aria-label=${t("reports.days")}>
      <h2>${t("reports.days")}</h2>
      <table>
        <thead><tr>${columns.map((c) => html`<th scope="col" class=${c === "day" ? "" : "num"}>${t(`reports.col.${c}`)}</th>`)}</tr></thead>
        <tbody>
          ${days.map((day) => html`
            <tr>
              <th scope="row">${day.day}</th>
              <td class="num">${day.conversations}</td>
              <td class="num">${percent(day.containment)}</td>
              <td class="num">${day.handed_over}</td>
              <td class="num">${duration(t, day.wait.median)}</td>
              <td class="num">${duration(t, day.first_response.median)}</td>
              <td class="num">${duration(t, day.handle.median)}</td>
              <td class="num">${average(day.csat.average)}</td>
            </tr>`)}
        </tbody>
      </table>
    </section>
  `;
}

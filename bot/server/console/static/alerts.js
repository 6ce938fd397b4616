// Alerts: a sound (WebAudio, after the first click on the page), a toast that says what
// happened, and a count in the tab's title, so an agent on another tab notices.
// A new chat rings once; a chat waiting past its SLA rings twice, lower, and its toast
// stays until read. Supervisors hear every queue's SLA breaches.
import { html, useEffect } from "./vendor/htm-preact-standalone.module.js";
import { who } from "./people.js";

const SUPERVISOR_ROLES = ["supervisor", "admin"];
const TOAST_MS = { new_chat: 6000, sla: 20000, assigned: 6000 };
const MAX_TOASTS = 4;
let audio = null;

function tone(frequency, start, length) {
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.15, audio.currentTime + start);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(audio.currentTime + start);
  oscillator.stop(audio.currentTime + start + length);
}

function play(tones) {
  try {
    audio = audio || new AudioContext();
    tones.forEach(([frequency, start, length]) => tone(frequency, start, length));
  } catch (error) {
    // no sound available: the toast and the title badge still tell
  }
}

export const beep = () => play([[880, 0, 0.25]]);
export const alarm = () => play([[520, 0, 0.3], [390, 0.35, 0.45]]);

export function titleBadge(title, count) {
  document.title = count > 0 ? `(${count}) ${title}` : title;
}

/** What a socket frame should alert `me` of: "new_chat", "sla", "assigned", or null. */
export function alertKind(frame, me) {
  if (frame.type === "assigned") return "assigned";
  if (frame.type !== "queue") return null;
  if (frame.kind === "queued") return "new_chat";
  const supervising = me && SUPERVISOR_ROLES.includes(me.role);
  // supervisors hear of breaches on their own topic; agents by the queue's "escalated"
  if (frame.kind === (supervising ? "sla_breached" : "escalated")) return "sla";
  return null;
}

/** Sound the alert and make its toast. */
export function raise(kind, frame) {
  if (kind === "sla") alarm();
  else beep();
  return { id: `${kind}:${frame.sender_id}:${Date.now()}`, kind, senderId: frame.sender_id };
}

export const keepLatest = (toasts, toast) => [...toasts, toast].slice(-MAX_TOASTS);

function Toast({ t, toast, actions }) {
  useEffect(() => {
    const timer = setTimeout(() => actions.dropToast(toast.id), TOAST_MS[toast.kind]);
    return () => clearTimeout(timer);
  }, [toast.id]);
  const name = who(t, { sender_id: toast.senderId || "" });
  return html`
    <li class=${`toast toast-${toast.kind}`} role=${toast.kind === "sla" ? "alert" : "status"}>
      <span class="toast-text">${t(`alert.${toast.kind}`, { who: name })}</span>
      ${toast.senderId && html`<button type="button" class="link"
        onClick=${() => { actions.dropToast(toast.id); actions.open(toast.senderId); }}>
        ${t("alert.open")}</button>`}
      <button type="button" class="link" aria-label=${t("alert.dismiss_label")}
        onClick=${() => actions.dropToast(toast.id)}>×</button>
    </li>
  `;
}

export function Toasts({ t, state, actions }) {
  if (!state.toasts.length) return null;
  return html`
    <ul class="toasts" aria-label=${t("alert.region")}>
      ${state.toasts.map((toast) => html`<${Toast} key=${toast.id} t=${t} toast=${toast} actions=${actions} />`)}
    </ul>
  `;
}

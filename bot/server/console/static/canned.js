// Canned responses in the composer: the `/shortcut` picker and the chips of the replies
// that fit the intent of the player's latest message. The server searches (Turkish,
// with or without diacritics) and fills in the {variables} it knows for the chat; the
// ones left are shown to the agent, who must write them before the text can go out.
import { html, useEffect, useRef, useState } from "./vendor/htm-preact-standalone.module.js";
import { api } from "./api.js";

const PLACEHOLDER = /\{[a-z_]+\}/g;
const SEARCH_DELAY_MS = 120;
export const SUGGESTED_SHOWN = 3;

/** The {variables} still in `text`, each once, in order. */
export function placeholders(text) {
  return [...new Set(text.match(PLACEHOLDER) || [])];
}

/** Where the first {variable} of `text` is, from `from` on, or null. */
export function placeholderAt(text, from = 0) {
  const rest = text.slice(from);
  const match = rest.match(/\{[a-z_]+\}/);
  return match ? { start: from + match.index, end: from + match.index + match[0].length } : null;
}

/** The `/query` typed just before the caret (at the start or after a space), or null. */
export function slashQuery(text, caret) {
  const match = text.slice(0, caret).match(/(^|\s)\/([^\s/]*)$/u);
  return match ? { query: match[2], start: caret - match[2].length - 1 } : null;
}

/** The canned responses for a chat matching `query`; fetched again when `changed`
 * (the latest player message) moves. Stale answers are dropped; `query` in the answer
 * is the one it was for (null before the first). */
export function useCanned(senderId, query, changed, enabled = true) {
  const [found, setFound] = useState({ items: [], intent: null, failed: false, query: null });
  const asked = useRef(0);
  useEffect(() => {
    if (!enabled) return undefined;
    const ticket = ++asked.current;
    const timer = setTimeout(() => {
      api.canned(senderId, query).then(
        (list) => ticket === asked.current && setFound({ items: list.items, intent: list.intent, failed: false, query }),
        () => ticket === asked.current && setFound({ items: [], intent: null, failed: true, query }),
      );
    }, query ? SEARCH_DELAY_MS : 0);
    return () => clearTimeout(timer);
  }, [senderId, query, changed, enabled]);
  return found;
}

export function CannedPicker({ t, items, active, query, loading, onPick }) {
  const list = useRef(null);
  useEffect(() => {
    const chosen = list.current && list.current.querySelector('[aria-selected="true"]');
    if (chosen) chosen.scrollIntoView({ block: "nearest" });
  }, [active, items]);
  return html`
    <div class="canned-picker">
      ${items.length === 0 && !loading && html`<p class="muted">${t("canned.empty", { query })}</p>`}
      <ul role="listbox" id="canned-listbox" aria-label=${t("canned.picker")} ref=${list}>
        ${items.map((item, index) => html`
          <li key=${item.shortcut} id=${`canned-option-${index}`} role="option"
            aria-selected=${index === active} class=${index === active ? "active" : ""}
            onMouseDown=${(event) => event.preventDefault()} onClick=${() => onPick(item)}>
            <span class="canned-line">
              <span class="canned-shortcut">/${item.shortcut}</span>
              <strong>${item.title}</strong>
              ${item.suggested && html`<span class="chip good">${t("canned.suggested_badge")}</span>`}
            </span>
            <span class="canned-text">${item.text}</span>
          </li>`)}
      </ul>
    </div>
  `;
}

export function SuggestedChips({ t, items, onPick }) {
  const suggested = items.filter((item) => item.suggested).slice(0, SUGGESTED_SHOWN);
  if (suggested.length === 0) return null;
  return html`
    <div class="canned-chips" role="group" aria-label=${t("canned.suggested")}>
      <span class="muted">${t("canned.suggested")}:</span>
      ${suggested.map((item, index) => html`
        <button type="button" class="canned-chip" key=${item.shortcut}
          aria-label=${t("canned.chip_label", { title: item.title, n: index + 1 })}
          aria-keyshortcuts=${`Alt+Shift+${index + 1}`} title=${item.text}
          onClick=${() => onPick(item)}><kbd>${index + 1}</kbd> ${item.title}</button>`)}
    </div>
  `;
}

/** Alt+Shift+1…3 put a suggested reply in the composer. Caught before the console's
 * own Alt+digit shortcuts (which open my chats). */
export function useSuggestionKeys(suggested, onPick) {
  const latest = useRef({ suggested, onPick });
  latest.current = { suggested, onPick };
  useEffect(() => {
    const onKey = (event) => {
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
      const match = /^Digit([1-9])$/.exec(event.code);
      const item = match && latest.current.suggested[Number(match[1]) - 1];
      if (!item) return;
      event.preventDefault();
      event.stopPropagation();
      latest.current.onPick(item);
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);
}

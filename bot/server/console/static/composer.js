// The composer of a chat I hold: Enter sends, Shift+Enter starts a new line. `/` and a
// few letters open the canned replies (↑↓ choose, Enter or Tab inserts, Esc closes, and
// while it is open Enter never sends the "/shortcut" itself);
// above it, the replies that fit the player's latest message (a click or Alt+Shift+1…3).
// An inserted reply is there to edit; a {variable} the chat could not fill is selected
// for the agent to type over, listed below, and the text does not go out while one is left.
import { html, useEffect, useRef, useState } from "./vendor/htm-preact-standalone.module.js";
import {
  CannedPicker, SuggestedChips, SUGGESTED_SHOWN, placeholderAt, placeholders, slashQuery,
  useCanned, useSuggestionKeys,
} from "./canned.js";

export function Composer({ t, senderId, changed, actions }) {
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(null); // the `/` whose picker Esc closed
  const [warned, setWarned] = useState(false);
  const area = useRef(null);
  const selectNext = useRef(null);

  const slash = slashQuery(text, caret);
  const open = slash !== null && dismissed !== slash.start;
  const all = useCanned(senderId, "", changed);
  const searched = useCanned(senderId, open ? slash.query : "", changed, open && slash.query !== "");
  const shown = open && slash.query === "" ? all : searched;
  const choices = open ? shown.items : [];
  const loading = open && shown.query !== (slash.query === "" ? "" : slash.query);
  const suggested = all.items.filter((item) => item.suggested).slice(0, SUGGESTED_SHOWN);
  const missing = placeholders(text);

  useEffect(() => {
    const field = area.current;
    if (!field || selectNext.current === null) return;
    const [start, end] = selectNext.current;
    selectNext.current = null;
    field.focus();
    field.setSelectionRange(start, end);
    setCaret(end);
  }, [text]);

  const insert = (item) => {
    const from = open ? slash.start : text.length;
    const to = open ? caret : text.length;
    const before = text.slice(0, from);
    const joint = before && !/\s$/.test(before) ? " " : "";
    const next = before + joint + item.text + text.slice(to);
    const inserted = from + joint.length;
    const hole = placeholderAt(next, inserted);
    const end = inserted + item.text.length;
    selectNext.current = hole ? [hole.start, hole.end] : [end, end];
    setText(next);
    setActive(0);
    setWarned(false);
  };
  useSuggestionKeys(suggested, insert);

  const submit = (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    if (missing.length > 0) {
      const hole = placeholderAt(text);
      setWarned(true);
      area.current.focus();
      area.current.setSelectionRange(hole.start, hole.end);
      return;
    }
    actions.send(text.trim()).then(() => {
      setText("");
      setCaret(0);
      setWarned(false);
    });
  };

  const onKey = (event) => {
    if (open && choices.length > 0) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        setActive((active + moves[event.key] + choices.length) % choices.length);
        return;
      }
      if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        event.preventDefault();
        insert(choices[Math.min(active, choices.length - 1)]);
        return;
      }
    }
    if (open && event.key === "Escape") {
      event.preventDefault();
      setDismissed(slash.start);
      return;
    }
    if (open && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault(); // a half-typed "/shortcut" never goes to the player; Esc first
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) submit(event);
  };
  const follow = (event) => setCaret(event.currentTarget.selectionStart);
  const onInput = (event) => {
    setText(event.currentTarget.value);
    setCaret(event.currentTarget.selectionStart);
    setActive(0);
  };

  const current = Math.min(active, Math.max(choices.length - 1, 0));
  return html`
    <form class="composer" onSubmit=${submit}>
      <${SuggestedChips} t=${t} items=${all.items} onPick=${insert} />
      <label for="composer-text">${t("composer.label")}</label>
      <div class="composer-row">
        ${open && html`<${CannedPicker} t=${t} items=${choices} active=${current}
          query=${slash.query} loading=${loading} onPick=${insert} />`}
        <textarea id="composer-text" ref=${area} rows="3" value=${text} placeholder=${t("composer.placeholder")}
          aria-controls=${open ? "canned-listbox" : undefined} aria-expanded=${open}
          aria-autocomplete="list" aria-activedescendant=${open && choices.length ? `canned-option-${current}` : undefined}
          aria-describedby="composer-hint"
          onInput=${onInput} onKeyDown=${onKey} onKeyUp=${follow} onClick=${follow}></textarea>
        <button type="submit" class="primary">${t("composer.send")}</button>
      </div>
      ${missing.length > 0 && html`
        <p class=${`canned-missing${warned ? " warned" : ""}`} role=${warned ? "alert" : "status"}>
          ${t("canned.missing", { list: "" })}
          ${missing.map((name) => html`<mark key=${name}>${name}</mark>`)}
        </p>`}
      <p class="muted composer-hint" id="composer-hint">
        ${all.failed ? t("canned.unavailable") : t("canned.hint")}</p>
    </form>
  `;
}

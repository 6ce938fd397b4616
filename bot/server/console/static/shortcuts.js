// The agent's frequent moves on the keyboard (listed in the catalogue's shortcuts.text):
// Alt+A accept the first waiting chat, Alt+1…9 open my chats, Alt+N note, Alt+T transfer,
// Alt+K close. Returns the function that removes them.
const FOCUS = { KeyN: "note-text", KeyT: "transfer-target", KeyK: "close-resolution" };

export function shortcuts(getState, actions) {
  function onKey(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const state = getState();
    if (!state.me || !state.queue) return;
    if (event.code === "KeyA" && state.queue.waiting.length > 0) {
      actions.accept(state.queue.waiting[0].sender_id);
    } else if (/^Digit[1-9]$/.test(event.code)) {
      const chat = state.queue.mine[Number(event.code.slice(5)) - 1];
      if (chat) actions.open(chat.sender_id);
    } else if (FOCUS[event.code]) {
      const field = document.getElementById(FOCUS[event.code]);
      if (field) field.focus();
    } else {
      return;
    }
    event.preventDefault();
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

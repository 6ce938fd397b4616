// The console's one socket (/console/ws): typed frames in, `watch` frames out.
// It reconnects by itself; a 4401 close means the session ended.
const SIGNED_OUT = 4401;
const MAX_BACKOFF_MS = 10000;

export function openSocket({ onFrame, onOpen, onDown, onSignedOut }) {
  let socket = null;
  let watched = [];
  let stopped = false;
  let backoff = 500;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/console/ws`);
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "hello") {
        backoff = 500;
        send();
        onOpen();
      }
      onFrame(frame);
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (event.code === SIGNED_OUT) {
        onSignedOut();
        return;
      }
      onDown();
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
  }

  function send() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "watch", sender_ids: watched }));
    }
  }

  connect();
  return {
    /** Follow these conversations live (my chats and the open one). */
    watch(ids) {
      const next = [...new Set(ids)].sort();
      if (next.join("\n") === watched.join("\n")) return;
      watched = next;
      send();
    },
    close() {
      stopped = true;
      if (socket) socket.close();
    },
  };
}

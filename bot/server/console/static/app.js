// The console's one place for state, its routing (#/chat/<id>, #/floor, #/admin,
// #/reports) and its root view. Views get the state and the actions as props; they
// hold no rules of their own.
import { html, render, useEffect, useReducer, useRef } from "./vendor/htm-preact-standalone.module.js";
import { api } from "./api.js";
import { openSocket } from "./socket.js";
import { Toasts, alertKind, beep, keepLatest, raise, titleBadge } from "./alerts.js";
import { translator, DEFAULT_LANGUAGE, LANGUAGES } from "./i18n/i18n.js";
import { Login } from "./login.js";
import { Header, homeView, mayOpen, takesChats } from "./header.js";
import { Queue } from "./queue.js";
import { ConversationView } from "./conversation.js";
import { shortcuts } from "./shortcuts.js";
import { Floor } from "./supervision.js";
import { Admin } from "./admin.js";
import { Reports } from "./reports.js";
import { supervisionActions } from "./supervision_actions.js";

const LANGUAGE_KEY = "destek.console.language";
const QUEUE_COALESCE_MS = 250;
// the session's cookie lives 30 minutes unless renewed: renewed while the page is open
const RENEW_SESSION_MS = 5 * 60 * 1000;

const VIEWS = { "#/floor": Floor, "#/admin": Admin, "#/reports": Reports };

function route() {
  const match = location.hash.match(/^#\/chat\/(.+)$/);
  if (match) return { view: "desk", openId: decodeURIComponent(match[1]) };
  const view = location.hash.slice(2);
  return { view: `#/${view}` in VIEWS ? view : "desk", openId: null };
}

function storedLanguage() {
  const lang = localStorage.getItem(LANGUAGE_KEY);
  return lang in LANGUAGES ? lang : DEFAULT_LANGUAGE;
}

const initial = {
  lang: storedLanguage(),
  checked: false, // whether we know if a session exists
  me: null,
  queue: null,
  fetchedAt: 0,
  ...route(),
  conversation: null,
  unread: {},
  error: null,
  notice: null,
  connected: false,
  floor: null, // the supervisor's floor view
  floorAt: 0,
  admin: null, // the admin page's agents and teams
  toasts: [],
};

const merge = (state, patch) => ({ ...state, ...(typeof patch === "function" ? patch(state) : patch) });

function App() {
  const [state, update] = useReducer(merge, initial);
  const current = useRef(state);
  current.current = state;
  const socket = useRef(null);
  const t = translator(state.lang);

  const fail = (error) => {
    if (error.code === "not_signed_in") signedOut();
    update({ error: { ...(error.details || {}), code: error.code, message: error.message }, notice: null });
  };
  const signedOut = () => {
    if (socket.current) socket.current.close();
    socket.current = null;
    update({ me: null, queue: null, conversation: null, connected: false });
  };
  const loadQueue = () =>
    takesChats(current.current.me)
      ? api.queue().then((queue) => update({ queue, fetchedAt: Date.now() }), fail)
      : Promise.resolve();
  const loadConversation = (id = current.current.openId) => {
    if (!id) return Promise.resolve();
    return api.conversation(id).then(
      (conversation) => current.current.openId === id && update({ conversation }),
      (error) => {
        if (current.current.openId !== id) return; // the view moved on (a transfer, a click)
        update({ conversation: null });
        fail(error);
      },
    );
  };
  const done = (notice) => () => {
    update({ notice, error: null });
    return Promise.all([loadQueue(), loadConversation()]);
  };

  const pending = useRef(null);
  const loadQueueSoon = () => {
    // a busy floor sends many queue frames: one fetch for those of a quarter second
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      loadQueue();
    }, QUEUE_COALESCE_MS);
  };

  const supervision = supervisionActions({ update, current: () => current.current, fail });

  const onFrame = (frame) => {
    const now = current.current;
    if (frame.type === "queue" || frame.type === "assigned") {
      loadQueueSoon();
      supervision.loadFloorSoon();
      // a supervisor may have set my status from the floor
      if (frame.kind === "agent_status") api.me().then((me) => update({ me }), fail);
      const kind = alertKind(frame, now.me);
      if (kind) update((s) => ({ toasts: keepLatest(s.toasts, raise(kind, frame)) }));
      if (frame.sender_id && frame.sender_id === now.openId) loadConversation();
    } else if (frame.type === "conversation") {
      if (frame.sender_id === now.openId) {
        loadConversation();
        if (frame.kind === "delivery_failed") update({ error: { code: "delivery_failed" } });
      } else if (frame.kind === "player_message") {
        const count = (now.unread[frame.sender_id] || 0) + 1;
        update((s) => ({ unread: { ...s.unread, [frame.sender_id]: count } }));
        beep();
      }
    }
  };

  const actions = {
    login: (login, password) =>
      api.login(login, password).then((me) => update({ me, checked: true, error: null }), fail),
    logout: () => api.logout().then(signedOut, fail),
    setStatus: (status) => api.setStatus(status).then((me) => update({ me }), fail),
    toggleLanguage: () => {
      const lang = current.current.lang === "tr" ? "en" : "tr";
      localStorage.setItem(LANGUAGE_KEY, lang);
      update({ lang });
    },
    open: (id) => {
      location.hash = `#/chat/${encodeURIComponent(id)}`;
    },
    accept: (id) =>
      api.accept(id).then(() => {
        actions.open(id);
        return Promise.all([api.me().then((me) => update({ me })), done(null)()]);
      }, fail),
    send: (text) => api.send(current.current.openId, text).then(done(null), fail),
    note: (text) => api.note(current.current.openId, text).then(done("notice.noted"), fail),
    // a transferred chat is no longer mine to read: back to the desk, then the notice
    transfer: (target, note) =>
      api.transfer(current.current.openId, target, note).then(() => {
        location.hash = "#/";
        update({ openId: null, conversation: null });
        return done("notice.transferred")();
      }, fail),
    close: (resolution) =>
      api.close(current.current.openId, resolution).then(done("notice.closed"), fail),
    dismiss: () => update({ error: null, notice: null }),
    dropToast: (id) => update((s) => ({ toasts: s.toasts.filter((toast) => toast.id !== id) })),
    ...supervision,
  };

  useEffect(() => {
    api.me().then(
      (me) => update({ me, checked: true }),
      () => update({ checked: true }),
    );
    const onHash = () => update({ ...route(), conversation: null });
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (!state.me) return undefined;
    loadQueue();
    socket.current = openSocket({
      onFrame,
      onOpen: () => {
        update({ connected: true });
        loadQueue();
        loadConversation();
      },
      onDown: () => update({ connected: false }),
      onSignedOut: signedOut,
    });
    const renewal = setInterval(() => api.renew().catch(fail), RENEW_SESSION_MS);
    return () => {
      clearInterval(renewal);
      if (socket.current) socket.current.close();
    };
  }, [state.me && state.me.id]);

  useEffect(() => {
    if (state.view === "floor" && mayOpen("floor", state.me)) supervision.loadFloor();
  }, [state.view, state.me && state.me.id]);

  useEffect(() => {
    if (!state.openId || !state.me) return;
    update((s) => ({ unread: { ...s.unread, [state.openId]: 0 } }));
    loadConversation(state.openId);
  }, [state.openId, state.me && state.me.id]);

  useEffect(() => {
    const mine = state.queue ? state.queue.mine.map((item) => item.sender_id) : [];
    if (socket.current) socket.current.watch(state.openId ? [...mine, state.openId] : mine);
    const unread = Object.values(state.unread).reduce((a, b) => a + b, 0);
    titleBadge(t("app.title"), (state.queue ? state.queue.waiting_total : 0) + unread);
  });

  useEffect(() => shortcuts(() => current.current, actions), []);

  useEffect(() => {
    document.documentElement.lang = state.lang;
  }, [state.lang]);

  if (!state.checked) return null;
  if (!state.me) return html`<${Login} t=${t} error=${state.error} actions=${actions} />`;
  const shown = mayOpen(state.view, state.me) ? state.view : homeView(state.me);
  const View = VIEWS[`#/${shown}`] || null;
  return html`
    <div class=${View ? "layout wide" : "layout"}>
      <${Header} t=${t} state=${state} actions=${actions} />
      ${View
        ? html`<${View} t=${t} state=${state} actions=${actions} />`
        : html`<${Queue} t=${t} state=${state} actions=${actions} />
            <${ConversationView} t=${t} state=${state} actions=${actions} />`}
      <${Toasts} t=${t} state=${state} actions=${actions} />
    </div>
  `;
}

render(html`<${App} />`, document.getElementById("app"));

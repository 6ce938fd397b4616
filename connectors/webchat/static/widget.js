/*
 * Destek web chat widget. Embed with one tag:
 *
 *   <script src="https://destek.example.com/webchat/widget.js" data-title="Canlı Destek"
 *           data-language="tr" data-position="right" async></script>
 *
 * Options (lowest to highest precedence): the server's /webchat/config (credentials.yml),
 * data-* attributes of the script tag, window.DestekChatConfig = {...} set before the
 * script, and DestekChat.init({...}) (with data-auto-init="false").
 *   title, subtitle, language ("tr" | "en"), primaryColor, textColor, logo (URL),
 *   position ("right" | "left"), inviteText, inviteAfterSeconds (idle seconds before a
 *   proactive invitation), inviteUrls (show it only on pages whose URL contains one),
 *   typingMinMs, playerToken (the site's signed token, sent with every message).
 * API: DestekChat.open(), .close(), .setPlayerToken(token).
 */
(function () {
  "use strict";
  if (window.DestekChat && window.DestekChat.version) return;

  var script = document.currentScript;
  var base = new URL(script ? script.src : "/webchat/widget.js", location.href);
  var SESSION_KEY = "destek.webchat.session";
  var OPEN_KEY = "destek.webchat.open";
  var INVITED_KEY = "destek.webchat.invited";
  var TEXTS = {
    tr: {
      title: "Canlı Destek", subtitle: "Size nasıl yardımcı olabiliriz?",
      placeholder: "Mesajınızı yazın…", send: "Gönder", open: "Sohbeti aç",
      close: "Sohbeti kapat", typing: "Yazıyor…", online: "Çevrimiçi",
      connecting: "Bağlanıyor…", offline: "Bağlantı koptu, yeniden bağlanılıyor…",
      invite: "Merhaba! Size yardımcı olabilir miyiz?", dismiss: "Daveti kapat",
      failed: "Mesajınız gönderilemedi. Lütfen tekrar deneyin.", sending: "Gönderiliyor…",
      slowDown: "Mesajlarınız çok hızlı geliyor; birkaç saniye içinde kendiliğinden gönderilecek."
    },
    en: {
      title: "Live Support", subtitle: "How can we help you?",
      placeholder: "Type your message…", send: "Send", open: "Open chat",
      close: "Close chat", typing: "Typing…", online: "Online",
      connecting: "Connecting…", offline: "Connection lost, reconnecting…",
      invite: "Hello! Can we help you?", dismiss: "Dismiss invitation",
      failed: "Your message could not be sent. Please try again.", sending: "Sending…",
      slowDown: "You are writing very fast; your message will be sent in a few seconds."
    }
  };
  var DEFAULTS = {
    language: "tr", primaryColor: "#0b7a4b", textColor: "#ffffff", position: "right",
    typingMinMs: 600, inviteAfterSeconds: null, inviteUrls: null
  };

  function storage(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }
  function load(kind, key) {
    var s = storage(kind);
    return s ? s.getItem(key) : null;
  }
  function save(kind, key, value) {
    var s = storage(kind);
    if (!s) return;
    if (value === null) s.removeItem(key); else s.setItem(key, value);
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function assign(target, source) {
    if (!source) return target;
    Object.keys(source).forEach(function (k) {
      if (source[k] !== undefined && source[k] !== null && source[k] !== "") target[k] = source[k];
    });
    return target;
  }
  function dataOptions() {
    var d = script ? script.dataset : {};
    var seconds = d.inviteAfterSeconds;
    return {
      title: d.title, subtitle: d.subtitle, language: d.language, logo: d.logo,
      primaryColor: d.primaryColor, textColor: d.textColor, position: d.position,
      inviteText: d.inviteText, playerToken: d.playerToken,
      inviteAfterSeconds: seconds === undefined ? undefined : Number(seconds),
      inviteUrls: d.inviteUrls ? d.inviteUrls.split(",") : undefined,
      typingMinMs: d.typingMinMs === undefined ? undefined : Number(d.typingMinMs)
    };
  }
  function serverOptions() {
    return fetch(new URL("/webchat/config", base).href, { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .catch(function () { return {}; });
  }

  function Widget(cfg) {
    this.cfg = cfg;
    this.t = TEXTS[cfg.language] || TEXTS.tr;
    this.socket = null;
    this.sessionId = load("localStorage", SESSION_KEY);
    this.pending = [];
    this.retries = 0;
    this.holdTimer = null;
    this.chain = Promise.resolve();
    this.typingSince = 0;
    this.build();
    if (load("sessionStorage", OPEN_KEY) === "1") this.open();
    else if (this.sessionId) this.connect();
    this.scheduleInvite();
  }

  Widget.prototype.build = function () {
    var cfg = this.cfg, t = this.t, self = this;
    var host = el("div");
    host.id = "destek-chat";
    host.style.visibility = "hidden";
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var css = el("link");
    css.rel = "stylesheet";
    css.href = new URL("/webchat/widget.css", base).href;
    css.onload = css.onerror = function () { host.style.visibility = ""; };
    root.appendChild(css);
    var frame = el("div", "destek destek-" + (cfg.position === "left" ? "left" : "right"));
    frame.style.setProperty("--destek-primary", cfg.primaryColor);
    frame.style.setProperty("--destek-on-primary", cfg.textColor);
    frame.lang = cfg.language;

    this.panel = el("section", "destek-panel");
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", cfg.title || t.title);
    this.panel.hidden = true;
    var header = el("header", "destek-header");
    if (cfg.logo) {
      var logo = el("img", "destek-logo");
      logo.src = new URL(cfg.logo, location.href).href;
      logo.alt = "";
      header.appendChild(logo);
    }
    var heading = el("div", "destek-heading");
    heading.appendChild(el("div", "destek-title", cfg.title || t.title));
    this.status = el("div", "destek-status", cfg.subtitle || t.subtitle);
    heading.appendChild(this.status);
    header.appendChild(heading);
    var close = el("button", "destek-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    close.onclick = function () { self.close(); };
    header.appendChild(close);

    this.list = el("div", "destek-messages");
    this.list.setAttribute("role", "log");
    this.list.setAttribute("aria-live", "polite");
    this.typing = el("div", "destek-typing");
    this.typing.setAttribute("aria-label", t.typing);
    this.typing.hidden = true;
    for (var i = 0; i < 3; i++) this.typing.appendChild(el("span", "destek-dot"));

    var form = el("form", "destek-composer");
    this.input = el("input", "destek-input");
    this.input.type = "text";
    this.input.maxLength = 10000;
    this.input.placeholder = t.placeholder;
    this.input.setAttribute("aria-label", t.placeholder);
    var send = el("button", "destek-send", t.send);
    send.type = "submit";
    form.appendChild(this.input);
    form.appendChild(send);
    form.onsubmit = function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text) return;
      self.input.value = "";
      self.send(text, null);
    };
    this.panel.appendChild(header);
    this.panel.appendChild(this.list);
    this.panel.appendChild(this.typing);
    this.panel.appendChild(form);

    this.invite = el("div", "destek-invite");
    this.invite.hidden = true;
    this.inviteText = el("button", "destek-invite-text");
    this.inviteText.type = "button";
    this.inviteText.onclick = function () { self.open(); };
    var dismiss = el("button", "destek-invite-close", "×");
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", t.dismiss);
    dismiss.onclick = function () { self.invite.hidden = true; };
    this.invite.appendChild(this.inviteText);
    this.invite.appendChild(dismiss);

    this.launcher = el("button", "destek-launcher");
    this.launcher.type = "button";
    this.launcher.setAttribute("aria-label", t.open);
    this.launcher.innerHTML =
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 ' +
      '2H8l-4 4V6a2 2 0 0 1 2-2z" fill="currentColor"/></svg>';
    this.launcher.onclick = function () { self.panel.hidden ? self.open() : self.close(); };

    frame.appendChild(this.panel);
    frame.appendChild(this.invite);
    frame.appendChild(this.launcher);
    root.appendChild(frame);
    document.body.appendChild(host);
  };

  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.invite.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    save("sessionStorage", OPEN_KEY, "1");
    save("sessionStorage", INVITED_KEY, "1");
    if (!this.socket) this.connect();
    this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    save("sessionStorage", OPEN_KEY, null);
  };

  Widget.prototype.scheduleInvite = function () {
    var cfg = this.cfg, self = this;
    var urls = cfg.inviteUrls;
    if (cfg.inviteAfterSeconds === null && !urls) return;
    if (urls && !urls.some(function (u) { return u && location.href.indexOf(u.trim()) >= 0; })) return;
    if (load("sessionStorage", INVITED_KEY)) return;
    var delay = Math.max(0, Number(cfg.inviteAfterSeconds) || 0) * 1000;
    var timer = null;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(show, delay);
    }
    function show() {
      ["mousemove", "keydown", "scroll", "touchstart"].forEach(function (name) {
        window.removeEventListener(name, arm);
      });
      if (!self.panel.hidden || load("sessionStorage", INVITED_KEY)) return;
      self.inviteText.textContent = cfg.inviteText || self.t.invite;
      self.invite.hidden = false;
      save("sessionStorage", INVITED_KEY, "1");
    }
    ["mousemove", "keydown", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, arm, { passive: true });
    });
    arm();
  };

  Widget.prototype.connect = function () {
    var self = this;
    var url = new URL("/webhooks/webchat/ws", base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.setStatus(this.t.connecting);
    var socket = new WebSocket(url.href);
    this.socket = socket;
    var keepAlive = null;
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "hello", session_id: self.sessionId }));
      keepAlive = setInterval(function () { socket.send('{"type":"ping"}'); }, 25000);
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.receive(frame);
    };
    socket.onclose = function () {
      clearInterval(keepAlive);
      if (self.socket !== socket) return;
      self.ready = false;
      self.setStatus(self.t.offline);
      var wait = Math.min(10000, 500 * Math.pow(2, self.retries++)) * (0.75 + Math.random() / 2);
      setTimeout(function () { if (self.socket === socket) self.connect(); }, wait);
    };
  };

  Widget.prototype.setStatus = function (text) {
    this.status.textContent = text;
  };

  // While the server asks to slow down (holdTimer), messages wait in pending, in order.
  Widget.prototype.transmit = function (item) {
    if (!this.ready || this.holdTimer) return;
    item.sent = true;
    this.socket.send(JSON.stringify({
      type: "message", text: item.text, title: item.title || undefined,
      message_id: item.id, metadata: this.metadata()
    }));
  };

  Widget.prototype.metadata = function () {
    var meta = { language: this.cfg.language };
    if (this.cfg.playerToken) meta.player_token = this.cfg.playerToken;
    return meta;
  };

  Widget.prototype.send = function (text, title) {
    var item = { id: newId(), text: text, title: title };
    this.pending.push(item);
    this.showUser(title || text, item.id);
    this.startTyping();
    this.transmit(item);
  };

  Widget.prototype.receive = function (frame) {
    var self = this;
    if (frame.type === "session") return this.startSession(frame);
    if (frame.type === "typing") return this.startTyping();
    if (frame.type === "user") return this.later(function () { self.showUser(frame.text); });
    if (frame.type === "ack") return this.later(function () { self.acknowledge(frame.message_id); });
    if (frame.type === "error") return this.refused(frame);
    if (frame.message) {
      this.later(function () {
        self.showBot(frame.message);
        if (!self.pending.length) self.stopTyping();
      }, true);
    }
  };

  Widget.prototype.startSession = function (frame) {
    var self = this;
    this.sessionId = frame.session_id;
    save("localStorage", SESSION_KEY, frame.session_id);
    this.ready = true;
    this.retries = 0;
    this.setStatus(this.t.online);
    this.list.textContent = "";
    (frame.history || []).forEach(function (line) {
      if (line.sender === "user") self.showUser(line.title || line.text);
      else self.showBot(line);
    });
    this.pending.forEach(function (item) {
      item.sent = false;
      self.showUser(item.title || item.text, item.id);
      self.transmit(item);
    });
    if (!this.pending.length) this.stopTyping();
  };

  // Bot messages appear in order, each after the typing dots showed for typingMinMs.
  Widget.prototype.later = function (step, typed) {
    var self = this;
    this.chain = this.chain.then(function () {
      var wait = typed ? self.typingSince + self.cfg.typingMinMs - Date.now() : 0;
      return new Promise(function (resolve) { setTimeout(resolve, Math.max(0, wait)); });
    }).then(function () {
      step();
      if (typed && self.typing.hidden === false) self.typingSince = Date.now();
    });
  };

  Widget.prototype.acknowledge = function (id) {
    this.pending = this.pending.filter(function (item) { return item.id !== id; });
    var node = this.list.querySelector('[data-id="' + id + '"]');
    if (node) node.classList.remove("destek-pending");
    if (!this.pending.length) this.stopTyping();
  };

  Widget.prototype.refused = function (frame) {
    if (!this.ready && frame.code === "invalid_frame" && this.sessionId) {
      // The stored session id is not one this server accepts: start a new session.
      this.sessionId = null;
      save("localStorage", SESSION_KEY, null);
      this.socket.send(JSON.stringify({ type: "hello", session_id: null }));
      return;
    }
    if (frame.code === "rate_limited" && frame.message_id) return this.hold(frame);
    if (!frame.message_id) {
      if (window.console) console.warn("destek web chat:", frame.code, frame.message);
      return;
    }
    this.acknowledge(frame.message_id);
    this.showNote(this.t.failed);
  };

  // Over the server's limit the message was not taken (no ack): keep it, say so once, and
  // send what was not taken, in order, after retry_after seconds.
  Widget.prototype.hold = function (frame) {
    var self = this;
    this.pending.forEach(function (item) { if (item.id === frame.message_id) item.sent = false; });
    if (!this.holdTimer) this.showNote(this.t.slowDown);
    clearTimeout(this.holdTimer);
    this.stopTyping();
    var wait = Math.max(1, Number(frame.retry_after) || 1) * 1000 * (1 + Math.random() / 4);
    this.holdTimer = setTimeout(function () {
      self.holdTimer = null;
      self.pending.forEach(function (item) {
        if (!item.sent) {
          self.startTyping();
          self.transmit(item);
        }
      });
    }, wait);
  };

  Widget.prototype.startTyping = function () {
    if (this.typing.hidden) this.typingSince = Date.now();
    this.typing.hidden = false;
    this.scroll();
  };

  Widget.prototype.stopTyping = function () {
    this.typing.hidden = true;
  };

  Widget.prototype.showUser = function (text, id) {
    this.disableButtons();
    var node = el("div", "destek-message destek-user");
    node.appendChild(el("div", "destek-text", text));
    if (id) {
      node.setAttribute("data-id", id);
      node.classList.add("destek-pending");
    }
    this.list.appendChild(node);
    this.scroll();
  };

  Widget.prototype.showBot = function (message) {
    var self = this;
    var node = el("div", "destek-message destek-bot");
    if (message.text) node.appendChild(el("div", "destek-text", message.text));
    if (message.image) {
      var img = el("img", "destek-image");
      img.src = message.image;
      img.alt = "";
      node.appendChild(img);
    }
    var buttons = message.buttons || message.quick_replies;
    if (buttons && buttons.length) {
      var row = el("div", "destek-buttons");
      buttons.forEach(function (b) {
        var button = el("button", "destek-button", b.title);
        button.type = "button";
        button.onclick = function () { self.send(b.payload || b.title, b.title); };
        row.appendChild(button);
      });
      node.appendChild(row);
    }
    this.list.appendChild(node);
    this.scroll();
  };

  Widget.prototype.showNote = function (text) {
    this.list.appendChild(el("div", "destek-note", text));
    this.scroll();
  };

  Widget.prototype.disableButtons = function () {
    var buttons = this.list.querySelectorAll(".destek-button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  };

  Widget.prototype.scroll = function () {
    this.list.scrollTop = this.list.scrollHeight;
  };

  var widget = null;
  var pageOptions = assign(assign({}, dataOptions()), window.DestekChatConfig);

  function init(options) {
    if (widget) return widget;
    return serverOptions().then(function (server) {
      if (widget) return widget;
      var cfg = assign(assign(assign(assign({}, DEFAULTS), server), pageOptions), options);
      var start = function () { widget = new Widget(cfg); };
      if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
      return widget;
    });
  }

  window.DestekChat = {
    version: "1",
    init: init,
    open: function () { if (widget) widget.open(); },
    close: function () { if (widget) widget.close(); },
    setPlayerToken: function (token) {
      pageOptions.playerToken = token;
      if (widget) widget.cfg.playerToken = token;
    }
  };
  if (!script || script.dataset.autoInit !== "false") init();
})();

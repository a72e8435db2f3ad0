// Zelfscan Ondernemers chat widget.
// Embed: <div id="zelfscan-chat" data-server="https://rasa.example.nl"></div>
// (a regional service adds data-gemeente="buurdorp": the id of the gemeente in the region file)
//        <script src="/static/widget/zelfscan-widget.js" defer></script>
// Talks to Rasa's socket.io channel (session persistence); falls back to the REST
// channel when socket.io cannot connect. The conversation id is issued and signed by the
// server (socket.io: session_confirm; REST: POST /webhooks/rest/conversation); the widget
// stores only what the server confirmed. Renders bot text as text (links made safe),
// never as HTML. Accessible: keyboard operable, live region, labelled controls.
import { io } from "socket.io-client";

const STORAGE_KEY = "zelfscan-chat";
// sessionStorage: a reload keeps the conversation, closing the tab forgets it, so the next
// person on a shared computer (a library, the town hall) does not see it
// (reading window.sessionStorage itself throws where storage is blocked)
function store() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
const SCRIPT_SRC = document.currentScript && document.currentScript.src;
const REST_FALLBACK_AFTER_MS = 8000;
const TYPING_TIMEOUT_MS = 20000;
const MAX_MESSAGE_CHARS = 2000; // the server's limit (CHAT_MAX_MESSAGE_CHARS)
const NEW_CONVERSATION = "Er is een nieuw gesprek gestart.";
const URL_RE = /(https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?])/g;
// "Bewaar uw uitkomst: https://…/uitkomst#v1.…" (actions/outcome/saved_result.py): the
// last line of a bot message; shown as a button-like link that opens the result page
const SAVE_LINE_RE = /\n([^\n:]{1,60}): (https?:\/\/[^\s#]+\/uitkomst#v1\.[A-Za-z0-9_-]+)\s*$/;

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of [].concat(children)) if (child) node.append(child);
  return node;
}

// Text with safe links: only http(s) URLs become <a>, everything else stays text.
export function renderText(text) {
  const fragment = document.createDocumentFragment();
  for (const [index, line] of String(text).split("\n").entries()) {
    if (index > 0) fragment.append(el("br"));
    let last = 0;
    for (const match of line.matchAll(URL_RE)) {
      fragment.append(line.slice(last, match.index));
      fragment.append(el("a", { href: match[0], target: "_blank", rel: "noopener noreferrer", text: match[0] }));
      last = match.index + match[0].length;
    }
    fragment.append(line.slice(last));
  }
  return fragment;
}

function load() {
  try {
    return JSON.parse(store().getItem(STORAGE_KEY)) || null;
  } catch {
    return null;
  }
}

// sessionId is null until the server has issued one
function newState() {
  return { sessionId: null, messages: [], open: false, greeted: false };
}

// The token of a personal link in the page address (?scan=...): taken out of the address
// at once, so it does not stay in the browser history or go along when the page is shared.
function takeScanLink() {
  let url;
  try {
    url = new URL(window.location.href);
  } catch {
    return null;
  }
  const token = url.searchParams.get("scan");
  if (!token) return null;
  url.searchParams.delete("scan");
  try {
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  } catch {
    // the address keeps it; the chat still works
  }
  return /^[A-Za-z0-9_-]{30,100}$/.test(token) ? token : null;
}

// The widget's own words in both forms of address; the page chooses with
// data-address-form="je" (the gemeente's address_form; the demo page sets it).
const WORDS = {
  u: {
    message: "Uw bericht", anonymous: "Deze chat is anoniem tot u zelf kiest voor contact. ",
    privacy: "Lees hoe wij met uw gegevens omgaan", you: "U: ",
    tooLong: "Uw bericht is te lang. Schrijf het in een paar kortere berichten, dan lees ik het beter.",
    notArrived: "Uw bericht is niet aangekomen. Controleer uw verbinding en probeer het opnieuw.",
  },
  je: {
    message: "Je bericht", anonymous: "Deze chat is anoniem tot je zelf kiest voor contact. ",
    privacy: "Lees hoe wij met je gegevens omgaan", you: "Jij: ",
    tooLong: "Je bericht is te lang. Schrijf het in een paar kortere berichten, dan lees ik het beter.",
    notArrived: "Je bericht is niet aangekomen. Controleer je verbinding en probeer het opnieuw.",
  },
};

class ZelfscanChat {
  constructor(root) {
    this.root = root;
    this.server = (root.dataset.server || "").replace(/\/$/, "");
    this.privacyUrl = root.dataset.privacyUrl || "/privacy";
    this.words = WORDS[root.dataset.addressForm === "je" ? "je" : "u"];
    // a regional service: the page says which gemeente it belongs to (data-gemeente)
    this.metadata = root.dataset.gemeente ? { gemeente: root.dataset.gemeente } : {};
    // a partner's page that refers entrepreneurs here: data-via="qredits" (a partner id of
    // the gemeente configuration), or ?via=qredits in the page address
    const via = root.dataset.via || new URLSearchParams(window.location.search).get("via");
    if (via && /^[a-z0-9_-]{1,40}$/.test(via)) this.metadata.via = via;
    this.state = load() || newState();
    this.scanLink = takeScanLink(); // a personal link to the scan: open the chat and start it
    if (this.scanLink) this.state.open = true;
    this.transport = null; // "socket" | "rest"
    this.confirmed = null; // socket.io: a promise that resolves when the server confirmed the id
    this.build();
    this.restore();
    if (this.state.open) this.open(false);
  }

  // storage may be blocked or full: the chat then goes on, only a reload loses it
  save() {
    try {
      store().setItem(STORAGE_KEY, JSON.stringify(this.state));
    } catch {
      // nothing to do
    }
  }

  build() {
    const panelId = "zelfscan-chat-panel";
    this.launcher = el("button", {
      type: "button", class: "zs-launcher utrecht-button utrecht-button--primary-action",
      "aria-expanded": "false", "aria-controls": panelId, onclick: () => this.toggle(),
    }, "Chat: zelfscan geldzorgen");
    this.status = el("p", { class: "zs-status", role: "status", "aria-live": "polite" });
    this.log = el("div", { class: "zs-log", role: "log", "aria-live": "polite", "aria-label": "Gesprek", tabindex: "0" });
    this.typing = el("p", { class: "zs-typing", hidden: "" }, [el("span", { "aria-hidden": "true", class: "zs-dots" }), "De assistent typt…"]);
    this.input = el("input", { id: "zs-input", class: "zs-input utrecht-textbox", type: "text", autocomplete: "off",
      maxlength: String(MAX_MESSAGE_CHARS), "aria-describedby": "zs-privacy" });
    const form = el("form", { class: "zs-form", onsubmit: (e) => { e.preventDefault(); this.sendTyped(); } }, [
      el("label", { for: "zs-input", class: "zs-label", text: this.words.message }),
      el("div", { class: "zs-row" }, [
        this.input,
        el("button", { type: "submit", class: "zs-send utrecht-button utrecht-button--primary-action", text: "Verstuur" }),
      ]),
    ]);
    const privacy = el("p", { id: "zs-privacy", class: "zs-privacy" }, [
      this.words.anonymous,
      el("a", { href: this.privacyUrl, class: "utrecht-link", text: this.words.privacy }), ".",
    ]);
    this.panel = el("section", { id: panelId, class: "zs-panel", "aria-labelledby": "zs-title", hidden: "" }, [
      el("div", { class: "zs-header" }, [
        el("h2", { id: "zs-title", class: "zs-title", text: "Zelfscan Ondernemers" }),
        el("button", { type: "button", class: "zs-new utrecht-button utrecht-button--secondary-action",
          onclick: () => this.restart(), text: "Nieuw gesprek" }),
        el("button", { type: "button", class: "zs-close utrecht-button utrecht-button--subtle",
          "aria-label": "Chat sluiten", onclick: () => this.close(), text: "Sluiten" }),
      ]),
      this.status, this.log, this.typing, form, privacy,
    ]);
    this.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") this.close(); });
    this.root.classList.add("zs-root");
    this.root.append(this.launcher, this.panel);
  }

  restore() {
    for (const m of this.state.messages) this.render(m, false);
    this.disableOldButtons();
  }

  toggle() {
    this.panel.hidden ? this.open(true) : this.close();
  }

  open(focus) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("zs-open");
    this.state.open = true;
    this.save();
    this.connect();
    if (focus) this.input.focus();
    this.log.scrollTop = this.log.scrollHeight;
  }

  close() {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("zs-open");
    this.state.open = false;
    this.save();
    this.launcher.focus();
  }

  restart() {
    if (this.socket) this.socket.disconnect();
    this.socket = null;
    this.transport = null;
    this.forget();
    this.setStatus(NEW_CONVERSATION);
    this.connect();
    this.input.focus();
  }

  // start over with an empty conversation (the server will issue a new id)
  forget() {
    this.state = newState();
    this.state.open = !this.panel.hidden;
    this.log.replaceChildren();
    this.save();
  }

  // The server confirmed (or issued) this conversation id. When it is not the stored one,
  // the server did not know the stored conversation: the old messages go.
  adopt(id) {
    if (this.state.sessionId && this.state.sessionId !== id) {
      this.forget();
      this.setStatus(NEW_CONVERSATION);
    }
    this.state.sessionId = id;
    this.save();
  }

  setStatus(text, kind = "") {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }

  connect() {
    if (this.transport) return;
    this.transport = "connecting";
    this.setStatus("Verbinden…");
    const socket = io(this.server, { path: "/socket.io", transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    this.socket = socket;
    let confirm;
    this.confirmed = new Promise((resolve) => { confirm = resolve; });
    const fallback = setTimeout(() => { if (this.transport === "connecting") this.useRest(); }, REST_FALLBACK_AFTER_MS);
    socket.on("connect", () => {
      clearTimeout(fallback);
      this.transport = "socket";
      socket.emit("session_request", { session_id: this.state.sessionId });
    });
    socket.on("session_confirm", (data) => {
      const id = data && (data.session_id || data);
      if (typeof id !== "string") return;
      if (this.status.textContent === "Verbinden…") this.setStatus("");
      this.adopt(id);
      confirm(id);
      this.greetOnce();
    });
    socket.on("bot_uttered", (message) => this.receive(message));
    socket.on("disconnect", () => { if (this.transport === "socket") this.setStatus("De verbinding is weg. We proberen opnieuw te verbinden…", "warning"); });
    socket.io.on("reconnect", () => this.setStatus("De verbinding is hersteld."));
    socket.io.on("reconnect_attempt", () => this.setStatus("Opnieuw verbinden…", "warning"));
  }

  useRest() {
    if (this.socket) this.socket.disconnect();
    this.socket = null;
    this.confirmed = null;
    this.transport = "rest";
    this.setStatus("");
    this.greetOnce();
  }

  greetOnce() {
    if (this.scanLink) {
      this.sendScanLink();
      return;
    }
    if (this.state.greeted) return;
    this.state.greeted = true;
    this.save();
    this.send("/greet", null);
  }

  // a personal link (?scan=<token> on the page): sent once, as /scan_code with the token as
  // metadata; the bot checks it with the gemeente and starts the scan
  async sendScanLink() {
    const token = this.scanLink;
    this.scanLink = null;
    this.state.greeted = true;
    this.save();
    const saved = this.metadata;
    this.metadata = Object.assign({}, saved || {}, { scan_link: token });
    try {
      await this.send("/scan_code", null);
    } finally {
      this.metadata = saved;
    }
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    if ([...text].length > MAX_MESSAGE_CHARS) { // characters as the server counts them
      this.setStatus(this.words.tooLong, "error");
      return;
    }
    this.input.value = "";
    this.send(text, text);
  }

  // payload goes to the bot; shown (when not null) is what the user sees as their message
  async send(payload, shown) {
    if (shown !== null) {
      this.add({ from: "user", text: shown });
      this.disableOldButtons();
    }
    this.showTyping(true);
    if (this.transport === "socket" && this.socket && this.socket.connected) {
      const socket = this.socket;
      await this.confirmed; // only the id the server confirmed on this connection
      socket.emit("user_uttered", { message: payload, session_id: this.state.sessionId, metadata: this.metadata });
      return;
    }
    try {
      let response = await this.postRest(payload);
      if (response.status === 403) {
        // the server does not know this conversation (expired or from before): start a new one
        this.forget();
        this.state.greeted = true; // this message starts the new conversation
        this.setStatus(NEW_CONVERSATION);
        if (shown !== null) this.add({ from: "user", text: shown });
        response = await this.postRest(payload);
      }
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        this.showTyping(false);
        const text = body && typeof body.message === "string" ? body.message
          : this.words.notArrived;
        this.setStatus(text, "error");
        this.input.value = shown || "";
        return;
      }
      for (const message of body || []) this.receive(message);
      if (this.status.dataset.kind) this.setStatus("");
    } catch {
      this.showTyping(false);
      this.setStatus(this.words.notArrived, "error");
      this.input.value = shown || "";
    }
  }

  // REST: a conversation id issued by the server first, then the message
  async postRest(payload) {
    if (!this.state.sessionId) {
      const issued = await fetch(this.server + "/webhooks/rest/conversation", { method: "POST" });
      if (!issued.ok) return issued;
      this.adopt((await issued.json()).conversation_id);
    }
    return fetch(this.server + "/webhooks/rest/webhook", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.state.sessionId, message: payload, metadata: this.metadata }),
    });
  }

  receive(message) {
    const buttons = message.buttons || message.quick_replies || [];
    this.add({ from: "bot", text: message.text || "", buttons: buttons.map((b) => ({ title: b.title, payload: b.payload })) });
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.showTyping(false), 400);
  }

  showTyping(on) {
    this.typing.hidden = !on;
    clearTimeout(this.typingOff);
    if (on) this.typingOff = setTimeout(() => { this.typing.hidden = true; }, TYPING_TIMEOUT_MS);
  }

  add(message) {
    this.state.messages.push(message);
    this.save();
    this.render(message, true);
  }

  render(message, live) {
    const item = el("div", { class: `zs-msg zs-msg--${message.from}` }, [
      el("span", { class: "zs-sr-only", text: message.from === "user" ? this.words.you : "Assistent: " }),
    ]);
    const save = message.from === "bot" && message.text ? SAVE_LINE_RE.exec(message.text) : null;
    const text = save ? message.text.slice(0, save.index) : message.text;
    if (text) item.append(el("p", { class: "zs-text" }, renderText(text)));
    if (save) {
      item.append(el("p", { class: "zs-save-row" }, [
        el("a", { href: save[2], target: "_blank", rel: "noopener noreferrer",
          class: "zs-save utrecht-button-link utrecht-button-link--html-a utrecht-button-link--primary-action" }, [
          save[1], el("span", { class: "zs-sr-only", text: " (opent in een nieuw tabblad)" }),
        ]),
      ]));
    }
    if (message.buttons && message.buttons.length) {
      const group = el("div", { class: "zs-buttons", role: "group", "aria-label": "Antwoordmogelijkheden" });
      for (const b of message.buttons) {
        group.append(el("button", {
          type: "button", class: "zs-choice utrecht-button utrecht-button--secondary-action", text: b.title,
          onclick: () => { this.send(b.payload, b.title); this.input.focus(); },
        }));
      }
      item.append(group);
    }
    this.log.append(item);
    if (live) this.log.scrollTop = this.log.scrollHeight;
  }

  // answered questions (those before the user's last message) keep their buttons
  // visible but inactive, so keyboard users do not tab through old choices
  disableOldButtons() {
    const items = [...this.log.children];
    const lastUser = items.map((m) => m.classList.contains("zs-msg--user")).lastIndexOf(true);
    items.forEach((item, index) => {
      if (index < lastUser) for (const button of item.querySelectorAll(".zs-choice")) button.disabled = true;
    });
  }
}

function start() {
  if (SCRIPT_SRC && !document.querySelector("link[data-zelfscan]")) {
    document.head.append(el("link", { rel: "stylesheet", href: new URL("zelfscan-widget.css", SCRIPT_SRC).href, "data-zelfscan": "" }));
  }
  const root = document.getElementById("zelfscan-chat");
  if (root && !root.dataset.started) {
    root.dataset.started = "true";
    window.zelfscanChat = new ZelfscanChat(root);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

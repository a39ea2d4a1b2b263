// The try-it-out console of the AsyncAPI docs page: a WebSocket client driven by the document.
// It learns the document from the viewer's `asyncapi:loaded` event (and opens on `asyncapi:try`), offers
// the actions the site receives, fills a payload from each action's schema, checks it before sending,
// pairs every reply with its request by request_id and keeps a log that can be exported.
// Every text from the user, the document or the server reaches the page through textContent.

import { check } from "./schema-check.js";
import { freshRequestId, payloadTemplate, resolveSchema } from "./schema-template.js";
import { javascriptSnippet, pythonSnippet } from "./code-snippets.js";

const STORAGE_PREFIX = "asyncapi-console:"; // + channel address + " " + action: the last payload sent
const CLOSE_CODES = {
  1000: "normal closure",
  1001: "the server is going away",
  1006: "closed without a close frame: the handshake was refused (bad origin, bad or expired token) or the server is down",
  1011: "the server hit an error",
  4009: "the frame was too big",
  4401: "not authenticated: log in, or send a valid token",
  4403: "forbidden: this user may not use this socket",
};

const $ = (id) => document.getElementById(id);

function readConfig() {
  const element = $("asyncapi-config");
  try {
    return element ? JSON.parse(element.textContent) : {};
  } catch {
    return {};
  }
}

function lastSegment(ref) {
  const parts = ref.split("/");
  return decodeURIComponent(parts[parts.length - 1])
    .replace(/~1/g, "/")
    .replace(/~0/g, "~");
}

function timestamp(date) {
  return date.toISOString().slice(11, 23);
}

/** What the console needs from an AsyncAPI 3.0 document: its server and the actions of each channel. */
class ApiDescription {
  constructor(doc) {
    this.doc = doc;
    this.server = Object.values(doc.servers || {})[0] || {};
    this.operations = [];
    for (const [id, operation] of Object.entries(doc.operations || {})) {
      if (operation.action !== "receive" || !operation.channel || !operation.channel.$ref) continue;
      const message = resolveSchema((operation.messages || [])[0] || {}, doc);
      const payload = resolveSchema(message.payload || {}, doc);
      const actionProperty = resolveSchema((payload.properties || {}).action || {}, doc);
      this.operations.push({
        id,
        channelId: lastSegment(operation.channel.$ref),
        wireName: actionProperty.const ?? id,
        summary: operation.summary || message.summary || "",
        payload,
      });
    }
  }

  channelIds() {
    return Object.keys(this.doc.channels || {});
  }

  /** `protocol://host` + the channel's address, path parameters filled from their declared values. */
  url(channelId) {
    const channel = resolveSchema((this.doc.channels || {})[channelId] || {}, this.doc);
    let address = channel.address || "/";
    for (const [name, parameter] of Object.entries(channel.parameters || {})) {
      const node = resolveSchema(parameter, this.doc);
      const value = node.default ?? (node.enum || [])[0] ?? (node.examples || [])[0];
      if (value !== undefined) address = address.split(`{${name}}`).join(encodeURIComponent(value));
    }
    if (!address.startsWith("/")) address = `/${address}`;
    const protocol = this.server.protocol || (location.protocol === "https:" ? "wss" : "ws");
    return `${protocol}://${this.server.host || location.host}${address}`;
  }

  operation(id) {
    return this.operations.find((operation) => operation.id === id);
  }
}

/** The event log: entries shown newest last, kept as records for the export. */
class EventLog {
  constructor(list) {
    this.list = list;
    this.records = [];
  }

  add(kind, text, data) {
    const now = new Date();
    this.records.push({ time: now.toISOString(), kind, text, ...(data === undefined ? {} : { data }) });
    const item = document.createElement("li");
    item.className = "tio-entry";
    item.dataset.kind = kind;
    const head = document.createElement("div");
    head.className = "tio-entry-head";
    const time = document.createElement("time");
    time.dateTime = now.toISOString();
    time.textContent = timestamp(now);
    const arrow = document.createElement("span");
    arrow.className = "tio-arrow";
    arrow.textContent = { out: "→", in: "←", error: "!", system: "•" }[kind];
    const label = document.createElement("span");
    label.className = "tio-label";
    label.textContent = text;
    head.append(time, arrow, label);
    item.append(head);
    if (data !== undefined) {
      const details = document.createElement("details");
      const pretty = JSON.stringify(data, null, 2);
      details.open = pretty.split("\n").length <= 12;
      const summary = document.createElement("summary");
      summary.textContent = "JSON";
      const pre = document.createElement("pre");
      pre.textContent = pretty;
      details.append(summary, pre);
      item.append(details);
    }
    this.list.append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  note(item, text) {
    const badge = document.createElement("span");
    badge.className = "tio-latency";
    badge.textContent = text;
    item.querySelector(".tio-entry-head").append(badge);
  }

  clear() {
    this.records = [];
    this.list.replaceChildren();
  }

  exportLines() {
    const blob = new Blob([this.records.map((record) => JSON.stringify(record)).join("\n") + "\n"], {
      type: "application/x-ndjson",
    });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `websocket-log-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}

class Console {
  constructor(config) {
    this.config = config;
    this.api = null;
    this.socket = null;
    this.pending = new Map(); // request_id -> {item, sentAt, answered}
    this.wanted = null; // the operation asked for by "Try it" before its document arrived
    this.log = new EventLog($("tio-log"));
    this.panel = $("tio-panel");
    this.toggle = $("tio-toggle");
    $("tio-cookie-name").value = config.authCookieName || "access_token";
    $("tio-query-param").textContent = config.authQueryParam || "token";
    $("tio-session-cookie-name").textContent = config.sessionCookieName || "sessionid";
    this.bind();
    this.setOpen(Boolean(config.expanded));
    this.showAuth();
    this.fillActions();
  }

  bind() {
    this.toggle.addEventListener("click", () => this.setOpen(this.panel.hidden));
    $("tio-close").addEventListener("click", () => this.setOpen(false));
    $("tio-auth").addEventListener("change", () => this.showAuth());
    $("tio-cookie-apply").addEventListener("click", () => this.applyCookie());
    $("tio-cookie-clear").addEventListener("click", () => this.clearCookie());
    $("tio-connect").addEventListener("click", () => this.connect());
    $("tio-disconnect").addEventListener("click", () => this.socket && this.socket.close(1000));
    $("tio-action").addEventListener("change", () => this.selectAction($("tio-action").value));
    $("tio-payload").addEventListener("input", () => this.showProblems([]));
    $("tio-send").addEventListener("click", () => this.send(false));
    $("tio-send-anyway").addEventListener("click", () => this.send(true));
    $("tio-reset").addEventListener("click", () => this.fillPayload(true));
    $("tio-copy-js").addEventListener("click", () => this.copyCode("js"));
    $("tio-copy-python").addEventListener("click", () => this.copyCode("python"));
    $("tio-log-clear").addEventListener("click", () => this.log.clear());
    $("tio-log-export").addEventListener("click", () => this.log.exportLines());
    document.addEventListener("asyncapi:loaded", (event) => this.load(event.detail.document));
    document.addEventListener("asyncapi:try", (event) => this.tryOperation(event.detail.operationId));
  }

  setOpen(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
  }

  load(doc) {
    const previous = $("tio-action").value;
    this.api = new ApiDescription(doc);
    this.fillActions(previous);
    const first = this.api.channelIds()[0];
    $("tio-url").value = first ? this.api.url(first) : "";
    if (this.wanted && this.api.operation(this.wanted)) this.selectAction(this.wanted);
    this.wanted = null;
  }

  fillActions(preferred) {
    const select = $("tio-action");
    select.replaceChildren();
    const operations = this.api ? this.api.operations : [];
    const none = document.createElement("option");
    none.value = "";
    none.textContent = operations.length ? "(raw frame)" : "(no actions: raw frame)";
    select.append(none);
    const groups = new Map();
    for (const operation of operations) {
      if (!groups.has(operation.channelId)) {
        const group = document.createElement("optgroup");
        group.label = operation.channelId;
        groups.set(operation.channelId, group);
        select.append(group);
      }
      const option = document.createElement("option");
      option.value = operation.id;
      option.textContent = operation.wireName;
      option.title = operation.summary;
      groups.get(operation.channelId).append(option);
    }
    // The URL names the document's first channel: start on one of its actions.
    const firstChannel = this.api ? this.api.channelIds()[0] : undefined;
    const ofFirst = operations.filter((operation) => operation.channelId === firstChannel);
    const keep = ofFirst.some((operation) => operation.id === preferred) ? preferred : ofFirst[0]?.id || "";
    select.value = keep;
    this.fillPayload(false);
  }

  selected() {
    return this.api ? this.api.operation($("tio-action").value) : undefined;
  }

  selectAction(operationId) {
    const operation = this.api && this.api.operation(operationId);
    if (!operation) return;
    $("tio-action").value = operationId;
    const url = this.api.url(operation.channelId);
    if ($("tio-url").value.split("?")[0] !== url) $("tio-url").value = url;
    this.fillPayload(false);
  }

  tryOperation(operationId) {
    this.setOpen(true);
    if (!this.api || !this.api.operation(operationId)) this.wanted = operationId; // its document is on its way
    this.selectAction(operationId);
    $("tio-payload").focus();
  }

  storageKey(operation) {
    return `${STORAGE_PREFIX}${this.api.url(operation.channelId).replace(/^\w+:\/\/[^/]+/, "")} ${operation.wireName}`;
  }

  /** The payload box: the last payload sent for this action, or (on reset) the schema's template. */
  fillPayload(fromTemplate) {
    const operation = this.selected();
    this.showProblems([]);
    if (!operation) {
      $("tio-payload").value = $("tio-payload").value || "{}";
      return;
    }
    let payload;
    if (!fromTemplate) {
      try {
        payload = JSON.parse(localStorage.getItem(this.storageKey(operation)) || "null");
      } catch {
        payload = null;
      }
      if (payload && typeof payload === "object" && "request_id" in payload) payload.request_id = freshRequestId();
    }
    if (!payload) payload = payloadTemplate(operation.payload, this.api.doc, operation.wireName);
    $("tio-payload").value = JSON.stringify(payload, null, 2);
  }

  showAuth() {
    const method = $("tio-auth").value;
    for (const element of this.panel.querySelectorAll("[data-auth]")) {
      element.hidden = !element.dataset.auth.split(" ").includes(method);
    }
  }

  auth() {
    return {
      method: $("tio-auth").value,
      cookieName: $("tio-cookie-name").value.trim(),
      queryParam: this.config.authQueryParam || "token",
      sessionCookieName: this.config.sessionCookieName || "sessionid",
    };
  }

  applyCookie() {
    const name = $("tio-cookie-name").value.trim();
    const token = $("tio-cookie-token").value.trim();
    if (!name || !token) {
      this.log.add("error", "A cookie needs a name and a token.");
      return;
    }
    document.cookie = `${name}=${token}; path=/; SameSite=Strict`;
    this.log.add("system", `Cookie ${name} set: the next Connect sends it.`);
  }

  clearCookie() {
    const name = $("tio-cookie-name").value.trim();
    if (!name) return;
    document.cookie = `${name}=; path=/; max-age=0; SameSite=Strict`;
    this.log.add("system", `Cookie ${name} cleared.`);
  }

  setState(state, text) {
    const status = $("tio-status");
    status.dataset.state = state;
    status.textContent = text;
    $("tio-connect").disabled = state !== "closed";
    $("tio-disconnect").disabled = state === "closed";
    $("tio-send").disabled = state !== "open";
    $("tio-send-anyway").disabled = state !== "open";
  }

  connect() {
    const base = $("tio-url").value.trim();
    let url = base;
    let shown = base;
    const auth = this.auth();
    if (auth.method === "query") {
      const token = $("tio-query-token").value.trim();
      const separator = base.includes("?") ? "&" : "?";
      url = `${base}${separator}${encodeURIComponent(auth.queryParam)}=${encodeURIComponent(token)}`;
      shown = `${base}${separator}${encodeURIComponent(auth.queryParam)}=…`; // the token stays out of the log
    }
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      this.log.add("error", `Cannot connect: ${error.message}`);
      return;
    }
    this.socket = socket;
    this.pending.clear();
    this.setState("connecting", "Connecting…");
    this.log.add("system", `Connecting to ${shown}`);
    socket.addEventListener("open", () => {
      this.setState("open", "Connected");
      this.log.add("system", "Connected");
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      const reason = CLOSE_CODES[event.code] || event.reason || "";
      this.setState("closed", `Closed (code ${event.code})`);
      this.log.add(
        event.code === 1000 ? "system" : "error",
        `Closed (code ${event.code}${reason ? `: ${reason}` : ""})`,
      );
      this.socket = null;
    });
  }

  /** The frame the Send button would send: `{"action": <selected>, ...payload}`, or the raw text. */
  frame() {
    const text = $("tio-payload").value;
    let payload;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      return { text, problems: [{ path: "payload", message: `is not JSON: ${error.message}` }] };
    }
    const operation = this.selected();
    if (!operation) return { data: payload, text: JSON.stringify(payload), problems: [] };
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      return { text, problems: [{ path: "payload", message: "must be a JSON object" }] };
    }
    const data = { action: operation.wireName, ...payload };
    return { data, text: JSON.stringify(data), problems: check(data, operation.payload, this.api.doc) };
  }

  showProblems(problems) {
    const list = $("tio-problems");
    list.replaceChildren(
      ...problems.map(({ path, message }) => {
        const item = document.createElement("li");
        item.textContent = `${path} ${message}`;
        return item;
      }),
    );
    list.hidden = !problems.length;
    $("tio-send-anyway").hidden = !problems.length;
  }

  send(anyway) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      this.log.add("error", "Not connected.");
      return;
    }
    const frame = this.frame();
    if (frame.problems.length && !anyway) {
      this.showProblems(frame.problems);
      return;
    }
    this.showProblems([]);
    this.socket.send(frame.text);
    const data = frame.data;
    const label = data && typeof data === "object" && !Array.isArray(data) ? data.action || "frame" : "frame";
    const item = this.log.add("out", String(label), data ?? frame.text);
    if (data && typeof data === "object" && data.request_id !== undefined) {
      this.pending.set(JSON.stringify(data.request_id), { item, sentAt: performance.now(), answered: false });
    }
    const operation = this.selected();
    if (operation && data) localStorage.setItem(this.storageKey(operation), JSON.stringify(data));
  }

  receive(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      this.log.add("in", "text frame", text);
      return;
    }
    const isObject = data && typeof data === "object" && !Array.isArray(data);
    const label = isObject ? String(data.action ?? data.type ?? "frame") : "frame";
    const item = this.log.add("in", label, data);
    const request =
      isObject && data.request_id !== undefined ? this.pending.get(JSON.stringify(data.request_id)) : null;
    if (!request) return;
    item.dataset.requestId = String(data.request_id);
    if (!request.answered && "response_status" in data) {
      request.answered = true;
      const latency = Math.round(performance.now() - request.sentAt);
      item.dataset.pair = "reply";
      this.log.note(item, `reply ${data.response_status} · ${latency} ms`);
      this.log.note(request.item, `answered in ${latency} ms`);
    } else {
      item.dataset.pair = "event";
      this.log.note(item, `event of request ${data.request_id}`);
    }
  }

  copyCode(language) {
    const frame = this.frame();
    const data = frame.data ?? frame.text;
    const url = $("tio-url").value.trim();
    const code =
      language === "js"
        ? javascriptSnippet(url, data, this.auth())
        : pythonSnippet(url, data, this.auth(), location.origin);
    const output = $("tio-code");
    output.value = code;
    output.hidden = false;
    output.dataset.language = language;
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(code).catch(() => {});
  }
}

if ($("tio-panel")) new Console(readConfig());

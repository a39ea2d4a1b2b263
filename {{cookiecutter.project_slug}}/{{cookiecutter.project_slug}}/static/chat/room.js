// The chat room page. One websocket to ws/chat/room/ speaking the framework's JSON envelope:
// {action, request_id, ...arguments} out, {action, errors, data, response_status, request_id} in.
// The page joins the room, subscribes to its messages and to the room itself, shows who is here,
// and when the connection drops it reconnects with backoff, subscribes again and fetches what it missed.
// User text only ever reaches the page through textContent. The socket is the site's own, unless the page
// names a module (data-socket-url-module) whose default export gives the URL of each new socket.

const RECONNECT_FIRST_DELAY = 500; // milliseconds, doubled after every failed attempt
const RECONNECT_MAX_DELAY = 15000;
const SIGNED_OUT = 4401; // the close code of a socket whose session ended (logout, new password, account closed)
const REJOIN_DELAY = 2000; // milliseconds before entering the room again after a server error

// Request ids of the subscriptions: the server tags each pushed frame with the id that subscribed.
const PRESENCE = "presence"; // join_room: update_users frames
const MESSAGES = "messages"; // subscribe_to_messages_in_room: create / update / delete of messages
const ROOM = "room"; // subscribe_instance: update / delete of the room

/** A websocket that answers requests with promises, hands pushes to a callback and reconnects. */
class ApiSocket {
  constructor(url, { onOpen, onPush, onState }) {
    this.url = url; // async () => the URL to open
    this.onOpen = onOpen;
    this.onPush = onPush;
    this.onState = onState;
    this.pending = new Map(); // request_id -> {action, resolve, reject}
    this.nextId = 1;
    this.failures = 0;
    this.stopped = false;
  }

  async connect() {
    this.onState("connecting");
    let url;
    try {
      url = await this.url();
    } catch {
      this.ws = null;
      this.closed(null, null); // retried like a dropped connection
      return;
    }
    if (this.stopped) return; // closed while the URL was on its way
    const ws = new WebSocket(url);
    ws.addEventListener("open", () => {
      this.failures = 0;
      this.onOpen(); // which reports "open" once the page is ready to be used
    });
    ws.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    ws.addEventListener("close", (event) => this.closed(ws, event.code));
    this.ws = ws;
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    for (const { reject } of this.pending.values()) reject(new Error("The connection was lost."));
    this.pending.clear();
    if (code === SIGNED_OUT) this.stopped = true; // a new socket would not be signed in either
    if (this.stopped) {
      if (code === SIGNED_OUT) this.onState("signedOut");
      return;
    }
    const delay = Math.min(RECONNECT_FIRST_DELAY * 2 ** this.failures, RECONNECT_MAX_DELAY);
    const jittered = Math.round(delay * (0.75 + Math.random() / 2)); // tabs of one crashed server spread out
    this.failures += 1;
    this.onState("reconnecting", jittered);
    setTimeout(() => this.connect(), jittered);
  }

  /** Send one action; resolves with its reply frame (whatever its status), rejects if the socket drops. */
  request(action, args = {}, requestId = `r${this.nextId++}`) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error("Not connected."));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { action, resolve, reject });
      this.ws.send(JSON.stringify({ action, request_id: requestId, ...args }));
    });
  }

  receive(frame) {
    const waiting = this.pending.get(frame.request_id);
    if (waiting && (waiting.action === frame.action || frame.action === null)) {
      this.pending.delete(frame.request_id);
      waiting.resolve(frame);
    } else {
      this.onPush(frame);
    }
  }

  close() {
    this.stopped = true;
    if (this.ws) this.ws.close();
  }

  reopen() {
    this.stopped = false;
    this.connect();
  }
}

/** The errors of a frame as one line: ["a"], [{"text": ["b"]}] and {"text": ["b"]} all flatten. */
function errorText(errors) {
  const parts = [];
  const walk = (value) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
    else if (value !== undefined && value !== null) parts.push(String(value));
  };
  walk(errors);
  return parts.join(" ") || "Something went wrong.";
}

const root = document.getElementById("chat");
const roomPk = Number(root.dataset.room);
const me = root.dataset.username;
const roomName = document.getElementById("room-name");
const statusLine = document.getElementById("chat-status");
const presenceList = document.getElementById("presence-list");
const logBox = document.getElementById("chat-log-box");
const log = document.getElementById("chat-log");
const earlierButton = document.getElementById("chat-load-earlier");
const form = document.getElementById("chat-form");
const input = document.getElementById("chat-message-input");
const sendButton = document.getElementById("chat-message-submit");
const errorLine = document.getElementById("chat-error");
const leaveLink = document.getElementById("chat-leave");

const shown = new Map(); // message pk -> its <li>, kept in pk order in the log
let loaded = false; // whether the room and its latest messages were fetched once

function showError(text) {
  errorLine.textContent = text;
  errorLine.hidden = !text;
}

function showState(state, delay) {
  statusLine.dataset.state = state;
  statusLine.textContent = {
    connecting: "Connecting…",
    open: "Connected",
    reconnecting: `Connection lost, reconnecting in ${Math.ceil((delay || 0) / 1000)} s…`,
    closed: "Disconnected",
    signedOut: "You were signed out.",
  }[state];
  if (state === "signedOut") {
    const login = document.createElement("a");
    login.href = `${root.dataset.loginUrl}?next=${encodeURIComponent(window.location.pathname)}`;
    login.textContent = "Log in again";
    statusLine.append(" ", login);
  }
  sendButton.disabled = state !== "open";
}

function showPresence(users) {
  presenceList.replaceChildren(
    ...users.map((user) => {
      const item = document.createElement("li");
      item.textContent = user.username;
      if (user.username === me) item.classList.add("me");
      return item;
    }),
  );
}

function messageItem(message) {
  const item = document.createElement("li");
  item.className = "chat-message";
  item.dataset.pk = message.pk;
  if (message.user.username === me) item.classList.add("mine");
  const time = document.createElement("time");
  time.dateTime = message.created_at;
  time.textContent = new Date(message.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const author = document.createElement("strong");
  author.className = "author";
  author.textContent = message.user.username;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.text;
  item.append(time, " ", author, " ", text);
  return item;
}

/** Add or replace a message, in pk order; the same message arriving twice is shown once. */
function showMessage(message) {
  const item = messageItem(message);
  const old = shown.get(message.pk);
  if (old) {
    old.replaceWith(item);
    shown.set(message.pk, item);
    return;
  }
  const atBottom = logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 40;
  let next = null;
  for (let child = log.lastElementChild; child && Number(child.dataset.pk) > message.pk; ) {
    next = child;
    child = child.previousElementSibling;
  }
  log.insertBefore(item, next);
  shown.set(message.pk, item);
  if (atBottom && next === null) logBox.scrollTop = logBox.scrollHeight;
}

function forgetMessage(pk) {
  const item = shown.get(pk);
  if (item) item.remove();
  shown.delete(pk);
}

function shownPks() {
  return [...shown.keys()].sort((a, b) => a - b);
}

/** The data of a reply with this status; any other reply becomes an Error carrying its errors. */
function dataOf(frame, status) {
  if (frame.response_status !== status) {
    throw Object.assign(new Error(errorText(frame.errors)), { status: frame.response_status });
  }
  return frame.data;
}

async function loadRoom() {
  const room = dataOf(await socket.request("retrieve", { pk: roomPk }), 200);
  roomName.textContent = room.name;
  showPresence(room.current_users);
  room.messages.forEach(showMessage);
  earlierButton.hidden = !room.has_more_messages;
  logBox.scrollTop = logBox.scrollHeight;
  loaded = true;
}

/** After a reconnect: everything sent while this page was away, page by page. */
async function catchUp() {
  for (let more = true; more; ) {
    const after = shownPks().at(-1) || 0;
    const page = dataOf(await socket.request("list_messages", { pk: roomPk, after }), 200);
    page.results.forEach(showMessage);
    more = page.has_more;
  }
}

async function loadEarlier() {
  earlierButton.disabled = true;
  try {
    const page = dataOf(await socket.request("list_messages", { pk: roomPk, before: shownPks()[0] }), 200);
    const height = logBox.scrollHeight;
    page.results.forEach(showMessage);
    logBox.scrollTop += logBox.scrollHeight - height; // keep the reader's place
    earlierButton.hidden = !page.has_more;
  } catch (error) {
    showError(error.message);
  } finally {
    earlierButton.disabled = false;
  }
}

async function enterRoom() {
  const ws = socket.ws;
  try {
    // Only a socket in the room may read it: join first. Then subscribe before fetching, so nothing
    // sent in between is lost (duplicates are shown once).
    showPresence(dataOf(await socket.request("join_room", { pk: roomPk }, PRESENCE), 200).current_users);
    await Promise.all([
      socket.request("subscribe_to_messages_in_room", { pk: roomPk }, MESSAGES).then((frame) => dataOf(frame, 201)),
      socket.request("subscribe_instance", { pk: roomPk }, ROOM).then((frame) => dataOf(frame, 201)),
    ]);
    if (loaded) await catchUp();
    else await loadRoom();
    showState("open");
    showError("");
  } catch (error) {
    showError(error.message);
    // A server error (its database or channel layer briefly away) undoes the join: try again.
    if (error.status >= 500) {
      setTimeout(() => socket.ws === ws && ws.readyState === WebSocket.OPEN && enterRoom(), REJOIN_DELAY);
    }
  }
}

function onPush(frame) {
  if (frame.response_status >= 400) {
    showError(errorText(frame.errors));
  } else if (frame.request_id === PRESENCE && frame.action === "update_users") {
    if (frame.data.room === roomPk) showPresence(frame.data.current_users);
  } else if (frame.request_id === MESSAGES) {
    if (frame.action === "delete") forgetMessage(frame.data.pk);
    else showMessage(frame.data);
  } else if (frame.request_id === ROOM) {
    if (frame.action === "delete") {
      socket.close();
      showState("closed");
      showError("This room was deleted.");
    } else {
      roomName.textContent = frame.data.name;
    }
  }
}

async function send(event) {
  event.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  try {
    const reply = await socket.request("create_message", { message: text });
    const message = dataOf(reply, 201);
    if (input.value === text) input.value = ""; // a failed send keeps the text for another try
    showMessage(message);
    showError("");
  } catch (error) {
    showError(`Not sent: ${error.message}`);
  }
  input.focus();
}

async function leave(event) {
  event.preventDefault();
  try {
    await socket.request("leave_room", { pk: roomPk });
  } catch {
    // Leaving anyway: closing the socket ends the presence too.
  }
  socket.close();
  window.location.assign(leaveLink.href);
}

/** The URL of the next socket: the site's, or the one the page's socket-URL module gives for this element. */
async function socketUrl() {
  if (root.dataset.socketUrlModule) {
    const { default: url } = await import(root.dataset.socketUrlModule);
    return url(root);
  }
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${root.dataset.socketPath}`;
}

const socket = new ApiSocket(socketUrl, {
  onOpen: enterRoom,
  onPush,
  onState: showState,
});
form.addEventListener("submit", send);
earlierButton.addEventListener("click", loadEarlier);
leaveLink.addEventListener("click", leave);
window.addEventListener("pagehide", () => socket.close());
window.addEventListener("pageshow", (event) => event.persisted && socket.reopen()); // back from the history cache
socket.connect();

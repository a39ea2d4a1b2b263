// The dashboard page: opens the gateway's websocket with a one-time token (gateway_url.js). The "dashboard"
// channel is served by the site's ping consumer: the page pings on connecting, when asked, and every
// few minutes (API Gateway closes a connection idle for 10 minutes), and lists every message the
// gateway delivers; text only reaches the page through textContent. A closed socket reconnects with a
// fresh token, since a token works once.

import gatewayUrl from "./gateway_url.js";

const RECONNECT_FIRST_DELAY = 1000; // milliseconds, doubled after every failed attempt
const RECONNECT_MAX_DELAY = 30000;
const LOG_LIMIT = 100; // messages kept on the page
const KEEPALIVE_INTERVAL = 5 * 60 * 1000; // milliseconds between pings, well inside the gateway's idle timeout

const root = document.getElementById("dashboard");
const statusLine = document.getElementById("dashboard-status");
const log = document.getElementById("dashboard-log");
const pingButton = document.getElementById("dashboard-ping");
let failures = 0;
let socket = null;
let keepalive = null;

function showState(state, text) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function addEntry(text) {
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString();
  const body = document.createElement("span");
  body.textContent = text;
  item.append(time, " ", body);
  log.prepend(item);
  while (log.children.length > LOG_LIMIT) log.lastElementChild.remove();
}

function ping(reason) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ ping: reason, at: new Date().toISOString() }));
  }
}

function retry() {
  const delay = Math.min(RECONNECT_FIRST_DELAY * 2 ** failures, RECONNECT_MAX_DELAY);
  failures += 1;
  setTimeout(connect, delay);
}

async function connect() {
  showState("connecting", "Connecting…");
  let url;
  try {
    url = await gatewayUrl(root);
  } catch (error) {
    showState("error", error.message);
    retry();
    return;
  }
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    failures = 0;
    showState("open", "Connected");
    pingButton.disabled = false;
    ping("connected");
    keepalive = setInterval(() => ping("keepalive"), KEEPALIVE_INTERVAL);
  });
  socket.addEventListener("message", (event) => {
    let text = event.data;
    try {
      text = JSON.stringify(JSON.parse(event.data));
    } catch {
      // not JSON: shown as it came
    }
    addEntry(text);
  });
  socket.addEventListener("close", () => {
    clearInterval(keepalive);
    pingButton.disabled = true;
    showState("closed", "Disconnected: reconnecting…");
    retry();
  });
}

pingButton.addEventListener("click", () => ping("button"));
connect();

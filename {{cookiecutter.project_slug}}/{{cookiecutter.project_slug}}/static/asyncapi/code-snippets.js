// "Copy as code": the frame in the console as a short program in browser JavaScript or Python
// (`websockets`). Tokens are never copied: the snippet names where one goes with a placeholder.

const TOKEN_PLACEHOLDER = "<token>";

/** A Python literal of a JSON value (True/False/None, double-quoted strings). */
export function pythonLiteral(value, indent = "") {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number" || typeof value === "string") return JSON.stringify(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return `[\n${value.map((item) => `${inner}${pythonLiteral(item, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  const lines = entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${pythonLiteral(item, inner)},`);
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** The URL a snippet connects to: the query token, if any, replaced by the placeholder. */
function snippetUrl(url, auth) {
  if (auth.method !== "query") return url;
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}${encodeURIComponent(auth.queryParam)}=${TOKEN_PLACEHOLDER}`;
}

export function javascriptSnippet(url, frame, auth) {
  const lines = [];
  if (auth.method === "cookie") {
    lines.push(`document.cookie = "${auth.cookieName}=${TOKEN_PLACEHOLDER}; path=/; SameSite=Strict";`);
  }
  lines.push(
    `const socket = new WebSocket(${JSON.stringify(snippetUrl(url, auth))});`,
    `socket.addEventListener("open", () => socket.send(JSON.stringify(${JSON.stringify(frame, null, 2)})));`,
    'socket.addEventListener("message", (event) => console.log(JSON.parse(event.data)));',
    'socket.addEventListener("close", (event) => console.log("closed", event.code));',
  );
  return `${lines.join("\n")}\n`;
}

export function pythonSnippet(url, frame, auth, origin) {
  const options = [`origin=${JSON.stringify(origin)}`]; // the site refuses a handshake without an allowed Origin
  if (auth.method === "cookie")
    options.push(`additional_headers={"Cookie": "${auth.cookieName}=${TOKEN_PLACEHOLDER}"}`);
  if (auth.method === "session")
    options.push(`additional_headers={"Cookie": "${auth.sessionCookieName}=<session key>"}`);
  return [
    "import asyncio",
    "import json",
    "",
    "import websockets",
    "",
    "",
    "async def main():",
    `    async with websockets.connect(${JSON.stringify(snippetUrl(url, auth))}, ${options.join(", ")}) as socket:`,
    `        await socket.send(json.dumps(${pythonLiteral(frame, "        ")}))`,
    "        print(json.loads(await socket.recv()))",
    "",
    "",
    "asyncio.run(main())",
    "",
  ].join("\n");
}

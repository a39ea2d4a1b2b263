// An AsyncAPI 3.0 document of the site as HTML: info, servers, then each channel with its client actions
// (receive operations: request and reply) and live events (send operations), then the shared schemas.
import { anchor, el, prose } from "./dom.js";
import { refKey, resolve } from "./refs.js";
import { schemaTree } from "./schema.js";

function messagesOf(document, list) {
  return (list || []).map((ref) => resolve(document, ref)).map(({ node, name }) => ({ message: node, name: node.name || name }));
}

// The action name as sent on the wire: the const of the request payload's "action" property.
export function actionName(document, operationId, operation) {
  const [first] = messagesOf(document, operation.messages);
  const payload = first ? resolve(document, first.message.payload).node : {};
  const action = payload.properties?.action ? resolve(document, payload.properties.action).node : {};
  return action.const ?? operationId;
}

function examples(message) {
  if (!message.examples?.length) return null;
  return el(
    "div",
    { class: "asyncapi-examples" },
    message.examples.map((example, i) =>
      el(
        "details",
        { class: "asyncapi-example", open: i === 0 },
        el("summary", {}, `Example: ${example.name || example.summary || i + 1}`),
        example.summary && example.name ? el("p", {}, example.summary) : null,
        example.payload !== undefined ? el("pre", {}, JSON.stringify(example.payload, null, 2)) : null,
      ),
    ),
  );
}

function messageBlock(document, { message, name }, role) {
  return el(
    "div",
    { class: `asyncapi-message asyncapi-message-${role}`, id: name ? anchor("message", name) : undefined },
    el(
      "div",
      { class: "asyncapi-message-head" },
      el("span", { class: "asyncapi-role" }, role),
      el("code", {}, name || "message"),
      message.contentType ? el("span", { class: "asyncapi-muted" }, message.contentType) : null,
      message.deprecated ? el("span", { class: "asyncapi-badge asyncapi-badge-deprecated" }, "deprecated") : null,
    ),
    message.title ? el("p", { class: "asyncapi-message-title" }, message.title) : null,
    message.summary ? el("p", {}, message.summary) : null,
    prose(message.description),
    message.correlationId
      ? el("p", { class: "asyncapi-muted" }, "Paired by ", el("code", {}, resolve(document, message.correlationId).node.location || ""))
      : null,
    message.payload ? schemaTree(document, message.payload) : null,
    examples(message),
  );
}

function tags(operation) {
  if (!operation.tags?.length) return null;
  return el("span", { class: "asyncapi-tags" }, operation.tags.map((tag) => el("span", { class: "asyncapi-tag" }, tag.name || tag)));
}

function operationBlock(document, channelId, operationId, operation, events) {
  const receive = operation.action === "receive";
  const name = receive ? actionName(document, operationId, operation) : operationId;
  const article = el(
    "article",
    { class: `asyncapi-operation asyncapi-operation-${operation.action}`, id: anchor("operation", operationId), dataset: { operationId } },
    el(
      "header",
      { class: "asyncapi-operation-head" },
      el("span", { class: `asyncapi-kind asyncapi-kind-${operation.action}` }, receive ? "action" : "event"),
      el("h4", {}, el("code", {}, name)),
      tags(operation),
      receive
        ? el("button", { type: "button", class: "asyncapi-try", dataset: { operationId, channelId } }, "Try it")
        : null,
    ),
    operation.title ? el("p", { class: "asyncapi-operation-title" }, operation.title) : null,
    operation.summary ? el("p", { class: "asyncapi-operation-summary" }, operation.summary) : null,
    prose(operation.description),
    el("p", { class: "asyncapi-muted" }, "operation ", el("code", {}, operationId), receive ? " · client → site" : " · site → client"),
  );
  for (const message of messagesOf(document, operation.messages)) {
    article.append(messageBlock(document, message, receive ? "request" : "event"));
  }
  if (operation.reply) {
    const reply = resolve(document, operation.reply).node;
    for (const message of messagesOf(document, reply.messages)) article.append(messageBlock(document, message, "reply"));
  }
  // The events a subscribe action starts (the generator's x-events), else every event of its channel.
  const related = operation["x-events"] || events.map(([id]) => id);
  if (receive && related.length) {
    article.append(
      el(
        "p",
        { class: "asyncapi-related" },
        operation["x-events"] ? "Starts the live events: " : "Live events on this channel: ",
        related.flatMap((id, i) => [i ? ", " : "", el("a", { href: `#${anchor("operation", id)}` }, id)]),
      ),
    );
  }
  if (!receive) {
    const starters = Object.entries(document.operations || {}).filter(([, op]) => (op["x-events"] || []).includes(operationId));
    if (starters.length) {
      article.append(
        el(
          "p",
          { class: "asyncapi-related" },
          "Subscribed to with: ",
          starters.flatMap(([id, op], i) => [i ? ", " : "", el("a", { href: `#${anchor("operation", id)}` }, actionName(document, id, op))]),
        ),
      );
    }
  }
  return article;
}

function parameters(document, channel) {
  const entries = Object.entries(channel.parameters || {});
  if (!entries.length) return null;
  return el(
    "dl",
    { class: "asyncapi-parameters" },
    entries.flatMap(([name, ref]) => {
      const parameter = resolve(document, ref).node;
      const details = [parameter.description];
      if (parameter.enum) details.push(`one of ${parameter.enum.join(", ")}`);
      if (parameter.default !== undefined) details.push(`default ${parameter.default}`);
      if (parameter.examples?.length) details.push(`e.g. ${parameter.examples.join(", ")}`);
      return [el("dt", {}, el("code", {}, `{${name}}`)), el("dd", {}, details.filter(Boolean).join(" · ") || "path parameter")];
    }),
  );
}

function channelBlock(document, channelId, channel) {
  const operations = Object.entries(document.operations || {}).filter(([, op]) => refKey(op.channel?.$ref) === channelId);
  const actions = operations.filter(([, op]) => op.action === "receive");
  const events = operations.filter(([, op]) => op.action === "send");
  const section = el(
    "section",
    { class: "asyncapi-channel", id: anchor("channel", channelId), dataset: { channel: channelId } },
    el("h3", {}, el("span", {}, channelId), " ", el("code", { class: "asyncapi-address" }, channel.address ?? "")),
    channel.title ? el("p", {}, channel.title) : null,
    channel.summary ? el("p", {}, channel.summary) : null,
    prose(channel.description),
    parameters(document, channel),
  );
  if (actions.length) {
    section.append(el("h4", { class: "asyncapi-group" }, `Actions (${actions.length}): the client sends, the site replies`));
    for (const [id, op] of actions) section.append(operationBlock(document, channelId, id, op, events));
  }
  if (events.length) {
    section.append(el("h4", { class: "asyncapi-group" }, `Live events (${events.length}): the site pushes`));
    for (const [id, op] of events) section.append(operationBlock(document, channelId, id, op, []));
  }
  return section;
}

function servers(document) {
  const entries = Object.entries(document.servers || {});
  if (!entries.length) return null;
  return el(
    "section",
    { class: "asyncapi-servers" },
    el("h2", {}, "Servers"),
    el(
      "ul",
      {},
      entries.map(([name, ref]) => {
        const server = resolve(document, ref).node;
        const security = (server.security || []).map((scheme) => resolve(document, scheme));
        return el(
          "li",
          {},
          el("code", {}, `${server.protocol}://${server.host}${server.pathname || ""}`),
          ` (${name})`,
          server.description ? el("p", {}, server.description) : null,
          security.length
            ? el(
                "ul",
                { class: "asyncapi-security" },
                security.map(({ node, name: scheme }) =>
                  el(
                    "li",
                    {},
                    el("strong", {}, scheme || node.type),
                    `: ${node.type}${node.in ? ` in ${node.in}` : ""}`,
                    node.name ? [" ", el("code", {}, node.name)] : null,
                    node.description ? ` — ${node.description}` : null,
                  ),
                ),
              )
            : null,
        );
      }),
    ),
  );
}

function contents(document) {
  return el(
    "nav",
    { class: "asyncapi-contents", "aria-label": "Channels" },
    el(
      "ul",
      {},
      Object.entries(document.channels || {}).map(([id, channel]) => {
        const operations = Object.entries(document.operations || {}).filter(([, op]) => refKey(op.channel?.$ref) === id);
        return el(
          "li",
          {},
          el("a", { href: `#${anchor("channel", id)}` }, id),
          " ",
          el("code", {}, channel.address ?? ""),
          el(
            "ul",
            {},
            operations.map(([opId, op]) =>
              el(
                "li",
                {},
                el("a", { href: `#${anchor("operation", opId)}` }, op.action === "receive" ? actionName(document, opId, op) : opId),
                el("span", { class: "asyncapi-muted" }, op.action === "receive" ? " action" : " event"),
              ),
            ),
          ),
        );
      }),
    ),
  );
}

function components(document) {
  const schemas = Object.entries(document.components?.schemas || {});
  if (!schemas.length) return null;
  return el(
    "section",
    { class: "asyncapi-components" },
    el("h2", {}, "Schemas"),
    schemas.map(([name, schema]) =>
      el("details", { class: "asyncapi-component", id: anchor("schema", name) }, el("summary", {}, el("code", {}, name)), schemaTree(document, schema, name)),
    ),
  );
}

export function renderDocument(document) {
  const info = document.info || {};
  return el(
    "div",
    { class: "asyncapi-rendered" },
    el(
      "header",
      { class: "asyncapi-info" },
      el("h1", {}, info.title || "WebSocket API", " ", el("span", { class: "asyncapi-version" }, info.version || "")),
      el("p", { class: "asyncapi-muted" }, `AsyncAPI ${document.asyncapi || ""}: operations described from the site's side`),
      prose(info.description),
    ),
    servers(document),
    el("h2", {}, "Channels"),
    contents(document),
    Object.entries(document.channels || {}).map(([id, channel]) => channelBlock(document, id, channel)),
    components(document),
  );
}

// The docs page: fetches the AsyncAPI document (JSON), renders it (the site's renderer, or the official
// @asyncapi/react-component when the page loaded it), and tells the console with "asyncapi:loaded".
// "Try it" buttons fire "asyncapi:try"; those two events are the whole contract with console.js.
import { renderDocument } from "./render.js";

const config = JSON.parse(document.getElementById("asyncapi-config").textContent);
const root = document.getElementById("asyncapi");
const status = document.getElementById("asyncapi-status");
const target = document.getElementById("asyncapi-document");
const selector = document.getElementById("asyncapi-consumer");
const loaded = new Map(); // spec URL -> document, so switching back costs no request

function withFormat(url, format) {
  const absolute = new URL(url, window.location.href);
  absolute.searchParams.set("format", format);
  return absolute.pathname + absolute.search;
}

async function fetchDocument(url) {
  if (!loaded.has(url)) {
    const response = await fetch(withFormat(url, "json"), { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText} from ${url}`);
    loaded.set(url, await response.json());
  }
  return loaded.get(url);
}

function renderOfficial(spec) {
  target.replaceChildren();
  window.AsyncApiStandalone.render(
    { schema: JSON.stringify(spec), config: { show: { sidebar: true, info: true, servers: true, operations: true, messages: true, schemas: true } } },
    target,
  );
}

function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const node = id ? document.getElementById(id) : null;
  if (node instanceof HTMLDetailsElement) node.open = true;
  node?.scrollIntoView();
}

async function show(spec) {
  root.dataset.state = "loading";
  status.textContent = `Loading ${spec.label}…`;
  document.getElementById("asyncapi-yaml").href = withFormat(spec.url, "yaml");
  document.getElementById("asyncapi-json").href = withFormat(spec.url, "json");
  try {
    const asyncapi = await fetchDocument(spec.url);
    if (config.viewer === "asyncapi-react" && window.AsyncApiStandalone) renderOfficial(asyncapi);
    else target.replaceChildren(renderDocument(asyncapi));
    root.dataset.state = "loaded";
    root.dataset.label = spec.label;
    status.textContent = "";
    openTarget();
    document.dispatchEvent(new CustomEvent("asyncapi:loaded", { detail: { document: asyncapi, specUrl: spec.url, label: spec.label } }));
  } catch (error) {
    root.dataset.state = "error";
    status.textContent = `The document could not be loaded: ${error.message}`;
  }
}

target.addEventListener("click", (event) => {
  const button = event.target.closest("button.asyncapi-try");
  if (!button) return;
  const { operationId, channelId } = button.dataset;
  document.dispatchEvent(new CustomEvent("asyncapi:try", { detail: { operationId, channelId } }));
});

selector?.addEventListener("change", () => {
  show(config.specs[selector.selectedIndex]);
});

window.addEventListener("hashchange", openTarget);

if (config.specs.length) show(config.specs[0]);
else status.textContent = "No document to show.";

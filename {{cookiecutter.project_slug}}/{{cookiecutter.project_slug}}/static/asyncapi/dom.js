// Building DOM nodes: every text goes in as textContent, never as HTML.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A multi-line description as paragraphs (blank lines separate them; single newlines are kept), with
// Markdown's `code` spans as <code>: the docstrings the document comes from use them.
export function prose(text, className = "asyncapi-prose") {
  if (!text) return null;
  const paragraph = (part) => el("p", {}, part.split(/`([^`]+)`/).map((piece, i) => (i % 2 ? el("code", {}, piece) : piece)));
  return el("div", { class: className }, text.split(/\n\s*\n/).map(paragraph));
}

// An id usable in a URL fragment for a name from the document.
export function anchor(kind, name) {
  return `${kind}-${String(name).replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

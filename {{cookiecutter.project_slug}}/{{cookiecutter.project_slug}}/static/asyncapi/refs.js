// Local JSON pointers ("#/components/schemas/User") of an AsyncAPI document.

export function pointer(document, ref) {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => (node === undefined ? undefined : node[key]), document);
}

// The object a $ref chain ends at, and the last component name on the way ("User"), if any.
export function resolve(document, node) {
  let name = null;
  const seen = new Set();
  while (node && typeof node === "object" && typeof node.$ref === "string" && !seen.has(node.$ref)) {
    seen.add(node.$ref);
    const match = node.$ref.match(/^#\/components\/\w+\/([^/]+)$/);
    if (match) name = decodeURIComponent(match[1]);
    node = pointer(document, node.$ref);
  }
  return { node: node || {}, name };
}

// The key a "#/channels/<key>" or "#/operations/<key>" reference points at.
export function refKey(ref) {
  return ref ? decodeURIComponent(ref.split("/").pop()).replace(/~1/g, "/").replace(/~0/g, "~") : null;
}

// A JSON Schema as a readable tree: each property with its type and the constraints a client must meet.
import { anchor, el, prose } from "./dom.js";
import { resolve } from "./refs.js";

const MAX_DEPTH = 6; // deeper (or recursive) schemas end in a link to their component

const CONSTRAINTS = [
  ["format", (v) => `format: ${v}`],
  ["minLength", (v) => `min length ${v}`],
  ["maxLength", (v) => `max length ${v}`],
  ["minimum", (v) => `≥ ${v}`],
  ["exclusiveMinimum", (v) => `> ${v}`],
  ["maximum", (v) => `≤ ${v}`],
  ["exclusiveMaximum", (v) => `< ${v}`],
  ["pattern", (v) => `pattern ${v}`],
  ["minItems", (v) => `min items ${v}`],
  ["maxItems", (v) => `max items ${v}`],
  ["uniqueItems", (v) => (v ? "unique items" : null)],
];

function types(schema) {
  const declared = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return declared;
}

// {"type": "null"}: the "or null" of an optional value, shown as the nullable badge rather than an option.
function isNullSchema(document, node) {
  const declared = types(resolve(document, node).node);
  return declared.length === 1 && declared[0] === "null";
}

function isNullable(schema, document) {
  if (schema.nullable === true || types(schema).includes("null")) return true;
  return (schema.oneOf || schema.anyOf || []).some((option) => types(resolve(document, option).node).includes("null"));
}

// "string", "array of User", "integer | string", "any".
export function typeLabel(document, node) {
  const { node: schema, name } = resolve(document, node);
  if (name && node.$ref) return name;
  const declared = types(schema).filter((type) => type !== "null");
  if (declared.includes("array") || (!declared.length && schema.items)) {
    const items = schema.items ? typeLabel(document, schema.items) : "any";
    return `array of ${items}`;
  }
  if (declared.length) return declared.join(" | ");
  if (schema.const !== undefined) return typeof schema.const;
  if (schema.enum) return "enum";
  if (schema.properties) return "object";
  const options = schema.oneOf || schema.anyOf;
  if (options) {
    const labels = options.filter((option) => !isNullSchema(document, option)).map((option) => typeLabel(document, option));
    return labels.join(" | ") || "null";
  }
  return "any";
}

function json(value) {
  return JSON.stringify(value);
}

function badges(document, schema, required) {
  const list = [];
  if (required) list.push(["required", "required"]);
  if (schema.readOnly) list.push(["read-only", "readonly"]);
  if (schema.writeOnly) list.push(["write-only", "writeonly"]);
  if (isNullable(schema, document)) list.push(["nullable", "nullable"]);
  if (schema.deprecated) list.push(["deprecated", "deprecated"]);
  return list.map(([text, kind]) => el("span", { class: `asyncapi-badge asyncapi-badge-${kind}` }, text));
}

function facts(schema) {
  const list = [];
  if (schema.const !== undefined) list.push(el("span", { class: "asyncapi-fact" }, "= ", el("code", {}, json(schema.const))));
  if (schema.enum) {
    list.push(el("span", { class: "asyncapi-fact" }, "one of ", schema.enum.flatMap((value, i) => [i ? ", " : "", el("code", {}, json(value))])));
  }
  if (schema.default !== undefined) list.push(el("span", { class: "asyncapi-fact" }, "default ", el("code", {}, json(schema.default))));
  for (const [key, describe] of CONSTRAINTS) {
    if (schema[key] === undefined) continue;
    const text = describe(schema[key]);
    if (text) list.push(el("span", { class: "asyncapi-fact" }, text));
  }
  if (schema.examples?.length) {
    list.push(el("span", { class: "asyncapi-fact" }, "e.g. ", el("code", {}, json(schema.examples[0]))));
  }
  return list;
}

// The children of a schema: its properties, its items, its alternatives.
function body(document, schema, depth, trail) {
  const parts = [];
  if (schema.properties) {
    const required = new Set(schema.required || []);
    parts.push(
      el(
        "ul",
        { class: "asyncapi-properties" },
        Object.entries(schema.properties).map(([name, property]) =>
          el("li", {}, field(document, name, property, required.has(name), depth + 1, trail)),
        ),
      ),
    );
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    parts.push(el("ul", { class: "asyncapi-properties" }, el("li", {}, field(document, "<any key>", schema.additionalProperties, false, depth + 1, trail))));
  }
  const items = schema.items && !Array.isArray(schema.items) ? schema.items : null;
  if (items) {
    const inner = resolve(document, items).node;
    if (inner.properties || inner.oneOf || inner.anyOf || inner.allOf) parts.push(field(document, "items", items, false, depth + 1, trail));
  }
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    const options = (schema[key] || []).filter((option) => !isNullSchema(document, option));
    if (!options.length || (options.length === 1 && key !== "allOf" && !resolve(document, options[0]).node.properties)) continue;
    const title = { oneOf: "one of", anyOf: "any of", allOf: "all of" }[key];
    parts.push(
      el(
        "div",
        { class: "asyncapi-alternatives" },
        el("span", { class: "asyncapi-alternatives-title" }, title),
        el("ol", {}, options.map((option, i) => el("li", {}, field(document, `option ${i + 1}`, option, false, depth + 1, trail)))),
      ),
    );
  }
  return parts;
}

// One named schema: "name  type  badges  constraints", its description, then its children.
export function field(document, name, node, required, depth = 0, trail = []) {
  const { node: schema, name: component } = resolve(document, node);
  const head = el(
    "div",
    { class: "asyncapi-field-head" },
    el("code", { class: "asyncapi-field-name" }, name),
    component && node.$ref
      ? el("a", { class: "asyncapi-type", href: `#${anchor("schema", component)}` }, typeLabel(document, node))
      : el("span", { class: "asyncapi-type" }, typeLabel(document, node)),
    badges(document, schema, required),
    facts(schema),
  );
  const wrapper = el("div", { class: "asyncapi-field" }, head, prose(schema.description || node.description, "asyncapi-field-description"));
  if (component && trail.includes(component)) return wrapper; // recursive: the link is enough
  if (depth > MAX_DEPTH) return wrapper;
  const children = body(document, schema, depth, component ? [...trail, component] : trail);
  if (children.length) wrapper.append(el("div", { class: "asyncapi-field-body" }, children));
  return wrapper;
}

// A whole payload: its type line and its properties.
export function schemaTree(document, node, label = "payload") {
  return el("div", { class: "asyncapi-schema" }, field(document, label, node, false));
}

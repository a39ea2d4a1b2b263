// Reading an AsyncAPI document's schemas: local $refs resolved into the document, and a JSON value
// built from a schema to start a payload from (the values the schema names, else typed placeholders).

import { resolve } from "./refs.js";

const MAX_DEPTH = 8; // a recursive schema stops growing the template here

/** The schema a local `$ref` ("#/components/schemas/X") points at, followed until it is not a reference. */
export function resolveSchema(schema, root) {
  return resolve(root, schema).node;
}

/** The JSON types a schema allows, `null` last. */
export function typesOf(schema) {
  if (Array.isArray(schema.type)) return [...schema.type].sort((a, b) => (a === "null") - (b === "null"));
  if (schema.type) return [schema.type];
  if (schema.properties) return ["object"];
  if (schema.items) return ["array"];
  return [];
}

/** A fresh request id, so that the reply to each frame sent can be told apart. */
export function freshRequestId() {
  const random =
    globalThis.crypto && crypto.randomUUID ? crypto.randomUUID().slice(0, 8) : Math.random().toString(16).slice(2, 10);
  return `console-${random}`;
}

function stringPlaceholder(schema) {
  const byFormat = {
    email: "user@example.com",
    "date-time": new Date().toISOString(),
    date: new Date().toISOString().slice(0, 10),
    time: new Date().toISOString().slice(11, 19),
    uri: "https://example.com/",
    url: "https://example.com/",
    uuid: globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : "00000000-0000-4000-8000-000000000000",
  };
  let text = byFormat[schema.format] ?? "string";
  if (schema.minLength && text.length < schema.minLength) text = text.padEnd(schema.minLength, "x");
  if (schema.maxLength !== undefined && text.length > schema.maxLength) text = text.slice(0, schema.maxLength);
  return text;
}

function firstExample(schema) {
  if (Array.isArray(schema.examples) && schema.examples.length) return { found: true, value: schema.examples[0] };
  if (schema.example !== undefined) return { found: true, value: schema.example };
  return { found: false };
}

/**
 * A value for `schema`: its const, first example, default or first enum member; else a placeholder of its
 * type. Objects get their required properties (and those with a value of their own to show); arrays one item.
 */
export function template(schema, root, depth = 0) {
  const node = resolveSchema(schema, root);
  if (node.const !== undefined) return node.const;
  const example = firstExample(node);
  if (example.found) return example.value;
  if (node.default !== undefined) return node.default;
  if (Array.isArray(node.enum) && node.enum.length) return node.enum[0];
  if (Array.isArray(node.allOf) && node.allOf.length) {
    return node.allOf.reduce((merged, part) => {
      const value = template(part, root, depth + 1);
      return value && typeof value === "object" && !Array.isArray(value) ? { ...merged, ...value } : merged;
    }, {});
  }
  for (const key of ["oneOf", "anyOf"]) {
    const choices = (node[key] || []).filter((choice) => !typesOf(resolveSchema(choice, root)).includes("null"));
    if (choices.length) return template(choices[0], root, depth + 1);
  }
  const type = typesOf(node)[0];
  if (depth > MAX_DEPTH) return type === "object" ? {} : type === "array" ? [] : null;
  switch (type) {
    case "object":
      return objectTemplate(node, root, depth);
    case "array":
      return node.items && (node.minItems || 0) > 0 ? [template(node.items, root, depth + 1)] : [];
    case "string":
      return stringPlaceholder(node);
    case "integer":
    case "number":
      return node.minimum ?? (node.exclusiveMinimum !== undefined ? node.exclusiveMinimum + 1 : 0);
    case "boolean":
      return false;
    default:
      return null;
  }
}

function objectTemplate(schema, root, depth) {
  const required = new Set(schema.required || []);
  const result = {};
  for (const [name, property] of Object.entries(schema.properties || {})) {
    const node = resolveSchema(property, root);
    const hasOwnValue = node.const !== undefined || node.default !== undefined || firstExample(node).found;
    if (required.has(name) || hasOwnValue) result[name] = template(property, root, depth + 1);
  }
  return result;
}

/** The starting payload of an action: its template, `action` first, with a fresh `request_id` when it takes one. */
export function payloadTemplate(schema, root, wireName) {
  const node = resolveSchema(schema, root);
  const body = template(node, root);
  const payload = { action: wireName, ...(body && typeof body === "object" && !Array.isArray(body) ? body : {}) };
  if (!node.properties || "request_id" in node.properties) payload.request_id = freshRequestId();
  return payload;
}

// Checking a payload against its action's schema before it is sent: the JSON Schema keywords the
// generated document uses (type, const, enum, required, properties, items, lengths, bounds, formats,
// allOf/anyOf/oneOf). It tells the user what the server would refuse; it is no full validator.

import { resolveSchema, typesOf } from "./schema-template.js";

const FORMATS = {
  email: /^[^@\s]+@[^@\s]+$/,
  "date-time": /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uri: /^[a-z][a-z0-9+.-]*:/i,
};

function typeOfValue(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value, type) {
  const actual = typeOfValue(value);
  return actual === type || (type === "number" && actual === "integer");
}

function where(path) {
  return path || "payload";
}

/** The problems of `value` against `schema`, as [{path, message}]; none when it conforms. */
export function check(value, schema, root, path = "") {
  const node = resolveSchema(schema, root);
  const problems = [];
  const add = (message) => problems.push({ path: where(path), message });

  if (node.const !== undefined && JSON.stringify(value) !== JSON.stringify(node.const)) {
    add(`must be ${JSON.stringify(node.const)}`);
    return problems;
  }
  if (Array.isArray(node.enum) && !node.enum.some((choice) => JSON.stringify(choice) === JSON.stringify(value))) {
    add(`must be one of ${node.enum.map((choice) => JSON.stringify(choice)).join(", ")}`);
    return problems;
  }
  const types = typesOf(node);
  if (node.nullable && value === null) return problems;
  if (types.length && !types.some((type) => matchesType(value, type))) {
    add(`must be ${types.join(" or ")}, not ${typeOfValue(value)}`);
    return problems;
  }
  for (const part of node.allOf || []) problems.push(...check(value, part, root, path));
  for (const key of ["anyOf", "oneOf"]) {
    const choices = node[key] || [];
    if (choices.length && !choices.some((choice) => check(value, choice, root, path).length === 0)) {
      add(`matches none of the ${choices.length} allowed shapes`);
    }
  }

  if (typeof value === "string") {
    if (node.minLength !== undefined && value.length < node.minLength) add(`is shorter than ${node.minLength}`);
    if (node.maxLength !== undefined && value.length > node.maxLength) add(`is longer than ${node.maxLength}`);
    if (node.pattern && !new RegExp(node.pattern, "u").test(value)) add(`does not match ${node.pattern}`);
    if (FORMATS[node.format] && !FORMATS[node.format].test(value)) add(`is not a valid ${node.format}`);
  }
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) add(`is less than ${node.minimum}`);
    if (node.maximum !== undefined && value > node.maximum) add(`is more than ${node.maximum}`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum)
      add(`must be more than ${node.exclusiveMinimum}`);
    if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum)
      add(`must be less than ${node.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) add(`needs at least ${node.minItems} items`);
    if (node.maxItems !== undefined && value.length > node.maxItems) add(`takes at most ${node.maxItems} items`);
    if (node.items)
      value.forEach((item, index) => problems.push(...check(item, node.items, root, `${path}[${index}]`)));
  }
  if (typeOfValue(value) === "object") {
    const properties = node.properties || {};
    for (const name of node.required || []) {
      if (!(name in value)) problems.push({ path: path ? `${path}.${name}` : name, message: "is required" });
    }
    for (const [name, item] of Object.entries(value)) {
      const itemPath = path ? `${path}.${name}` : name;
      if (name in properties) problems.push(...check(item, properties[name], root, itemPath));
      else if (node.additionalProperties === false)
        problems.push({ path: itemPath, message: "is not an argument of this action" });
      else if (node.additionalProperties && typeof node.additionalProperties === "object") {
        problems.push(...check(item, node.additionalProperties, root, itemPath));
      }
    }
  }
  return problems;
}

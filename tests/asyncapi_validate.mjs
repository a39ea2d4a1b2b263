// Validate AsyncAPI documents with the official parser, one node process for all of them.
//
// Usage: node asyncapi_validate.mjs <parser install dir> <document>...
// Prints one JSON object per document, one per line, in the order given:
//   {"file", "parsed", "counts": {"channels", "operations", "messages"} | null,
//    "diagnostics": [{"code", "severity", "path", "message"}]}
// severity as the parser reports it: 0 error, 1 warning, 2 information, 3 hint. A document with an error
// does not parse ("parsed": false, no counts). The exit status is non-zero only when validation itself
// could not run; invalid documents are reported, not thrown.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [installDir, ...files] = process.argv.slice(2);
if (!installDir || files.length === 0) {
  console.error("usage: node asyncapi_validate.mjs <parser install dir> <document>...");
  process.exit(2);
}
// The parser lives in its own npm prefix (the test run's cache), not next to this script.
const require = createRequire(join(resolve(installDir), "package.json"));
const { Parser } = require("@asyncapi/parser");
const parser = new Parser();

function describe(diagnostic) {
  return {
    code: String(diagnostic.code),
    severity: diagnostic.severity,
    path: diagnostic.path.map(String),
    message: diagnostic.message,
  };
}

async function validate(file) {
  const source = resolve(file);
  try {
    const { document, diagnostics } = await parser.parse(await readFile(source, "utf8"), { source });
    const counts = document && {
      channels: document.channels().length,
      operations: document.operations().length,
      messages: document.allMessages().length,
    };
    return { file, parsed: Boolean(document), counts: counts || null, diagnostics: diagnostics.map(describe) };
  } catch (error) {
    const diagnostic = { code: "validator", severity: 0, path: [], message: String(error?.stack || error) };
    return { file, parsed: false, counts: null, diagnostics: [diagnostic] };
  }
}

for (const file of files) {
  process.stdout.write(`${JSON.stringify(await validate(file))}\n`);
}

#!/usr/bin/env node
// Formats a bibliography with citeproc-js, the CSL processor of Zotero and Mendeley, for
// tests/test_citeproc_js.py, which compares its entries with ours.
//
// stdin:  {"style": "<CSL XML>", "locale": "<en-US locale XML>",
//          "items": [CSL-JSON items], "format": "text" | "html"}
// stdout: a JSON array of the entries, one string each, in the processor's order
//         (text: no trailing line break; html: the inside of each <div class="csl-entry">).
// A failure is a message on stderr and exit status 1.
"use strict";

const CSL = require("citeproc");

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function render({ style, locale, items, format }) {
  if (!["text", "html"].includes(format)) {
    throw new Error(`format must be "text" or "html", not ${JSON.stringify(format)}`);
  }
  const byId = new Map(items.map((item) => [String(item.id), item]));
  const sys = {
    // Only the one locale we are given (the one citeproc-py uses): the comparison is of
    // processors, not of locale versions. citeproc-js falls back to en-US for others.
    retrieveLocale: (lang) => (lang === "en-US" ? locale : undefined),
    retrieveItem: (id) => byId.get(String(id)),
  };
  const engine = new CSL.Engine(sys, style, "en-US", true);
  engine.setOutputFormat(format);
  engine.updateItems(items.map((item) => String(item.id)));
  const [params, entries] = engine.makeBibliography();
  if (params.bibliography_errors && params.bibliography_errors.length) {
    throw new Error(`bibliography errors: ${JSON.stringify(params.bibliography_errors)}`);
  }
  return entries.map((entry) => {
    const trimmed = entry.trim();
    if (format === "text") return trimmed;
    const match = /^<div class="csl-entry">([\s\S]*)<\/div>$/.exec(trimmed);
    if (!match) throw new Error(`unexpected HTML entry: ${trimmed}`);
    return match[1];
  });
}

readStdin()
  .then((text) => {
    process.stdout.write(JSON.stringify(render(JSON.parse(text))) + "\n");
  })
  .catch((error) => {
    process.stderr.write(`render.js: ${error.stack || error}\n`);
    process.exit(1);
  });

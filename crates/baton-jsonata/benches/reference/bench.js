// Reference side of `cargo bench -p baton-jsonata --bench compare`: the npm `jsonata` package
// (pinned to 2.2.2 by package.json / package-lock.json) under node.
//
// Reads a JSON spec on stdin: {"millis": <measuring time per case>, "input": <document>,
// "cases": [{"name", "expr"}]} and prints one JSON line: {"node", "jsonata", "results":
// [{"name", "evals_per_sec", "result", "undefined"}]} (or {"name", "error"} per failing case).
//
// Each expression is compiled once and evaluated in a warm loop against the already parsed
// document. jsonata 2.x `evaluate` is an async function, so every evaluation is awaited: that
// is the cost a caller of the reference pays. Like the Rust side, a warm-up period is followed
// by three timed rounds, of which the fastest counts.
'use strict';

const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const JSONATA_VERSION = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve('jsonata')), 'package.json'), 'utf8'),
).version;

const BATCH = 64;
const ROUNDS = 3;

async function timed(expr, input, millis) {
  const limit = BigInt(Math.round(millis * 1e6));
  const start = process.hrtime.bigint();
  let n = 0;
  let elapsed;
  do {
    for (let i = 0; i < BATCH; i++) {
      await expr.evaluate(input);
    }
    n += BATCH;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return n / (Number(elapsed) / 1e9);
}

async function measure(expr, input, millis) {
  await timed(expr, input, Math.max(200, millis / 2));
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    best = Math.max(best, await timed(expr, input, millis / ROUNDS));
  }
  return best;
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(0, 'utf8'));
  const results = [];
  for (const c of spec.cases) {
    try {
      const expr = jsonata(c.expr);
      const result = await expr.evaluate(spec.input);
      const rate = await measure(expr, spec.input, spec.millis);
      results.push({
        name: c.name,
        evals_per_sec: rate,
        result: result === undefined ? null : result,
        undefined: result === undefined,
      });
    } catch (e) {
      results.push({ name: c.name, error: String((e && (e.code || e.message)) || e) });
    }
  }
  process.stdout.write(
    JSON.stringify({ node: process.version, jsonata: JSONATA_VERSION, results }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n');
  process.exit(1);
});

// Generates the corpora in this folder: random JSONata expressions evaluated by the reference
// implementation against the documents in docs.json. Not part of the build; to regenerate:
//   mkdir /tmp/ref && cd /tmp/ref && npm install jsonata@2.2.2
//   NODE_PATH=/tmp/ref/node_modules node generate.js 7 3000 > reference-2.2.2.jsonl
//   MODE=typed NODE_PATH=/tmp/ref/node_modules node generate.js 5 2000 > reference-typed-2.2.2.jsonl
//   MODE=paths NODE_PATH=/tmp/ref/node_modules node generate.js 3 2000 > reference-paths-2.2.2.jsonl
//   MODE=funcs NODE_PATH=/tmp/ref/node_modules node generate.js 21 2000 > reference-funcs-2.2.2.jsonl
// Each line: {"expr", "doc", "expect"} with expect one of {"ok": value}, {"undef": true} or
// {"err": code}; an error case also carries "anyErr": true when the expression builds an array of
// several items, because the reference evaluates those items concurrently (Promise.all) and
// which item's error surfaces first depends on scheduling. Expressions on which the reference crashes (an exception without a JSONata
// code), returns a function or a non-finite number, or that use $random/$now/$millis/$shuffle
// are left out.
'use strict';
const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');
const docs = JSON.parse(fs.readFileSync(path.join(__dirname, 'docs.json'), 'utf8'));
let seed = Number(process.argv[2] || 1);
const N = Number(process.argv[3] || 100);
function rnd() { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; }
function pick(a) { return a[Math.floor(rnd() * a.length)]; }
function int(n) { return Math.floor(rnd() * n); }

const NAMES = ['a', 'b', 'c', 'name', 'price', 'qty', 'tags', 'items', 'id', 'nested', 'x', 'y'];
const PATHS = ['items[]', 'items.tags[]', 'c[]', '[c, [c]]', '[[1,2],[3]]', '[[1,2],[3]].$', '[[1,2],[3]][0]',
  'items.tags[0]', 'items.tags[-1]', '*', '*[0]', '**', 'nested.**', '[1..4]', '[3..1]', 'items[qty > 1][0]',
  'items.name[0]', '(items.name)[0]', 'items[0].tags[1]', 'items@$o.tags@$t.{"o": $o.id, "t": $t}',
  'items#$pos.{"p": $pos}', 'items^(qty, >price).name', 'items{tags: $count(name)}', 'items{$string(qty): name}',
  'items.{"name": name, "parent": %.a}', '$each(nested, function($v, $k){$k})', '$sift(nested, function($v){$v})',
  '$keys(items)', '$lookup(items, "name")', '$spread(nested)', '$merge(items)', 'items.$uppercase(name)',
  '$substring(y, 1, 3)', '$substring(y, -3)', '$split(y, "l")', '$split(y, /l+/)', '$match(y, /l(o)/)',
  '$replace(y, "l", "L")', '$replace(y, /(l+)/, "[$1]")', '$replace(y, /o/, function($m){$uppercase($m.match)})',
  '$contains(y, /ell/)', '$pad(b, 6, "*")', '$pad(b, -6)', '$join(items.name, "-")', '$string(items[0])',
  '$string(x * 3.3)', '$string(1/3)', '$number("12.50")', '$round(x, 1)', '$round(2.5)', '$round(-1.55, 1)',
  '$formatNumber(x, "#,##0.00")', '$formatInteger(a, "w")', '$distinct(items.tags)', '$reverse(c)', '$zip(c, c)',
  '$sort(items.name)', '$sort(items, function($l, $r){$l.price < $r.price})', '$append(c, [4])', '$type(nested)',
  'items ~> $count()', '$map(c, $string)', '$filter(c, function($v){$v % 2})', '$single(c, function($v){$v = 2})',
  '$reduce(c, function($a, $b, $i){$a + $b * $i}, 10)', '($f := $substring(?, 0, 2); $f(y))',
  '($g := $uppercase ~> $substringBefore(?, "L"); $g(y))', '(c ~> $map(function($v){$v * 2}))[]',
  '$ ~> |items|{"total": price * qty}, ["tags"]|', '$ ~> |nested.a|{"z": 1}|', 'items[$contains(name, "e")]',
  'items[tags in ["red"]]', '"red" in items.tags', 'items.price[$ > 2]', '$average(items.price)',
  '$max(items.qty) - $min(items.qty)', '$sum(items.(price * qty))', 'items[0].name & items[1].name',
  '$exists(nested.c)', '$boolean(nested.c)', '$not(items)', 'c[$ > 1] = [2, 3]', 'items.tags = "red"',
  '$count(items.tags)', '$string(nested)', '$string(items, true)', '$length(y)', '$trim("  a   b ")',
  '$now() ? 1 : 0', '$assert(true)', '$eval("1 + 2")', '$eval("$$.a", nested)', '$clone(nested)',
  'items', 'items.price', 'items.qty', 'items[0]', 'items[-1].name', 'items[price > 2]', 'items.tags',
  'nested.a.b', 'nested.*', '**.price', '*.id', 'items.(price * qty)', 'items#$i[$i > 0].name', 'items@$it.tags',
  'items.tags.%.name', 'items^(price)', 'items^(>name).id', 'items{name: price}', 'items.{"n": name}', '$', '$$',
  'x', 'y', 'items[tags = "red"]', 'items[0..1]', 'nested.a', 'c', 'b', 'a'];
const FUNCS1 = ['$string', '$length', '$uppercase', '$lowercase', '$trim', '$number', '$abs', '$floor', '$ceil',
  '$round', '$sqrt', '$boolean', '$not', '$exists', '$count', '$sum', '$max', '$min', '$average', '$keys',
  '$spread', '$merge', '$reverse', '$distinct', '$type', '$sort', '$append', '$lookup', '$join', '$split',
  '$substring', '$substringBefore', '$substringAfter', '$contains', '$pad', '$replace', '$match', '$zip',
  '$base64encode', '$encodeUrlComponent', '$formatBase', '$formatNumber', '$power', '$each', '$sift', '$single',
  '$string', '$clone'];
const OPS = ['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', '&', 'and', 'or', 'in', '??', '?:'];
const STRS = ['"a"', '"hello world"', '"  x  y "', '"red"', '""', '"1.5"', '"abc,def,,g"', '"#0.00"', '"é"'];

function literal() {
  switch (int(7)) {
    case 0: return String(int(10) - 3);
    case 1: return pick(['1.5', '0.1', '2e3', '100', '-0.5', '3']);
    case 2: return pick(STRS);
    case 3: return pick(['true', 'false', 'null']);
    case 4: return '[' + [1, 2, 3].slice(0, int(4)).map(() => literal()).join(', ') + ']';
    case 5: return '{' + [1, 2].slice(0, int(3)).map(() => pick(STRS) + ': ' + literal()).join(', ') + '}';
    default: return pick(['/[a-z]+/', '/l+/i', '/(\\w)(\\d)?/']);
  }
}

function gen(d) {
  if (d <= 0) return rnd() < 0.5 ? literal() : pick(PATHS);
  switch (int(13)) {
    case 0: case 1: return pick(PATHS);
    case 2: return literal();
    case 3: return '(' + gen(d - 1) + ' ' + pick(OPS) + ' ' + gen(d - 1) + ')';
    case 4: case 5: {
      const f = pick(FUNCS1);
      const n = int(4);
      const args = [];
      for (let i = 0; i < n; i++) args.push(gen(d - 1));
      return f + '(' + args.join(', ') + ')';
    }
    case 6: return '(' + gen(d - 1) + ' ? ' + gen(d - 1) + ' : ' + gen(d - 1) + ')';
    case 7: return '($v := ' + gen(d - 1) + '; ' + gen(d - 1) + ' & $string($v))';
    case 8: return pick(['$map', '$filter']) + '(' + gen(d - 1) + ', function($v, $i){ ' + gen(d - 1) + ' })';
    case 9: return '$reduce(' + gen(d - 1) + ', function($a, $b){ $a + $b })';
    case 10: return gen(d - 1) + '[' + gen(d - 1) + ']';
    case 11: return gen(d - 1) + '.' + pick(NAMES.concat(['$string()', '$', '($ & "!")', '{"k": $}']));
    default: return '[' + gen(d - 1) + ', ' + gen(d - 1) + ']';
  }
}

// Typed generation (MODE=typed): well-typed expressions, so that most cases produce values.
function genT(t, d) {
  const leaf = d <= 0 || rnd() < 0.3;
  switch (t) {
    case 'n':
      if (leaf) return pick(['a', 'x', 'items[0].price', 'items[1].qty', '3', '-2', '0.1', '1.5', '2e2', '7', '$count(c)', 'nested.a.b[1]']);
      switch (int(9)) {
        case 0: return '(' + genT('n', d - 1) + ' ' + pick(['+', '-', '*', '/', '%']) + ' ' + genT('n', d - 1) + ')';
        case 1: return pick(['$round', '$floor', '$ceil', '$abs', '$sqrt']) + '(' + genT('n', d - 1) + ')';
        case 2: return '$round(' + genT('n', d - 1) + ', ' + pick(['0', '1', '2', '-1']) + ')';
        case 3: return pick(['$sum', '$max', '$min', '$average', '$count']) + '(' + genT('a', d - 1) + ')';
        case 4: return '$length(' + genT('s', d - 1) + ')';
        case 5: return '$number(' + pick(['"12"', '"-3.5"', '"1e3"', 'true', '"0x1F"']) + ')';
        case 6: return '$power(' + genT('n', d - 1) + ', ' + pick(['2', '0.5', '-1', '3']) + ')';
        case 7: return '$reduce(' + genT('a', d - 1) + ', function($p, $q){ $p + ($q ? 1 : 0) }, 0)';
        default: return '(' + genT('b', d - 1) + ' ? ' + genT('n', d - 1) + ' : ' + genT('n', d - 1) + ')';
      }
    case 's':
      if (leaf) return pick(['y', 'b', 'items[0].name', '"Hello, World"', '"a-b-c"', '"  padded  "', '"ÄÖü"', '"😀x"', '""']);
      switch (int(10)) {
        case 0: return '(' + genT('s', d - 1) + ' & ' + genT(pick(['s', 'n', 'b']), d - 1) + ')';
        case 1: return pick(['$uppercase', '$lowercase', '$trim', '$string', '$base64encode', '$encodeUrlComponent', '$encodeUrl']) + '(' + genT('s', d - 1) + ')';
        case 2: return '$substring(' + genT('s', d - 1) + ', ' + pick(['0', '1', '-2', '2']) + (rnd() < 0.5 ? ', ' + pick(['1', '3', '0']) : '') + ')';
        case 3: return pick(['$substringBefore', '$substringAfter']) + '(' + genT('s', d - 1) + ', ' + pick(['"-"', '","', '"l"', '"o"']) + ')';
        case 4: return '$string(' + genT(pick(['n', 'a', 'o', 'b']), d - 1) + ')';
        case 5: return '$join(' + genT('a', d - 1) + '.$string(), ' + pick(['","', '""', '" | "']) + ')';
        case 6: return '$pad(' + genT('s', d - 1) + ', ' + pick(['5', '-5', '8']) + (rnd() < 0.5 ? ', "#"' : '') + ')';
        case 7: return '$replace(' + genT('s', d - 1) + ', ' + pick(['"l"', '/[aeiou]/', '/(\\w)(\\w)/', '"-"']) + ', ' + pick(['"_"', '"$1$1"', '"[$0]"', '""']) + ')';
        case 8: return '$formatNumber(' + genT('n', d - 1) + ', ' + pick(['"#,##0.00"', '"0.0"', '"#%"', '"000"']) + ')';
        default: return '$formatBase(' + genT('n', d - 1) + ', ' + pick(['2', '16', '36']) + ')';
      }
    case 'b':
      if (leaf) return pick(['true', 'false', '(a = 1)', '(y = "hello")', '$exists(nested.c)']);
      switch (int(6)) {
        case 0: return '(' + genT('n', d - 1) + ' ' + pick(['<', '<=', '>', '>=', '=', '!=']) + ' ' + genT('n', d - 1) + ')';
        case 1: return '(' + genT('s', d - 1) + ' ' + pick(['<', '=', '!=', '>']) + ' ' + genT('s', d - 1) + ')';
        case 2: return '(' + genT('b', d - 1) + ' ' + pick(['and', 'or']) + ' ' + genT('b', d - 1) + ')';
        case 3: return '$contains(' + genT('s', d - 1) + ', ' + pick(['"l"', '/L/i', '"x"']) + ')';
        case 4: return '(' + genT('n', d - 1) + ' in ' + genT('a', d - 1) + ')';
        default: return pick(['$boolean', '$not']) + '(' + genT(pick(['a', 's', 'n', 'o']), d - 1) + ')';
      }
    case 'a':
      if (leaf) return pick(['c', 'items.name', 'items.price', 'items.tags', '[1..5]', '[3, 1, 2]', '["b", "a", "c"]', '[]', 'nested.a.b', '$keys(nested)']);
      switch (int(12)) {
        case 0: return '$map(' + genT('a', d - 1) + ', function($v, $i){ ' + pick(['$v', '$i', '$string($v)', '[$v, $i]', '{"v": $v}']) + ' })';
        case 1: return '$filter(' + genT('a', d - 1) + ', function($v, $i){ ' + pick(['$i > 0', '$v', '$not($v)', '$type($v) = "number"']) + ' })';
        case 2: return '$sort(' + pick(['c', 'items.name', 'items.price', '[3, 1, 2]', '["b", "a"]']) + ')';
        case 3: return '$append(' + genT('a', d - 1) + ', ' + genT(pick(['a', 'n', 's']), d - 1) + ')';
        case 4: return '$reverse(' + genT('a', d - 1) + ')';
        case 5: return '$distinct(' + genT('a', d - 1) + ')';
        case 6: return '$split(' + genT('s', d - 1) + ', ' + pick(['""', '","', '" "', '/[,-]/', '"l"']) + (rnd() < 0.4 ? ', 2' : '') + ')';
        case 7: return '$zip(' + genT('a', d - 1) + ', ' + genT('a', d - 1) + ')';
        case 8: return '[' + genT(pick(['n', 's', 'a']), d - 1) + ', ' + genT(pick(['n', 's', 'a']), d - 1) + ']';
        case 9: return genT('a', d - 1) + '[' + pick(['0', '-1', '$ > 1', '[0, 2]', '1..2', '$type($) = "string"']) + ']';
        case 10: return '$match(' + genT('s', d - 1) + ', ' + pick(['/l/', '/[A-Z]/', '/(\\w)(\\d)?/', '/o(.)/']) + ').' + pick(['match', 'index', 'groups']);
        default: return '$spread(' + genT('o', d - 1) + ')';
      }
    default: // object
      if (leaf) return pick(['nested', 'items[0]', 'nested.d', '{}', '{"k": 1, "2": "two", "1": 1}']);
      switch (int(6)) {
        case 0: return '$merge([' + genT('o', d - 1) + ', ' + genT('o', d - 1) + '])';
        case 1: return '{' + genT('s', d - 1) + ': ' + genT(pick(['n', 's', 'a']), d - 1) + '}';
        case 2: return 'items{' + pick(['name', 'id', '$string(qty)']) + ': ' + pick(['price', '$sum(qty)', 'tags', '$count(name)']) + '}';
        case 3: return '$sift(' + genT('o', d - 1) + ', function($v, $k){ ' + pick(['$k != "a"', '$v', '$type($v) = "object"']) + ' })';
        case 4: return '(' + genT('o', d - 1) + ' ~> |$|{"added": ' + genT('n', d - 1) + '}|)';
        default: return '$lookup([' + genT('o', d - 1) + '], "a") ? ' + genT('o', d - 1) + ' : {}';
      }
  }
}

// Path generation (MODE=paths): location paths with predicates, bindings, parents, sorting
// and grouping over the nested documents.
function genPath(d) {
  const firsts = ['items', 'nested', '$', '*', '**', 'c', 'items[]', '$$.items'];
  const nexts = ['name', 'price', 'qty', 'tags', 'id', 'a', 'b', 'd', 'e', '*', 'items'];
  const preds = ['[0]', '[-1]', '[1]', '[price > 2]', '[qty >= 2]', '[tags = "red"]', '[$ = "red"]', '[name]',
    '[$i > 0]', '[%.a = 1]', '[$contains($string($), "e")]', '[[0, 2]]', '[0..1]', '[]'];
  let p = pick(firsts);
  let bound = [];
  const steps = 1 + int(4);
  for (let i = 0; i < steps; i++) {
    if (i > 0) p += '.' + pick(nexts);
    const r = rnd();
    if (r < 0.3) p += pick(preds).replace('$i', bound.includes('$i') ? '$i' : '0');
    else if (r < 0.4 && !bound.includes('$i')) { p += '#$i'; bound.push('$i'); }
    else if (r < 0.5 && !bound.includes('$v')) { p += '@$v'; bound.push('$v'); }
  }
  const tail = int(8);
  const refs = ['$', '%', '%.name', '%.%.a', 'name', '$string($)'].concat(bound);
  if (tail === 0) p += '^(' + pick(['$', '>$', 'name', '>price', 'qty, name']) + ')';
  else if (tail === 1) p += '{' + pick(['$string($)', 'name', '$type($)', '"k"']) + ': ' + pick(refs.concat(['$count($)', '$sum(price)'])) + '}';
  else if (tail === 2) p += '.{"v": ' + pick(refs) + ', "w": ' + pick(refs) + '}';
  else if (tail === 3) p += '.[' + pick(refs) + ', ' + pick(refs) + ']';
  else if (tail === 4) p = '$count(' + p + ')';
  else if (tail === 5) p = '(' + p + ')[' + pick(['0', '-1', '$type($) = "string"']) + ']';
  return d > 1 && rnd() < 0.3 ? '$string(' + p + ')' : p;
}

// Function generation (MODE=funcs): lambdas, closures, partial application, chaining,
// signatures and higher-order built-ins.
function genF(d) {
  const n = () => genT('n', d - 1);
  const str = () => genT('s', d - 1);
  const arr = () => genT('a', d - 1);
  switch (int(16)) {
    case 0: return '(function($x, $y){ $x ' + pick(['+', '*', '&', '=']) + ' $y })(' + n() + ', ' + n() + ')';
    case 1: return '($add := function($a){ function($b){ $a + $b } }; $add(' + n() + ')(' + n() + '))';
    // a partially applied built-in is called without signature checks by the reference, so
    // only well-typed arguments are given (JavaScript's coercions of others are not reproduced)
    case 2: return rnd() < 0.8
      ? '($f := ' + pick(['$substring(?, 1)', '$substring(?, 0, 2)', '$pad(?, 6, "*")', '$replace(?, "l", "L")']) + '; $f(' + str() + '))'
      : '($f := $join(?, "+"); $f(' + pick(['items.name', '["b", "a"]', '$keys(nested)', '[]']) + '))';
    case 3: return '(' + str() + ' ~> ' + pick(['$uppercase', '$length', '$trim', '$lowercase ~> $uppercase', '$substring(?, 1) ~> $uppercase']) + ')';
    case 4: return '(' + arr() + ' ~> $map(function($v){ $string($v) }) ~> $join("/"))';
    case 5: return '($fact := function($k){ $k <= 1 ? 1 : $k * $fact($k - 1) }; $fact(' + pick(['0', '1', '5', '10']) + '))';
    case 6: return '($loop := function($k, $acc){ $k = 0 ? $acc : $loop($k - 1, $acc + $k) }; $loop(' + pick(['10', '100', '3']) + ', 0))';
    case 7: return '(function($x)<' + pick(['n:n', 'n-:n', 's:s', 'a<n>:n', '(ns):s', 'x:x']) + '>{ $x })(' + pick([n(), str(), arr()]) + ')';
    case 8: return '$each(' + genT('o', d - 1) + ', function($v, $k){ $k & "=" & $string($v) })';
    case 9: return '$sift(' + genT('o', d - 1) + ', function($v){ $type($v) = ' + pick(['"string"', '"number"', '"array"']) + ' })';
    case 10: return '$reduce(' + arr() + ', function($acc, $v, $i){ $acc & $string($i) & ":" & $string($v) & ";" }, "")';
    case 11: return '$single(' + arr() + ', function($v, $i){ $i = ' + pick(['0', '1', '5']) + ' })';
    case 12: return '$sort(' + arr() + ', function($l, $r){ ' + pick(['$string($l) > $string($r)', '$l < $r', 'false', '$type($l) = "string"']) + ' })';
    case 13: return '($twice := function($f){ function($x){ $f($f($x)) } }; $twice(' + pick(['function($z){$z * 2}', '$uppercase', '$string']) + ')(' + pick([n(), str()]) + '))';
    case 14: return '$map(' + arr() + ', ' + pick(['$string', '$boolean', '$type', '$exists', 'function($v){ $v }', '$uppercase', '$abs']) + ')';
    default: return '$eval(' + pick(['"1 + 2"', '"$ * 2"', '"[1,2,3].($ * 3)"', '"$x := 3"', '"(("', '"$undefinedFn()"']) + ', ' + n() + ')';
  }
}

function plain(v) {
  // reject functions and non-finite numbers anywhere in the result
  if (typeof v === 'function') return false;
  if (typeof v === 'number') return isFinite(v);
  if (Array.isArray(v)) return v.every(plain);
  if (v && typeof v === 'object') {
    if (v._jsonata_lambda || v._jsonata_function) return false;
    return Object.values(v).every(plain);
  }
  return true;
}

async function main() {
  const seen = new Set();
  let made = 0;
  while (made < N) {
    const expr = process.env.MODE === 'typed' ? genT(pick(['n', 's', 'b', 'a', 'o']), 1 + int(4))
      : process.env.MODE === 'paths' ? genPath(1 + int(3))
      : process.env.MODE === 'funcs' ? genF(1 + int(3)) : gen(1 + int(3));
    if (seen.has(expr)) continue;
    seen.add(expr);
    const doc = int(docs.length);
    let expect;
    try {
      const r = await jsonata(expr).evaluate(JSON.parse(JSON.stringify(docs[doc])));
      if (r === undefined) expect = { undef: true };
      else if (!plain(r)) continue;
      else if (/\\u[dD][89a-fA-F]/.test(JSON.stringify(r))) continue; // lone surrogates (escaped by JSON.stringify): not representable in Rust strings
      else expect = { ok: JSON.parse(JSON.stringify(r)) };
    } catch (e) {
      if (e && e.code) {
        expect = { err: e.code };
        if (/\[.*,/.test(expr)) expect.anyErr = true;
      } else continue;
    }
    process.stdout.write(JSON.stringify({ expr, doc, expect }) + '\n');
    made++;
  }
}
main();

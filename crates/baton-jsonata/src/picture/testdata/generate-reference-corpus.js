// Generates the differential corpus in this folder: random calls of the picture functions,
// evaluated by the JSONata reference implementation. Not part of the build; to regenerate:
//   mkdir /tmp/ref && cd /tmp/ref && npm install jsonata@2.2.2
//   NODE_PATH=/tmp/ref/node_modules node generate-reference-corpus.js SEED ROUNDS > reference-2.2.2.jsonl
// Each line: {"fn", "args", "expect"} with expect one of {"ok": value}, {"undef": true},
// {"nan": true} (a non-finite number) or {"err": code}. Calls on which the reference crashes (a
// JavaScript exception without a JSONata code) are left out, and so are letter-numbering parses
// of more than 11 letters (the reference's Math.pow(26, i) is not correctly rounded there). For
// $toMillis with a picture, args[2] is the $millis() of the same evaluation.
'use strict';
const jsonata = require('jsonata');
let seed = Number(process.argv[2] || 1);
const N = Number(process.argv[3] || 100);
function rnd() { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; }
function pick(a) { return a[Math.floor(rnd() * a.length)]; }
function int(n) { return Math.floor(rnd() * n); }

async function run(expr, bindings) {
  try {
    const r = await jsonata(expr).evaluate({}, bindings);
    if (r === undefined) return { undef: true };
    if (typeof r === 'number' && !isFinite(r)) return { nan: true };
    return { ok: r };
  } catch (e) {
    if (e && e.code) return { err: e.code };
    return { crash: String(e && e.message || e) };
  }
}

function number() {
  switch (int(9)) {
    case 0: return 0;
    case 1: return -int(10000);
    case 2: return int(1000000) / pick([1, 10, 100, 1000, 7, 3]);
    case 3: return (rnd() - 0.5) * Math.pow(10, int(30) - 10);
    case 4: return int(100);
    case 5: return Math.pow(10, int(25)) * pick([1, -1, 1.5, 9.99]);
    case 6: return int(5000000000000) - 1e12;
    case 7: return pick([0.5, 1.5, 2.5, -2.5, 0.125, 1.005, 9.995, 99.5, 0.045]);
    default: return Math.round((rnd() - 0.5) * 1e8) / 1000;
  }
}
const FAMILIES = ['0', '0', '0', '0', '\u0660', '\uFF10', '\u0966'];
function digitPattern() {
  const z = pick(FAMILIES).charCodeAt(0);
  let s = '';
  const n = 1 + int(7);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.25 && i < 3) s += '#';
    else if (r < 0.4) s += pick([',', ',', ':', ' ', '.']);
    else s += String.fromCharCode(z + int(10));
  }
  return s;
}
function integerPicture() {
  let p = rnd() < 0.6 ? digitPattern() : pick(['a', 'A', 'i', 'I', 'w', 'W', 'Ww', '#', 'x', '']);
  if (rnd() < 0.3) p += pick([';o', ';c', ';', ';oa']);
  return p;
}
function numberSub() {
  let s = rnd() < 0.2 ? pick(['$', 'PRE ', '(', 'x']) : '';
  let intp = '';
  const n = int(6);
  for (let i = 0; i < n; i++) intp += pick(['#', '#', '0', '0', '0', ',', '9']);
  s += intp;
  if (rnd() < 0.6) {
    s += '.';
    const m = int(5);
    for (let i = 0; i < m; i++) s += pick(['0', '0', '#', '#', ',', '9']);
  }
  if (rnd() < 0.2) s += 'e' + pick(['0', '00', '000', '9', '#', '']);
  if (rnd() < 0.15) s += pick(['%', '\u2030', '%%']);
  if (rnd() < 0.15) s += pick([' units', ')', 'pm', ' each', 'E']);
  return s;
}
function numberPicture() {
  if (rnd() < 0.08) { let s = ''; for (let i = 0; i < 1 + int(6); i++) s += pick('#0,.e%;-+ x9'.split('')); return s; }
  let p = numberSub();
  if (rnd() < 0.2) p += ';' + numberSub();
  return p;
}
const COMPONENTS = 'YMDdFWwXxHhPmsfZzCE'.split('');
const PRES = ['', '', '1', '01', '001', '0001', '#1', 'a', 'A', 'i', 'I', 'w', 'W', 'Ww', 'N', 'n', 'Nn', '\u0661', '9,999', '01:01', '0101', '##01', '0'];
const MODS = ['', '', '', 'o', 't', 'c'];
const WIDTHS = ['', '', '', ',2', ',*-3', ',3-3', ',2-', ',*', ',1-2', ',4-4'];
const SEPS = ['', '-', ' ', ':', 'T', '/', ', ', '.'];
function datePicture() {
  if (rnd() < 0.05) { let s = ''; for (let i = 0; i < 1 + int(8); i++) s += pick('[]YMDq01,-*nN '.split('')); return s; }
  let p = '';
  const n = 1 + int(6);
  for (let i = 0; i < n; i++) {
    p += '[' + pick(COMPONENTS) + pick(PRES) + pick(MODS) + pick(WIDTHS) + ']' + pick(SEPS);
  }
  return p;
}
function millis() {
  switch (int(5)) {
    case 0: return int(4102444800) * 1000 + int(1000);
    case 1: return -int(62135596800) * 1000;
    case 2: return (int(2000000) - 1000000) * 86400000 + int(86400000);
    case 3: return pick([0, -1, 951782400000, 946684799999, 1e15, -1e15]);
    default: return 1500000000000 + int(300000000000);
  }
}
const TZ = ['+0000', '0000', '-0500', '+0530', '+1000', '-1200', '+0100', '+1245', '-0000', '+0930'];

function pad(n, w) { return String(n).padStart(w, '0'); }
function isoish() {
  let s = pad(int(10000), 4);
  const k = int(4);
  for (let i = 0; i < k; i++) s += '-' + pick([pad(int(13), 2), pad(int(32), 2), pad(int(40), 2)]);
  if (rnd() < 0.6) s += 'T' + pad(int(26), 2) + ':' + pad(int(60), 2) + ':' + pad(int(60), 2);
  if (rnd() < 0.3) s += '.' + String(int(100000)).slice(0, 1 + int(5));
  if (rnd() < 0.5) s += pick(['Z', '+0000', '+05:30', '-0800', '+2500', '-23:59', 'z', '+5']);
  if (rnd() < 0.05) s = pick(['2018', '2018-02-31', '2018-02-29T24:00:00', 'foo', '', '2018 ', '02-02-2018', '2018-1-1']);
  return s;
}
const PICS = ['[Y]-[M]-[D]', '[Y0001][M01][D01]', '[D1o] [MNn] [Y]', '[H]:[m]', '[h]:[m] [P]', '[Y]-[d]', '[Dw] [MNn] [Yw]',
  '[Y]-[M]-[D]T[H]:[m]:[s].[f]', '[Y]-[M]-[D] [Z]', '[Y]-[M]-[D] [z]', '[FNn], [D] [MNn,*-3] [Y]', '[YI]', '[Da] [MA]', '[M]/[D]', '[s]', '[Y0001]-[M01]-[D01] [H01]:[m01] [Z0101]'];
const PIECES = ['2018', '03', '3', '27th', '1st', 'March', 'Mar', 'mar', 'MARCH', '-', ' ', ':', '/', 'T', '.', 'am', 'pm', 'PM', 'Am', 'twenty', '-', 'first', 'one', 'thousand', 'and', 'MMXVIII', 'xiv', '+05:30', '-0800', 'GMT+1', 'Z', '123', '9999', '00', 'Wednesday', 'Wed', 'x', ','];
function randomString() { let s = ''; for (let i = 0; i < 1 + int(7); i++) s += pick(PIECES); return s; }
const OPTS = [{}, { 'zero-digit': '\u0660' }, { 'decimal-separator': ',', 'grouping-separator': '.' }, { 'percent': 'pc', 'per-mille': 'pm' }, { 'minus-sign': '\u2212' },
  { 'exponent-separator': 'E' }, { 'digit': 'X' }, { 'pattern-separator': '|' }, { 'zero-digit': 'A' }, { 'grouping-separator': ' ' }];
function numberPictureWithOptions(o) {
  const d = o['digit'] || '#', z = o['zero-digit'] ? o['zero-digit'] : '0', g = o['grouping-separator'] || ',', dec = o['decimal-separator'] || '.', e = o['exponent-separator'] || 'e';
  let s = '';
  for (let i = 0; i < int(6); i++) s += pick([d, z, z, g]);
  if (rnd() < 0.6) { s += dec; for (let i = 0; i < int(5); i++) s += pick([d, z, z, g]); }
  if (rnd() < 0.2) s += e + z;
  if (rnd() < 0.2) s += pick([o['percent'] || '%', o['per-mille'] || '\u2030']);
  if (rnd() < 0.2) s += (o['pattern-separator'] || ';') + '(' + z + ')';
  return s;
}
(async () => {
  const out = [];
  const emit = (fn, args, expect) => {
    if (expect.crash !== undefined) return;
    if (fn === 'parseInteger' && /^[aA](;|$)/.test(args[1]) && args[0].length > 11) return;
    out.push(JSON.stringify({ fn, args, expect }));
  };
  for (let i = 0; i < N; i++) {
    // integer
    const iv = number(), ip = integerPicture();
    const fi = await run('$formatInteger($a, $b)', { a: iv, b: ip });
    emit('formatInteger', [iv, ip], fi);
    if (fi.ok !== undefined) emit('parseInteger', [fi.ok, ip], await run('$parseInteger($a, $b)', { a: fi.ok, b: ip }));
    // number
    const nv = number(), np = numberPicture();
    emit('formatNumber', [nv, np], await run('$formatNumber($a, $b)', { a: nv, b: np }));
    // base
    const bv = number(), br = pick([2, 8, 10, 16, 36, 2.5, 1, 37, 35.6, undefined]);
    emit('formatBase', [bv, br === undefined ? null : br], await run(br === undefined ? '$formatBase($a)' : '$formatBase($a, $b)', { a: bv, b: br }));
    // datetime
    const m = millis(), dp = datePicture(), tz = rnd() < 0.5 ? null : pick(TZ);
    const fd = await run(tz === null ? '$fromMillis($a, $b)' : '$fromMillis($a, $b, $c)', { a: m, b: dp, c: tz });
    emit('fromMillis', [m, dp, tz], fd);
    if (rnd() < 0.1) emit('fromMillis', [m, null, tz], await run(tz === null ? '$fromMillis($a)' : '$fromMillis($a, (), $c)', { a: m, c: tz }));
    if (fd.ok !== undefined) {
      const r = await run('{"v": $toMillis($a, $b), "n": $millis()}', { a: fd.ok, b: dp });
      if (r.ok !== undefined) {
        const v = r.ok.v, now = r.ok.n;
        emit('toMillis', [fd.ok, dp, now], v === undefined || v === null ? { undef: true } : (isFinite(v) ? { ok: v } : { nan: true }));
      } else emit('toMillis', [fd.ok, dp, Date.now()], r);
    }
  }
  for (let i = 0; i < N; i++) {
    const iso = isoish();
    emit('toMillis', [iso, null, 0], await run('$toMillis($a)', { a: iso }));
    const pic = pick(PICS), str = randomString();
    const r = await run('{"v": $toMillis($a, $b), "n": $millis()}', { a: str, b: pic });
    if (r.ok !== undefined) emit('toMillis', [str, pic, r.ok.n], r.ok.v === undefined ? { undef: true } : (isFinite(r.ok.v) ? { ok: r.ok.v } : { nan: true }));
    else emit('toMillis', [str, pic, Date.now()], r);
    const o = pick(OPTS), v = pick([0, 1, -1, 0.5, 1234.5678, -0.001, 1e10, 98765.4321, 0.1, 42]) * pick([1, 1, 10, 0.01]);
    const np = numberPictureWithOptions(o);
    emit('formatNumberOpts', [v, np, o], await run('$formatNumber($a, $b, $c)', { a: v, b: np, c: o }));
    const ip = pick(['0', '#,##0', 'w', 'W', 'i', 'A', '0;o', 'w;o']);
    const istr = pick([randomString(), String(int(100000)), 'one hundred and one', 'XIV', 'zz', '1,234', '12th']);
    emit('parseInteger', [istr, ip], await run('$parseInteger($a, $b)', { a: istr, b: ip }));
    const tz = pick(['+05:30', 'abc', '-0030', '+2400', '530', '-5', '+', '', ' +0100', '0x10', '-1230']);
    const m = int(4000000000000);
    const fp = pick([null, '[H]:[m] [Z] [z] [Z0] [Z0101t]']);
    emit('fromMillis', [m, fp, tz], await run(fp === null ? '$fromMillis($a, (), $c)' : '$fromMillis($a, $b, $c)', { a: m, b: fp, c: tz }));
  }
  process.stdout.write(out.join('\n') + '\n');
})();

#!/usr/bin/env node
// htmlcheck: a strict well-formedness and validity check of the HTML pages
// Touchstone writes (cgit validates its HTML in its tests; so do we).
//
// usage: node tests/tools/htmlcheck.js FILE... (or - for standard input)
// Prints "FILE:LINE:COL: problem" for each problem and exits 1 when there
// is any. It checks what a conforming HTML5 document of ours must satisfy:
//   - the doctype, one <html lang>, <head> with <meta charset> and a
//     non-empty <title>, then <body>;
//   - tags and attributes well formed (quoted values, no duplicates), only
//     known HTML and SVG elements, void elements never closed, every other
//     element closed in order (we never rely on implied end tags);
//   - character references known, no bare '&', no control characters;
//   - content models that browsers would otherwise repair: table parts,
//     list items, dl groups, options, legend and caption placement, no
//     nested forms, links or buttons, no block elements inside <p>;
//   - ids unique; label[for], aria-describedby, aria-labelledby, list and
//     href="#..." point at existing ids; every form control has a label;
//   - the Content-Security-Policy's rules: no inline script or style, no
//     style attributes, no event-handler attributes.
'use strict';
const fs = require('fs');

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta',
  'source', 'track', 'wbr']);
const HTML = new Set([...VOID, 'a', 'abbr', 'address', 'article', 'aside', 'b', 'blockquote', 'body',
  'button', 'caption', 'cite', 'code', 'colgroup', 'data', 'datalist', 'dd', 'del', 'details',
  'dfn', 'div', 'dl', 'dt', 'em', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'head', 'header', 'html', 'i', 'ins', 'kbd', 'label', 'legend', 'li',
  'main', 'mark', 'meter', 'nav', 'noscript', 'ol', 'optgroup', 'option', 'output', 'p', 'pre',
  'progress', 'q', 's', 'samp', 'script', 'section', 'select', 'small', 'span', 'strong', 'style',
  'sub', 'summary', 'sup', 'svg', 'table', 'tbody', 'td', 'template', 'textarea', 'tfoot', 'th',
  'thead', 'time', 'title', 'tr', 'u', 'ul', 'var']);
const SVG = new Set(['svg', 'g', 'path', 'line', 'polyline', 'polygon', 'rect', 'circle', 'ellipse',
  'text', 'tspan', 'title', 'desc', 'defs', 'clipPath', 'clippath', 'pattern', 'marker', 'use',
  'symbol', 'linearGradient', 'lineargradient', 'stop']);
const RAW = new Set(['script', 'style']);
const RCDATA = new Set(['textarea', 'title']);
// Elements that may not appear inside <p> (they would close it).
const BLOCK = new Set(['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hr', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul']);
const ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos', 'nbsp', 'middot', 'ndash', 'mdash',
  'rsaquo', 'lsaquo', 'raquo', 'laquo', 'rarr', 'larr', 'uarr', 'darr', 'hellip', 'minus', 'times',
  'plusmn', 'ge', 'le', 'ne', 'asymp', 'copy', 'deg', 'ldquo', 'rdquo', 'lsquo', 'rsquo', 'bull',
  'check', 'cross', 'sect', 'para', 'thinsp', 'ensp', 'emsp', 'le', 'frac12', 'alpha', 'beta',
  'Delta', 'sigma', 'mu', 'chi', 'ge']);
// Parents a child must have (any of).
const PARENTS = {
  li: ['ul', 'ol', 'menu'],
  dt: ['dl', 'div'], dd: ['dl', 'div'],
  tr: ['table', 'thead', 'tbody', 'tfoot'],
  td: ['tr'], th: ['tr'],
  thead: ['table'], tbody: ['table'], tfoot: ['table'], caption: ['table'], colgroup: ['table'],
  option: ['select', 'datalist', 'optgroup'], optgroup: ['select'],
  legend: ['fieldset'], summary: ['details'], figcaption: ['figure'],
  head: ['html'], body: ['html'],
};
const LABELABLE = new Set(['input', 'select', 'textarea', 'button', 'meter', 'output', 'progress']);

function check(name, src) {
  const problems = [];
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  function where(pos) {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return `${lo + 1}:${pos - lineStarts[lo] + 1}`;
  }
  const problem = (pos, msg) => problems.push(`${name}:${where(pos)}: ${msg}`);

  const ctrl = src.search(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
  if (ctrl >= 0) problem(ctrl, 'control character in the document');

  if (!/^<!DOCTYPE html>\r?\n/.test(src)) problem(0, 'the document must start with <!DOCTYPE html>');

  const stack = []; // {tag, pos, svg, children: []}
  const ids = new Map();
  const refs = []; // {kind, id, pos}
  const controls = []; // {tag, id, type, pos, labelled}
  const labelsFor = new Set();
  const elements = []; // every start tag: {tag, attrs, pos, parent}
  let seen = { html: 0, head: 0, body: 0, title: '', charset: false };

  function checkText(text, pos) {
    const re = /&([^;\s&<]*);?/g;
    let m;
    while ((m = re.exec(text))) {
      const ref = m[1];
      const closed = m[0].endsWith(';');
      if (!closed) { problem(pos + m.index, `bare '&' (write &amp;)`); continue; }
      if (/^#[0-9]+$/.test(ref) || /^#x[0-9a-fA-F]+$/.test(ref)) continue;
      if (!ENTITIES.has(ref)) problem(pos + m.index, `unknown character reference &${ref};`);
    }
    if (/<|>/.test(text.replace(/&[^;]*;/g, ''))) {
      // '<' can only reach here when it does not start a tag: a stray '<'.
      const i = text.indexOf('<');
      if (i >= 0) problem(pos + i, `stray '<' in text`);
    }
  }

  const top = () => stack[stack.length - 1];
  const inside = (tag) => stack.some((e) => e.tag === tag);

  let i = src.indexOf('>') + 1; // after the doctype
  let textStart = i;
  function flushText(end) {
    if (end > textStart) {
      const text = src.slice(textStart, end);
      checkText(text, textStart);
      if (top() && top().tag === 'p' && false) return;
      if (top() && /\S/.test(text)) top().hasText = true;
    }
  }
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) { textStart = i; flushText(src.length); break; }
    textStart = i; flushText(lt);
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt + 4);
      if (end < 0) { problem(lt, 'unterminated comment'); break; }
      i = end + 3; continue;
    }
    if (src.startsWith('</', lt)) {
      const m = /^<\/([A-Za-z][A-Za-z0-9-]*)\s*>/.exec(src.slice(lt, lt + 80));
      if (!m) { problem(lt, 'malformed end tag'); i = lt + 2; continue; }
      const tag = top() && top().svg ? m[1] : m[1].toLowerCase();
      if (VOID.has(tag)) problem(lt, `</${tag}>: a void element has no end tag`);
      else if (!top()) problem(lt, `</${tag}> with no open element`);
      else if (top().tag !== tag) {
        problem(lt, `</${tag}> closes <${top().tag}> opened at ${where(top().pos)}`);
        const k = stack.map((e) => e.tag).lastIndexOf(tag);
        if (k >= 0) stack.length = k;
      } else stack.pop();
      i = lt + m[0].length; continue;
    }
    if (src.startsWith('<!', lt)) { problem(lt, 'unexpected markup declaration'); i = lt + 2; continue; }
    // A start tag.
    const nm = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(src.slice(lt, lt + 80));
    if (!nm) { problem(lt, `stray '<' in text`); i = lt + 1; continue; }
    const svgParent = top() && top().svg;
    let tag = svgParent ? nm[1] : nm[1].toLowerCase();
    if (!svgParent && nm[1] !== nm[1].toLowerCase()) problem(lt, `write HTML tags in lowercase: <${nm[1]}>`);
    let p = lt + nm[0].length;
    const attrs = new Map();
    let selfClosing = false, ok = true;
    for (;;) {
      const ws = /^\s*/.exec(src.slice(p, p + 200))[0];
      p += ws.length;
      if (src[p] === '>') { p++; break; }
      if (src.startsWith('/>', p)) { selfClosing = true; p += 2; break; }
      if (!ws && attrs.size >= 0 && p !== lt + nm[0].length) { problem(p, 'attributes must be separated by white space'); }
      const am = /^([^\s"'>\/=]+)/.exec(src.slice(p, p + 200));
      if (!am) { problem(p, `malformed tag <${tag}>`); ok = false; break; }
      const aname = svgParent || tag === 'svg' ? am[1] : am[1].toLowerCase();
      p += am[1].length;
      let value = '';
      if (src[p] === '=') {
        p++;
        const q = src[p];
        if (q !== '"' && q !== "'") { problem(p, `unquoted value of ${aname} (quote it)`); ok = false; break; }
        const end = src.indexOf(q, p + 1);
        if (end < 0) { problem(p, 'unterminated attribute value'); ok = false; break; }
        value = src.slice(p + 1, end);
        if (value.includes('<')) problem(p, `'<' in the value of ${aname}`);
        checkText(value, p + 1);
        p = end + 1;
      }
      if (attrs.has(aname)) problem(p, `duplicate attribute ${aname} on <${tag}>`);
      attrs.set(aname, value);
    }
    if (!ok) { i = src.indexOf('>', p) + 1 || src.length; continue; }
    i = p;
    const isSvg = svgParent || tag === 'svg';
    if (isSvg ? !SVG.has(tag) : !HTML.has(tag)) problem(lt, `unknown element <${tag}>`);
    if (selfClosing && !isSvg && !VOID.has(tag)) problem(lt, `<${tag}/>: only void and SVG elements may self-close`);

    // CSP rules.
    if (attrs.has('style')) problem(lt, `style attribute on <${tag}> (the CSP forbids inline styles)`);
    for (const a of attrs.keys()) if (/^on/i.test(a)) problem(lt, `event handler attribute ${a} (the CSP forbids inline script)`);
    if (tag === 'style') problem(lt, '<style> element (the CSP forbids inline styles)');
    if (tag === 'script' && !attrs.has('src')) problem(lt, 'inline <script> (the CSP forbids it)');

    // Content models.
    const parent = top();
    const ptag = parent ? parent.tag : null;
    if (PARENTS[tag] && !isSvg && !PARENTS[tag].includes(ptag)) problem(lt, `<${tag}> inside <${ptag}>`);
    if ((tag === 'dt' || tag === 'dd') && ptag === 'div' && !(stack[stack.length - 2] && stack[stack.length - 2].tag === 'dl'))
      problem(lt, `<${tag}> inside a <div> that is not in a <dl>`);
    if (ptag === 'ul' || ptag === 'ol') if (tag !== 'li' && tag !== 'script' && tag !== 'template') problem(lt, `<${tag}> directly inside <${ptag}>`);
    if (ptag === 'tr' && tag !== 'td' && tag !== 'th') problem(lt, `<${tag}> directly inside <tr>`);
    if (['table', 'thead', 'tbody', 'tfoot'].includes(ptag) && !['tr', 'thead', 'tbody', 'tfoot', 'caption', 'colgroup'].includes(tag))
      problem(lt, `<${tag}> directly inside <${ptag}>`);
    if (ptag === 'select' && tag !== 'option' && tag !== 'optgroup') problem(lt, `<${tag}> inside <select>`);
    if (ptag === 'dl' && !['dt', 'dd', 'div', 'script', 'template'].includes(tag)) problem(lt, `<${tag}> directly inside <dl>`);
    if (tag === 'legend' && parent && (parent.children.length || parent.hasText)) problem(lt, '<legend> must be the first child of <fieldset>');
    if (tag === 'caption' && parent && parent.children.length) problem(lt, '<caption> must be the first child of <table>');
    if (tag === 'summary' && parent && parent.children.length) problem(lt, '<summary> must be the first child of <details>');
    if (ptag === 'p' && BLOCK.has(tag)) problem(lt, `<${tag}> inside <p>`);
    if (tag === 'form' && inside('form')) problem(lt, 'nested <form>');
    if (tag === 'a' && inside('a')) problem(lt, 'nested <a>');
    if ((tag === 'a' || tag === 'button' || tag === 'input' || tag === 'select' || tag === 'textarea') && inside('button'))
      problem(lt, `interactive <${tag}> inside <button>`);
    if (tag === 'label' && inside('label')) problem(lt, 'nested <label>');
    if (['html', 'head', 'body'].includes(tag)) seen[tag]++;
    if (tag === 'html' && !attrs.get('lang')) problem(lt, '<html> needs a lang attribute');
    if (tag === 'meta' && attrs.has('charset')) seen.charset = true;
    if (tag === 'img' && !attrs.has('alt')) problem(lt, '<img> needs an alt attribute');
    if (tag === 'svg' && !attrs.has('role') && !attrs.has('aria-hidden') && !attrs.has('aria-label') && !attrs.has('aria-labelledby'))
      problem(lt, '<svg> needs role="img" with a label, or aria-hidden');
    if (tag === 'a' && !attrs.has('href') && !attrs.has('id')) problem(lt, '<a> without href');
    if (tag === 'button' && !attrs.has('type')) problem(lt, '<button> needs a type');
    if (tag === 'th' && parent && stack.some((e) => e.tag === 'thead') && !attrs.has('scope')) problem(lt, '<th> in <thead> needs scope');

    // Ids and references.
    if (attrs.has('id')) {
      const id = attrs.get('id');
      if (!id || /\s/.test(id)) problem(lt, `bad id '${id}'`);
      else if (ids.has(id)) problem(lt, `duplicate id '${id}' (first at ${where(ids.get(id).pos)})`);
      else ids.set(id, { tag, pos: lt, attrs });
    }
    if (tag === 'label' && attrs.has('for')) { refs.push({ kind: 'label for', id: attrs.get('for'), pos: lt, label: true }); labelsFor.add(attrs.get('for')); }
    for (const a of ['aria-describedby', 'aria-labelledby'])
      if (attrs.has(a)) for (const id of attrs.get(a).split(/\s+/).filter(Boolean)) refs.push({ kind: a, id, pos: lt });
    if (attrs.has('list')) refs.push({ kind: 'list', id: attrs.get('list'), pos: lt });
    if (tag === 'output' && attrs.has('for')) for (const id of attrs.get('for').split(/\s+/)) refs.push({ kind: 'output for', id, pos: lt });
    if (tag === 'a' && /^#./.test(attrs.get('href') || '')) refs.push({ kind: 'href', id: attrs.get('href').slice(1), pos: lt });
    if (LABELABLE.has(tag) && !isSvg) {
      const type = (attrs.get('type') || '').toLowerCase();
      if (!(tag === 'input' && ['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) && tag !== 'button' && tag !== 'output' && tag !== 'meter' && tag !== 'progress')
        controls.push({ tag, id: attrs.get('id'), pos: lt, labelled: inside('label') || attrs.has('aria-label') || attrs.has('aria-labelledby'), name: attrs.get('name') });
    }
    if (tag === 'input' && attrs.get('type') === 'radio' && !inside('label')) problem(lt, 'a radio button needs its own <label>');

    const el = { tag, pos: lt, svg: isSvg, children: [], hasText: false };
    if (parent) parent.children.push(tag);
    elements.push({ tag, attrs, pos: lt });

    if (RAW.has(tag) || RCDATA.has(tag)) {
      if (selfClosing) continue;
      const close = src.toLowerCase().indexOf(`</${tag}`, i);
      if (close < 0) { problem(lt, `unterminated <${tag}>`); break; }
      const content = src.slice(i, close);
      if (RCDATA.has(tag) && !isSvg) checkText(content, i);
      if (tag === 'title' && !isSvg && stack.some((e) => e.tag === 'head')) seen.title = content.trim();
      if (tag === 'script' && content.trim()) problem(lt, 'inline script content');
      const m = /^<\/[A-Za-z]+\s*>/.exec(src.slice(close, close + 40));
      i = close + (m ? m[0].length : 2);
      if (!m) problem(close, 'malformed end tag');
      continue;
    }
    if (!VOID.has(tag) && !selfClosing) stack.push(el);
  }
  for (const e of stack) problem(e.pos, `<${e.tag}> is never closed`);
  if (seen.html !== 1 || seen.head !== 1 || seen.body !== 1) problem(0, 'one <html>, <head> and <body> each are required');
  if (!seen.charset) problem(0, '<meta charset> is missing');
  if (!seen.title) problem(0, '<title> is missing or empty');
  for (const r of refs) {
    const target = ids.get(r.id);
    if (!target) problem(r.pos, `${r.kind}="${r.id}" names no element`);
    else if (r.label && !LABELABLE.has(target.tag)) problem(r.pos, `label for="${r.id}" names a <${target.tag}>, not a form control`);
  }
  for (const c of controls)
    if (!c.labelled && !(c.id && labelsFor.has(c.id))) problem(c.pos, `<${c.tag}${c.name ? ` name="${c.name}"` : ''}> has no label`);
  return problems;
}

function main() {
  const files = process.argv.slice(2);
  if (!files.length) { console.error('usage: htmlcheck FILE...'); process.exit(2); }
  let bad = 0;
  for (const f of files) {
    const src = fs.readFileSync(f === '-' ? 0 : f, 'utf8');
    for (const p of check(f === '-' ? 'stdin' : f, src)) { console.log(p); bad++; }
  }
  process.exit(bad ? 1 : 0);
}

if (require.main === module) main();
module.exports = { check };

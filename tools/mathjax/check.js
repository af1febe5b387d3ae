// Renders HTML fragments (question texts and feedbacks) with MathJax 3's TeX input as an LMS
// shows them, and reports every problem. Used by tests/test_mathjax.py.
//
//   node tools/mathjax/check.js < fragments.json     ([{"id": "...", "html": "<p>\\(x\\)</p>"}, ...])
//
// Prints a JSON list of {"id", "problem", "tex"}: an <merror> (an unknown macro, a bad brace)
// or a backslash left in the rendered text, inside a formula (\text{new\_}: MathJax without
// the textmacros extension shows "new\_") or outside (a delimiter MathJax did not pair).
//
// The TeX packages are "base" and "ams" only: what MathJax 2.7 (Moodle's TeX-AMS-MML config)
// and MathJax 3 (tex-mml-chtml, Moodle 4.x/5.x) both have before loading anything. Without
// "noundefined" an unknown macro is an error here, where an LMS would show it in red.
'use strict';

const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {SerializedMmlVisitor} = require('mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js');
require('mathjax-full/js/input/tex/base/BaseConfiguration.js');
require('mathjax-full/js/input/tex/ams/AmsConfiguration.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const visitor = new SerializedMmlVisitor();

function tokens(node, out) {
  // the text of every token element (mi, mn, mo, mtext, ...) of a MathML tree
  if (node.isToken) {
    out.push(node.getText());
  }
  for (const child of node.childNodes || []) {
    tokens(child, out);
  }
  return out;
}

function errors(node, out) {
  if (node.isKind && node.isKind('merror')) {
    out.push(tokens(node, []).join(''));
  }
  for (const child of node.childNodes || []) {
    errors(child, out);
  }
  return out;
}

function check(id, html) {
  const problems = [];
  const tex = new TeX({
    packages: ['base', 'ams'],
    inlineMath: [['\\(', '\\)']],
    displayMath: [['$$', '$$'], ['\\[', '\\]']],
  });
  const doc = mathjax.document(`<html><body>${html}</body></html>`, {InputJax: tex, OutputJax: new SVG()});
  doc.findMath().compile();
  let count = 0;
  for (const math of doc.math) {
    count += 1;
    const messages = errors(math.root, []);
    for (const message of messages) {
      problems.push({id, problem: `MathJax error: ${message}`, tex: math.math});
    }
    const text = tokens(math.root, []).join(' ');
    if (!messages.length && text.includes('\\')) {
      problems.push({id, problem: `a backslash is shown: ${text}`, tex: math.math});
    }
    visitor.visitTree(math.root);     // serializing walks every node: throws on a broken tree
  }
  doc.getMetrics().typeset().updateDocument();
  const body = adaptor.body(doc.document);
  for (const container of adaptor.tags(body, 'mjx-container')) {
    adaptor.remove(container);
  }
  const rest = adaptor.textContent(body);
  if (rest.includes('\\')) {
    problems.push({id, problem: `a backslash outside the formulas: ${rest.trim()}`, tex: ''});
  }
  return {count, problems};
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = {formulas: 0, problems: []};
  for (const {id, html} of JSON.parse(input)) {
    const {count, problems} = check(id, html);
    out.formulas += count;
    out.problems.push(...problems);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});

/**
 * Markdown → an HTML string for `<rich-text nodes>`, by markdown-it (lib/markdown-it.js, the
 * package's own browser build). Raw HTML in answers is not rendered (`html: false`): a model's
 * answer is text, never markup for the page.
 *
 * rich-text draws a small HTML subset with its own default styles; the classes added here are
 * styled in chat.wxss, only where the defaults will not do (tables get no borders, code no
 * background): every byte here is sent by setData.
 */
var MarkdownIt = require('../../lib/markdown-it.js')

var md = MarkdownIt({ html: false, linkify: false, breaks: true })

var CLASSES = {
  table_open: 'md-table',
  th_open: 'md-th',
  td_open: 'md-td',
  blockquote_open: 'md-quote',
  code_block: 'md-pre',
  fence: 'md-pre',
  hr: 'md-hr'
}
// Shorter tags for the same look: <b> for <strong>, <i> for <em>.
var TAGS = { strong: 'b', em: 'i' }

md.core.ruler.push('rich_text_classes', function (state) {
  function mark(tokens) {
    for (var i = 0; i < tokens.length; i++) {
      var token = tokens[i]
      if (CLASSES[token.type]) token.attrJoin('class', CLASSES[token.type])
      if (TAGS[token.tag]) token.tag = TAGS[token.tag]
      if (token.children) mark(token.children)
    }
  }
  mark(state.tokens)
})

/** One markdown block (finished, or still growing) as HTML for rich-text. */
function render(markdown) {
  // No newlines between tags: rich-text would draw them as text.
  return md.render(markdown).replace(/>\n+</g, '><').replace(/\n+$/, '')
}

module.exports = { render: render, md: md }

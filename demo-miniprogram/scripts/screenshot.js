#!/usr/bin/env node
'use strict'
/**
 * docs/chat-page.png: the chat page mid-answer, drawn from the real files — chat.wxml rendered by
 * miniprogram-simulate with the data the page itself produced while streaming from the demo
 * backend (pages/chat/chat.js in the Node host, the library's Node wx.request), styled by
 * app.wxss + chat.wxss (rpx → px for a 375 px wide phone), photographed by headless Chromium.
 *
 *   npm run build && node demo-miniprogram/scripts/screenshot.js [--out docs/chat-page.png]
 *
 * Fonts: Chromium draws CJK and emoji with what fontconfig has; on Debian
 * `apt-get install fonts-wqy-microhei fonts-noto-color-emoji` (the committed PNG used these).
 *
 * Only the WeChat client's own parts are approximated: its base styles for view/text/button/input
 * (BASE_CSS below), the navigation bar, and rich-text (its HTML is placed as HTML). Chromium may
 * load nothing but this page: every request that is not to 127.0.0.1 is refused.
 */
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..', '..')
const MINIPROGRAM = path.join(ROOT, 'demo-miniprogram', 'miniprogram')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const WIDTH = 375
const HEIGHT = 1040

const { installMiniDom } = require(path.join(ROOT, 'test', 'demo', 'helpers', 'mini-dom'))
const { openChatPage, startDemoServer, waitFor, ask } = require(path.join(ROOT, 'test', 'demo', 'helpers', 'page-harness'))

/** What the WeChat client's base library gives components, roughly (WebView renderer). */
const BASE_CSS = `
html, body { margin: 0; padding: 0; }
body { width: ${WIDTH}px; height: ${HEIGHT}px; overflow: hidden; background: #f7f7f8; }
wx-view, wx-scroll-view { display: block; }
wx-scroll-view { overflow: auto; }
wx-scroll-view::-webkit-scrollbar { display: none; }
wx-text { white-space: pre-wrap; }
rich-text { display: block; }
wx-button { display: inline-block; padding: 0 14px; line-height: 30px; font-size: 13px; border-radius: 5px; background: #f2f2f2; color: #000; }
wx-button[type="primary"], wx-button.send { background: #07c160; color: #fff; }
wx-input { display: block; line-height: 36px; color: #b2b2b2; font-size: 15px; }
.nav { height: 44px; line-height: 44px; text-align: center; font-size: 17px; font-weight: 600; background: #f7f7f8; border-bottom: 0.5px solid #e5e6eb; }
.phone { height: ${HEIGHT - 45}px; }
.phone .chat { height: 100%; }
`

/** WXSS → CSS: rpx to px at this width, `page` to the page wrapper. */
function wxssToCss(wxss) {
  return wxss
    .replace(/(-?\d*\.?\d+)rpx/g, (m, n) => +(Number(n) * WIDTH / 750).toFixed(2) + 'px')
    .replace(/(^|[\s,}])page(\s*[{,])/g, '$1.phone$2')
}

function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** The rendered mini-DOM as HTML; a rich-text's HTML (markdown-it's, raw HTML off) goes in as HTML. */
function toHtml(node) {
  if (node.nodeType === 3) return escapeHtml(node.nodeValue)
  const tag = node.tagName.toLowerCase()
  const attrs = Object.keys(node.attributes || {}).map((k) => ' ' + k + '="' + escapeHtml(node.attributes[k]) + '"').join('')
  if (tag === 'rich-text') return '<rich-text' + attrs + '>' + node.textContent + '</rich-text>'
  const inner = node.childNodes.map(toHtml).join('')
  // j-component wraps each component in an element of a generated name: keep only its content.
  if (!/^(wx-|rich-text)/.test(tag) && tag !== 'parent-wrapper') return inner
  return tag === 'parent-wrapper' ? inner : '<' + tag + attrs + '>' + inner + '</' + tag + '>'
}

function parseArgs(argv) {
  const args = { out: path.join(ROOT, 'docs', 'chat-page.png') }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = path.resolve(argv[++i])
    else throw new Error('Unexpected argument: ' + argv[i])
  }
  return args
}

/** Streams an answer into the page and returns the page's HTML at a mid-answer moment. */
async function renderMidAnswer() {
  const uninstall = installMiniDom()
  const simulate = require('miniprogram-simulate')
  const backend = await startDemoServer({ tokensPerSecond: 80 })
  try {
    const { host, page } = openChatPage(backend.baseUrl)
    host.load()
    const richText = simulate.load({ template: '<view>{{nodes}}</view>', properties: { nodes: { type: null, value: '' } } })
    const id = simulate.load({
      template: fs.readFileSync(path.join(MINIPROGRAM, 'pages', 'chat', 'chat.wxml'), 'utf8'),
      data: JSON.parse(JSON.stringify(page.data)),
      usingComponents: { 'rich-text': richText }
    })
    const view = simulate.render(id)
    const parent = document.createElement('parent-wrapper')
    view.attach(parent)
    host.onSetData((update) => view.setData(update))

    const index = ask(host, '用一段话介绍 SSE，并给一个小程序里的代码示例')
    // Mid-answer: the code block still open with its first line finished on screen (a list, a
    // table and the folded reasoning above it). The whole code block is the window for this.
    await waitFor(() => {
      const code = page.answerText(index).content.split('```')
      return page.data.streaming && code.length === 2 && /\n.+\n/.test(code[1]) &&
        view.querySelectorAll('.md-code-line').length >= 1
    }, 30000, 'an open code block on screen')
    const html = toHtml(parent)
    host.tap('onStop')
    host.unload()
    return html
  } finally {
    await backend.close()
    uninstall()
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const body = await renderMidAnswer()
  const title = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM, 'pages', 'chat', 'chat.json'), 'utf8')).navigationBarTitleText
  const css = BASE_CSS + wxssToCss(fs.readFileSync(path.join(MINIPROGRAM, 'app.wxss'), 'utf8')) + wxssToCss(fs.readFileSync(path.join(MINIPROGRAM, 'pages', 'chat', 'chat.wxss'), 'utf8'))
  const doc = '<!doctype html><html><head><meta charset="utf-8"><style>' + css + '</style></head><body>' +
    '<div class="nav">' + escapeHtml(title) + '</div><div class="phone">' + body + '</div></body></html>'

  const { chromium } = require('playwright-core')
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
  try {
    const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 2 })
    await context.route('**/*', (route) => {
      const url = route.request().url()
      return /^(about:|data:)|^https?:\/\/127\.0\.0\.1[:/]/.test(url) ? route.continue() : route.abort()
    })
    const tab = await context.newPage()
    await tab.setContent(doc, { waitUntil: 'load' })
    // The page keeps its list scrolled to the bottom while streaming (scroll-top); here the list
    // is scrolled just enough to show the question and the folded reasoning at the top.
    await tab.evaluate(() => {
      const list = document.querySelector('.list')
      const question = document.querySelector('.row-user')
      if (list && question) list.scrollTop = question.offsetTop - list.offsetTop - 8
    })
    fs.mkdirSync(path.dirname(args.out), { recursive: true })
    await tab.screenshot({ path: args.out })
  } finally {
    await browser.close()
  }
  console.log('screenshot: ' + path.relative(process.cwd(), args.out))
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err))
    process.exit(1)
  }
)

'use strict'
/**
 * The chat page's WXML rendered in Node with miniprogram-simulate, fed by the page logic as it
 * streams over HTTP: every setData of the page goes to the rendered view too. `<rich-text>` is a
 * stand-in that shows the HTML it was given (simulate has no rich-text of its own), so the
 * markdown blocks can be checked as the page hands them over.
 */
const fs = require('fs')
const path = require('path')
const { installMiniDom } = require('./helpers/mini-dom')
const { MINIPROGRAM_ROOT, startDemoServer, openChatPage, waitFor, ask } = require('./helpers/page-harness')
const { startMarkdownServer } = require('./helpers/markdown-server')

const PAGE = path.join(MINIPROGRAM_ROOT, 'pages', 'chat', 'chat')

const MARKDOWN = [
  '## 标题 Heading',
  '',
  '一段 **加粗** 的文字和 `code`。',
  '',
  '- 第一项 first',
  '- 第二项 second',
  '',
  '| 名称 | 值 |',
  '| --- | ---: |',
  '| a | 1 |',
  '| b | 2 |',
  '',
  '```js',
  'const a = 1',
  'console.log(a) // 😀',
  '```',
  '',
  '完。'
].join('\n')

let uninstallDom
let simulate
let richText
beforeAll(() => {
  uninstallDom = installMiniDom()
  simulate = require('miniprogram-simulate')
  richText = simulate.load({
    template: '<view class="rich-html">{{nodes}}</view>',
    properties: { nodes: { type: null, value: '' } }
  })
})
afterAll(() => uninstallDom())

/** Renders chat.wxml with the page's data; its event handlers call the page's methods. */
function renderPage(host) {
  const methods = {}
  Object.keys(host.page).forEach((name) => {
    if (typeof host.page[name] === 'function' && /^on[A-Z]/.test(name)) {
      methods[name] = (event) => host.page[name](event)
    }
  })
  const id = simulate.load({
    template: fs.readFileSync(PAGE + '.wxml', 'utf8'),
    data: JSON.parse(JSON.stringify(host.page.data)),
    methods: methods,
    usingComponents: { 'rich-text': richText }
  })
  const view = simulate.render(id)
  view.attach(document.createElement('parent-wrapper'))
  host.onSetData((update) => view.setData(update))
  return view
}

/** j-component dispatches on a microtask; wait for it. */
async function tap(node) {
  node.dispatchEvent('tap')
  await new Promise((resolve) => setTimeout(resolve, 0))
}

function text(view, selector) {
  const node = view.querySelector(selector)
  return node ? node.dom.textContent : null
}

/** The HTML of every rich-text of the answer, in order. */
function html(view) {
  return view.querySelectorAll('.md-block').map((n) => n.dom.textContent).join('')
}

function codeText(view) {
  return view.querySelectorAll('.md-code-line').map((n) => n.dom.textContent).join('\n')
}

describe('chat.wxml', () => {
  let server
  afterEach(() => server.close())

  test('markdown: headings, list items, a table and a code block at the end; an open code fence mid-stream', async () => {
    server = await startMarkdownServer({ text: MARKDOWN, piece: 3, everyMs: 15 })
    const { host, page } = openChatPage(server.baseUrl)
    host.load()
    const view = renderPage(host)
    const index = ask(host, 'markdown please')

    // Mid-stream: the fence is open (its closing line has not arrived) and the code shows as code.
    await waitFor(() => {
      const sofar = page.answerText(index).content
      return sofar.split('```').length === 2 && /console/.test(codeText(view))
    }, 10000, 'an open code fence on screen')
    expect(page.data.streaming).toBe(true)
    expect(text(view, '.md-code-lang')).toBe('js')
    expect(codeText(view)).toMatch(/^const a = 1\nconsole/)
    expect(html(view)).not.toContain('```')
    expect(text(view, '.bubble-assistant .cursor')).toBe('▍')

    await waitFor(() => !page.data.streaming, 10000, 'the end of the answer')
    const done = html(view)
    expect(done).toContain('<h2>标题 Heading</h2>')
    expect(done).toContain('<b>加粗</b>')
    expect(done).toContain('<ul><li>第一项 first</li><li>第二项 second</li></ul>')
    expect(done).toMatch(/<table class="md-table"><thead><tr><th class="md-th">名称<\/th><th style="text-align:right" class="md-th">值<\/th><\/tr><\/thead><tbody><tr><td class="md-td">a<\/td>/)
    expect(done).toContain('<p>完。</p>')
    expect(codeText(view)).toBe('const a = 1\nconsole.log(a) // 😀')
    expect(view.querySelector('.bubble-assistant .cursor')).toBeFalsy()
    expect(text(view, '.bubble-assistant .state')).toMatch(/^首字 .* · 用时 /)
    host.unload()
  })

  test('half a table mid-stream is shown by the growing block, never as raw pipes once its delimiter row is in', async () => {
    server = await startMarkdownServer({ text: '| a | b |\n| - | - |\n| 1 | 2 |\n| 3 | 4 |\n\nend', piece: 2, everyMs: 20 })
    const { host, page } = openChatPage(server.baseUrl)
    host.load()
    const view = renderPage(host)
    const index = ask(host, 'a table')
    await waitFor(() => /\| 1/.test(page.answerText(index).content) && /<td/.test(html(view)), 10000, 'a growing table')
    expect(html(view)).toMatch(/^<table class="md-table"><thead>/)
    await waitFor(() => !page.data.streaming, 10000)
    expect(html(view)).toMatch(/<td class="md-td">3<\/td><td class="md-td">4<\/td>/)
    host.unload()
  })
})

describe('chat.wxml against the demo backend', () => {
  let backend
  beforeEach(async () => {
    backend = await startDemoServer({ tokensPerSecond: 150 })
  })
  afterEach(() => backend.close())

  test('reasoning is folded; a tap unfolds it; the Send button is Stop while streaming', async () => {
    const { host, page } = openChatPage(backend.baseUrl)
    host.load()
    const view = renderPage(host)
    expect(text(view, '.empty')).toContain('问点什么吧')
    const index = ask(host, '渲染测试 render test')
    expect(text(view, '.bubble-user')).toBe('渲染测试 render test')
    expect(view.querySelector('.stop')).toBeTruthy()
    expect(view.querySelector('.send')).toBeFalsy()

    await waitFor(() => !page.data.streaming, 15000, 'the end of the answer')
    expect(view.querySelector('.send')).toBeTruthy()
    expect(text(view, '.reasoning-title')).toContain('已深度思考')
    expect(view.querySelector('.reasoning-text')).toBeFalsy()
    await tap(view.querySelector('.reasoning'))
    const lines = view.querySelectorAll('.reasoning-line').map((n) => n.dom.textContent)
    expect(lines.join('\n')).toBe(page.answerText(index).reasoning)
    host.unload()
  })

  test('an error: its row under the bubble (not the bubble styled as a row) with a Retry that works', async () => {
    const { host, page } = openChatPage(backend.baseUrl)
    host.load()
    const view = renderPage(host)
    const index = ask(host, '/503 重试按钮')
    await waitFor(() => !page.data.streaming, 15000)
    expect(text(view, '.error-row .error-text')).toMatch(/^⚠️ 请求失败（503）：/)
    // The bubble is `is-error`, never the `.error-row` class of the row below it.
    const bubble = view.querySelector('.bubble-assistant')
    expect(bubble.dom.getAttribute('class').split(' ')).toEqual(expect.arrayContaining(['bubble', 'bubble-assistant', 'is-error']))
    expect(bubble.dom.getAttribute('class')).not.toMatch(/error-row/)
    expect(view.querySelector('.error-row').dom.parentNode.getAttribute('class')).toBe('answer')
    expect(view.querySelector('.retry')).toBeTruthy()

    await tap(view.querySelector('.retry'))
    expect(page.data.messages[index].status).toBe('streaming')
    expect(view.querySelector('.error-row')).toBeFalsy()
    // The same command fails the same way again: the row is back.
    await waitFor(() => !page.data.streaming, 15000)
    expect(text(view, '.error-row .error-text')).toMatch(/^⚠️ 请求失败（503）：/)
    host.unload()
  })
})

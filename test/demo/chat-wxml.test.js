'use strict'
/**
 * The chat page's WXML rendered in Node with miniprogram-simulate, fed by the page logic as it
 * streams from the demo backend: every setData of the page goes to the rendered view too.
 */
const fs = require('fs')
const path = require('path')
const { installMiniDom } = require('./helpers/mini-dom')
const { MINIPROGRAM_ROOT, startDemoServer, openChatPage, waitFor, ask } = require('./helpers/page-harness')

const PAGE = path.join(MINIPROGRAM_ROOT, 'pages', 'chat', 'chat')

let uninstallDom
let simulate
beforeAll(() => {
  uninstallDom = installMiniDom()
  simulate = require('miniprogram-simulate')
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
    methods: methods
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

describe('chat.wxml', () => {
  let backend
  beforeEach(async () => {
    backend = await startDemoServer({ tokensPerSecond: 150 })
  })
  afterEach(() => backend.close())

  test('shows the answer growing while it streams, then the whole answer', async () => {
    const { host, page, config } = openChatPage(backend.baseUrl)
    host.load()
    const view = renderPage(host)
    expect(text(view, '.empty')).toContain('问点什么吧')

    const index = ask(host, '渲染测试 render test')
    const bubbles = () => view.querySelectorAll('.bubble')
    expect(bubbles()).toHaveLength(2)
    expect(text(view, '.bubble.user')).toBe('渲染测试 render test')
    // The Send button became Stop.
    expect(view.querySelector('.stop')).toBeTruthy()
    expect(view.querySelector('.send')).toBeFalsy()

    // Mid-stream: part of the answer, the cursor and the streaming state are on screen.
    await waitFor(() => page.data.messages[index].content.length > 20, 10000, 'a partial answer')
    const partial = text(view, '.bubble.assistant .answer')
    expect(partial.length).toBeGreaterThan(0)
    expect(text(view, '.bubble.assistant .cursor')).toBe('▍')
    expect(text(view, '.bubble.assistant .state')).toBe('正在生成…')

    await waitFor(() => !page.data.streaming, 15000, 'the end of the answer')
    const answer = page.data.messages[index].content
    expect(answer.startsWith(partial)).toBe(true)
    expect(text(view, '.bubble.assistant .answer')).toBe(answer)
    expect(view.querySelector('.bubble.assistant .cursor')).toBeFalsy()
    expect(text(view, '.bubble.assistant .state')).toMatch(/^首字 .* · 用时 /)
    expect(view.querySelector('.send')).toBeTruthy()

    // Reasoning is folded; a tap on it unfolds it.
    expect(text(view, '.reasoning-title')).toContain('已深度思考')
    expect(view.querySelector('.reasoning-text')).toBeFalsy()
    await tap(view.querySelector('.reasoning'))
    expect(text(view, '.reasoning-text')).toBe(page.data.messages[index].reasoning)
    expect(config.renderInterval).toBeGreaterThan(0)
  })

  test('shows the error in plain words and a Retry button that works', async () => {
    const { host, page } = openChatPage(backend.baseUrl)
    host.load()
    const view = renderPage(host)
    const index = ask(host, '/cut 重试按钮')
    await waitFor(() => !page.data.streaming, 15000)
    expect(text(view, '.error-text')).toMatch(/^⚠️ 连接中断/)
    const retry = view.querySelector('.retry')
    expect(retry).toBeTruthy()

    await tap(retry)
    expect(view.querySelector('.retry')).toBeFalsy()
    await waitFor(() => !page.data.streaming, 15000)
    expect(page.data.messages[index].status).toBe('done')
    expect(view.querySelector('.error')).toBeFalsy()
    expect(text(view, '.bubble.assistant .answer')).toBe(page.data.messages[index].content)
  })
})

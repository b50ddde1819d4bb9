// Taro (weapp): Taro.request from @tarojs/taro with the weapp platform runtime
// (@tarojs/plugin-platform-weapp), bundled with esbuild as a Taro page's code would be, run in a
// node:vm realm whose `wx.request` is the Node one from miniprogram-eventsource/node.
// Taro.request returns a Promise with the task's methods copied onto it and rejects on `fail`.
'use strict'
const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const acorn = require('acorn')
const buildTaro = require('../taro/build')
const { createMiniProgramRealm } = require('../lib/mp-realm')
const { createSseServer } = require('../lib/sse-server')
const { waitFor, settle } = require('../lib/wait-for')
const { createWx } = require('../../dist/node.cjs')

let server
let bundle
const unhandled = []
const onUnhandled = (reason) => unhandled.push(reason)

before(async () => {
  const started = Date.now()
  bundle = buildTaro()
  console.log('# esbuild taro/app.js: ' + (Date.now() - started) + ' ms')
  server = await createSseServer()
  process.on('unhandledRejection', onUnhandled)
})

after(() => {
  process.off('unhandledRejection', onUnhandled)
  return server && server.close()
})

beforeEach(() => {
  unhandled.length = 0
})

/** A fresh realm; `fails` records every `fail` the Node wx.request delivered to Taro. */
function launch() {
  const node = createWx()
  const fails = []
  const wx = {
    request(options) {
      return node.request({ ...options, fail: (res) => { fails.push(res); if (options.fail) options.fail(res) } })
    }
  }
  const realm = createMiniProgramRealm({ root: require('node:path').dirname(bundle), wx })
  const app = realm.load('app.js')
  return { app, fails }
}

test('the bundle (Taro runtime + library) is ES2015', () => {
  assert.doesNotThrow(() => acorn.parse(fs.readFileSync(bundle, 'utf8'), { ecmaVersion: 2015, sourceType: 'script' }))
})

test('connectEventSource({ request: Taro.request }) streams CJK and emoji', async () => {
  const { app } = launch()
  const state = {}
  app.ask(server.origin + '/answer', state)
  await waitFor(() => state.status === 'done' || state.status === 'error', 'the end of the answer')
  assert.equal(state.status, 'done', state.errMsg)
  assert.equal(state.answer, server.answer)
  assert.equal(state.messages, 5)
  await settle()
  assert.deepEqual(unhandled, [])
})

test('close() mid-stream: Taro.request rejects (request:fail abort) and no unhandled rejection is left', async () => {
  const { app, fails } = launch()
  const state = {}
  const es = app.ask(server.origin + '/hold', state)
  await waitFor(() => state.messages === 1, 'the first message')
  es.close()
  await waitFor(() => fails.length === 1, 'the fail that makes Taro.request reject')
  assert.match(fails[0].errMsg, /abort/)
  await settle()
  assert.deepEqual(unhandled.map(String), [])
  assert.equal(state.messages, 1)
  assert.equal(state.status, 'open', 'no callback after close()')
})

test('a network failure: Taro.request rejects, onError gets it, no unhandled rejection', async () => {
  const { app, fails } = launch()
  const state = {}
  // A port nothing listens on (the server's own, once closed, on 127.0.0.1).
  const closed = await createSseServer()
  await closed.close()
  app.ask(closed.origin + '/answer', state)
  await waitFor(() => state.status === 'error', 'the error')
  assert.equal(fails.length, 1)
  assert.notEqual(state.errCode, 200)
  await settle()
  assert.deepEqual(unhandled.map(String), [])
})

for (const name of ['logInterceptor', 'timeoutInterceptor']) {
  test('with Taro.interceptors.' + name + ' (which drops onChunkReceived) the user gets errCode 1005, not silence', async () => {
    const { app } = launch()
    app.useInterceptor(name)
    const state = {}
    const log = console.log
    console.log = () => {} // logInterceptor prints every request and response
    try {
      app.ask(server.origin + '/answer', state)
      await waitFor(() => state.status === 'done' || state.status === 'error', 'an answer or an error')
    } finally {
      console.log = log
    }
    assert.equal(state.status, 'error')
    assert.equal(state.errCode, 1005, state.errMsg)
    assert.match(state.errMsg, /^\[miniprogram-eventsource\] /)
    assert.equal(state.messages, 0)
    await settle()
    assert.deepEqual(unhandled.map(String), [])
  })
}

test('an interceptor returning chain.proceed(params) as is keeps the task methods: it streams (and its token is sent)', async () => {
  const { app } = launch()
  app.useInterceptor('proceed')
  const state = {}
  const before = server.requests.length
  app.ask(server.origin + '/answer?token=T', state)
  await waitFor(() => state.status === 'done' || state.status === 'error', 'the end of the answer')
  assert.equal(state.status, 'done', state.errMsg)
  assert.equal(state.answer, server.answer)
  assert.equal(server.requests[before].headers.authorization, 'Bearer T')
})

test('an interceptor returning chain.proceed(params).then(...) drops the task methods: errCode 1005', async () => {
  const { app } = launch()
  app.useInterceptor('then')
  const state = {}
  app.ask(server.origin + '/answer', state)
  await waitFor(() => state.status === 'done' || state.status === 'error', 'an answer or an error')
  assert.equal(state.errCode, 1005, state.errMsg)
  assert.equal(state.messages, 0)
  await settle()
  assert.deepEqual(unhandled.map(String), [])
})

test('nothing but 127.0.0.1 was contacted', () => {
  assert.deepEqual(globalThis.__blockedConnections, [])
})

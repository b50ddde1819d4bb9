// uni-app (Vue 3) mp-weixin, for real: integration/uni-app is built by the uni CLI
// (`uni build -p mp-weixin`, network blocked), and its output — common/vendor.js (uni's runtime,
// Vue and this library, as Vite bundled them from the package's `exports.import`), app.js and the
// page — runs in a node:vm realm whose `wx.request` is the Node one from
// miniprogram-eventsource/node, pointed at a local SSE server.
'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const acorn = require('acorn')
const { createMiniProgramRealm } = require('../lib/mp-realm')
const { createSseServer } = require('../lib/sse-server')
const { waitFor } = require('../lib/wait-for')
const { buildUni } = require('../lib/uni-build')
const { createWx } = require('../../dist/node.cjs')

const PROJECT = path.join(__dirname, '..', 'uni-app')
const OUT = path.join(PROJECT, 'dist', 'build', 'mp-weixin')

let server

before(async () => {
  buildUni(PROJECT, 'mp-weixin')
  server = await createSseServer()
})

after(() => server && server.close())

/** A fresh mini-program (its own uni runtime, interceptors, page) for each test. */
function launch() {
  const wx = createWx()
  const realm = createMiniProgramRealm({ root: OUT, wx })
  realm.launch()
  const page = realm.openPage('pages/index/index')
  assert.ok(page.$vm, 'uni created the Vue instance of the page')
  return { realm, page, vm: page.$vm }
}

/** The page's answer as the view layer got it: the `answer` binding's setData values, in order. */
function answerUpdates(realm, page) {
  // The compiled render function names bindings a, b…: `answer` is the first (see index.vue).
  return realm.setDataLog.filter((e) => e.route === 'pages/index/index' && 'a' in e.patch).map((e) => e.patch.a).filter((a) => a !== '')
}

test('the whole build output is ES2015 (acorn) and carries the library from exports.import', () => {
  const files = []
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.js')) files.push(full)
    }
  }
  walk(OUT)
  assert.ok(files.length >= 3, 'app.js, common/vendor.js and the page')
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8')
    assert.doesNotThrow(() => acorn.parse(source, { ecmaVersion: 2015, sourceType: 'script' }), path.relative(OUT, file))
  }
  const vendor = fs.readFileSync(path.join(OUT, 'common', 'vendor.js'), 'utf8')
  assert.match(vendor, /\[miniprogram-eventsource\] /)
})

for (const how of ['install', 'request']) {
  const title = how === 'install' ? 'install(); uni.connectEventSource(...)' : 'connectEventSource({ request: uni.request })'
  test(title + ' streams CJK and emoji to the page\'s setData', async () => {
    const { realm, page, vm } = launch()
    vm.ask(server.origin + '/answer', how)
    await waitFor(() => vm.status === 'done' || vm.status === 'error', 'the end of the answer')
    assert.equal(vm.status, 'done', vm.errMsg)
    assert.equal(vm.messages, 5)
    assert.equal(page.data.a, server.answer)
    // Streamed: the view got growing prefixes of the answer, not one final setData.
    const updates = answerUpdates(realm, page)
    assert.ok(updates.length >= 2, 'several setData calls: ' + JSON.stringify(updates))
    for (const u of updates) assert.ok(server.answer.startsWith(u), JSON.stringify(u) + ' is a prefix')
    assert.equal(updates[updates.length - 1], server.answer)
  })
}

for (const how of ['install', 'request']) {
  test('a sync uni request interceptor (token injection) applies, ' + how, async () => {
    const { vm, page } = launch()
    vm.useInterceptor('sync', 'T1')
    const before = server.requests.length
    vm.ask(server.origin + '/answer?token=T1', how)
    await waitFor(() => vm.status === 'done' || vm.status === 'error', 'the end of the answer')
    assert.equal(vm.status, 'done', vm.errMsg)
    assert.equal(page.data.a, server.answer)
    assert.equal(server.requests.length, before + 1)
    assert.equal(server.requests[before].headers.authorization, 'Bearer T1')
  })

  test('an async uni request interceptor (uni.request returns a Promise of the task) still streams, ' + how, async () => {
    const { vm, page } = launch()
    vm.useInterceptor('async', 'T2')
    const before = server.requests.length
    vm.ask(server.origin + '/answer?token=T2', how)
    await waitFor(() => vm.status === 'done' || vm.status === 'error', 'an answer or an error')
    assert.equal(vm.status, 'done', vm.errCode + ' ' + vm.errMsg)
    assert.equal(server.requests[before].headers.authorization, 'Bearer T2', 'the interceptor ran')
    assert.equal(page.data.a, server.answer)
    assert.ok(vm.messages > 1, 'streamed in several events')
  })

  test('a baseURL uni request interceptor applies: the page asks for a relative URL, ' + how, async () => {
    const { vm, page } = launch()
    vm.useInterceptor('baseURL', server.origin)
    const before = server.requests.length
    vm.ask('/answer', how)
    await waitFor(() => vm.status === 'done' || vm.status === 'error', 'the end of the answer')
    assert.equal(vm.status, 'done', vm.errCode + ' ' + vm.errMsg)
    assert.equal(page.data.a, server.answer)
    assert.equal(server.requests[before].url, '/answer')
  })
}

test('install(): uni.connectEventSource sends through uni.request, so without the interceptor the token is missing', async () => {
  const { vm } = launch()
  const before = server.requests.length
  vm.ask(server.origin + '/answer?token=T3', 'install')
  await waitFor(() => vm.status === 'done' || vm.status === 'error', 'an error')
  assert.equal(vm.status, 'error')
  assert.equal(vm.errCode, 401)
  assert.equal(server.requests[before].headers.authorization, undefined)
})

test('nothing but 127.0.0.1 was contacted', () => {
  assert.deepEqual(globalThis.__blockedConnections, [])
})

'use strict'
/**
 * Runs the demo's chat page (the real page file) against the real demo backend over HTTP,
 * through the library's Node wx.request.
 */
const path = require('path')
const { buildNpm } = require('../../../demo-miniprogram/scripts/build-npm')
const { createMiniprogramRuntime } = require('../../../demo-miniprogram/scripts/miniprogram-host')
const { createDemoServer, listen } = require('../../../demo-miniprogram/server/app')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const MINIPROGRAM_ROOT = path.join(ROOT, 'demo-miniprogram', 'miniprogram')

async function startDemoServer(options) {
  const server = createDemoServer(Object.assign({ thinkMs: 0, keepAliveMs: 0, tokensPerSecond: 400 }, options))
  const address = await listen(server, 0, '127.0.0.1')
  return {
    server: server,
    port: address.port,
    baseUrl: 'http://127.0.0.1:' + address.port + '/v1',
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

/**
 * A fresh runtime (fresh module cache) with the chat page loaded, pointed at `baseUrl`.
 * `options.wrapRequest(request)` may wrap the Node wx.request (to interrupt a request, say);
 * `options.config` overrides config.js values.
 */
function openChatPage(baseUrl, quirks, options) {
  buildNpm()
  const { createWxRequest } = require(path.join(ROOT, 'dist', 'node.cjs'))
  let request = createWxRequest(quirks || {})
  if (options && options.wrapRequest) request = options.wrapRequest(request)
  const runtime = createMiniprogramRuntime({ root: MINIPROGRAM_ROOT, wx: { request: request } })
  const config = runtime.require('/config.js')
  config.baseUrl = baseUrl
  // Tests wait for reconnections: the library's floor (500 ms) is the shortest delay anyway.
  config.reconnect = { maxRetries: 3 }
  Object.assign(config, (options && options.config) || {})
  const host = runtime.loadPage('pages/chat/chat')
  return { runtime: runtime, config: config, host: host, page: host.page }
}

/** Polls `predicate` until it holds (no fixed sleeps in assertions). */
function waitFor(predicate, timeoutMs, what) {
  const limit = timeoutMs || 10000
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const check = () => {
      let value
      try {
        value = predicate()
      } catch (err) {
        return reject(err)
      }
      if (value) return resolve(value)
      if (Date.now() - started > limit) return reject(new Error('timed out waiting for ' + (what || predicate.toString())))
      setTimeout(check, 5)
    }
    check()
  })
}

/** UTF-8 bytes of the setData calls from `from` on, as the client would serialise them. */
function setDataBytes(host, from) {
  return host.calls.slice(from || 0).reduce((n, c) => n + c.bytes, 0)
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Types `text` and taps Send, as a user does. */
function ask(host, text) {
  host.input('onInput', text)
  host.tap('onSend')
  return host.page.data.messages.length - 1
}

module.exports = { ROOT, MINIPROGRAM_ROOT, startDemoServer, openChatPage, waitFor, delay, ask, setDataBytes }

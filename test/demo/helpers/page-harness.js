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

/** A fresh runtime (fresh module cache) with the chat page loaded, pointed at `baseUrl`. */
function openChatPage(baseUrl, quirks) {
  buildNpm()
  const { createWxRequest } = require(path.join(ROOT, 'dist', 'node.cjs'))
  const runtime = createMiniprogramRuntime({ root: MINIPROGRAM_ROOT, wx: { request: createWxRequest(quirks || {}) } })
  const config = runtime.require('/config.js')
  config.baseUrl = baseUrl
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

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Types `text` and taps Send, as a user does. */
function ask(host, text) {
  host.input('onInput', text)
  host.tap('onSend')
  return host.page.data.messages.length - 1
}

module.exports = { ROOT, MINIPROGRAM_ROOT, startDemoServer, openChatPage, waitFor, delay, ask }

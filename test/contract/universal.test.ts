/**
 * The universal entry: which transport it picks on which host (feature detection at connect
 * time, never the user agent), how to force one, what install() does, and that the WeChat
 * entry carries none of it.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as universal from '../../src/universal'
import * as core from '../../src/index'
import { waitFor } from '../helpers/wait-for'

const g = globalThis as any
const HOST_GLOBALS = ['tt', 'wx', 'qq', 'swan', 'has', 'my', 'uni']
let saved: Record<string, any> = {}
beforeEach(() => {
  saved = {}
  for (const name of [...HOST_GLOBALS, 'fetch', 'ReadableStream']) saved[name] = g[name]
})
afterEach(() => {
  for (const name in saved) {
    if (saved[name] === undefined) delete g[name]
    else g[name] = saved[name]
  }
})
const fn = () => () => undefined

test.each([
  [{ tt: { createEventSource: fn(), request: fn() }, wx: { request: fn() }, my: { request: fn() } }, 'tt.createEventSource'],
  [{ wx: { request: fn() }, my: { request: fn() } }, 'wx.request'],
  [{ qq: { request: fn() } }, 'qq.request'],
  [{ swan: { request: fn() } }, 'swan.request'],
  [{ has: { request: fn() } }, 'has.request'],
  [{ wx: { request: fn() }, uni: { request: fn() } }, 'uni.request (wx)'],
  [{ tt: { request: fn() } }, 'tt.request'],
  [{ tt: { createEventSource: fn() }, uni: { request: fn() } }, 'tt.createEventSource'],
  [{ my: { request: fn(), httpRequest: fn() } }, 'my.request'],
  [{ my: { httpRequest: fn() } }, 'my.httpRequest'],
  [{ uni: { request: fn() } }, 'fetch'],
  [{}, 'fetch']
])('detectHost with %p: %s', (globals, expected) => {
  Object.assign(g, globals)
  expect(universal.detectHost().name).toBe(expected)
})

test('no host at all (no fetch streams): errCode 1002 through the core’s usual path', async () => {
  delete g.ReadableStream
  expect(universal.detectHost().name).toBe('')
  const source = universal.connectEventSource({ url: 'https://x.invalid/sse' })
  const errors: number[] = []
  source.onError((e) => errors.push(e.errCode))
  await waitFor(() => errors.length === 1, 'the error')
  expect(errors).toEqual([1002])
})

test('options.transport and options.request are used as given, whatever the host', () => {
  g.tt = { createEventSource: jest.fn() }
  const transport = jest.fn(() => ({ abort() {} }))
  universal.connectEventSource({ url: 'https://x.invalid/a', transport }).close()
  expect(transport).toHaveBeenCalledTimes(1)
  const request = jest.fn(() => ({ abort() {} }))
  universal.connectEventSource({ url: 'https://x.invalid/b', request: request as any }).close()
  expect(request).toHaveBeenCalledTimes(1)
  expect(g.tt.createEventSource).not.toHaveBeenCalled()
})

test('detection happens at connect time: a host appearing later is used', () => {
  const first = jest.fn(() => ({ abort() {}, onChunkReceived() {} }))
  g.wx = { request: first }
  universal.connectEventSource({ url: 'https://x.invalid/a' }).close()
  delete g.wx
  const create = jest.fn(() => ({ onOpen() {}, onMessage() {}, onError() {}, onClose() {}, close() {} }))
  g.tt = { createEventSource: create }
  universal.connectEventSource({ url: 'https://x.invalid/b' }).close()
  expect([first.mock.calls.length, create.mock.calls.length]).toEqual([1, 1])
})

test('install(): keeps a native uni.connectEventSource (uni-app x App), fills in a missing one and the target', () => {
  const native = () => 'native'
  g.uni = { connectEventSource: native }
  const target: Record<string, any> = {}
  universal.install(target)
  expect(g.uni.connectEventSource).toBe(native)
  expect(target.connectEventSource).toBe(universal.connectEventSource)
  g.uni = {}
  universal.install()
  expect(g.uni.connectEventSource).toBe(universal.connectEventSource)
})

test('the universal entry re-exports everything of the WeChat entry and exports the transports', () => {
  for (const name of Object.keys(core)) expect(universal).toHaveProperty(name)
  expect(universal.connectEventSource).not.toBe(core.connectEventSource)
  expect(universal.install).not.toBe(core.install)
  for (const name of ['requestTransport', 'ttTransport', 'fetchTransport', 'myRequest', 'detectHost']) {
    expect(typeof (universal as any)[name]).toBe('function')
  }
})

test('the WeChat bundle carries none of the other transports (its size budget: test/miniprogram-bundle.test.ts)', () => {
  const file = path.join(__dirname, '..', '..', 'miniprogram_dist', 'index.js')
  const code = fs.readFileSync(file, 'utf8')
  for (const marker of ['createEventSource', 'getReader', 'AbortController', 'httpRequest', 'dataType']) expect(code).not.toContain(marker)
  // …and the universal one does (the markers are real).
  const all = fs.readFileSync(path.join(__dirname, '..', '..', 'miniprogram_dist', 'universal.js'), 'utf8')
  for (const marker of ['createEventSource', 'getReader', 'AbortController', 'httpRequest', 'dataType']) expect(all).toContain(marker)
})

describe('miniprogram_dist/universal.js in a bare realm (no fetch, no TextDecoder, no Buffer), as a mini-program loads it', () => {
  const vm = require('node:vm') as typeof import('node:vm')
  const acorn = require('acorn') as typeof import('acorn')
  const code = () => fs.readFileSync(path.join(__dirname, '..', '..', 'miniprogram_dist', 'universal.js'), 'utf8')

  function load(globals: Record<string, any>): typeof universal {
    const module = { exports: {} as any }
    const context = vm.createContext({ module, exports: module.exports, setTimeout, clearTimeout, console, ...globals })
    vm.runInContext(code(), context)
    return module.exports
  }

  test('ES2015 syntax, no require()', () => {
    expect(() => acorn.parse(code(), { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow()
    expect(code()).not.toMatch(/\brequire\(/)
  })

  test.each([
    ['tt (Douyin)', () => require('./hosts/tt').ttHost(), 'tt'],
    ['my (Alipay; ArrayBuffers from another realm)', () => require('./hosts/my').myHost(), 'my']
  ])('%s: streams events to onMessage', async (_name, make, global) => {
    const host = make()
    try {
      const lib = load({ [global]: (globalThis as any)[global] })
      expect(lib.detectHost().name).toBe(global === 'tt' ? 'tt.createEventSource' : 'my.request')
      const source = lib.connectEventSource({ url: 'https://api.example.invalid/sse', method: 'POST', data: { q: 1 } })
      const seen: string[] = []
      const errors: number[] = []
      source.onMessage((e: any) => seen.push(e.type + ':' + e.data + ':' + e.lastEventId))
      source.onError((e: any) => errors.push(e.errCode))
      const req = await host.nextRequest()
      req.respond(200, { 'Content-Type': 'text/event-stream' })
      req.write('event: delta\nid: 1\ndata: 你好\n\ndata: 🤖\n\n')
      req.end()
      await waitFor(() => errors.length === 1, 'the end')
      expect(seen).toEqual(['delta:你好:1', 'message:🤖:1'])
      expect(errors).toEqual([host.normalEnd])
    } finally {
      await host.dispose()
    }
  })
})

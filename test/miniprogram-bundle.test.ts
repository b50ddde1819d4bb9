/**
 * The shipped file, miniprogram_dist/index.js, as a mini-program logic layer runs it: a fresh
 * node:vm realm holding only ECMAScript built-ins, console, timers and a `wx` — no TextDecoder,
 * no require, no Node or Web globals. Run `npm run build` first (`npm test` does).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as vm from 'node:vm'
import * as zlib from 'node:zlib'
import { parse } from 'acorn'
import { createWxRequest } from '../node'
import { CJK_EVENTS, CRLF_EVENTS, SseServer, startSseServer } from './helpers/sse-server'
import { waitFor } from './helpers/wait-for'

const BUNDLE = path.join(__dirname, '..', 'miniprogram_dist', 'index.js')
const code = fs.readFileSync(BUNDLE, 'utf8')

/** Loads the bundle into a new realm, as WeChat's CommonJS wrapper does, and returns its exports. */
function loadInSandbox(extra: Record<string, unknown> = {}) {
  const context = vm.createContext({ console, setTimeout, clearTimeout, ...extra })
  context.global = context // mini-programs have `global`
  const requires: string[] = []
  const module = { exports: {} as any }
  const wrapper = vm.runInContext('(function (module, exports, require) {' + code + '\n})', context)
  wrapper(module, module.exports, (id: string) => {
    requires.push(id)
    throw new Error('no require in a mini-program bundle: ' + id)
  })
  return { lib: module.exports, context, requires }
}

/** Runs text-encoding-shim in the realm and installs it as the global TextDecoder, as apps do. */
function installTextEncodingShim(context: vm.Context): void {
  const source = fs.readFileSync(require.resolve('text-encoding-shim'), 'utf8')
  const module = { exports: {} as any }
  vm.runInContext('(function (module, exports) {' + source + '\n})', context)(module, module.exports)
  context.TextDecoder = module.exports.TextDecoder
}

let server: SseServer
beforeAll(async () => {
  server = await startSseServer()
})
afterAll(() => server.close())

describe('the file itself', () => {
  test('parses as an ES2015 script (no ?. ?? async/await ** or class fields)', () => {
    expect(() => parse(code, { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow()
  })

  test('is at most 3,500 bytes after gzip -9, decoder, parser and client included', () => {
    const size = zlib.gzipSync(code, { level: 9 }).length
    expect(size).toBeLessThanOrEqual(3500)
  })

  test('needs no require and touches no global beyond the sandbox when loaded', () => {
    const { lib, requires } = loadInSandbox()
    expect(requires).toEqual([])
    expect(Object.keys(lib).sort()).toEqual(
      [
        'ERR_BUFFER_OVERFLOW',
        'ERR_CONTENT_TYPE',
        'ERR_END',
        'ERR_IDLE_TIMEOUT',
        'ERR_INVALID_OPTIONS',
        'ERR_NETWORK',
        'ERR_NO_STREAM',
        'connectEventSource',
        'createParser',
        'createUtf8Decoder',
        'install'
      ].sort()
    )
    expect(/\brequire\s*\(/.test(code)).toBe(false)
  })
})

/** Streams a route through the sandboxed bundle with the Node wx.request as the global `wx`. */
async function stream(route: string, extra: Record<string, unknown> = {}) {
  const wx = { request: createWxRequest({ splitChunks: { minSize: 1, maxSize: 5, seed: 7 } }) }
  const { lib, context } = loadInSandbox({ wx, ...extra })
  if (extra.shim) installTextEncodingShim(context)
  const messages: Array<{ data: string; lastEventId: string }> = []
  const errors: Array<{ errCode: number }> = []
  const source = lib.connectEventSource({ url: server.url(route) })
  source.onMessage((ev: any) => messages.push({ data: ev.data, lastEventId: ev.lastEventId }))
  source.onError((err: any) => errors.push(err))
  await waitFor(() => errors.length > 0)
  return { messages, errors, context }
}

describe('native WeChat only', () => {
  test('Promise-shaped request functions are left out (uni-app and Taro load dist/, which has them): a Promise gives ERR_NO_STREAM, never silence', () => {
    const { lib } = loadInSandbox()
    let options: any
    const source = lib.connectEventSource({
      url: 'http://127.0.0.1/',
      request: (o: any) => {
        options = o
        return Promise.resolve()
      }
    })
    const errors: number[] = []
    source.onError((e: any) => errors.push(e.errCode))
    options.success({ statusCode: 200, header: { 'Content-Type': 'text/event-stream' }, data: new ArrayBuffer(0) })
    expect(errors).toEqual([lib.ERR_NO_STREAM])
    expect(code).not.toMatch(/\.then\(/)
  })

  test('dist/index.cjs, what framework builds load, keeps them: a Promise of the task is adopted', async () => {
    const dist = require('../dist/index.cjs')
    const { fakeRequest } = require('./helpers/fake-request')
    const fake = fakeRequest()
    const messages: string[] = []
    const source = dist.connectEventSource({ url: 'http://127.0.0.1/', request: (o: any) => Promise.resolve(o).then(fake.request) })
    source.onMessage((ev: any) => messages.push(ev.data))
    await new Promise((resolve) => setTimeout(resolve, 0))
    fake.calls[0].headers()
    fake.calls[0].chunk('data: via dist\n\n')
    expect(messages).toEqual(['via dist'])
    source.close()
  })
})

describe('streaming in the sandbox', () => {
  test('a CJK and emoji stream split inside characters arrives exactly, with no TextDecoder', async () => {
    const { messages, errors, context } = await stream('/cjk')
    expect(typeof context.TextDecoder).toBe('undefined')
    expect(messages.map((m) => m.data)).toEqual(CJK_EVENTS)
    expect(errors.map((e) => e.errCode)).toEqual([200])
  })

  test('a CRLF stream with ids arrives exactly', async () => {
    const { messages } = await stream('/crlf')
    expect(messages).toEqual(CRLF_EVENTS.map((e) => ({ data: e.data, lastEventId: e.id })))
  })

  test('with text-encoding-shim as the global TextDecoder, split characters still decode exactly', async () => {
    // The shim throws on a split character; the library must not trust it.
    const { messages, errors, context } = await stream('/cjk', { shim: true })
    expect(typeof context.TextDecoder).toBe('function')
    expect(() => new context.TextDecoder().decode(new Uint8Array([0xe4, 0xb8]), { stream: true })).toThrow()
    expect(messages.map((m) => m.data)).toEqual(CJK_EVENTS)
    expect(errors.map((e) => e.errCode)).toEqual([200])
  })
})

/// <reference types="miniprogram-api-typings" />
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  createWxRequest, createWx, wxRequest, MAX_REDIRECTS,
  WxRequestFunction, WxRequestOptions, WxRequestQuirks, WxRequestSuccess, WxRequestTask, CreateWxRequestOptions
} from '../node'
import { connectEventSource } from '../src'
import type { EventSourceMessage, RequestFunction } from '../src/types'
import { CJK_EVENTS, LAST_EVENT_ID, SseServer, startSseServer } from './helpers/sse-server'
import { settle, waitFor } from './helpers/wait-for'
import { freePort } from './helpers/free-port'

type Entry =
  | { kind: 'headers'; res: any }
  | { kind: 'chunk'; data: ArrayBuffer }
  | { kind: 'success'; res: any }
  | { kind: 'fail'; res: any }

interface Recording {
  task: WxRequestTask<number | string>
  log: Entry[]
  /** Resolves with the log once success or fail fired. */
  done: Promise<Entry[]>
  /** Whether a callback ran synchronously inside request(). */
  synchronous: boolean
}

let server: SseServer
beforeAll(async () => { server = await startSseServer() })
afterAll(() => server.close())

function record(options: Partial<WxRequestOptions<any, number | string>> & { url: string }, quirks?: CreateWxRequestOptions): Recording {
  const log: Entry[] = []
  let inside = true
  let synchronous = false
  const mark = (): void => { if (inside) synchronous = true }
  let finish: (log: Entry[]) => void = () => {}
  const done = new Promise<Entry[]>((resolve) => { finish = resolve })
  const request = createWxRequest(quirks)
  const task: WxRequestTask<number | string> = request({
    responseType: 'arraybuffer',
    enableChunked: true,
    ...options,
    success: (res) => { mark(); log.push({ kind: 'success', res }); finish(log) },
    fail: (res) => { mark(); log.push({ kind: 'fail', res }); finish(log) }
  })
  task.onHeadersReceived?.((res) => { mark(); log.push({ kind: 'headers', res }) })
  task.onChunkReceived?.((res) => { mark(); log.push({ kind: 'chunk', data: res.data }) })
  inside = false
  return { task, log, done, get synchronous() { return synchronous } }
}

function chunksOf(log: Entry[]): ArrayBuffer[] {
  return log.flatMap((e) => (e.kind === 'chunk' ? [e.data] : []))
}
function concatText(chunks: ArrayBuffer[]): string {
  return Buffer.concat(chunks.map((c) => Buffer.from(new Uint8Array(c)))).toString('utf8')
}
const kinds = (log: Entry[]) => log.map((e) => e.kind)
const cjkBody = CJK_EVENTS.map((e) => `data: ${e}\n\n`).join('')

describe('node wx.request: chunked semantics', () => {
  test('headers, then chunks, then success; never synchronously', async () => {
    const r = record({ url: server.url('/cjk') })
    const log = await r.done
    expect(r.synchronous).toBe(false)
    const order = kinds(log)
    expect(order[0]).toBe('headers')
    expect(order[order.length - 1]).toBe('success')
    expect(order.slice(1, -1).every((k) => k === 'chunk')).toBe(true)
    expect(order.length).toBeGreaterThan(3)
  })

  test('headers callback: string header values, original casing, cookies, numeric status', async () => {
    const log = await record({ url: server.url('/plain') }).done
    const headers = log[0]
    if (headers.kind !== 'headers') throw new Error('no headers first')
    expect(headers.res.statusCode).toBe(200)
    expect(headers.res.header['X-Custom-Name']).toBe('Value')
    expect(headers.res.header['Content-Type']).toBe('application/json')
    expect(headers.res.cookies).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    for (const value of Object.values(headers.res.header)) expect(typeof value).toBe('string')
  })

  test('chunks are fresh ArrayBuffers whose concatenation is the body', async () => {
    const log = await record({ url: server.url('/cjk') }).done
    const chunks = chunksOf(log)
    for (const chunk of chunks) {
      expect(Object.prototype.toString.call(chunk)).toBe('[object ArrayBuffer]')
      expect(Buffer.isBuffer(chunk)).toBe(false)
    }
    // No two chunks share storage (a pooled Buffer's .buffer would be shared).
    expect(new Set(chunks).size).toBe(chunks.length)
    expect(concatText(chunks)).toBe(cjkBody)
  })

  test('success with enableChunked: empty ArrayBuffer data (the body went through chunks)', async () => {
    const log = await record({ url: server.url('/cjk') }).done
    const success = log[log.length - 1]
    if (success.kind !== 'success') throw new Error('no success')
    expect(success.res.errMsg).toBe('request:ok')
    expect(success.res.statusCode).toBe(200)
    expect(Object.prototype.toString.call(success.res.data)).toBe('[object ArrayBuffer]')
    expect(success.res.data.byteLength).toBe(0)
    expect(success.res.header['Content-Type']).toMatch(/text\/event-stream/)
  })

  test('responseType text with enableChunked: success data is an empty string', async () => {
    const log = await record({ url: server.url('/end-after-one'), responseType: 'text' }).done
    expect(log[log.length - 1]).toMatchObject({ kind: 'success', res: { data: '' } })
    expect(concatText(chunksOf(log))).toBe('id: 1\ndata: the one\n\n')
  })

  test('without enableChunked: no chunk callbacks, the whole body in success', async () => {
    const ab = await record({ url: server.url('/cjk'), enableChunked: false }).done
    expect(kinds(ab)).toEqual(['success'])
    expect(Buffer.from(new Uint8Array((ab[0] as any).res.data)).toString('utf8')).toBe(cjkBody)

    const json = await record({ url: server.url('/plain'), enableChunked: false, responseType: 'text' }).done
    expect((json[0] as any).res.data).toMatchObject({ method: 'GET', url: '/plain' }) // dataType json: parsed, as wx
  })

  test('non-200 statuses go to success, not fail (wx semantics)', async () => {
    for (const [route, status] of [['/401', 401], ['/429', 429], ['/500', 500], ['/204', 204]] as const) {
      const log = await record({ url: server.url(route) }).done
      expect(log[0]).toMatchObject({ kind: 'headers', res: { statusCode: status } })
      expect(log[log.length - 1]).toMatchObject({ kind: 'success', res: { statusCode: status, errMsg: 'request:ok' } })
    }
    const log = await record({ url: server.url('/401') }).done
    expect(JSON.parse(concatText(chunksOf(log)))).toEqual({ error: expect.objectContaining({ message: 'Invalid API key' }) })
  })

  test('POST with a JSON object: JSON body and content-type application/json', async () => {
    const log = await record({ url: server.url('/plain'), method: 'post', data: { q: '你好', n: 1 }, header: { 'X-Token': 't1' } }).done
    const echo = JSON.parse(concatText(chunksOf(log)))
    expect(echo.method).toBe('POST')
    expect(JSON.parse(echo.body)).toEqual({ q: '你好', n: 1 })
    expect(echo.headers['content-type']).toBe('application/json')
    expect(echo.headers['x-token']).toBe('t1')
  })

  test('POST data: string as is, ArrayBuffer as bytes, form-encoded object; caller content-type kept', async () => {
    const send = async (data: any, header?: Record<string, string>) =>
      JSON.parse(concatText(chunksOf(await record({ url: server.url('/plain'), method: 'POST', data, header }).done)))
    expect((await send('raw text', { 'Content-Type': 'text/plain' })).body).toBe('raw text')
    expect((await send('raw text', { 'Content-Type': 'text/plain' })).headers['content-type']).toBe('text/plain')
    expect((await send(new Uint8Array([0x68, 0x69]).buffer)).body).toBe('hi')
    expect((await send({ a: '1 2', b: 'é' }, { 'content-type': 'application/x-www-form-urlencoded' })).body).toBe('a=1+2&b=%C3%A9')
  })

  test('GET with an object: a query string, as wx', async () => {
    const log = await record({ url: server.url('/plain?x=0'), data: { y: 'z w' } }).done
    expect(JSON.parse(concatText(chunksOf(log))).url).toBe('/plain?x=0&y=z+w')
  })

  test('timeout: fail with errno 5 after the total time, even while chunks flow; nothing after', async () => {
    const r = record({ url: server.url('/stall'), timeout: 150 })
    const started = Date.now()
    const log = await r.done
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(kinds(log)).toEqual(['headers', 'chunk', 'fail'])
    expect(log[2]).toMatchObject({ res: { errMsg: 'request:fail timeout', errno: 5 } })
    await settle(50)
    expect(log).toHaveLength(3)
    await waitFor(() => server.requests('/stall').slice(-1)[0].closed, 'server to see the socket closed')
  })

  test('a timeout beyond 2^31-1 ms (or Infinity) is clamped, not a 1 ms timer', async () => {
    for (const timeout of [2 ** 40, Infinity]) {
      const r = record({ url: server.url('/stall'), timeout })
      await waitFor(() => r.log.some((e) => e.kind === 'chunk'), 'first chunk')
      await settle(30)
      expect(kinds(r.log)).not.toContain('fail')
      r.task.abort()
      expect(lastOf(await r.done)).toMatchObject({ res: { errMsg: 'request:fail abort' } })
    }
  })

  test('abort: fail abort (no errno, as devices report), nothing after, the server sees the close', async () => {
    const r = record({ url: server.url('/stall') })
    await waitFor(() => r.log.some((e) => e.kind === 'chunk'), 'first chunk')
    r.task.abort()
    r.task.abort() // idempotent
    const log = await r.done
    expect(kinds(log)).toEqual(['headers', 'chunk', 'fail'])
    expect(log[2]).toMatchObject({ res: { errMsg: 'request:fail abort' } })
    expect((log[2] as any).res.errno).toBeUndefined()
    await waitFor(() => server.requests('/stall').slice(-1)[0].closed, 'server to see the socket closed')
    await settle(50)
    expect(log).toHaveLength(3)
  })

  test('abort right after request(): only fail abort', async () => {
    const r = record({ url: server.url('/cjk') })
    r.task.abort()
    expect(kinds(await r.done)).toEqual(['fail'])
    await settle(80)
    expect(kinds(r.log)).toEqual(['fail'])
  })

  test('abort inside a chunk callback stops the remaining pieces of that chunk', async () => {
    const request = createWxRequest({ splitChunks: { minSize: 1, maxSize: 1 } })
    let chunks = 0
    let failed = ''
    const task = request({ url: server.url('/end-after-one'), enableChunked: true, responseType: 'arraybuffer', fail: (res) => { failed = res.errMsg } })
    task.onChunkReceived!(() => { chunks++; task.abort() })
    await waitFor(() => failed !== '', 'fail')
    expect(failed).toBe('request:fail abort')
    expect(chunks).toBe(1)
  })

  test('connection refused: fail with a network errno and the system message', async () => {
    const port = await freePort()
    const log = await record({ url: `http://127.0.0.1:${port}/` }).done
    expect(kinds(log)).toEqual(['fail'])
    expect(log[0]).toMatchObject({ res: { errno: 600001, errMsg: expect.stringMatching(/^request:fail .*ECONNREFUSED/) } })
  })

  test('server dies mid-body: chunks, then fail with errno 600003', async () => {
    const log = await record({ url: server.url('/die') }).done
    expect(kinds(log)[0]).toBe('headers')
    expect(log[log.length - 1]).toMatchObject({ kind: 'fail', res: { errno: 600003, errMsg: expect.stringMatching(/^request:fail /) } })
    expect(concatText(chunksOf(log))).toContain('data: before death\n\n')
  })

  test('an invalid URL fails asynchronously', async () => {
    const r = record({ url: 'not a url' })
    const log = await r.done
    expect(r.synchronous).toBe(false)
    expect(log[0]).toMatchObject({ kind: 'fail', res: { errMsg: expect.stringMatching(/^request:fail /) } })
  })

  test('offChunkReceived / offHeadersReceived remove listeners', async () => {
    const request = wxRequest
    let headers = 0
    let chunks = 0
    let ok = false
    const onHeaders = () => { headers++ }
    const onChunk = () => { chunks++ }
    const task = request({ url: server.url('/cjk'), enableChunked: true, success: () => { ok = true } })
    task.onHeadersReceived!(onHeaders)
    task.onChunkReceived!(onChunk)
    task.offHeadersReceived!(onHeaders)
    task.offChunkReceived!()
    await waitFor(() => ok, 'success')
    expect(headers).toBe(0)
    expect(chunks).toBe(0)
  })

  test('createWx gives a wx-like object with request', async () => {
    const wx = createWx()
    let status: unknown
    ;wx.request({ url: server.url('/204'), success: (res) => { status = res.statusCode } })
    await waitFor(() => status !== undefined, 'success')
    expect(status).toBe(204)
  })
})

describe('node wx.request: quirk switches', () => {
  test('mergeChunks: several server writes arrive in one callback; bytes unchanged', async () => {
    const plain = chunksOf(await record({ url: server.url('/cjk') }).done)
    const merged = chunksOf(await record({ url: server.url('/cjk') }, { mergeChunks: { everyPieces: 4, everyMs: 1000 } }).done)
    expect(concatText(merged)).toBe(cjkBody)
    expect(merged.length).toBeLessThanOrEqual(Math.ceil(plain.length / 4) + 1)
    expect(merged.length).toBeLessThan(plain.length)
  })

  test('mergeChunks: bytes held when the connection breaks are delivered before fail', async () => {
    const log = await record({ url: server.url('/die') }, { mergeChunks: { everyPieces: 1000, everyMs: 10000 } }).done
    expect(kinds(log)).toEqual(['headers', 'chunk', 'fail'])
    expect(concatText(chunksOf(log))).toBe('data: before death\n\ndata: never completed')
  })

  test('mergeChunks by time: pieces held at most everyMs', async () => {
    const merged = chunksOf(await record({ url: server.url('/cjk') }, { mergeChunks: { everyPieces: 1000, everyMs: 40 } }).done)
    expect(concatText(merged)).toBe(cjkBody)
    expect(merged.length).toBeGreaterThan(1) // the /cjk stream takes well over 40 ms
  })

  test('splitChunks: small pieces from a seeded RNG, boundaries inside characters, replayable', async () => {
    const quirks = { splitChunks: { minSize: 1, maxSize: 7, seed: 42 } }
    const a = chunksOf(await record({ url: server.url('/end-after-one') }, quirks).done)
    const b = chunksOf(await record({ url: server.url('/end-after-one') }, quirks).done)
    expect(a.every((c) => c.byteLength >= 1 && c.byteLength <= 7)).toBe(true)
    expect(a.map((c) => c.byteLength)).toEqual(b.map((c) => c.byteLength))
    const cjk = chunksOf(await record({ url: server.url('/cjk') }, quirks).done)
    expect(concatText(cjk)).toBe(cjkBody)
    // Some chunk on its own is not valid UTF-8: a boundary fell inside a character.
    expect(cjk.some((c) => Buffer.from(new Uint8Array(c)).toString('utf8').includes('\uFFFD'))).toBe(true)
  })

  test('noStatusInHeaders: headers callback without statusCode; success still has it', async () => {
    const log = await record({ url: server.url('/end-after-one') }, { noStatusInHeaders: true }).done
    expect(log[0].kind).toBe('headers')
    expect('statusCode' in (log[0] as any).res).toBe(false)
    expect((log[0] as any).res.header['Content-Type']).toMatch(/event-stream/)
    expect(log[log.length - 1]).toMatchObject({ kind: 'success', res: { statusCode: 200 } })
  })

  test('stringStatusCode: statusCode is a string in headers and success', async () => {
    const log = await record({ url: server.url('/401') }, { stringStatusCode: true }).done
    expect((log[0] as any).res.statusCode).toBe('401')
    expect((log[log.length - 1] as any).res.statusCode).toBe('401')
  })

  test('noChunkCallbacks: no chunk callback, the whole body as success data', async () => {
    const log = await record({ url: server.url('/cjk') }, { noChunkCallbacks: true }).done
    expect(kinds(log)).toEqual(['headers', 'success'])
    expect(Buffer.from(new Uint8Array((log[1] as any).res.data)).toString('utf8')).toBe(cjkBody)
  })

  test('noChunkApi: the task has no onChunkReceived/onHeadersReceived; body in success', async () => {
    const r = record({ url: server.url('/cjk') }, { noChunkApi: true })
    expect(typeof r.task.onChunkReceived).toBe('undefined')
    expect(typeof r.task.onHeadersReceived).toBe('undefined')
    const log = await r.done
    expect(kinds(log)).toEqual(['success'])
    expect(Buffer.from(new Uint8Array((log[0] as any).res.data)).toString('utf8')).toBe(cjkBody)
  })

  test('noHeadersCallback: chunks and success, no headers callback', async () => {
    const log = await record({ url: server.url('/end-after-one') }, { noHeadersCallback: true }).done
    expect(kinds(log)).not.toContain('headers')
    expect(kinds(log)[kinds(log).length - 1]).toBe('success')
  })

  test('lateChunkAfterAbort: one chunk after abort, then fail abort', async () => {
    const r = record({ url: server.url('/stall') }, { lateChunkAfterAbort: 'data: late\n\n' })
    await waitFor(() => r.log.some((e) => e.kind === 'chunk'), 'first chunk')
    const before = r.log.length
    r.task.abort()
    const log = await r.done
    expect(kinds(log.slice(before))).toEqual(['chunk', 'fail'])
    expect(concatText([(log[before] as any).data])).toBe('data: late\n\n')
    expect(log[log.length - 1]).toMatchObject({ res: { errMsg: 'request:fail abort' } })
  })
})


const echoOf = (log: Entry[]): { method: string; url: string; headers: Record<string, string>; body: string } => JSON.parse(concatText(chunksOf(log)))
const lastOf = (log: Entry[]): Entry => log[log.length - 1]
const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('node wx.request: types (strict TypeScript, no cast)', () => {
  test('called directly like wx.request({url, success}); success res typed; data typed when asked', async () => {
    const request = createWxRequest()
    const res = await new Promise<WxRequestSuccess<string>>((resolve, reject) => {
      request<string>({ url: server.url('/plain'), dataType: 'text', responseType: 'text', success: resolve, fail: (err) => reject(new Error(err.errMsg)) })
    })
    const status: number = res.statusCode
    const text: string = res.data
    const header: Record<string, string> = res.header
    expect(status).toBe(200)
    expect(JSON.parse(text).url).toBe('/plain')
    expect(header['X-Custom-Name']).toBe('Value')
    expect(res.cookies).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    // @ts-expect-error statusCode is a number unless stringStatusCode is on
    const wrong: string = res.statusCode
    expect(typeof wrong).toBe('number')
  })

  test("accepts miniprogram-api-typings' own RequestOption (method union, IAnyObject header, wx-only switches)", async () => {
    let status: number | undefined
    const option: WechatMiniprogram.RequestOption = {
      url: server.url('/plain'),
      method: 'POST',
      header: { 'X-Count': 3 },
      data: { q: 1 },
      timeout: 5000,
      dataType: 'json',
      responseType: 'text',
      enableHttp2: true,
      enableQuic: true,
      enableCache: false,
      redirect: 'follow',
      success: (res) => { status = res.statusCode }
    }
    createWxRequest()(option)
    await waitFor(() => status !== undefined, 'success')
    expect(status).toBe(200)
  })

  test("stringStatusCode: statusCode typed as a string; createWxRequest() is the library's request option", () => {
    const asString: WxRequestFunction<string> = createWxRequest({ stringStatusCode: true })
    const asNumber: WxRequestFunction<number> = createWxRequest({ splitChunks: true })
    const either: WxRequestFunction<number | string> = createWxRequest({} as WxRequestQuirks)
    // Assignable to the library's request option, whatever the quirks.
    const options: RequestFunction[] = [asString, asNumber, either, wxRequest, createWx().request]
    expect(options.every((f) => typeof f === 'function')).toBe(true)
  })
})

describe('node wx.request: misuse fails asynchronously, never throws (issue 8 item 7)', () => {
  const cases: Array<[string, Partial<WxRequestOptions<any, any>>, RegExp]> = [
    ['a header name with a space', { header: { 'X Bad': '1' } }, /^request:fail invalid header name "X Bad"$/],
    ['a Chinese header name', { header: { '令牌': '1' } }, /^request:fail invalid header name "令牌"$/],
    ['a header value with CR LF (header injection)', { header: { 'X-Token': 'a\r\nX-Evil: 1' } }, /^request:fail invalid header value for "X-Token": control characters/],
    ['a header value with NUL', { header: { 'X-Token': 'a\u0000b' } }, /^request:fail invalid header value for "X-Token"/],
    ['a method with a space', { method: 'GE T' }, /^request:fail invalid method "GE T"$/],
    ['an empty method', { method: '' }, /^request:fail invalid method ""$/],
    ['a url that is not http(s)', { url: 'ftp://127.0.0.1/' }, /^request:fail invalid url "ftp:\/\/127.0.0.1\/" \(not http or https\)$/]
  ]
  test.each(cases)('%s: fail with a clear errMsg, asynchronously; no request, no timer left', async (_name, options, errMsg) => {
    const before = server.requests('/plain').length
    const timersBefore = activeTimers()
    let r: Recording | undefined
    expect(() => { r = record({ url: server.url('/plain'), ...options }) }).not.toThrow()
    const log = await r!.done
    expect(r!.synchronous).toBe(false)
    expect(kinds(log)).toEqual(['fail'])
    expect((log[0] as any).res.errMsg).toMatch(errMsg)
    expect((log[0] as any).res.errno).toBe(600001)
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore) // the 60 s request timer was never left running
    await settle(30)
    expect(server.requests('/plain').length).toBe(before)
  })

  test('non-ASCII header values are sent as their UTF-8 bytes (as EventSource sends Last-Event-ID), null/undefined left out', async () => {
    const log = await record({ url: server.url('/plain'), header: { 'Last-Event-ID': LAST_EVENT_ID, 'X-Latin': 'é', 'X-Number': 7, 'X-Null': null, 'X-Undefined': undefined } }).done
    const headers = echoOf(log).headers
    expect(Buffer.from(headers['last-event-id'], 'latin1')).toEqual(Buffer.from(LAST_EVENT_ID, 'utf8'))
    expect(Buffer.from(headers['x-latin'], 'latin1')).toEqual(Buffer.from('é', 'utf8'))
    expect(headers['x-number']).toBe('7')
    expect('x-null' in headers || 'x-undefined' in headers).toBe(false)
  })

  test('end to end: after an `id: 中文 ✓` event, connectEventSource reconnects and the server gets the id as UTF-8', async () => {
    const messages: EventSourceMessage[] = []
    const source = connectEventSource({ url: server.url('/last-event-id'), request: createWxRequest(), reconnect: true })
    source.onMessage((ev) => { messages.push(ev) })
    try {
      await waitFor(() => messages.length >= 2, 'the message of the reconnected stream', 10000)
    } finally {
      source.close()
    }
    expect(messages[0]).toMatchObject({ data: 'first', lastEventId: LAST_EVENT_ID })
    expect(messages[1].data).toBe(Buffer.from(LAST_EVENT_ID, 'utf8').toString('hex'))
  })
})

describe('node wx.request: redirects, as a device follows them (issue 8 item 8)', () => {
  const redirectUrl = (status: number, to = '/plain') => server.url(`/redirect?status=${status}&to=${encodeURIComponent(to)}`)
  const post = { method: 'POST', data: 'the body', header: { 'Content-Type': 'text/plain', 'X-Kept': 'yes' } }

  test.each([
    [301, 'POST', 'GET'], [302, 'POST', 'GET'], [303, 'POST', 'GET'], [307, 'POST', 'POST'], [308, 'POST', 'POST'],
    [301, 'PUT', 'PUT'], [303, 'PUT', 'GET'], [303, 'GET', 'GET']
  ])('%i after %s: the server sees %s; only the final response reaches the callbacks', async (status, method, expected) => {
    const log = await record({ url: redirectUrl(status), ...post, method }).done
    expect(kinds(log).filter((k) => k === 'headers')).toHaveLength(1)
    expect(log[0]).toMatchObject({ kind: 'headers', res: { statusCode: 200 } })
    expect(lastOf(log)).toMatchObject({ kind: 'success', res: { statusCode: 200 } })
    const echo = echoOf(log) // only the final body: nothing of the redirect's own body
    expect(echo.method).toBe(expected)
    expect(echo.headers['x-kept']).toBe('yes')
    if (expected === 'GET' && method !== 'GET') {
      expect(echo.body).toBe('') // a body-less GET: no body and no Content-Type
      expect(echo.headers['content-type']).toBeUndefined()
    } else if (method !== 'GET') {
      expect(echo.body).toBe('the body')
      expect(echo.headers['content-type']).toBe('text/plain')
    }
  })

  test('relative Locations are resolved; a chain of 3 is followed', async () => {
    const before = server.requests('/redirect-chain').length
    const log = await record({ url: server.url('/redirect-chain?n=3') }).done
    expect(concatText(chunksOf(log))).toBe('id: 1\ndata: the one\n\n')
    expect(server.requests('/redirect-chain').length - before).toBe(4)
  })

  test(`a redirect loop fails after ${MAX_REDIRECTS} redirects, with no request after`, async () => {
    const before = server.requests('/redirect-loop').length
    const log = await record({ url: server.url('/redirect-loop') }).done
    expect(kinds(log)).toEqual(['fail'])
    expect(log[0]).toMatchObject({ res: { errMsg: `request:fail too many redirects (more than ${MAX_REDIRECTS})`, errno: 600001 } })
    await settle(30)
    expect(server.requests('/redirect-loop').length - before).toBe(MAX_REDIRECTS + 1)
  })

  test('Authorization is kept on the same origin and dropped for another one', async () => {
    const other = await startSseServer()
    try {
      const header = { Authorization: 'Bearer secret', 'X-Kept': 'yes' }
      const same = echoOf(await record({ url: redirectUrl(302), header }).done)
      expect(same.headers.authorization).toBe('Bearer secret')
      const cross = echoOf(await record({ url: redirectUrl(307, other.url('/plain')), header }).done)
      expect(other.requests('/plain')).toHaveLength(1)
      expect(cross.headers.authorization).toBeUndefined()
      expect(cross.headers['x-kept']).toBe('yes')
    } finally {
      await other.close()
    }
  })

  test("redirect: 'manual' delivers the 3xx itself (wx's option)", async () => {
    const log = await record({ url: redirectUrl(302), redirect: 'manual' }).done
    expect(log[0]).toMatchObject({ kind: 'headers', res: { statusCode: 302, header: { Location: '/plain' } } })
    expect(lastOf(log)).toMatchObject({ kind: 'success', res: { statusCode: 302 } })
  })

  test('a Location that is not http(s) fails', async () => {
    const log = await record({ url: redirectUrl(302, 'ftp://127.0.0.1/x') }).done
    expect(kinds(log)).toEqual(['fail'])
    expect(log[0]).toMatchObject({ res: { errMsg: 'request:fail redirect to a non-HTTP(S) URL "ftp://127.0.0.1/x"' } })
  })
})

describe('node wx.request: Content-Encoding decoded chunk by chunk (issue 8 item 8)', () => {
  const compressed = (encoding: string, then = 'end') => server.url(`/compressed?encoding=${encodeURIComponent(encoding)}&then=${then}`)

  test.each(['gzip', 'deflate', 'deflate-raw', 'br', 'deflate, gzip'])('%s: the chunks are the decoded body, event by event', async (encoding) => {
    const log = await record({ url: compressed(encoding) }).done
    const chunks = chunksOf(log)
    expect(concatText(chunks)).toBe(cjkBody)
    expect(chunks.length).toBeGreaterThan(1) // not one piece at the end (the stalled streams below show it for sure)
    expect(lastOf(log)).toMatchObject({ kind: 'success', res: { statusCode: 200 } })
    expect((log[0] as any).res.header['Content-Encoding']).toBe(encoding === 'deflate-raw' ? 'deflate' : encoding)
  })

  test.each(['gzip', 'br'])('%s: decoded bytes arrive while the response is still open (the stream stalls after the events)', async (encoding) => {
    const r = record({ url: compressed(encoding, 'stall') })
    await waitFor(() => concatText(chunksOf(r.log)) === cjkBody, 'every event decoded before the end', 3000)
    expect(kinds(r.log)).not.toContain('success')
    r.task.abort()
    expect(lastOf(await r.done)).toMatchObject({ kind: 'fail', res: { errMsg: 'request:fail abort' } })
  })

  test('Accept-Encoding: gzip, deflate, br is sent unless the caller set one', async () => {
    expect(echoOf(await record({ url: server.url('/plain') }).done).headers['accept-encoding']).toBe('gzip, deflate, br')
    expect(echoOf(await record({ url: server.url('/plain'), header: { 'accept-encoding': 'identity' } }).done).headers['accept-encoding']).toBe('identity')
  })

  test('an unknown coding: the bytes are delivered as they came', async () => {
    const log = await record({ url: server.url('/unknown-encoding') }).done
    expect(concatText(chunksOf(log))).toBe('id: 1\ndata: the one\n\n')
    expect(lastOf(log).kind).toBe('success')
  })

  test('without chunks (enableChunked false, noChunkCallbacks) success carries the decoded body', async () => {
    for (const run of [record({ url: compressed('br'), enableChunked: false }), record({ url: compressed('gzip') }, { noChunkCallbacks: true })]) {
      const log = await run.done
      expect(Buffer.from(new Uint8Array((lastOf(log) as any).res.data)).toString('utf8')).toBe(cjkBody)
    }
  })

  test('corrupt compressed data: what was decoded before it is delivered, then fail', async () => {
    const log = await record({ url: compressed('gzip', 'corrupt') }).done
    expect(concatText(chunksOf(log))).toBe(cjkBody)
    expect(lastOf(log)).toMatchObject({ kind: 'fail', res: { errMsg: expect.stringMatching(/^request:fail content decoding failed: /), errno: 600001 } })
  })

  test('the connection drops mid compressed body: every decoded byte first, then fail 600003', async () => {
    const log = await record({ url: compressed('deflate', 'die') }, { mergeChunks: { everyPieces: 100, everyMs: 10000 } }).done
    expect(concatText(chunksOf(log))).toBe(cjkBody)
    expect(lastOf(log)).toMatchObject({ kind: 'fail', res: { errno: 600003 } })
  })

  test('a parse error mid-body (a bad chunk size): the bytes parsed before it are delivered before fail', async () => {
    const log = await record({ url: server.url('/malformed-chunked') }).done
    expect(kinds(log)[0]).toBe('headers')
    expect(concatText(chunksOf(log))).toBe('data: before the bad chunk\n\n')
    expect(lastOf(log)).toMatchObject({ kind: 'fail', res: { errMsg: expect.stringMatching(/^request:fail Parse Error/) } })
  })
})

describe('node wx.request: a throwing callback is reported and derails nothing (issue 8 item 9)', () => {
  let errors: jest.SpyInstance
  beforeEach(() => { errors = jest.spyOn(console, 'error').mockImplementation(() => {}) })
  afterEach(() => errors.mockRestore())

  test('onHeadersReceived, onChunkReceived, success and complete all throw: every chunk still comes, then success and complete', async () => {
    const request = createWxRequest()
    const seen: string[] = []
    const chunks: ArrayBuffer[] = []
    let completed = false
    const task = request({
      url: server.url('/cjk'),
      enableChunked: true,
      responseType: 'arraybuffer',
      success: () => { seen.push('success'); throw new Error('boom in success') },
      complete: () => { completed = true; throw new Error('boom in complete') }
    })
    task.onHeadersReceived!(() => { seen.push('headers'); throw new Error('boom in headers') })
    task.onChunkReceived!((res) => { chunks.push(res.data); throw new Error('boom in chunk') })
    await waitFor(() => completed, 'complete')
    expect(seen).toEqual(['headers', 'success'])
    expect(concatText(chunks)).toBe(cjkBody)
    expect(errors).toHaveBeenCalledTimes(chunks.length + 3)
    expect(errors).toHaveBeenCalledWith('[miniprogram-eventsource/node] a wx.request callback threw:', expect.objectContaining({ message: 'boom in success' }))
    await settle(20) // nothing rethrown later (jest would fail the test on an uncaught error)
  })

  test('fail throws: complete still runs', async () => {
    let completed = false
    createWxRequest()({ url: 'http://127.0.0.1:1/', fail: () => { throw new Error('boom in fail') }, complete: () => { completed = true } })
    await waitFor(() => completed, 'complete')
    expect(errors).toHaveBeenCalledWith('[miniprogram-eventsource/node] a wx.request callback threw:', expect.objectContaining({ message: 'boom in fail' }))
  })
})

describe('node wx.request: quirk values are validated at setup; HTTPS options (issue 8 item 10)', () => {
  test.each<[string, unknown, RegExp]>([
    ['splitChunks {minSize: 0, maxSize: 0} (ran out of memory)', { splitChunks: { minSize: 0, maxSize: 0 } }, /splitChunks\.minSize must be an integer from 1 to 2147483647, got 0/],
    ['splitChunks {minSize: NaN} (dropped the body)', { splitChunks: { minSize: NaN } }, /splitChunks\.minSize must be an integer .* got NaN/],
    ['splitChunks maxSize below minSize', { splitChunks: { minSize: 5, maxSize: 2 } }, /splitChunks\.maxSize must be an integer from 5 to/],
    ['splitChunks minSize above the default maxSize', { splitChunks: { minSize: 9 } }, /splitChunks\.minSize must be at most maxSize \(default 7\), got 9/],
    ['splitChunks maxSize Infinity', { splitChunks: { maxSize: Infinity } }, /splitChunks\.maxSize must be an integer/],
    ['splitChunks seed 1.5', { splitChunks: { seed: 1.5 } }, /splitChunks\.seed must be an integer/],
    ['splitChunks a number', { splitChunks: 3 }, /splitChunks must be a boolean or an object, got 3/],
    ['mergeChunks everyPieces 0', { mergeChunks: { everyPieces: 0 } }, /mergeChunks\.everyPieces must be an integer from 1/],
    ['mergeChunks everyMs -1', { mergeChunks: { everyMs: -1 } }, /mergeChunks\.everyMs must be an integer from 0 to 2147483647, got -1/],
    ['mergeChunks everyMs 2^31 (a 1 ms timer in Node)', { mergeChunks: { everyMs: 2 ** 31 } }, /mergeChunks\.everyMs must be an integer from 0 to 2147483647/],
    ['a misspelt sub-option', { mergeChunks: { everyPiece: 2 } }, /unknown option "mergeChunks\.everyPiece"/],
    ['a misspelt switch', { splitChunk: true }, /unknown option "splitChunk"/],
    ['a switch that is not a boolean', { noChunkApi: 'yes' }, /noChunkApi must be a boolean, got "yes"/],
    ['lateChunkAfterAbort a number', { lateChunkAfterAbort: 1 }, /lateChunkAfterAbort must be a boolean or a string, got 1/],
    ['ca a number', { ca: 42 }, /ca must be a PEM string, a Buffer, or an array of them, got 42/],
    ['options not an object', 'quirks', /options must be an object/]
  ])('%s: TypeError from createWxRequest', (_name, options, message) => {
    const create = () => createWxRequest(options as CreateWxRequestOptions)
    expect(create).toThrow(TypeError)
    expect(create).toThrow(/^\[miniprogram-eventsource\/node\] createWxRequest: /)
    expect(create).toThrow(message)
  })

  test('valid values are accepted; minSize = maxSize cuts exact pieces', async () => {
    for (const ok of [undefined, {}, { splitChunks: true }, { splitChunks: false }, { mergeChunks: { everyPieces: 1, everyMs: 0 } }, { lateChunkAfterAbort: 'data: x\n\n' }]) {
      expect(() => createWxRequest(ok)).not.toThrow()
    }
    const chunks = chunksOf(await record({ url: server.url('/cjk') }, { splitChunks: { minSize: 3, maxSize: 3 } }).done)
    expect(concatText(chunks)).toBe(cjkBody)
    // Each received piece is cut on its own, so only a piece's last cut can be shorter.
    expect(chunks.every((c) => c.byteLength >= 1 && c.byteLength <= 3)).toBe(true)
    expect(chunks.filter((c) => c.byteLength === 3).length).toBeGreaterThan(chunks.length / 2)
  })

  describe('HTTPS to a self-signed server', () => {
    const fixtures = path.join(__dirname, 'fixtures', 'tls')
    const cert = fs.readFileSync(path.join(fixtures, 'cert.pem'), 'utf8')
    let tlsServer: SseServer
    beforeAll(async () => { tlsServer = await startSseServer({ tls: { key: fs.readFileSync(path.join(fixtures, 'key.pem')), cert } }) })
    afterAll(() => tlsServer.close())

    test('by default the certificate is refused: fail with the TLS message', async () => {
      const log = await record({ url: tlsServer.url('/end-after-one') }).done
      expect(kinds(log)).toEqual(['fail'])
      expect((log[0] as any).res.errMsg).toMatch(/^request:fail self[- ]signed certificate/)
    })

    test.each<[string, CreateWxRequestOptions]>([['ca: the certificate', { ca: cert }], ['rejectUnauthorized: false', { rejectUnauthorized: false }]])('%s: streams', async (_name, options) => {
      const log = await record({ url: tlsServer.url('/cjk') }, options).done
      expect(concatText(chunksOf(log))).toBe(cjkBody)
      expect(lastOf(log)).toMatchObject({ kind: 'success', res: { statusCode: 200 } })
    })

    test('an http → https redirect uses the same TLS options', async () => {
      const log = await record({ url: server.url(`/redirect?status=302&to=${encodeURIComponent(tlsServer.url('/end-after-one'))}`) }, { ca: cert }).done
      expect(concatText(chunksOf(log))).toBe('id: 1\ndata: the one\n\n')
    })
  })
})

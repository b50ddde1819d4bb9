import { createWxRequest, createWx, wxRequest, WxRequestOptions, WxRequestQuirks, WxRequestTask } from '../node'
import { CJK_EVENTS, SseServer, startSseServer } from './helpers/sse-server'
import { settle, waitFor } from './helpers/wait-for'
import { freePort } from './helpers/free-port'

type Entry =
  | { kind: 'headers'; res: any }
  | { kind: 'chunk'; data: ArrayBuffer }
  | { kind: 'success'; res: any }
  | { kind: 'fail'; res: any }

interface Recording {
  task: WxRequestTask
  log: Entry[]
  /** Resolves with the log once success or fail fired. */
  done: Promise<Entry[]>
  /** Whether a callback ran synchronously inside request(). */
  synchronous: boolean
}

let server: SseServer
beforeAll(async () => { server = await startSseServer() })
afterAll(() => server.close())

function record(options: Partial<WxRequestOptions> & { url: string }, quirks?: WxRequestQuirks): Recording {
  const log: Entry[] = []
  let inside = true
  let synchronous = false
  const mark = (): void => { if (inside) synchronous = true }
  let finish: (log: Entry[]) => void = () => {}
  const done = new Promise<Entry[]>((resolve) => { finish = resolve })
  const request = createWxRequest(quirks) as unknown as (o: WxRequestOptions) => WxRequestTask
  const task = request({
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
    const request = createWxRequest({ splitChunks: { minSize: 1, maxSize: 1 } }) as unknown as (o: WxRequestOptions) => WxRequestTask
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
    const request = wxRequest as unknown as (o: WxRequestOptions) => WxRequestTask
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
    ;(wx.request as any)({ url: server.url('/204'), success: (res: any) => { status = res.statusCode } })
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


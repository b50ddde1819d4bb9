/**
 * A Node implementation of `wx.request` with its chunked-transfer semantics, over real HTTP(S).
 *
 * It exists so the event source can be run against real servers outside a mini-program (tests,
 * scripts, server-side use), and so each real-device quirk of FACTS.md §3 can be switched on and
 * reproduced on demand.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import type { RequestFunction } from '../src/types'

/** Switches that reproduce reported `wx.request` behaviours of real clients. All off by default. */
export interface WxRequestQuirks {
  /**
   * Coalesce several received pieces into one chunk callback, as devices do
   * (xiaweiss/miniprogram-bug-report#304). A merged chunk is delivered once `everyPieces` pieces
   * are waiting or `everyMs` ms after the first one was held, whichever comes first; what is held
   * at the end of the body is delivered before `success`. `true` means `{ everyPieces: 3, everyMs: 50 }`.
   */
  mergeChunks?: boolean | { everyPieces?: number; everyMs?: number }
  /**
   * Split every chunk into small pieces of `minSize`..`maxSize` bytes (default 1..7), sizes drawn
   * from a seeded RNG (`seed`, default 1), so boundaries land inside CRLF pairs and inside
   * multi-byte UTF-8 characters. Applied after `mergeChunks`.
   */
  splitChunks?: boolean | { minSize?: number; maxSize?: number; seed?: number }
  /** WeChat devtools: `onHeadersReceived` gets no `statusCode` (the typings say so). */
  noStatusInHeaders?: boolean
  /** An old Android client: `statusCode` is a string in `onHeadersReceived` and `success`. */
  stringStatusCode?: boolean
  /** PC WeChat / buffering proxies: no chunk callback fires; `success` carries the whole body. */
  noChunkCallbacks?: boolean
  /**
   * Old base libraries, or a framework wrapper (Taro interceptors) that drops the methods: the task
   * has no `onChunkReceived`/`onHeadersReceived`; `success` carries the whole body.
   */
  noChunkApi?: boolean
  /** `onHeadersReceived` is accepted but never fires. */
  noHeadersCallback?: boolean
  /**
   * One more chunk callback after `abort()`, then `fail` with 'request:fail abort' (FACTS.md calls
   * this *uncertain*: consumers must guard against it). The chunk carries this text, default a
   * complete SSE event, so a consumer that fails to ignore it visibly dispatches something.
   */
  lateChunkAfterAbort?: boolean | string
}

/** `wx.request` options this implementation understands (a superset of what the core passes). */
export interface WxRequestOptions {
  url: string
  method?: string
  header?: Record<string, string>
  data?: string | ArrayBuffer | Record<string, any> | null
  /** Total request time in ms, as wx. Default 60000. */
  timeout?: number
  responseType?: 'text' | 'arraybuffer'
  /** 'json' (wx's default) parses a text body as JSON when it can. */
  dataType?: string
  enableChunked?: boolean
  success?(res: WxRequestSuccess): void
  fail?(res: WxRequestFail): void
  complete?(res: WxRequestSuccess | WxRequestFail): void
}

export interface WxRequestSuccess {
  data: ArrayBuffer | string | any
  statusCode: number | string
  header: Record<string, string>
  cookies: string[]
  errMsg: 'request:ok'
}

export interface WxRequestFail {
  errMsg: string
  errno?: number
}

export interface WxHeadersResult {
  header: Record<string, string>
  statusCode?: number | string
  cookies: string[]
}

export interface WxRequestTask {
  abort(): void
  onHeadersReceived?(cb: (res: WxHeadersResult) => void): void
  offHeadersReceived?(cb?: (res: WxHeadersResult) => void): void
  onChunkReceived?(cb: (res: { data: ArrayBuffer }) => void): void
  offChunkReceived?(cb?: (res: { data: ArrayBuffer }) => void): void
}

/** wx's unified errno values used here. */
export const ERRNO_TIMEOUT = 5
export const ERRNO_NETWORK = 600001
export const ERRNO_INTERRUPTED = 600003

const DEFAULT_TIMEOUT = 60000
const DEFAULT_LATE_CHUNK = 'data: late chunk after abort\n\n'

export function createWxRequest(quirks: WxRequestQuirks = {}): RequestFunction {
  const request = (options: WxRequestOptions): WxRequestTask => startRequest(options, quirks)
  return request as RequestFunction
}

/** `wx.request` without quirks. */
export const wxRequest: RequestFunction = createWxRequest()

/** An object to install as a global `wx` (only `request`). */
export function createWx(quirks?: WxRequestQuirks): { request: RequestFunction } {
  return { request: createWxRequest(quirks) }
}

function startRequest(options: WxRequestOptions, quirks: WxRequestQuirks): WxRequestTask {
  const headersCallbacks: Array<(res: WxHeadersResult) => void> = []
  const chunkCallbacks: Array<(res: { data: ArrayBuffer }) => void> = []
  const chunked = !!options.enableChunked && !quirks.noChunkApi
  const bodyPieces: Buffer[] = []
  let done = false // success or fail was delivered, or abort() was called
  let req: http.ClientRequest | undefined
  let timer: NodeJS.Timeout | undefined

  const emitChunk = (bytes: Buffer): void => {
    for (const piece of splitter(bytes)) {
      if (done) return // the consumer may abort inside a chunk callback
      const data = toArrayBuffer(piece)
      for (const cb of chunkCallbacks.slice()) call(cb, { data })
    }
  }
  const splitter = createSplitter(quirks.splitChunks)
  const merger = createMerger(quirks.mergeChunks, emitChunk)

  const finish = (res: WxRequestSuccess | WxRequestFail, ok: boolean): void => {
    if (timer) clearTimeout(timer)
    merger.clear()
    if (ok) call(options.success, res as WxRequestSuccess)
    else call(options.fail, res as WxRequestFail)
    call(options.complete, res)
  }
  const fail = (errMsg: string, errno?: number): void => {
    if (done) return
    merger.flush() // bytes already received are delivered before the failure
    if (done) return // aborted from that chunk callback
    done = true
    req?.destroy()
    const res: WxRequestFail = { errMsg: 'request:fail ' + errMsg }
    if (errno !== undefined) res.errno = errno
    finish(res, false)
  }

  const task: WxRequestTask = {
    abort() {
      if (done) return
      done = true
      req?.destroy()
      if (timer) clearTimeout(timer)
      merger.clear()
      const late = quirks.lateChunkAfterAbort
      setImmediate(() => {
        if (late && chunked) {
          const data = toArrayBuffer(Buffer.from(late === true ? DEFAULT_LATE_CHUNK : late))
          for (const cb of chunkCallbacks.slice()) call(cb, { data })
        }
        finish({ errMsg: 'request:fail abort' }, false)
      })
    }
  }
  if (chunked) {
    task.onHeadersReceived = (cb) => { headersCallbacks.push(cb) }
    task.offHeadersReceived = (cb) => { remove(headersCallbacks, cb) }
    task.onChunkReceived = (cb) => { chunkCallbacks.push(cb) }
    task.offChunkReceived = (cb) => { remove(chunkCallbacks, cb) }
  }

  let target: URL
  let body: Buffer | undefined
  const method = (options.method || 'GET').toUpperCase()
  const header: Record<string, string> = { ...options.header }
  try {
    target = new URL(options.url)
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('invalid url')
    body = encodeBody(method, options.data, header, target)
  } catch (err) {
    setImmediate(() => fail((err as Error).message, ERRNO_NETWORK))
    return task
  }

  const timeout = options.timeout && options.timeout > 0 ? options.timeout : DEFAULT_TIMEOUT
  timer = setTimeout(() => fail('timeout', ERRNO_TIMEOUT), timeout)
  const transport = target.protocol === 'https:' ? https : http
  // agent:false: no pooled keep-alive socket outlives the request (jest must be able to exit).
  req = transport.request(target, { method, headers: header, agent: false })
  req.on('error', (err) => fail(err.message, errnoOf(err)))
  req.on('response', (res) => {
    if (done) return
    const status = quirks.stringStatusCode ? String(res.statusCode) : (res.statusCode as number)
    const responseHeader = joinRawHeaders(res.rawHeaders)
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] || [])
    if (chunked && !quirks.noHeadersCallback) {
      const info: WxHeadersResult = { header: responseHeader, cookies }
      if (!quirks.noStatusInHeaders) info.statusCode = status
      for (const cb of headersCallbacks.slice()) call(cb, info)
    }
    res.on('data', (bytes: Buffer) => {
      if (done) return
      if (chunked && !quirks.noChunkCallbacks) merger.push(bytes)
      else bodyPieces.push(bytes)
    })
    res.on('end', () => {
      if (done) return
      merger.flush()
      if (done) return // aborted from the last chunk callback
      done = true
      const whole = Buffer.concat(bodyPieces)
      finish({
        data: responseData(whole, chunked && !quirks.noChunkCallbacks, options),
        statusCode: status,
        header: responseHeader,
        cookies,
        errMsg: 'request:ok'
      }, true)
    })
    // 'close' without 'end': the connection broke mid-body.
    res.on('close', () => { if (!res.complete) fail('network interrupted', ERRNO_INTERRUPTED) })
    res.on('error', () => { /* reported by 'close' */ })
  })
  req.end(body)
  return task
}

/** wx: GET data becomes a query string; objects are sent as JSON unless the form type is asked for. */
function encodeBody(method: string, data: WxRequestOptions['data'], header: Record<string, string>, url: URL): Buffer | undefined {
  const typeKey = Object.keys(header).find((k) => k.toLowerCase() === 'content-type')
  if (!typeKey) header['content-type'] = 'application/json' // wx's default header
  const type = typeKey ? header[typeKey] : 'application/json'
  if (data == null) return undefined
  if (isArrayBuffer(data)) return Buffer.from(new Uint8Array(data))
  if (typeof data !== 'object') return Buffer.from(String(data))
  if (method === 'GET') {
    for (const [k, v] of Object.entries(data)) url.searchParams.append(k, String(v))
    return undefined
  }
  if (/x-www-form-urlencoded/i.test(type)) {
    const form = new URLSearchParams()
    for (const [k, v] of Object.entries(data)) form.append(k, String(v))
    return Buffer.from(form.toString())
  }
  return Buffer.from(JSON.stringify(data))
}

function responseData(whole: Buffer, bodyWentThroughChunks: boolean, options: WxRequestOptions): any {
  if (options.responseType === 'arraybuffer') return toArrayBuffer(bodyWentThroughChunks ? Buffer.alloc(0) : whole)
  if (bodyWentThroughChunks) return ''
  const text = whole.toString('utf8')
  if ((options.dataType || 'json') !== 'json') return text
  try { return JSON.parse(text) } catch { return text }
}

/** Header values as strings under their original casing; repeated names joined as Node does. */
function joinRawHeaders(raw: string[]): Record<string, string> {
  const header: Record<string, string> = {}
  const nameOf: Record<string, string> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase()
    const name = nameOf[lower] || (nameOf[lower] = raw[i])
    header[name] = name in header ? header[name] + ', ' + raw[i + 1] : raw[i + 1]
  }
  return header
}

function errnoOf(err: NodeJS.ErrnoException): number {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' ? ERRNO_INTERRUPTED : ERRNO_NETWORK
}

/** A fresh ArrayBuffer of this realm (Node's Buffers view a shared pool of another realm under jest). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(copy).set(bytes)
  return copy
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}

function createSplitter(option: WxRequestQuirks['splitChunks']): (bytes: Buffer) => Buffer[] {
  if (!option) return (bytes) => [bytes]
  const { minSize = 1, maxSize = 7, seed = 1 } = option === true ? {} : option
  const random = mulberry32(seed)
  return (bytes) => {
    const pieces: Buffer[] = []
    for (let at = 0; at < bytes.length;) {
      const size = minSize + Math.floor(random() * (maxSize - minSize + 1))
      pieces.push(bytes.subarray(at, at + size))
      at += size
    }
    return pieces
  }
}

interface Merger { push(bytes: Buffer): void; flush(): void; clear(): void }

function createMerger(option: WxRequestQuirks['mergeChunks'], emit: (bytes: Buffer) => void): Merger {
  if (!option) return { push: emit, flush() {}, clear() {} }
  const { everyPieces = 3, everyMs = 50 } = option === true ? {} : option
  let held: Buffer[] = []
  let timer: NodeJS.Timeout | undefined
  const merger: Merger = {
    push(bytes) {
      held.push(bytes)
      if (held.length >= everyPieces) merger.flush()
      else if (!timer) timer = setTimeout(merger.flush, everyMs)
    },
    flush() {
      const pieces = held
      merger.clear()
      if (pieces.length) emit(Buffer.concat(pieces))
    },
    clear() {
      if (timer) clearTimeout(timer)
      timer = undefined
      held = []
    }
  }
  return merger
}

/** A small seeded PRNG, so a failing split can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function remove<T>(list: T[], item?: T): void {
  if (!item) list.length = 0
  else if (list.indexOf(item) >= 0) list.splice(list.indexOf(item), 1)
}

/** Calls a user callback; a throw is reported asynchronously and does not derail the request (wx logs it and goes on). */
function call<T>(cb: ((res: T) => void) | undefined, res: T): void {
  if (!cb) return
  try {
    cb(res)
  } catch (err) {
    setImmediate(() => { throw err })
  }
}

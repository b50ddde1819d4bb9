import type {
  ConnectEventSourceCallback,
  ConnectEventSourceErrorCallback,
  ConnectEventSourceMessageCallback,
  ConnectEventSourceOptions,
  EventSourceMessage,
  RequestFunction,
  RequestOptions,
  RequestTask,
  UniError,
  UniEventSource
} from './types'
import {
  ERR_BUFFER_OVERFLOW,
  ERR_CONTENT_TYPE,
  ERR_END,
  ERR_IDLE_TIMEOUT,
  ERR_INVALID_OPTIONS,
  ERR_NETWORK,
  TAG,
  createError
} from './errors'
import { createParser } from './parser'
import { createUtf8Decoder } from './utf8-decoder'

/*
 * The EventSource processing model of WHATWG HTML §9.2 ("announce the connection", "fail the
 * connection", "reestablish the connection") on top of a wx.request chunked task, delivering
 * through uni-app x's UniEventSource callbacks. Deviations from the web's EventSource are tagged
 * [uni-app x] (the contract we polyfill) or [extension].
 */

// What a mini-program logic layer provides (declared here, not taken from DOM or Node types).
declare const wx: { request?: RequestFunction } | undefined
declare const console: { error(...args: any[]): void }
declare function setTimeout(callback: () => void, ms: number): unknown
declare function clearTimeout(id: unknown): void

const CONNECTING = 0 as const
const OPEN = 1 as const
const CLOSED = 2 as const

/** 3000 ms, the reconnection time browsers start with. */
const DEFAULT_RECONNECTION_TIME = 3000
/** 10 min: wx's own default of 60 s would cut a long answer. */
const DEFAULT_TIMEOUT = 600000
const DEFAULT_IDLE_TIMEOUT = 120000
const DEFAULT_MAX_BUFFER_SIZE = 8 * 1024 * 1024
/** Timers treat larger delays as 0 or 1. */
const MAX_DELAY = 2147483647


const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i

function headerValue(header: Record<string, any> | undefined, name: string): string | undefined {
  for (const key in header) if (key.toLowerCase() === name) return '' + header[key]
  return undefined
}

/** Each option's allowed `typeof`s, by their first letter (o: object, b: boolean…). */
const OPTION_TYPES: Record<string, string> = { header: 'o', method: 's', timeout: 'n', idleTimeout: 'n', maxBufferSize: 'n', reconnect: 'bo' }

/** Names the first invalid option, or returns ''. */
function invalidOption(options: ConnectEventSourceOptions): string {
  if (!options || typeof options.url !== 'string' || !options.url) return 'url'
  for (const name in OPTION_TYPES) {
    const value = (options as Record<string, any>)[name]
    if (value != null && (OPTION_TYPES[name].indexOf((typeof value)[0]) < 0 || value < 0)) return name
  }
  return ''
}

export function connectEventSource(options: ConnectEventSourceOptions): UniEventSource {
  const openListeners: ConnectEventSourceCallback[] = []
  const messageListeners: ConnectEventSourceMessageCallback[] = []
  const errorListeners: ConnectEventSourceErrorCallback[] = []

  const invalid = invalidOption(options)
  const opts = invalid ? ({} as ConnectEventSourceOptions) : options
  const url = invalid ? '' : opts.url
  const timeout = opts.timeout || DEFAULT_TIMEOUT
  const idleTimeout = opts.idleTimeout === undefined ? DEFAULT_IDLE_TIMEOUT : opts.idleTimeout
  const maxBufferSize = opts.maxBufferSize || DEFAULT_MAX_BUFFER_SIZE
  const reconnect = opts.reconnect === true ? {} : opts.reconnect || null
  const maxRetries = reconnect ? (reconnect.maxRetries === undefined ? Infinity : reconnect.maxRetries) : 0
  const backoff = (reconnect && reconnect.backoff) || 1
  const maxDelay = reconnect && reconnect.maxDelay! >= 0 ? reconnect.maxDelay! : MAX_DELAY

  // [extension] the request function; looked up when connecting, so a test double or
  // uni.request / tt.request can stand in for wx.request.
  const request = opts.request || (typeof wx !== 'undefined' && wx && wx.request)

  let readyState: number = CONNECTING
  let reconnectionTime = DEFAULT_RECONNECTION_TIME
  let attempts = 0
  // The current request: callbacks of any other (aborted, ended) request are ignored.
  let active: object | null = null
  let task: RequestTask | void | null = null
  let reconnectTimer: unknown
  let idleTimer: unknown
  let lastActivity = 0

  const parser = createParser(
    {
      onEvent(event: EventSourceMessage) {
        // §9.2.6 step 8: dispatch only while the source is not CLOSED; close() inside a
        // listener therefore stops the rest of the chunk too.
        if (readyState === OPEN) emit(messageListeners, event)
      },
      onRetry(ms) {
        reconnectionTime = ms
      },
      onError(error) {
        overflow(error.size)
      }
    },
    { maxBufferSize }
  )

  const source = {
    CONNECTING,
    OPEN,
    CLOSED,
    /** [extension] */
    url,
    /** [extension] */
    get readyState() {
      return readyState
    },
    onOpen(callback: ConnectEventSourceCallback) {
      openListeners.push(callback)
    },
    onMessage(callback: ConnectEventSourceMessageCallback) {
      messageListeners.push(callback)
    },
    onError(callback: ConnectEventSourceErrorCallback) {
      errorListeners.push(callback)
    },
    close() {
      // Idempotent; nothing fires afterwards, not even wx's `fail: abort`.
      clearTimeout(reconnectTimer)
      stop(true)
      readyState = CLOSED
    }
  }

  function emit<T>(listeners: Array<(value: T) => void>, value: T): void {
    // A throwing listener must not stop the stream or the other listeners.
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](value)
      } catch (e) {
        console.error(TAG + 'listener threw:', e)
      }
    }
  }

  function stop(abort: boolean): void {
    active = null
    clearTimeout(idleTimer)
    const current = task
    task = null
    if (abort && current) {
      try {
        current.abort()
      } catch (e) {
        // a task without abort(), or one that refuses: nothing of it is listened to any more
      }
    }
  }

  /** "Announce the connection": OPEN, then the open event. */
  function announce(): void {
    readyState = OPEN
    attempts = 0
    emit(openListeners, { type: 'open' })
  }

  /** "Fail the connection": CLOSED, then the error. No reconnection. */
  function failConnection(error: UniError, finished?: boolean): void {
    stop(!finished)
    readyState = CLOSED
    emit(errorListeners, error)
  }

  /**
   * "Reestablish the connection" ([extension]: only with `reconnect`, uni-app x never does;
   * without it maxRetries is 0), or fail it once the retries are spent.
   */
  function reestablish(error: UniError, finished: boolean): void {
    if (attempts >= maxRetries) return failConnection(error, finished)
    stop(!finished)
    readyState = CONNECTING
    emit(errorListeners, error)
    // A listener may have closed the source.
    if (readyState !== CONNECTING) return
    const delay = Math.min(reconnectionTime * Math.pow(backoff, attempts), maxDelay, MAX_DELAY)
    attempts++
    reconnectTimer = setTimeout(connect, delay)
  }

  function overflow(size: number): void {
    failConnection(createError(ERR_BUFFER_OVERFLOW, TAG + 'maxBufferSize exceeded: ' + size))
  }

  function watchIdle(): void {
    const rest = lastActivity + idleTimeout - Date.now()
    if (rest > 0) idleTimer = setTimeout(watchIdle, rest)
    else reestablish(createError(ERR_IDLE_TIMEOUT, TAG + 'idle ' + idleTimeout + ' ms'), false)
  }

  function connect(): void {
    const conn = {}
    active = conn
    parser.reset()
    const decoder = createUtf8Decoder()
    // Until the response proves to be a stream its text is kept: as the body of an error, or for
    // the parser once the headers arrive (so chunks that come before the headers are not lost).
    let body = ''
    let decided = false
    let streaming = false
    let chunked = false
    let statusCode: number | undefined
    let header: Record<string, any> = {}

    /** Wraps a task callback: only the current request is heard, and it counts as activity. */
    function heard<T>(callback: (res: T) => void): (res: T) => void {
      return (res) => {
        if (active !== conn) return
        lastActivity = Date.now()
        callback(res || ({} as T))
      }
    }

    /** Decides what the response is, from its status and headers. */
    function respond(res: { statusCode?: number | string; header?: Record<string, any> }): void {
      decided = true
      // An old Android client gave the status as a string; devtools gives none in
      // onHeadersReceived, and a missing status is not a failure.
      statusCode = +(res.statusCode as any) || undefined
      header = res.header || header
      if ((statusCode === 200 || statusCode === undefined) && EVENT_STREAM.test(headerValue(header, 'content-type') || '')) {
        streaming = true
        announce()
        const text = body
        body = ''
        if (active === conn) parser.feed(text)
      }
    }

    function receive(data: ArrayBuffer | string): void {
      const text = typeof data === 'string' ? data : decoder.decode(data)
      if (streaming) parser.feed(text)
      // An error body is for reading, not for exhausting a phone's memory: report what came.
      // Before any headers (a client without onHeadersReceived) it is not known to be an error.
      else if ((body += text).length > maxBufferSize) {
        if (decided) finishBody(true)
        else overflow(body.length)
      }
    }

    /** The response is not a stream: fail with its status, or with its content type. */
    function finishBody(aborting: boolean): void {
      const data = { statusCode, header, body: aborting ? body : body + decoder.end() }
      failConnection(
        statusCode && statusCode !== 200
          ? // [uni-app x] errCode = the HTTP status, as on Android. Never reconnect (WHATWG: fail).
            createError(statusCode, TAG + 'HTTP ' + statusCode, data)
          : createError(ERR_CONTENT_TYPE, TAG + 'not text/event-stream: ' + headerValue(header, 'content-type'), data),
        !aborting
      )
    }

    const requestOptions: RequestOptions = {
      url,
      method: (opts.method || 'GET').toUpperCase(),
      header: buildHeader(),
      timeout,
      responseType: 'arraybuffer',
      enableChunked: true,
      success: heard((res) => {
        if (!decided) respond(res)
        else statusCode = +res.statusCode || statusCode
        // PC WeChat (and proxies that buffer) fire no chunk callbacks: the body is here.
        if (!chunked && res.data) receive(res.data)
        if (active !== conn) return
        if (!streaming) return finishBody(false)
        // The server ended a good stream: [uni-app x] onError with errCode 200, as on iOS.
        // An unfinished trailing event is discarded (§9.2.6, end of file).
        reestablish(createError(ERR_END, TAG + 'stream ended'), true)
      }),
      fail: heard((res) => reestablish(createError(res.errno || ERR_NETWORK, res.errMsg || 'request:fail', res), true))
    }
    if (opts.data !== undefined) requestOptions.data = opts.data

    lastActivity = Date.now()
    if (idleTimeout > 0) idleTimer = setTimeout(watchIdle, idleTimeout)
    let current: RequestTask | void
    try {
      current = (request as RequestFunction)(requestOptions)
    } catch (e) {
      return failLater(createError(ERR_INVALID_OPTIONS, TAG + 'request threw: ' + e, null, e))
    }
    if (active !== conn || !current) return
    task = current
    // Feature detection, not version checks: a Taro interceptor may drop these methods.
    if (current.onHeadersReceived) current.onHeadersReceived(heard((res) => decided || respond(res)))
    if (current.onChunkReceived) {
      current.onChunkReceived(
        heard((res) => {
          chunked = true
          receive(res.data)
        })
      )
    }
  }

  function buildHeader(): Record<string, string> {
    const header: Record<string, string> = {}
    const given = opts.header as Record<string, string>
    for (const key in given) header[key] = given[key]
    if (headerValue(header, 'accept') === undefined) header.Accept = 'text/event-stream'
    // §9.2.4 "reestablish": send the last event ID string, when there is one.
    if (parser.lastEventId) header['Last-Event-ID'] = parser.lastEventId
    return header
  }

  /**
   * Fails the connection from a timer, so that a listener registered right after
   * connectEventSource() still receives the error; close() before then silences it.
   */
  function failLater(error: UniError): void {
    stop(false)
    readyState = CLOSED
    const conn = {}
    active = conn
    setTimeout(() => {
      if (active === conn) failConnection(error, true)
    }, 0)
  }

  if (invalid || typeof request !== 'function') {
    failLater(createError(ERR_INVALID_OPTIONS, TAG + (invalid ? 'invalid options.' + invalid : 'no request function')))
  } else connect()

  return source
}

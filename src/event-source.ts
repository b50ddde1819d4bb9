import type {
  ConnectEventSourceCallback,
  ConnectEventSourceErrorCallback,
  ConnectEventSourceMessageCallback,
  ConnectEventSourceOptions,
  RequestFunction,
  UniError,
  UniEventSource
} from './types'
import type { Connection, ConnectionSink, Transport, TransportRequest } from './transport'
import { ERR_BUFFER_OVERFLOW, ERR_CONTENT_TYPE, ERR_END, ERR_IDLE_TIMEOUT, ERR_INVALID_OPTIONS, TAG, createError } from './errors'
import {
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_BUFFER_SIZE,
  DEFAULT_RECONNECTION_TIME,
  DEFAULT_TIMEOUT,
  MIN_RECONNECTION_TIME,
  clamp,
  invalidOption
} from './options'
import { createParser } from './parser'
import { createUtf8Decoder } from './utf8-decoder'
import { FRAMEWORKS, requestTransport } from './transports/request'

/*
 * The EventSource processing model of WHATWG HTML §9.2 ("announce the connection", "fail the
 * connection", "reestablish the connection"), delivering through uni-app x's UniEventSource
 * callbacks. It knows nothing of the host: a transport (./transport.ts) reports each connection.
 * Deviations from the web's EventSource are tagged [uni-app x] (the contract we polyfill) or
 * [extension].
 */

// What a mini-program logic layer provides (declared here, not taken from DOM or Node types).
declare const wx: { request?: RequestFunction } | undefined
declare const uni: { request?: RequestFunction } | undefined
declare const console: { error(...args: any[]): void }
declare function setTimeout(callback: () => void, ms: number): unknown
declare function clearTimeout(id: unknown): void

const CONNECTING = 0 as const
const OPEN = 1 as const
const CLOSED = 2 as const

const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i

function headerValue(header: Record<string, any> | undefined, name: string): string | undefined {
  for (const key in header) if (key.toLowerCase() === name) return '' + header[key]
  return undefined
}

export function connectEventSource(options: ConnectEventSourceOptions): UniEventSource {
  const openListeners: ConnectEventSourceCallback[] = []
  const messageListeners: ConnectEventSourceMessageCallback[] = []
  const errorListeners: ConnectEventSourceErrorCallback[] = []

  let invalid = invalidOption(options)
  const opts = invalid ? ({} as ConnectEventSourceOptions) : options
  const url = opts.url
  const timeout = opts.timeout ? clamp(opts.timeout) : DEFAULT_TIMEOUT
  // 0 and Infinity: off.
  const idleTimeout = opts.idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : opts.idleTimeout < Infinity ? clamp(opts.idleTimeout) : 0
  // The allowed silence before the first body piece (see watch()).
  const firstWait = Math.max(idleTimeout, timeout)
  const maxBufferSize = opts.maxBufferSize || DEFAULT_MAX_BUFFER_SIZE
  // Without `reconnect`: no retry.
  const reconnect = opts.reconnect === true ? {} : opts.reconnect || { maxRetries: 0 }
  const maxRetries = reconnect.maxRetries == null ? Infinity : reconnect.maxRetries
  const backoff = reconnect.backoff == null ? 1 : reconnect.backoff
  const maxDelay = reconnect.maxDelay == null ? Infinity : reconnect.maxDelay
  // Negative or NaN maxRetries or maxDelay, a backoff below 1: invalid.
  if (!(maxRetries >= 0 && backoff >= 1 && maxDelay >= 0)) invalid = 'reconnect'
  // [extension] the request function, looked up when connecting: uni.request in a uni-app build
  // (its interceptors apply; uni-app loads dist/, not the native bundle), else wx.request; a test
  // double or qq.request can stand in; or a whole transport.
  const request = opts.request || (FRAMEWORKS && typeof uni !== 'undefined' && uni.request) || (typeof wx !== 'undefined' && wx.request)
  const transport: Transport | false = !invalid && (opts.transport || (typeof request === 'function' && requestTransport(request)))

  let readyState: number = CONNECTING
  let reconnectionTime = DEFAULT_RECONNECTION_TIME
  // Connections in a row that ended without delivering an event (so an open-then-end server
  // cannot reset the count).
  let attempts = 0
  let delivered = false
  // The current connection's sink: reports of any other (ended, aborted) connection are ignored.
  let current: ConnectionSink | undefined
  let connection: Connection | undefined
  // The one timer: while connected the watchdog's tick; between connections the next attempt, or
  // failLater()'s report. stop() clears it.
  let timer: unknown
  // The current connection reported something since the watchdog's last tick.
  let heard = false
  let quietTicks = 0
  // The silence the watchdog allows now, in ms.
  let allowed = 0
  // A body piece arrived on this connection: from then on idleTimeout applies (see watch()).
  let streamed = false

  const parser = createParser(
    {
      onEvent(event) {
        // §9.2.6 step 8: dispatch only while the source is not CLOSED; close() inside a
        // listener therefore stops the rest of the chunk too.
        if (readyState === OPEN) {
          delivered = true
          emit(messageListeners, event)
        }
      },
      onRetry(ms) {
        reconnectionTime = ms
      },
      onError(error) {
        // Nothing after close(), whatever the rest of the chunk holds.
        if (readyState === OPEN) overflow(error.size)
      }
    },
    { maxBufferSize }
  )

  // A non-function is kept and reported like a throwing listener (console.error, nothing stops).
  const listen = <T>(listeners: T[]) => (callback: T): void => void listeners.push(callback)

  const source = {
    CONNECTING,
    OPEN,
    CLOSED,
    /** [extension] */
    url: url || '',
    /** [extension] */
    get readyState() {
      return readyState
    },
    onOpen: listen(openListeners),
    onMessage: listen(messageListeners),
    onError: listen(errorListeners),
    close() {
      // Idempotent; nothing fires afterwards, not even wx's `fail: abort`.
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
        console.error(TAG + 'listener:', e)
      }
    }
  }

  function stop(abort: boolean): void {
    const c = connection
    current = connection = undefined
    clearTimeout(timer)
    try {
      if (abort && c) c.abort()
    } catch (e) {
      // a task without abort(), or one that refuses: nothing of it is heard any more
    }
  }

  /** "Announce the connection": OPEN, then the open event. */
  function announce(): void {
    readyState = OPEN
    emit(openListeners, { type: 'open', data: null, lastEventId: null })
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
    if (delivered) attempts = 0
    if (attempts >= maxRetries) return failConnection(error, finished)
    stop(!finished)
    readyState = CONNECTING
    emit(errorListeners, error)
    // A listener may have closed the source.
    if (readyState !== CONNECTING) return
    // [extension] backoff and maxDelay, above a floor no server's `retry:` can go below.
    timer = setTimeout(
      connect,
      Math.max(MIN_RECONNECTION_TIME, Math.min(reconnectionTime * Math.pow(backoff, attempts++), clamp(maxDelay)))
    )
  }

  function overflow(size: number): void {
    failConnection(createError(ERR_BUFFER_OVERFLOW, TAG + 'maxBufferSize < ' + size))
  }

  /**
   * [extension] The idle watchdog. Once a body piece has arrived, `idleTimeout` of silence fails
   * the connection (1004). Before the first piece a host may be buffering the whole response
   * (PC WeChat, a buffering proxy: everything comes at the end), so the allowed silence is then
   * the longer of `idleTimeout` and `timeout`. It ticks every quarter of that: a report sets
   * `heard` (no clock read per chunk), four quiet ticks in a row fail, so a silence is reported
   * after 1 to 1.25 times the allowed time.
   */
  function watch(): void {
    clearTimeout(timer)
    allowed = streamed ? idleTimeout : firstWait
    // The (re)start counts as a report: the first tick finds no quiet tick yet.
    heard = true
    if (idleTimeout > 0) tick()
  }

  function tick(): void {
    quietTicks = heard ? 0 : quietTicks + 1
    heard = false
    if (quietTicks > 3) return reestablish(createError(ERR_IDLE_TIMEOUT, TAG + 'idle ' + allowed), false)
    timer = setTimeout(tick, allowed / 4)
  }

  /** One connection: what has been learnt of its response lives here, and it reports through the sink. */
  function connect(): void {
    const decoder = createUtf8Decoder()
    // The response's headers, once known (null before); it is a stream being parsed.
    let header: Record<string, any> | null = null
    let announced = false
    let statusCode: number | undefined
    // Text kept: the body of a response not (yet) known to be a stream; and, while a stream's
    // status is unknown (devtools), what it sent, in case a late status makes it an error body.
    let body = ''
    let keep = false

    // Each report of the current connection is activity for the watchdog; others are ignored.
    const sink: ConnectionSink = {
      head(status, hdr) {
        if (current !== sink) return
        heard = true
        if (!header) decide(status, hdr)
      },
      body(data) {
        if (current !== sink) return
        heard = true
        if (!streamed) {
          // The host streams: from now on idleTimeout is the allowed silence.
          streamed = true
          watch()
        }
        take(data)
      },
      end(status, hdr, data) {
        if (current !== sink) return
        if (!header) decide(status, hdr)
        // A status known only now (devtools) decides whether the stream was an error body.
        if (status) statusCode = status
        if (data) take(data)
        if (current !== sink) return
        // Not a stream; or a status learnt only now (devtools) that is not 200: an error body.
        if (!announced || (statusCode || 200) !== 200) return finishBody(false)
        // The server ended a good stream: [uni-app x] onError with errCode 200, as on iOS.
        // An unfinished trailing event is discarded (§9.2.6, end of file). [extension] `data`
        // says whether it streamed, or came whole at the end (PC WeChat, a buffering proxy).
        reestablish(createError(ERR_END, TAG + 'end', { streamed }), true)
      },
      fail(error, retry) {
        if (current === sink) retry ? reestablish(error, true) : failConnection(error, true)
      }
    }

    /** Decides what the response is, from its status and headers (§9.2.3, fetch's processResponse). */
    function decide(status: number | undefined, hdr: Record<string, any> | undefined): void {
      // Devtools gives no status in onHeadersReceived: a missing status is not a failure.
      // (Transports give numbers: the request transport converts an old Android client's string.)
      statusCode = status || undefined
      header = hdr || {}
      // No Content-Type: the test sees "undefined", which is no match.
      if ((statusCode || 200) === 200 && EVENT_STREAM.test(headerValue(header, 'content-type') as string)) {
        announced = true
        keep = !statusCode
        announce()
        if (current === sink) parser.feed(body)
        if (!keep) body = ''
      }
    }

    function take(data: ArrayBuffer | Uint8Array | string): void {
      const text = typeof data === 'string' ? data : decoder.decode(data)
      if (announced) {
        if (keep && body.length <= maxBufferSize) body += text
        parser.feed(text)
      }
      // An error body is for reading, not for exhausting a phone's memory: report what came.
      // Before any headers (a host without onHeadersReceived) it is not known to be an error.
      else if ((body += text).length > maxBufferSize) {
        if (header) finishBody(true)
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
          : createError(ERR_CONTENT_TYPE, TAG + 'Content-Type: ' + headerValue(header!, 'content-type'), data),
        !aborting
      )
    }

    parser.reset()
    delivered = streamed = false
    current = sink
    watch()
    // The request's headers: a copy of the caller's own enumerable ones (theirs is never changed).
    const requestHeader: Record<string, string> = Object.assign({}, opts.header)
    if (!headerValue(requestHeader, 'accept')) requestHeader.Accept = 'text/event-stream'
    // §9.2.3 "reestablish": send the last event ID string, when there is one.
    if (parser.lastEventId) requestHeader['Last-Event-ID'] = parser.lastEventId
    const req: TransportRequest = { url, method: (opts.method || 'GET').toUpperCase(), header: requestHeader, timeout }
    if (opts.data !== undefined) req.data = opts.data
    try {
      const started = (transport as Transport)(req, sink)
      // A host may have ended the connection already, from inside the request call.
      if (current === sink) connection = started
    } catch (e) {
      failLater(createError(ERR_INVALID_OPTIONS, TAG + 'request: ' + e, null, e))
    }
  }

  /**
   * Fails the connection from a timer, so that a listener registered right after
   * connectEventSource() still receives the error; close() before then silences it.
   */
  function failLater(error: UniError): void {
    stop(false)
    readyState = CLOSED
    timer = setTimeout(() => emit(errorListeners, error), 0)
  }

  if (!transport) {
    failLater(createError(ERR_INVALID_OPTIONS, TAG + (invalid ? 'invalid ' + invalid : 'no request')))
  } else connect()

  return source
}

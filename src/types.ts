/**
 * Public types of miniprogram-eventsource.
 *
 * The first block mirrors uni-app x's `uni.connectEventSource` declarations
 * (dcloudio/uni-api `uni-sse/utssdk/interface.uts`). Everything marked
 * **Extension** goes beyond that contract.
 */
import type { Transport } from './transport'

/**
 * An event as uni-app x declares it (`UniMessageEvent`: all three fields present, nullable);
 * `onOpen` receives `{ type: 'open', data: null, lastEventId: null }`.
 */
export interface UniMessageEvent {
  type: string | null
  data: any | null
  lastEventId: string | null
}

/** A dispatched server-sent event, as `onMessage` and the parser's `onEvent` receive it. */
export interface EventSourceMessage extends UniMessageEvent {
  /** The `event:` field, or `'message'` when the event had none (WHATWG; uni-app x native gives ''). */
  type: string
  /** The `data:` lines joined with `\n`. */
  data: string
  /** The last event ID string of the source when the event was dispatched. */
  lastEventId: string
}

/** uni-app x's `UniError` shape, delivered to `onError`. */
export interface UniError extends Error {
  errSubject: string
  /** An HTTP status, 200 for a normal end, wx's `errno`, or one of this library's codes (see `errors.ts`). */
  errCode: number
  errMsg: string
  data: any
  cause: Error | null
}

/** `data` of an error raised by the response itself (HTTP status or Content-Type). */
export interface ResponseErrorData {
  statusCode: number
  header: Record<string, string>
  /** The response body decoded as UTF-8 text; AI APIs explain 401/429 here. */
  body: string
}

export type ConnectEventSourceCallback = (ev: UniMessageEvent) => void
export type ConnectEventSourceMessageCallback = (ev: EventSourceMessage) => void
export type ConnectEventSourceErrorCallback = (error: UniError) => void

export interface UniEventSource {
  /** Adds a listener for the opening of each connection (HTTP 200 + `text/event-stream`). */
  onOpen(callback: ConnectEventSourceCallback): void
  /** Adds a listener for every dispatched event, named or not. */
  onMessage(callback: ConnectEventSourceMessageCallback): void
  /** Adds a listener for errors, including the normal end of a stream (errCode 200). */
  onError(callback: ConnectEventSourceErrorCallback): void
  /** Closes the connection. Idempotent; no callback of any kind fires after it. */
  close(): void
  /** **Extension**: 0 CONNECTING, 1 OPEN, 2 CLOSED, as the web's EventSource. */
  readonly readyState: number
  /** **Extension**: the URL this source connects to. */
  readonly url: string
  /** **Extension**: readyState values, as on the web's EventSource. */
  readonly CONNECTING: 0
  readonly OPEN: 1
  readonly CLOSED: 2
}

/**
 * **Extension**: reconnection settings; `true` means the WHATWG defaults. Invalid values
 * (a negative or fractional `maxRetries`, `backoff` below 1, a negative or NaN `maxDelay`) give
 * errCode 1002.
 */
export interface ReconnectOptions {
  /**
   * Give up after this many reconnections in a row whose connections delivered no event (a
   * server that opens and ends at once counts as failing). Default: unlimited.
   */
  maxRetries?: number
  /** Multiply the delay by this factor after each failed attempt (>= 1). Default: 1 (the spec's fixed delay). */
  backoff?: number
  /**
   * Upper bound of the delay in ms; values above 2^31-1 (and Infinity) are clamped to it.
   * Every delay is at least 500 ms, whatever `retry:` or this say. Default: 2^31-1.
   */
  maxDelay?: number
}

/** The part of a `wx.request` task this library uses. */
export interface RequestTask {
  abort(): void
  onHeadersReceived?(callback: (res: { header?: Record<string, any>; statusCode?: number | string }) => void): void
  /** The chunk's bytes; Baidu's `swan.request` is reported to give text. */
  onChunkReceived?(callback: (res: { data: ArrayBuffer | string }) => void): void
}

/**
 * The HTTP methods `wx.request` accepts. `uni.request` (`@dcloudio/types`) and `Taro.request`
 * (`@tarojs/taro`, which adds PATCH) declare the same names, so each of them, and `wx.request`
 * (`miniprogram-api-typings`), is a {@link RequestFunction} without a cast.
 */
export type RequestMethod = 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT'

/** What this library passes to the request function (a subset of `wx.request`'s options). */
export interface RequestOptions {
  url: string
  method: RequestMethod
  header: Record<string, string>
  data?: any
  timeout: number
  responseType: 'arraybuffer'
  enableChunked: true
  /** `data`: what the host gives (typings say `string | object | ArrayBuffer`); an ArrayBuffer or text is read. */
  success(res: { statusCode: number | string; header?: Record<string, any>; data?: unknown }): void
  fail(res: { errMsg: string; errno?: number }): void
}

/** A function shaped like `wx.request`. */
export type RequestFunction = (options: RequestOptions) => RequestTask | PromiseLike<any> | void

export interface ConnectEventSourceOptions {
  /** Server URL (required). */
  url: string
  /** Request headers. `Accept: text/event-stream` is added unless one is given. */
  header?: Record<string, string> | null
  /** **Extension**: HTTP method. Default `'GET'`; AI APIs want `'POST'`. */
  method?: string
  /** **Extension**: request body, as `wx.request`'s `data` (objects are sent as JSON by wx). */
  data?: any
  /**
   * **Extension**: passed to the request as its timeout, in ms. Default 600000 (10 min): wx's own
   * 60 s would cut long answers. `0` means the default; values above 2^31-1 (and Infinity) are
   * clamped to 2^31-1; negative or NaN give errCode 1002.
   */
  timeout?: number
  /**
   * **Extension**: fail the connection (errCode 1004) when nothing at all (not even a keep-alive
   * comment) arrives for this many ms, once the first piece of the body has arrived; before it,
   * the allowed silence is the longer of this and `timeout` (a host that buffers the whole body,
   * like PC WeChat, gives nothing until the end). `0` or Infinity turn it off; values above
   * 2^31-1 are clamped. Default 120000. On iOS a dropped network can leave a request with no
   * callback at all, so only this notices.
   */
  idleTimeout?: number
  /** **Extension**: reconnect after a network failure or a normal end. Default `false`, as uni-app x. */
  reconnect?: boolean | ReconnectOptions
  /** **Extension**: the longest line, event or error body kept, in UTF-16 code units. Default 8 MiB (8,388,608). */
  maxBufferSize?: number
  /** **Extension**: a function shaped like `wx.request` (`uni.request`, `tt.request`, a test double…). Default: the global `wx.request`, looked up when connecting. */
  request?: RequestFunction
  /**
   * **Extension**: the transport that opens each connection (see `Transport`), to force one;
   * default: `request` (or `wx.request`) with chunked transfer.
   */
  transport?: Transport
}

/** Callbacks of {@link createParser}, called synchronously from `feed` in stream order. */
export interface ParserCallbacks {
  /** A dispatched event (the data buffer was not empty). */
  onEvent(event: EventSourceMessage): void
  /** A valid `retry:` field (ASCII digits only), in ms. */
  onRetry?(ms: number): void
  /** **Extension** (the spec ignores comments): a comment line, without the colon and one following space. */
  onComment?(comment: string): void
  /** **Extension**: a line (any field) or the pending event's data grew beyond `maxBufferSize`; the parser drops it and ignores all input until `reset()`. */
  onError?(error: ParseError): void
}

export interface ParseError {
  type: 'max-buffer-size'
  /** The size that went over the limit, in UTF-16 code units. */
  size: number
}

export interface ParserOptions {
  /**
   * **Extension**: the longest event data to buffer, in UTF-16 code units; a line of any field may
   * be 7 units longer (its field name, colon and space), so a value of exactly this size is kept.
   * Default: unlimited.
   */
  maxBufferSize?: number
}

export interface EventSourceParser {
  /** Feeds decoded text; any chunking gives the same events as feeding it whole. */
  feed(text: string): void
  /** Forgets the partial line and pending event (a new connection); keeps the last event ID string. */
  reset(): void
  /** The last event ID string: the id buffer's value at the last dispatch (sent as `Last-Event-ID`). */
  readonly lastEventId: string
}

/** A streaming UTF-8 decoder (WHATWG Encoding, `fatal: false`, BOM stripped once); never a global TextDecoder. */
export interface Utf8Decoder {
  /** Decodes the next bytes; an incomplete trailing sequence is held for the next call. */
  decode(bytes: ArrayBuffer | Uint8Array): string
  /** Ends the stream: a held incomplete sequence becomes U+FFFD. The decoder is then fresh. */
  end(): string
}

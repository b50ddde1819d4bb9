import type { UniError } from './types'

/*
 * The one seam between the event source (state machine, parser, reconnect policy) and a host's
 * HTTP machinery. A transport opens one connection per `start` call and reports it through the
 * sink, in this order:
 *
 *   head?  →  body*  →  end | fail
 *
 * The event source ignores anything a connection reports after end, fail or abort(), so a
 * transport need not guard against late host callbacks itself (it may).
 */

/** What the event source asks a transport to send. */
export interface TransportRequest {
  url: string
  /** Upper case. */
  method: string
  /** Includes `Accept` and, when reconnecting, `Last-Event-ID`. */
  header: Record<string, string>
  /** The user's `data`, passed as the host's request body (objects as the host sends them). */
  data?: any
  /** ms, already clamped to 1..2^31-1. */
  timeout: number
}

/** Where a transport reports one connection. */
export interface ConnectionSink {
  /** Status and headers arrived. `statusCode` may be unknown (WeChat devtools gives none here). */
  head(statusCode: number | undefined, header: Record<string, any> | undefined): void
  /** A piece of the response body as it streams: bytes (decoded as UTF-8 by the event source) or text. */
  body(data: ArrayBuffer | Uint8Array | string): void
  /**
   * The response is complete. `data` is body the transport did not deliver through `body()`
   * (a host that buffers the whole response gives it only here); `streamed` is false when no
   * piece of the body came through `body()`.
   */
  end(statusCode: number | undefined, header: Record<string, any> | undefined, data?: ArrayBuffer | Uint8Array | string | null): void
  /**
   * The connection failed. `retry`: a network-level failure the reconnect policy may retry;
   * false for failures no retry can mend (a misconfigured request function, …).
   */
  fail(error: UniError, retry: boolean): void
}

/** A started connection. */
export interface Connection {
  /** Stops the connection; the event source has already stopped listening when it calls this. */
  abort(): void
}

/** Starts one connection. Must not call the sink synchronously; may throw (reported as 1002). */
export type Transport = (request: TransportRequest, sink: ConnectionSink) => Connection

import type { ConnectEventSourceOptions, UniEventSource } from '../../../src/types'

/**
 * One request as a host's server side sees it; the test plays the server through it. For the
 * fakes each call fires the host API's callbacks the way its documentation describes; for fetch
 * it is a real HTTP response.
 */
export interface ServerRequest {
  method: string
  url: string
  /** Request headers, names lower-cased. */
  header: Record<string, string>
  /** The request body as the host would send it (text), or undefined. */
  body: string | undefined
  respond(statusCode: number, header: Record<string, string>): void
  write(text: string): void
  end(): void
  /** A network failure (connection reset, no network). */
  fail(): void
  /** The client went away (abort / close). */
  readonly aborted: boolean
  /**
   * Fires host callbacks as a host might after the client closed (a late chunk, success, fail…).
   * Must be harmless.
   */
  late(): void
}

export interface Host {
  name: string
  /** Where the test's URLs point (the local server for fetch; any URL for the fakes). */
  origin: string
  /** Whether events reach onMessage while the response is still open (false: only at its end). */
  streams: boolean
  /** The errCode of a good stream's normal end: 200, or 600000 where the host reports it as an error. */
  normalEnd: number
  /**
   * A native event source (Douyin's task): it parses the stream itself and reports whole events
   * only — no HTTP status, no Content-Type, no comments, no partial lines.
   */
  native: boolean
  connect(options: Omit<ConnectEventSourceOptions, 'request' | 'transport'>): UniEventSource
  /** The next request the client makes (waits for it). */
  nextRequest(): Promise<ServerRequest>
  /** Every request made so far. */
  readonly requests: ServerRequest[]
  /** Requests the host made on its own (tt's auto-reconnect); always 0 for the others. */
  readonly ownReconnects: number
  dispose(): Promise<void>
}

/** A queue of requests with a waiter. */
export function requestQueue() {
  const all: ServerRequest[] = []
  let taken = 0
  let wake: (() => void) | null = null
  return {
    all,
    push(request: ServerRequest) {
      all.push(request)
      if (wake) wake()
    },
    async next(timeoutMs = 5000): Promise<ServerRequest> {
      const deadline = Date.now() + timeoutMs
      while (taken >= all.length) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a request')
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        wake = null
      }
      return all[taken++]
    }
  }
}

export function lowerCase(header: Record<string, any> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key in header) out[key.toLowerCase()] = '' + header[key]
  return out
}

export function bodyText(data: any): string | undefined {
  if (data === undefined) return undefined
  return typeof data === 'string' ? data : JSON.stringify(data)
}

import type { ConnectEventSourceOptions } from './types'

/*
 * Option checks and the numbers they become. Invalid options are reported as errCode 1002
 * (asynchronously, by the event source); no request is made.
 */

/** 3000 ms, the reconnection time browsers start with (WHATWG HTML §9.2.3 leaves it to the UA). */
export const DEFAULT_RECONNECTION_TIME = 3000
/**
 * [extension] The shortest reconnection delay, whatever the server's `retry:`, the backoff or
 * `maxDelay` say: no server can make a phone reconnect more than twice a second.
 */
export const MIN_RECONNECTION_TIME = 500
/** 10 min: wx's own default of 60 s would cut a long answer. */
export const DEFAULT_TIMEOUT = 600000
export const DEFAULT_IDLE_TIMEOUT = 120000
export const DEFAULT_MAX_BUFFER_SIZE = 8 * 1024 * 1024
/** The largest delay timers honour (2^31-1 ms, about 24.8 days): a larger one fires at once. */
export const MAX_DELAY = 2147483647

/** Each option's allowed `typeof`s, by their first letter (o: object, b: boolean, n: number…). */
const OPTION_TYPES: Record<string, string> = {
  url: 's',
  header: 'o',
  method: 's',
  timeout: 'n',
  idleTimeout: 'n',
  maxBufferSize: 'n',
  reconnect: 'bo',
  // `request` is checked where it is looked up (a non-function: no request function, 1002).
  transport: 'f'
}

/**
 * Names the first invalid option, or returns ''. Numbers must not be negative or NaN
 * (Infinity is allowed: see `clamp`). The values inside `reconnect` are checked by the event source.
 */
export function invalidOption(options: ConnectEventSourceOptions): string {
  // `url` is required (its type is checked with the others).
  if (!options || !options.url) return 'url'
  for (const name in OPTION_TYPES) {
    const value = (options as Record<string, any>)[name]
    if (value != null && (OPTION_TYPES[name].indexOf((typeof value)[0]) < 0 || value < 0 || value !== value)) return name
  }
  return ''
}

/** A timer value as timers honour it: at most 2^31-1 ms (Infinity included). */
export function clamp(ms: number): number {
  return Math.min(ms, MAX_DELAY)
}

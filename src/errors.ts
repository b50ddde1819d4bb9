import type { UniError } from './types'

/*
 * errCode values. HTTP statuses (100–599) and wx's own `errno` values pass through as they are;
 * these are the codes this library adds. 200 and 600000 follow existing conventions.
 */

/** The server ended a good stream (uni-app x on iOS reports the same). */
export const ERR_END = 200
/** 200 but the Content-Type is not `text/event-stream`. */
export const ERR_CONTENT_TYPE = 1001
/** Invalid options, or no request function available. No request was made. */
export const ERR_INVALID_OPTIONS = 1002
/** A line, event or error body grew beyond `maxBufferSize`; the request was aborted. */
export const ERR_BUFFER_OVERFLOW = 1003
/** Nothing arrived for `idleTimeout` ms; the request was aborted. */
export const ERR_IDLE_TIMEOUT = 1004
/**
 * [extension] The response ended with no chunk and no body, and the request function gave no
 * chunk API (a Promise from an interceptor, a task without `onChunkReceived`): nothing could
 * stream. Never reconnected: the request function has to change.
 */
export const ERR_NO_STREAM = 1005
/** The request failed without an `errno` (wx's own code for an unknown network error). */
export const ERR_NETWORK = 600000

export const ERR_SUBJECT = 'uni-connectEventSource'
export const TAG = '[miniprogram-eventsource] '

export function createError(errCode: number, errMsg: string, data?: any, cause?: any): UniError {
  // Error called as a function creates the same object as `new Error` (ECMA-262 §20.5.1.1).
  return Object.assign(Error(errMsg), {
    name: 'UniError',
    errSubject: ERR_SUBJECT,
    errCode,
    errMsg,
    data: data || null,
    cause: cause || null
  })
}

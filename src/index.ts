export { connectEventSource } from './event-source'
export { install } from './install'
export { createParser } from './parser'
export { createUtf8Decoder } from './utf8-decoder'
export {
  ERR_END,
  ERR_CONTENT_TYPE,
  ERR_INVALID_OPTIONS,
  ERR_BUFFER_OVERFLOW,
  ERR_IDLE_TIMEOUT,
  ERR_NO_STREAM,
  ERR_NETWORK
} from './errors'
export type * from './types'
export type * from './transport'

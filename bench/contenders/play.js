'use strict'
// Playing a response through miniprogram_dist's connectEventSource with a fake wx.request.
// Engine-neutral: also loaded in the jsc shell (bench/jsc/child.js).

// A reserved name (RFC 2606): nothing is ever requested, the request function is a fake.
const URL = 'https://stream.invalid/v1/chat/completions'
const STREAM_HEADER = { 'Content-Type': 'text/event-stream; charset=utf-8' }

/**
 * A fake `wx.request` whose task records its callbacks, so the harness can play the response
 * synchronously: headers, then each chunk, then `success`.
 */
function fakeWxRequest() {
  const fake = { options: null, headersReceived: null, chunkReceived: null, aborted: false }
  fake.request = (options) => {
    fake.options = options
    return {
      abort() {
        fake.aborted = true
      },
      onHeadersReceived(callback) {
        fake.headersReceived = callback
      },
      onChunkReceived(callback) {
        fake.chunkReceived = callback
      }
    }
  }
  return fake
}

/**
 * Plays a whole response through miniprogram_dist's connectEventSource. `afterChunk(i, count)`
 * (optional) is called right after each chunk callback returns, with the events seen so far.
 */
function playOwn(lib, buffers, afterChunk) {
  const fake = fakeWxRequest()
  const source = lib.connectEventSource({ url: URL, request: fake.request })
  let count = 0
  let last = null
  source.onMessage((event) => {
    count++
    last = event
  })
  if (!fake.headersReceived || !fake.chunkReceived) throw new Error('connectEventSource did not request synchronously with a chunked task')
  fake.headersReceived({ statusCode: 200, header: STREAM_HEADER })
  for (let i = 0; i < buffers.length; i++) {
    fake.chunkReceived({ data: buffers[i] })
    if (afterChunk) afterChunk(i, count)
  }
  fake.options.success({ statusCode: 200, header: STREAM_HEADER, data: new ArrayBuffer(0) })
  source.close()
  return { count, last }
}

module.exports = { playOwn, fakeWxRequest }

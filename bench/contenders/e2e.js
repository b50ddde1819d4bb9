'use strict'
// End to end as on a phone: ArrayBuffer chunks in → events out. Each contender:
// { name, label, chunks(byteChunks) → its inputs, run(inputs) → count }.
const { parserContenders } = require('./parsers')
const { textEncodingShim } = require('./decoders')
const library = require('./library')

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

async function e2eContenders() {
  const own = library.miniProgram()
  const shim = textEncodingShim()
  const esp = (await parserContenders()).find((p) => p.name === 'esp')
  return [
    {
      name: 'own',
      short: 'own',
      label: 'miniprogram_dist connectEventSource, fake wx.request, no TextDecoder',
      chunks: own.realm.arrayBuffers,
      run: (buffers) => playOwn(own.exports, buffers).count
    },
    {
      name: 'assembly',
      short: 'assembly',
      label: 'text-encoding-shim + carry + ' + esp.label,
      chunks: shim.realm.arrayBuffers,
      run(buffers) {
        let count = 0
        const decoder = shim.carry(shim.TextDecoder)
        const parser = esp.create(() => count++)
        for (let i = 0; i < buffers.length; i++) parser.feed(decoder.decode(buffers[i]))
        parser.feed(decoder.end())
        return count
      }
    },
    {
      name: 'limit',
      short: 'limit',
      label: 'native TextDecoder + one indexOf newline scan, no parsing (counts lines)',
      chunks: (chunks) => chunks.map((c) => c.buffer),
      lines: true,
      run(buffers) {
        let lines = 0
        const decoder = new TextDecoder()
        for (let i = 0; i < buffers.length; i++) {
          const text = decoder.decode(buffers[i], { stream: true })
          for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++
        }
        return lines
      }
    }
  ]
}

module.exports = { e2eContenders, playOwn, fakeWxRequest }

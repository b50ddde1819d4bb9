'use strict'
// End to end as on a phone: ArrayBuffer chunks in → events out. Each contender:
// { name, label, chunks(byteChunks) → its inputs, run(inputs) → count }.
const { parserContenders } = require('./parsers')
const { textEncodingShim } = require('./decoders')
const library = require('./library')

const { playOwn, fakeWxRequest } = require('./play')

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

#!/usr/bin/env node
'use strict'
/**
 * `npm run demo`: the chat page of demo-miniprogram, run in the terminal.
 *
 * Starts the demo backend on a free local port, loads pages/chat/chat.js (the page file itself)
 * in a minimal mini-program host whose wx.request is this library's Node implementation, asks a
 * question, prints the answer as it reaches the screen (markdown as plain text), then one summary
 * line with the setData calls and their bytes.
 *
 *   npm run demo -- --prompt "用一句话解释 SSE"
 *   npm run demo -- --upstream https://<provider>/v1 --model <name>   (key: UPSTREAM_API_KEY)
 *   npm run demo -- --url http://127.0.0.1:8787/some/sse [--method POST --data '{"a":1}'] [--header 'K: V']
 */
const path = require('path')
const { buildNpm } = require('./build-npm')
const { createMiniprogramRuntime } = require('./miniprogram-host')
const { createDemoServer, listen } = require('../server/app')

const ROOT = path.resolve(__dirname, '..', '..')
const MINIPROGRAM_ROOT = path.resolve(__dirname, '..', 'miniprogram')
const DEFAULT_PROMPT = '用一句话解释 SSE，再给一个小程序里的代码示例 🙂'

const color = process.stdout.isTTY && !process.env.NO_COLOR
const dim = (s) => (color ? '\x1b[2m' + s + '\x1b[22m' : s)
const bold = (s) => (color ? '\x1b[1m' + s + '\x1b[22m' : s)
const red = (s) => (color ? '\x1b[31m' + s + '\x1b[39m' : s)

function parseArgs(argv) {
  const args = { header: [] }
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=([\s\S]*))?$/.exec(argv[i])
    if (!m) throw new Error('Unexpected argument: ' + argv[i] + ' (see --help)')
    const name = m[1]
    if (name === 'help') {
      args.help = true
      continue
    }
    const value = m[2] !== undefined ? m[2] : argv[++i]
    if (value === undefined) throw new Error('--' + name + ' needs a value')
    if (name === 'header') args.header.push(value)
    else args[name] = value
  }
  return args
}

function loadNodeWx() {
  // The library's Node wx.request, from the build (`npm run build` made it).
  return require(path.join(ROOT, 'dist', 'node.cjs'))
}

/** The chat page, driven like a user would, printing what it renders. */
async function runChat(args) {
  buildNpm()
  const apiKey = process.env.UPSTREAM_API_KEY || process.env.OPENAI_API_KEY || ''
  const server = createDemoServer({
    upstream: args.upstream || '',
    apiKey: apiKey,
    model: args.model || '',
    tokensPerSecond: args.rate ? Number(args.rate) : undefined,
    thinkMs: args['think-ms'] !== undefined ? Number(args['think-ms']) : undefined
  })
  const address = await listen(server, 0, '127.0.0.1')
  const { createWxRequest } = loadNodeWx()

  const runtime = createMiniprogramRuntime({ root: MINIPROGRAM_ROOT, wx: { request: createWxRequest() } })
  const config = runtime.require('/config.js')
  config.baseUrl = 'http://127.0.0.1:' + address.port + '/v1'

  const host = runtime.loadPage('pages/chat/chat').load()
  const prompt = args.prompt || DEFAULT_PROMPT
  const source = args.upstream ? 'upstream ' + args.upstream + ' via the demo backend' : 'the simulated model'
  console.log(dim('demo backend on ' + config.baseUrl + ' · answering: ' + source))
  console.log(bold('You: ') + prompt)
  process.stdout.write(bold('AI:  '))

  // Print what each setData brought to the screen: the answer's text so far (markdown as plain
  // text), as far as whole code points go — a pair split across two prints would be two U+FFFD.
  let index = -1
  let printedReasoning = 0
  let printedContent = 0
  let firstCall = 0
  let finished = null
  const done = new Promise((resolve) => {
    finished = resolve
  })
  const wholeUpTo = (text, from) => {
    let end = text.length
    if (end > from && /[\ud800-\udbff]/.test(text[end - 1])) end--
    return end
  }
  host.onSetData((update, data) => {
    const message = data.messages[index]
    const text = host.page.answerText(index)
    if (!message || !text) return
    const reasoningEnd = wholeUpTo(text.reasoning, printedReasoning)
    if (reasoningEnd > printedReasoning) {
      process.stdout.write(dim((printedReasoning === 0 ? '💭 ' : '') + text.reasoning.slice(printedReasoning, reasoningEnd).replace(/\n/g, '\n     ')))
      printedReasoning = reasoningEnd
    }
    const contentEnd = wholeUpTo(text.content, printedContent)
    if (contentEnd > printedContent) {
      process.stdout.write((printedContent === 0 && printedReasoning ? '\n\n     ' : '') + text.content.slice(printedContent, contentEnd).replace(/\n/g, '\n     '))
      printedContent = contentEnd
    }
    if (message.status === 'reconnecting') process.stdout.write(dim(' [reconnecting…] '))
    if (!data.streaming && !/^(streaming|reconnecting|paused)$/.test(message.status)) finished(message)
  })

  const startedAt = Date.now()
  firstCall = host.calls.length
  host.input('onInput', prompt)
  index = host.page.data.messages.length + 1
  host.tap('onSend')
  const message = await done
  const stats = host.page.lastStats
  const calls = host.calls.slice(firstCall)
  const setDataBytes = calls.reduce((n, c) => n + c.bytes, 0)
  process.stdout.write('\n')
  if (message.status === 'error') console.log(red('⚠️  ' + message.error))
  const content = host.page.answerText(index).content
  const chars = Array.from(content).length
  console.log(
    dim('— ') + message.status +
    ' · first token ' + (stats.firstTokenAt ? ms(stats.firstTokenAt - stats.startedAt) : 'n/a') +
    ' · ' + stats.events + ' events' +
    (stats.reconnects ? ' · ' + stats.reconnects + ' reconnects' : '') +
    ' · ' + chars + ' chars (' + Buffer.byteLength(content) + ' B)' +
    ' · ' + calls.length + ' setData, ' + setDataBytes + ' B' +
    ' · total ' + ms(Date.now() - startedAt)
  )
  server.close()
  return message.status === 'error' ? 1 : 0
}

/** `--url`: any SSE endpoint, raw events printed as they arrive (a debugging tool). */
function runRaw(args) {
  const { connectEventSource } = require(path.join(ROOT, 'dist', 'index.cjs'))
  const { createWxRequest } = loadNodeWx()
  const header = {}
  args.header.forEach((line) => {
    const at = line.indexOf(':')
    if (at > 0) header[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  })
  let data
  if (args.data !== undefined) {
    try {
      data = JSON.parse(args.data)
      if (!header['Content-Type']) header['Content-Type'] = 'application/json'
    } catch (e) {
      data = args.data
    }
  }
  const startedAt = Date.now()
  let events = 0
  let firstAt = 0
  return new Promise((resolve) => {
    const es = connectEventSource({
      url: args.url,
      method: args.method || (data !== undefined ? 'POST' : 'GET'),
      header: header,
      data: data,
      request: createWxRequest()
    })
    const end = (code, line) => {
      es.close()
      console.log(dim('— ' + line + ' · first event ' + (firstAt ? ms(firstAt - startedAt) : 'n/a') + ' · ' + events + ' events · total ' + ms(Date.now() - startedAt)))
      resolve(code)
    }
    process.once('SIGINT', () => end(0, 'closed'))
    es.onOpen(() => console.log(dim('[open] ' + args.url)))
    es.onMessage((ev) => {
      events++
      if (!firstAt) firstAt = Date.now()
      const head = 'event: ' + ev.type + (ev.lastEventId ? '  id: ' + ev.lastEventId : '')
      console.log(dim(head) + '\n' + String(ev.data).split('\n').map((l) => 'data: ' + l).join('\n') + '\n')
    })
    es.onError((err) => {
      if (err.errCode === 200) return end(0, 'stream ended')
      console.log(red('[error ' + err.errCode + '] ' + err.errMsg))
      if (err.data && err.data.body) console.log(err.data.body)
      end(1, 'failed')
    })
  })
}

function ms(value) {
  return value < 1000 ? value + ' ms' : (value / 1000).toFixed(2) + ' s'
}

function main() {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(err.message)
    process.exit(2)
  }
  if (args.help) {
    console.log([
      'npm run demo -- [--prompt "…"] [--rate tokens/s] [--think-ms ms]',
      'npm run demo -- --upstream https://<provider>/v1 --model <name>   (key from UPSTREAM_API_KEY)',
      'npm run demo -- --url <SSE URL> [--method POST] [--data JSON] [--header "K: V"]...'
    ].join('\n'))
    return
  }
  const run = args.url ? runRaw(args) : runChat(args)
  run.then(
    (code) => process.exit(code),
    (err) => {
      console.error(red(err && err.stack ? err.stack : String(err)))
      process.exit(1)
    }
  )
}

main()

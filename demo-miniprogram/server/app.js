'use strict'
/**
 * The demo backend: an OpenAI-compatible `POST /v1/chat/completions`, answered by the built-in
 * simulated model or forwarded to a real provider (`upstream`).
 *
 * Failure cases for trying the UI, as a command at the start of the question:
 *   /401 /429 /500 (any 4xx/5xx)  that status with an OpenAI-style JSON error body
 *   /cut    the stream is cut halfway through the answer; a retry of the same
 *           conversation then succeeds (the server remembers it cut it once)
 *   /stall  reasoning starts, then nothing at all (no keep-alives either)
 */
const http = require('http')
const { simulateAnswer, tokenize, lastUserText, hashString } = require('./simulated-model')
const { sseData, sseComment, createChunkFactory, completion, errorBody } = require('./openai-format')
const { proxyChatCompletion } = require('./proxy')

const DEFAULTS = {
  /** Tokens per second of the simulated model. */
  tokensPerSecond: 60,
  /** How long the simulated model "thinks" before its first token, in ms. */
  thinkMs: 800,
  /** Interval of `: keep-alive` comments while thinking, in ms. */
  keepAliveMs: 300,
  /** Base URL of an OpenAI-compatible provider (`https://<provider>/v1`); unset = simulated. */
  upstream: '',
  apiKey: '',
  /** Model name: sent upstream in proxy mode, reported by the simulated model otherwise. */
  model: '',
  log: null
}

const MAX_BODY = 1024 * 1024

const STATUS_ERRORS = {
  401: ['Incorrect API key provided (simulated by the demo server).', 'invalid_request_error', 'invalid_api_key'],
  403: ['Your account is not allowed to use this model (simulated).', 'permission_error', 'forbidden'],
  404: ['The model does not exist (simulated).', 'invalid_request_error', 'model_not_found'],
  429: ['Rate limit reached: too many requests, please retry later (simulated).', 'rate_limit_error', 'rate_limit_exceeded'],
  500: ['The server had an error while processing your request (simulated).', 'server_error', null],
  503: ['The engine is currently overloaded, please try again later (simulated).', 'server_error', 'overloaded']
}

function createDemoServer(userOptions) {
  const options = Object.assign({}, DEFAULTS)
  Object.keys(userOptions || {}).forEach((key) => {
    if (userOptions[key] !== undefined) options[key] = userOptions[key]
  })
  const log = options.log || function () {}
  /** Conversations `/cut` has already cut once, by hash. */
  const cutOnce = new Set()
  let nextId = 1

  const server = http.createServer((req, res) => {
    req.socket.setNoDelay(true)
    const url = new URL(req.url || '/', 'http://localhost')
    if (req.method === 'OPTIONS') return sendCors(res)
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/health')) {
      return sendJson(res, 200, {
        ok: true,
        mode: options.upstream ? 'proxy' : 'simulated',
        endpoint: 'POST /v1/chat/completions'
      })
    }
    if (url.pathname !== '/v1/chat/completions') {
      return sendJson(res, 404, errorBody('Not found: ' + req.method + ' ' + url.pathname, 'invalid_request_error', 'not_found'))
    }
    if (req.method !== 'POST') {
      return sendJson(res, 405, errorBody('Use POST', 'invalid_request_error', 'method_not_allowed'))
    }
    readJson(req, (err, body) => {
      if (err) return sendJson(res, 400, errorBody(err.message, 'invalid_request_error', 'invalid_json'))
      if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
        return sendJson(res, 400, errorBody('`messages` must be a non-empty array', 'invalid_request_error', 'invalid_messages'))
      }
      if (options.upstream) {
        return proxyChatCompletion(req, res, body, { upstream: options.upstream, apiKey: options.apiKey, model: options.model, log: log })
      }
      answerSimulated(req, res, body)
    })
  })

  function answerSimulated(req, res, body) {
    const command = (/^\/(\w+)/.exec(lastUserText(body.messages).trim()) || [])[1] || ''
    if (/^[45]\d\d$/.test(command)) {
      const status = Number(command)
      const e = STATUS_ERRORS[status] || ['Simulated error ' + status + '.', 'server_error', null]
      const headers = status === 429 ? { 'Retry-After': '20' } : {}
      log('simulated ' + status)
      return sendJson(res, status, errorBody(e[0], e[1], e[2]), headers)
    }

    const answer = simulateAnswer(body.messages)
    const id = 'chatcmpl-sim' + (nextId++) + '-' + hashString(JSON.stringify(body.messages)).toString(36)
    const model = options.model || body.model || 'demo-simulated'
    const created = Math.floor(Date.now() / 1000)
    const reasoningTokens = tokenize(answer.reasoning)
    const contentTokens = tokenize(answer.content)
    const usage = {
      prompt_tokens: tokenize(JSON.stringify(body.messages)).length,
      completion_tokens: reasoningTokens.length + contentTokens.length,
      total_tokens: 0
    }
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens

    if (!body.stream) {
      log('simulated json')
      return sendJson(res, 200, completion(id, model, created, answer, usage))
    }

    let cutAt = -1
    if (command === 'cut') {
      const key = hashString(JSON.stringify(body.messages))
      if (!cutOnce.has(key)) {
        cutOnce.add(key)
        cutAt = Math.floor(contentTokens.length / 2)
      }
    }
    const stall = command === 'stall'
    log('simulated stream' + (cutAt >= 0 ? ' (cut)' : stall ? ' (stall)' : ''))

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'X-Accel-Buffering': 'no',
      'Access-Control-Allow-Origin': '*'
    })
    res.flushHeaders()

    const chunk = createChunkFactory(id, model, created)
    // The whole stream as a list of frames; a timer releases them at the configured rate.
    const frames = [sseData(chunk({ role: 'assistant', content: '' }))]
    reasoningTokens.forEach((t) => frames.push(sseData(chunk({ content: null, reasoning_content: t }))))
    const contentStart = frames.length
    contentTokens.forEach((t) => frames.push(sseData(chunk({ content: t }))))
    frames.push(sseData(chunk({}, 'stop')))
    if (body.stream_options && body.stream_options.include_usage) {
      frames.push(sseData({ id: id, object: 'chat.completion.chunk', created: created, model: model, choices: [], usage: usage }))
    }
    frames.push(sseData('[DONE]'))

    const stopAt = cutAt >= 0 ? contentStart + cutAt : stall ? Math.min(4, contentStart) : frames.length
    const rate = Math.max(1, options.tokensPerSecond)
    let sent = 0
    let timer = null
    let keepAlive = null
    let closed = false

    const cleanup = () => {
      closed = true
      clearTimeout(timer)
      clearInterval(keepAlive)
    }
    res.on('close', cleanup)

    // "Thinking": only keep-alive comments, as DeepSeek sends while a request is queued.
    if (options.keepAliveMs > 0 && !stall) {
      res.write(sseComment('keep-alive'))
      keepAlive = setInterval(() => res.write(sseComment('keep-alive')), options.keepAliveMs)
    }
    timer = setTimeout(startTokens, stall ? 0 : options.thinkMs)

    function startTokens() {
      clearInterval(keepAlive)
      const startedAt = Date.now()
      const tick = () => {
        if (closed) return
        // Every frame that is due by now, so high rates do not depend on timer resolution.
        const due = Math.min(stopAt, 1 + Math.floor(((Date.now() - startedAt) * rate) / 1000))
        let text = ''
        while (sent < due) text += frames[sent++]
        if (text) res.write(text)
        if (sent < stopAt) {
          timer = setTimeout(tick, Math.max(1, Math.floor(1000 / rate)))
        } else if (stopAt === frames.length) {
          res.end()
        } else if (cutAt >= 0) {
          // A connection lost mid-answer: no chunked terminator, the socket just goes away.
          setTimeout(() => res.destroy(), 20)
        }
        // stall: leave the response open and silent until the client gives up.
      }
      tick()
    }
  }

  return server
}

function readJson(req, callback) {
  const pieces = []
  let size = 0
  let failed = false
  req.on('data', (piece) => {
    size += piece.length
    if (size > MAX_BODY && !failed) {
      failed = true
      callback(new Error('Request body too large'))
    }
    pieces.push(piece)
  })
  req.on('end', () => {
    if (failed) return
    let body
    try {
      body = JSON.parse(Buffer.concat(pieces).toString('utf8') || 'null')
    } catch (err) {
      return callback(new Error('Request body is not valid JSON: ' + err.message))
    }
    callback(null, body)
  })
}

function sendJson(res, status, value, headers) {
  const text = JSON.stringify(value)
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/json; charset=utf-8', 'Access-Control-Allow-Origin': '*' }, headers || {}))
  res.end(text)
}

function sendCors(res) {
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, Accept, Last-Event-ID'
  })
  res.end()
}

/** Listens on `port` (0 = a free one) and resolves with the bound address. */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.removeListener('error', reject)
      const address = server.address()
      resolve({ host: address.address, port: address.port })
    })
  })
}

module.exports = { createDemoServer, listen, DEFAULTS }

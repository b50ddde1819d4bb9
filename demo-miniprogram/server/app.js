'use strict'
/**
 * The demo backend: an OpenAI-compatible `POST /v1/chat/completions`, answered by the built-in
 * simulated model or forwarded to a real provider (`upstream`).
 *
 * Every streamed answer is resumable (answers.js): events carry `id: <answerId>.<seq>`, and a
 * POST with `Last-Event-ID` continues that answer after `seq` (410 `answer_expired` once gone).
 * What a client may send is checked first (http-input.js).
 *
 * Failure cases for trying the UI, as a command at the start of the question:
 *   /401 /429 /500 (any 4xx/5xx)  that status with an OpenAI-style JSON error body
 *   /cut    the connection is cut halfway through the answer, once per conversation; a
 *           reconnect with `Last-Event-ID` continues the same answer, a new request of the
 *           same conversation streams it whole
 *   /long [chars]  an answer of at least that many characters (default 20,000)
 *   /stall  reasoning starts, then nothing at all (no keep-alives either)
 */
const http = require('http')
const { simulateAnswer, createSimulatedFrames, countTokens, lastUserText, hashString } = require('./simulated-model')
const { createChunkFactory, completion, errorBody } = require('./openai-format')
const { proxyChatCompletion } = require('./proxy')
const { createAnswerStore, parseLastEventId } = require('./answers')
const input = require('./http-input')

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
  /**
   * Shared token the clients must send (`Authorization: Bearer <token>` or `X-Demo-Token`).
   * Required to listen on anything but loopback.
   */
  token: '',
  /** Host names accepted in the `Host` header besides loopback ones, when there is no token. */
  allowedHosts: [],
  /** Caps on what a client may ask the upstream for: `max_tokens` and `n`. */
  maxTokens: 4096,
  maxChoices: 1,
  /** Largest request body, in bytes. */
  maxBody: input.MAX_BODY,
  /** Limits of the resumable-answer store (see answers.js: ttlMs, maxAnswers, maxBytes, maxAnswerBytes). */
  answers: {},
  log: null
}

/** The longest client-chosen `model` the simulated model echoes in its frames. */
const MAX_ECHOED_MODEL = 64

const STATUS_ERRORS = {
  401: ['Incorrect API key provided (simulated by the demo server).', 'invalid_request_error', 'invalid_api_key'],
  403: ['Your account is not allowed to use this model (simulated).', 'permission_error', 'forbidden'],
  404: ['The model does not exist (simulated).', 'invalid_request_error', 'model_not_found'],
  429: ['Rate limit reached: too many requests, please retry later (simulated).', 'rate_limit_error', 'rate_limit_exceeded'],
  500: ['The server had an error while processing your request (simulated).', 'server_error', null],
  503: ['The engine is currently overloaded, please try again later (simulated).', 'server_error', 'overloaded']
}

const ENDPOINT = '/v1/chat/completions'

function createDemoServer(userOptions) {
  const options = Object.assign({}, DEFAULTS)
  Object.keys(userOptions || {}).forEach((key) => {
    if (userOptions[key] !== undefined) options[key] = userOptions[key]
  })
  const log = options.log || function () {}
  const proxyMode = !!options.upstream
  const answers = createAnswerStore(options.answers)
  /** Conversations `/cut` has already cut once, by hash. */
  const cutOnce = new Set()
  let nextId = 1

  const server = http.createServer((req, res) => {
    try {
      route(req, res)
    } catch (err) {
      // A bug must cost one request, not the process.
      log('error: ' + (err && err.stack ? err.stack : err))
      input.sendError(res, 500, 'Internal error', 'internal_error')
    }
  })
  server.demoOptions = options
  server.answers = answers
  server.on('close', () => answers.close())
  // Listening beyond loopback without a token (a plain server.listen() call): refuse to serve.
  server.on('listening', () => {
    const address = server.address()
    if (options.token || !address || typeof address !== 'object' || input.isLoopback(address.address)) return
    server.close()
    server.emit('error', new Error('Refusing to serve ' + address.address + ' without a token (set the token option)'))
  })
  // Malformed HTTP (bad method, header, target syntax): a 4xx, this connection only.
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy()
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const text = JSON.stringify(errorBody('Malformed request', 'invalid_request_error', 'bad_request'))
    socket.end('HTTP/1.1 ' + status + ' ' + http.STATUS_CODES[status] + '\r\nConnection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\nContent-Length: ' + Buffer.byteLength(text) + '\r\n\r\n' + text)
  })

  function route(req, res) {
    req.socket.setNoDelay(true)
    // Any web page may call a simulated model; a proxy spending the developer's key serves no browser.
    if (!proxyMode) res.setHeader('Access-Control-Allow-Origin', '*')
    const path = input.requestPath(req)
    if (path === null) return input.sendError(res, 400, 'Malformed request target', 'bad_request')
    if (req.method === 'OPTIONS') {
      if (proxyMode) return input.sendError(res, 403, 'Cross-origin requests are not served in proxy mode', 'cors_refused')
      return sendCors(res)
    }
    if (options.token) {
      if (!input.tokenMatches(req, options.token)) {
        return input.sendError(res, 401, 'This backend needs its token (Authorization: Bearer <token> or X-Demo-Token)', 'demo_token_required', { 'WWW-Authenticate': 'Bearer' })
      }
    } else if (!input.hostAllowed(req, options.allowedHosts)) {
      return input.sendError(res, 403, 'Host not allowed (start the backend with --token or --allowed-host)', 'host_not_allowed')
    }
    if (req.method === 'GET' && (path === '/' || path === '/health')) {
      return input.sendJson(res, 200, { ok: true, mode: proxyMode ? 'proxy' : 'simulated', endpoint: 'POST ' + ENDPOINT })
    }
    if (req.method === 'DELETE' && path.startsWith(ENDPOINT + '/')) return cancel(res, path.slice(ENDPOINT.length + 1))
    if (path !== ENDPOINT) return input.sendError(res, 404, 'Not found: ' + req.method + ' ' + path.slice(0, 100), 'not_found')
    if (req.method !== 'POST') return input.sendError(res, 405, 'Use POST', 'method_not_allowed', { Allow: 'POST' })
    if (!input.isJsonContentType(req)) {
      return input.sendError(res, 415, 'Content-Type must be application/json', 'unsupported_media_type', null, true)
    }
    input.readJsonBody(req, options.maxBody, (err, body) => {
      if (err) return input.sendError(res, err.status, err.message, err.code, null, err.status === 413)
      if (req.headers['last-event-id'] !== undefined) return resume(req, res)
      if (!body || typeof body !== 'object' || !Array.isArray(body.messages) || body.messages.length === 0 ||
          !body.messages.every((m) => m && typeof m === 'object' && typeof m.role === 'string')) {
        return input.sendError(res, 400, '`messages` must be a non-empty array of { role, content }', 'invalid_messages')
      }
      if (proxyMode) {
        return proxyChatCompletion(req, res, body, {
          upstream: options.upstream,
          apiKey: options.apiKey,
          model: options.model,
          maxTokens: options.maxTokens,
          maxChoices: options.maxChoices,
          answers: answers,
          writeStreamHead: writeStreamHead,
          log: log
        })
      }
      answerSimulated(req, res, body)
    })
  }

  /**
   * [extension] `DELETE /v1/chat/completions/<answerId>`: Stop for good. The answer is dropped
   * at once (generation stops, the upstream request is aborted), where a mere disconnect keeps
   * it going for a resume. 204, or 410 when it is already gone.
   */
  function cancel(res, answerId) {
    const answer = answers.get(answerId)
    if (!answer) return input.sendError(res, 410, 'This answer is no longer available', 'answer_expired')
    log('cancel ' + answer.id + ' at ' + answer.seq + (answer.finished ? ' (finished)' : ''))
    answer.discard()
    res.writeHead(204)
    res.end()
  }

  /** `Last-Event-ID: <answerId>.<seq>`: the same answer after `seq`, or 410 when it is gone. */
  function resume(req, res) {
    const ref = parseLastEventId(req.headers['last-event-id'])
    const answer = ref && answers.get(ref.answerId)
    if (!answer || !answer.canResumeAfter(ref.seq)) {
      return input.sendError(res, 410, 'This answer is no longer available; ask again', 'answer_expired')
    }
    answers.stats.resumed++
    log('resume ' + answer.id + ' after ' + ref.seq + ' of ' + answer.seq + (answer.finished ? ' (finished)' : ''))
    writeStreamHead(res, answer)
    answer.attach(res, ref.seq)
  }

  function answerSimulated(req, res, body) {
    const command = (/^\/(\w+)/.exec(lastUserText(body.messages).trim()) || [])[1] || ''
    if (/^[45]\d\d$/.test(command)) {
      const status = Number(command)
      const e = STATUS_ERRORS[status] || ['Simulated error ' + status + '.', 'server_error', null]
      const headers = status === 429 ? { 'Retry-After': '20' } : {}
      log('simulated ' + status)
      return input.sendJson(res, status, errorBody(e[0], e[1], e[2]), headers)
    }

    const answer = simulateAnswer(body.messages)
    // Echo a bounded model name: a huge one copied into every frame amplified each request.
    const model = Array.from(String(options.model || (typeof body.model === 'string' && body.model) || 'demo-simulated').slice(0, 2 * MAX_ECHOED_MODEL))
      .slice(0, MAX_ECHOED_MODEL).join('')
    const created = Math.floor(Date.now() / 1000)
    const usage = {
      prompt_tokens: countTokens(JSON.stringify(body.messages)),
      completion_tokens: countTokens(answer.reasoning) + countTokens(answer.content),
      total_tokens: 0
    }
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens

    if (!body.stream) {
      log('simulated json')
      const id = 'chatcmpl-sim' + (nextId++) + '-' + hashString(JSON.stringify(body.messages)).toString(36)
      return input.sendJson(res, 200, completion(id, model, created, answer, usage))
    }

    const stored = answers.create()
    const chunk = createChunkFactory(stored.id, model, created)
    const usageFrame = body.stream_options && body.stream_options.include_usage
      ? { id: stored.id, object: 'chat.completion.chunk', created: created, model: model, choices: [], usage: usage }
      : null
    const frames = createSimulatedFrames(answer, chunk, usageFrame)

    let cutAfter = 0
    if (command === 'cut') {
      const key = hashString(JSON.stringify(body.messages))
      if (!cutOnce.has(key)) {
        cutOnce.add(key)
        // seq of the last event before the cut: halfway through the answer's content.
        cutAfter = frames.contentStart + Math.floor(frames.contentTokens / 2)
      }
    }
    const stall = command === 'stall'
    const stopAt = stall ? Math.min(4, frames.contentStart) : frames.total
    log('simulated stream ' + stored.id + (cutAfter ? ' (cut)' : stall ? ' (stall)' : ''))

    writeStreamHead(res, stored)
    stored.attach(res, 0)
    if (cutAfter) stored.cutClientAfter(cutAfter)

    const rate = Math.max(1, options.tokensPerSecond)
    let timer = null
    let keepAlive = null
    let startedAt = 0
    let waiting = false
    const schedule = (ms) => {
      clearTimeout(timer)
      timer = setTimeout(tick, ms)
    }
    stored.onDiscard = () => {
      clearTimeout(timer)
      clearInterval(keepAlive)
    }
    // Backpressure released (the client drained, or went away with room left): go on.
    stored.onDemand = () => {
      if (waiting) {
        waiting = false
        schedule(0)
      }
    }

    // "Thinking": only keep-alive comments, as DeepSeek sends while a request is queued.
    if (options.keepAliveMs > 0 && !stall) {
      stored.comment('keep-alive')
      keepAlive = setInterval(() => stored.comment('keep-alive'), options.keepAliveMs)
    }
    timer = setTimeout(() => {
      clearInterval(keepAlive)
      startedAt = Date.now()
      tick()
    }, stall ? 0 : options.thinkMs)

    function tick() {
      timer = null
      if (stored.discarded || stored.finished) return
      // Every frame that is due by now, so high rates do not depend on timer resolution;
      // each frame is made as it is written, and only while the client keeps up.
      const due = Math.min(stopAt, 1 + Math.floor(((Date.now() - startedAt) * rate) / 1000))
      while (frames.index < due && stored.wantsMore()) {
        stored.produce(() => {
          while (frames.index < due && stored.wantsMore()) stored.push(sseField(frames.next()))
        })
      }
      if (frames.index >= frames.total) return stored.finish()
      if (frames.index >= stopAt) return // stall: open and silent until the client gives up
      if (frames.index < due) {
        waiting = true // the client is behind: wait for drain
        return
      }
      schedule(Math.max(1, Math.floor(1000 / rate)))
    }
  }

  return server
}

/** The `data:` field of a frame: JSON, or the literal `[DONE]`. */
function sseField(payload) {
  return 'data: ' + (typeof payload === 'string' ? payload : JSON.stringify(payload))
}

/** Response head of a resumable answer; `X-Answer-Id` names it ([extension] of the protocol). */
function writeStreamHead(res, answer) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told not to.
    'X-Accel-Buffering': 'no',
    'X-Answer-Id': answer.id
  })
  res.flushHeaders()
}

function sendCors(res) {
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, Accept, Last-Event-ID, X-Demo-Token'
  })
  res.end()
}

/** Listens on `port` (0 = a free one) and resolves with the bound address. */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const options = server.demoOptions || {}
    if (!input.isLoopback(host) && !options.token) {
      return reject(new Error('Refusing to listen on ' + (host || 'all interfaces') + ' without a token: anyone on the network could spend the API key. Set --token (or DEMO_TOKEN), or listen on 127.0.0.1.'))
    }
    server.once('error', reject)
    server.listen(port, host, () => {
      server.removeListener('error', reject)
      const address = server.address()
      resolve({ host: address.address, port: address.port })
    })
  })
}

module.exports = { createDemoServer, listen, DEFAULTS }

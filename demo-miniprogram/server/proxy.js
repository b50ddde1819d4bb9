'use strict'
/**
 * Proxy mode: forwards a chat completion to a real OpenAI-compatible provider and streams its
 * answer through as it arrives. The API key stays here; the mini-program never sees it.
 *
 * A streamed answer becomes a resumable answer (answers.js): each upstream event is re-labelled
 * `id: <answerId>.<seq>`. The upstream is read only as fast as the client takes the events (a
 * client that stops reading stops the upstream); while no client is attached it is read on, up
 * to the answer's bound, so a reconnect continues the same answer without a second upstream call.
 */
const http = require('http')
const https = require('https')
const { StringDecoder } = require('string_decoder')
const { errorBody } = require('./openai-format')

/** Largest upstream error body passed on (64 KiB); the rest is dropped. */
const MAX_ERROR_BODY = 64 * 1024

/**
 * @param {object} body the client's parsed JSON body
 * @param {object} ctx `{ upstream, apiKey, model, maxTokens, maxChoices, answers, writeStreamHead(res, answer), log }`
 */
function proxyChatCompletion(req, res, body, ctx) {
  const log = ctx.log || function () {}
  const target = new URL(ctx.upstream.replace(/\/+$/, '') + '/chat/completions')
  const payload = capRequest(body, ctx)
  const data = Buffer.from(JSON.stringify(payload))
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(data.length),
    Accept: payload.stream ? 'text/event-stream' : 'application/json',
    // A compressed body would be buffered by the decompressor; ask for the bytes as they are.
    'Accept-Encoding': 'identity'
  }
  if (ctx.apiKey) headers.Authorization = 'Bearer ' + ctx.apiKey

  const client = target.protocol === 'https:' ? https : http
  const upstreamReq = client.request(target, { method: 'POST', headers: headers })
  let answer = null

  upstreamReq.on('response', (upstreamRes) => {
    const status = upstreamRes.statusCode || 502
    const type = upstreamRes.headers['content-type'] || 'application/octet-stream'
    log('proxy ' + status + ' ' + target.pathname)
    if (res.destroyed) return upstreamReq.destroy()
    if (status === 200 && payload.stream && /^text\/event-stream/i.test(type)) {
      answer = ctx.answers.create()
      ctx.writeStreamHead(res, answer)
      return streamAnswer(upstreamReq, upstreamRes, answer, res, ctx)
    }
    const out = { 'Content-Type': type, 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' }
    if (upstreamRes.headers['retry-after']) out['Retry-After'] = upstreamRes.headers['retry-after']
    if (status >= 200 && status < 300) {
      // A JSON answer: piped, so a slow client slows the upstream read too.
      res.writeHead(status, out)
      return upstreamRes.pipe(res)
    }
    // An error: its status and body explain themselves to the user (401, 429…), minus the key.
    readBounded(upstreamRes, MAX_ERROR_BODY, (text) => {
      const redacted = redactKey(text, ctx.apiKey)
      out['Content-Length'] = Buffer.byteLength(redacted)
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(status, out)
        res.end(redacted)
      }
    })
  })

  upstreamReq.on('error', (err) => {
    // The reason (host, port, DNS name) is for the operator's log, not for the client.
    log('proxy: upstream unreachable: ' + err.message)
    if (answer) return answer.fail('The upstream provider cut the answer off.')
    if (res.headersSent || res.destroyed) return res.destroy()
    const text = JSON.stringify(errorBody('The upstream provider could not be reached.', 'upstream_error', 'upstream_unreachable'))
    res.writeHead(502, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
    res.end(text)
  })

  // Gone before an answer existed (nothing to resume): stop paying for tokens nobody reads.
  res.on('close', () => {
    if (!answer && !res.writableFinished) upstreamReq.destroy()
  })

  upstreamReq.end(data)
}

/** The body sent upstream: the configured model, `n` and the token limit within the caps. */
function capRequest(body, ctx) {
  const payload = Object.assign({}, body)
  if (ctx.model) payload.model = ctx.model
  const maxChoices = ctx.maxChoices || 1
  if (payload.n !== undefined) payload.n = Math.min(maxChoices, Math.max(1, Math.floor(Number(payload.n)) || 1))
  const cap = ctx.maxTokens
  if (cap > 0) {
    let limited = false
    ;['max_tokens', 'max_completion_tokens'].forEach((key) => {
      if (payload[key] === undefined) return
      const value = Math.floor(Number(payload[key]))
      payload[key] = value > 0 ? Math.min(cap, value) : cap
      limited = true
    })
    if (!limited) payload.max_tokens = cap
  }
  return payload
}

function streamAnswer(upstreamReq, upstreamRes, answer, res, ctx) {
  let first = true
  let ended = false
  const splitter = createEventSplitter(
    (lines) => {
      if (first) {
        first = false
        lines = labelFirstEvent(lines, answer.id)
      }
      // Our ids replace the provider's: `Last-Event-ID` must name this answer.
      const fields = lines.filter((line) => !/^id(:|$)/.test(line))
      if (fields.length) answer.push(fields.join('\n'))
    },
    (comment) => answer.comment(comment.replace(/^: ?/, '')),
    ctx.answers.limits.maxAnswerBytes
  )
  answer.onDemand = () => upstreamRes.resume()
  answer.onDiscard = () => upstreamReq.destroy()
  answer.attach(res, 0)
  upstreamRes.on('data', (chunk) => {
    let fits = true
    answer.produce(() => {
      fits = splitter.feed(chunk)
    })
    if (!fits) {
      upstreamReq.destroy()
      return answer.fail('The upstream sent an event over ' + ctx.answers.limits.maxAnswerBytes + ' bytes.')
    }
    // Backpressure: the client is behind (or, detached, the answer is full): stop reading.
    if (!answer.wantsMore()) upstreamRes.pause()
  })
  upstreamRes.on('end', () => {
    ended = true
    answer.finish()
  })
  upstreamRes.on('close', () => {
    if (!ended) answer.fail('The upstream provider cut the answer off.')
  })
}

/** The first event says the answer id in-band: its JSON `id` becomes the answer id. */
function labelFirstEvent(lines, answerId) {
  const dataLines = lines.filter((line) => /^data:/.test(line))
  if (dataLines.length !== 1) return lines
  try {
    const value = JSON.parse(dataLines[0].replace(/^data: ?/, ''))
    if (!value || typeof value !== 'object' || Array.isArray(value)) return lines
    value.id = answerId
    return lines.map((line) => (line === dataLines[0] ? 'data: ' + JSON.stringify(value) : line))
  } catch (err) {
    return lines
  }
}

/**
 * Splits an SSE byte stream into events (arrays of field lines) and comments, for re-labelling.
 * Lines end in CRLF, LF or CR (a CR at the end of one chunk may have its LF in the next).
 * `feed` returns false once a line or event exceeds `maxBytes`.
 */
function createEventSplitter(onEvent, onComment, maxBytes) {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let lines = []
  let eventSize = 0
  let skipLF = false

  function line(text) {
    if (text === '') {
      if (lines.length) onEvent(lines)
      lines = []
      eventSize = 0
    } else if (text.charCodeAt(0) === 58 /* : */) {
      if (!lines.length) onComment(text)
    } else {
      lines.push(text)
      eventSize += text.length
    }
  }

  return {
    feed(chunk) {
      let text = decoder.write(chunk)
      if (skipLF && text.charCodeAt(0) === 10) text = text.slice(1)
      skipLF = false
      let start = 0
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i)
        if (c !== 10 && c !== 13) continue
        line(pending + text.slice(start, i))
        pending = ''
        if (c === 13) {
          if (i + 1 === text.length) skipLF = true
          else if (text.charCodeAt(i + 1) === 10) i++
        }
        start = i + 1
      }
      pending += text.slice(start)
      return pending.length + eventSize <= maxBytes
    }
  }
}

/** Reads at most `limit` bytes of a response as text (the rest is dropped with the connection). */
function readBounded(stream, limit, callback) {
  const pieces = []
  let size = 0
  let done = false
  const finish = () => {
    if (done) return
    done = true
    callback(Buffer.concat(pieces).toString('utf8'))
  }
  stream.on('data', (piece) => {
    if (size >= limit) return
    pieces.push(piece.subarray(0, limit - size))
    size += Math.min(piece.length, limit - size)
    if (size >= limit) {
      finish()
      stream.destroy()
    }
  })
  stream.on('end', finish)
  stream.on('close', finish)
}

/**
 * Removes the key from text an upstream sends back: the whole key, and any 8-character piece of
 * it (providers echo keys partly: `sk-abc…xyz`).
 */
function redactKey(text, key) {
  if (!key || key.length < 8) return text
  let out = text.split(key).join('[redacted]')
  for (let i = 0; i + 8 <= key.length; i++) {
    const piece = key.slice(i, i + 8)
    if (out.indexOf(piece) >= 0) out = out.split(piece).join('[redacted]')
  }
  return out
}

module.exports = { proxyChatCompletion, capRequest, createEventSplitter, redactKey }

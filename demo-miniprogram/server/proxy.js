'use strict'
/**
 * Proxy mode: forwards a chat completion to a real OpenAI-compatible provider and streams its
 * answer through as it arrives. The API key stays here; the mini-program never sees it.
 */
const http = require('http')
const https = require('https')
const { errorBody } = require('./openai-format')

/**
 * @param {object} body the client's parsed JSON body
 * @param {{ upstream: string, apiKey?: string, model?: string, log?: Function }} options
 */
function proxyChatCompletion(req, res, body, options) {
  const target = new URL(options.upstream.replace(/\/+$/, '') + '/chat/completions')
  const payload = Object.assign({}, body)
  if (options.model) payload.model = options.model
  const data = Buffer.from(JSON.stringify(payload))
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(data.length),
    Accept: payload.stream ? 'text/event-stream' : 'application/json',
    // A compressed body would be buffered by the decompressor; ask for the bytes as they are.
    'Accept-Encoding': 'identity'
  }
  if (options.apiKey) headers.Authorization = 'Bearer ' + options.apiKey

  const client = target.protocol === 'https:' ? https : http
  const upstreamReq = client.request(target, { method: 'POST', headers: headers })

  upstreamReq.on('response', (upstreamRes) => {
    const out = {
      'Content-Type': upstreamRes.headers['content-type'] || 'application/octet-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no'
    }
    if (upstreamRes.headers['retry-after']) out['Retry-After'] = upstreamRes.headers['retry-after']
    // Status and body pass through as they are: a 401/429 body explains itself to the user.
    res.writeHead(upstreamRes.statusCode || 502, out)
    res.flushHeaders()
    upstreamRes.on('data', (chunk) => res.write(chunk))
    upstreamRes.on('end', () => res.end())
    // The provider cut the stream: cut ours too, so the client sees a failure, not a normal end.
    upstreamRes.on('aborted', () => res.destroy())
    upstreamRes.on('error', () => res.destroy())
    if (options.log) options.log('proxy ' + (upstreamRes.statusCode || '?') + ' ' + target.pathname)
  })

  upstreamReq.on('error', (err) => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const text = JSON.stringify(errorBody('Upstream unreachable: ' + err.message, 'upstream_error', 'upstream_unreachable'))
    res.writeHead(502, { 'Content-Type': 'application/json; charset=utf-8' })
    res.end(text)
  })

  // The mini-program pressed Stop (or went away): stop paying for tokens nobody reads.
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy()
  })

  upstreamReq.end(data)
}

module.exports = { proxyChatCompletion }

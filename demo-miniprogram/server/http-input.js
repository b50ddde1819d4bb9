'use strict'
/**
 * What the backend accepts from a client, checked before anything else runs: the request
 * target, the Host, the shared token, the content type and the body (bounded, JSON). Every
 * refusal is a 4xx with an OpenAI-style JSON error body; nothing a client sends can throw.
 */
const crypto = require('crypto')
const { errorBody } = require('./openai-format')

/** Largest request body read, in bytes (1 MiB). A bigger one gets 413 and is not read further. */
const MAX_BODY = 1024 * 1024

/**
 * The path of a request target, or null when it is not an origin-form target (`/path?query`).
 * No URL parsing: `GET //%zz` is just a path nobody serves (parsing it once threw and killed the
 * process).
 */
function requestPath(req) {
  const target = typeof req.url === 'string' ? req.url : ''
  if (target.charCodeAt(0) !== 47 /* / */) return null
  const end = target.search(/[?#]/)
  return end < 0 ? target : target.slice(0, end)
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1', '[::1]']

/** Whether `host` (a listen address or a Host header's name) is this machine only. */
function isLoopback(host) {
  if (typeof host !== 'string') return false
  const name = host.toLowerCase()
  return LOOPBACK_NAMES.indexOf(name) >= 0 || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '::ffff:127.0.0.1'
}

/** The name part of a Host header (`[::1]:8787` → `[::1]`, `a.b:80` → `a.b`). */
function hostName(header) {
  const value = typeof header === 'string' ? header.trim() : ''
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(value)
  return m ? m[1].toLowerCase() : ''
}

/**
 * Without a token the backend serves only clients that name this machine in `Host` (or a name in
 * `allowedHosts`): a web page that rebinds its own domain to 127.0.0.1 sends its domain there.
 */
function hostAllowed(req, allowedHosts) {
  const name = hostName(req.headers.host)
  if (isLoopback(name)) return true
  return (allowedHosts || []).some((allowed) => String(allowed).toLowerCase() === name)
}

/** `Authorization: Bearer <token>` or `X-Demo-Token: <token>`, compared in constant time. */
function tokenMatches(req, token) {
  const auth = req.headers.authorization
  const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : ''
  const given = bearer || (typeof req.headers['x-demo-token'] === 'string' ? req.headers['x-demo-token'].trim() : '')
  if (!given) return false
  const a = crypto.createHash('sha256').update(given).digest()
  const b = crypto.createHash('sha256').update(String(token)).digest()
  return crypto.timingSafeEqual(a, b)
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJsonContentType(req) {
  const type = req.headers['content-type']
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type.trim())
}

/**
 * Reads the body as JSON, at most `limit` bytes. `callback(error, value)`; an error has the
 * status to answer with (413 too large, 400 not JSON). A declared or streamed body over the
 * limit is refused at once and not read further.
 */
function readJsonBody(req, limit, callback) {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) return callback(httpError(413, 'Request body over ' + limit + ' bytes', 'body_too_large'))
  const pieces = []
  let size = 0
  let done = false
  const onData = (piece) => {
    size += piece.length
    if (size > limit) {
      done = true
      req.removeListener('data', onData)
      pieces.length = 0
      return callback(httpError(413, 'Request body over ' + limit + ' bytes', 'body_too_large'))
    }
    pieces.push(piece)
  }
  req.on('data', onData)
  req.on('end', () => {
    if (done) return
    done = true
    let value
    try {
      value = JSON.parse(Buffer.concat(pieces, size).toString('utf8'))
    } catch (err) {
      return callback(httpError(400, 'Request body is not valid JSON: ' + err.message, 'invalid_json'))
    }
    callback(null, value)
  })
  req.on('error', () => {
    done = true
  })
}

function httpError(status, message, code) {
  const err = new Error(message)
  err.status = status
  err.code = code
  return err
}

/**
 * Sends a JSON error. With `closeConnection` (a body we will not read) the connection closes
 * after the response, so the rest of the upload is never read.
 */
function sendError(res, status, message, code, headers, closeConnection) {
  if (res.headersSent) return res.destroy()
  const type = status === 401 || status === 403 ? 'authentication_error' : 'invalid_request_error'
  const extra = Object.assign({}, headers || {})
  if (closeConnection) extra.Connection = 'close'
  sendJson(res, status, errorBody(message, type, code), extra)
  if (closeConnection) {
    const socket = res.socket
    res.req.pause()
    res.on('finish', () => {
      // Give the client a moment to read the answer, then drop whatever it still sends.
      const timer = setTimeout(() => socket && socket.destroy(), 1000)
      timer.unref()
    })
  }
}

function sendJson(res, status, value, headers) {
  if (res.headersSent) return res.destroy()
  const text = JSON.stringify(value)
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }, headers || {}))
  res.end(text)
}

module.exports = {
  MAX_BODY,
  requestPath,
  isLoopback,
  hostName,
  hostAllowed,
  tokenMatches,
  isJsonContentType,
  readJsonBody,
  sendError,
  sendJson
}

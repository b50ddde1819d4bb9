/**
 * The one place to point the demo at a server: your own backend (demo-miniprogram/server or one
 * like it). Never put a provider's API key in a mini-program — anyone can read its code; the
 * backend holds the key and forwards the stream.
 *
 * - WeChat devtools: run `node demo-miniprogram/server` on this computer and keep
 *   "不校验合法域名" (urlCheck: false in project.config.json) on; 127.0.0.1 works.
 * - A phone: use an HTTPS domain added to the request whitelist (服务器域名 / request 合法域名)
 *   in the mini-program admin console, e.g. 'https://api.example.com/v1'.
 */
module.exports = {
  /** Base URL of an OpenAI-compatible API; the page POSTs to `baseUrl + '/chat/completions'`. */
  baseUrl: 'http://127.0.0.1:8787/v1',
  /** Sent as `model`; the demo server can override it in proxy mode (`--model`). */
  model: 'demo-simulated',
  /** Sent first in every request, as an OpenAI `system` message; '' sends none. */
  systemPrompt: 'You are a helpful assistant. Answer in the language of the question.',
  /** Fail the stream when nothing (not even a keep-alive) arrives for this long, in ms. */
  idleTimeout: 30000,
  /** At most one setData per this many ms while streaming (50 ms = 20 per second). */
  renderInterval: 50,
  /** Passed to wx.request as its timeout, in ms; a cut at this cap is resumed like any other. */
  timeout: 600000,
  /** The longest single event accepted, in UTF-16 code units (errCode 1003 beyond). */
  maxBufferSize: 1024 * 1024,
  /**
   * [extension] Reconnect after a network cut, a timeout or 'fail interrupted'; the backend resumes
   * the same answer from Last-Event-ID. At most 5 attempts in a row without an event.
   */
  reconnect: { maxRetries: 5, backoff: 2, maxDelay: 8000 },
  /** Typewriter smoothing: spread bursts of text over about this many ms; 0 = off (show at once). */
  typewriter: 0
}

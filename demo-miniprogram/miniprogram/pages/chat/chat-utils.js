/**
 * Pure helpers of the chat page: no wx, no setData, so they are easy to read and to test.
 */

/**
 * Understands one event of the common AI stream shapes:
 * - OpenAI-compatible chunks: `choices[0].delta.content`, plus `reasoning_content`
 *   (DeepSeek, Qwen) or `reasoning` (some gateways), ending with `[DONE]`;
 * - an error object sent mid-stream (`{"error": {...}}`);
 * - plain text `data:` lines from a simple SSE server (the text is the answer).
 * A server that just closes the stream ends it as well: see `onError` with errCode 200 in chat.js.
 *
 * @returns {{ content: string, reasoning: string, done: boolean, error: string }}
 */
function parseStreamData(data) {
  var result = { content: '', reasoning: '', done: false, error: '' }
  var text = typeof data === 'string' ? data : ''
  if (text.trim() === '[DONE]') {
    result.done = true
    return result
  }
  var json
  try {
    json = JSON.parse(text)
  } catch (e) {
    result.content = text
    return result
  }
  if (!json || typeof json !== 'object') {
    result.content = text
    return result
  }
  if (json.error) {
    result.error = messageOfErrorBody(json) || 'The stream reported an error'
    return result
  }
  var choice = Array.isArray(json.choices) && json.choices.length ? json.choices[0] : null
  var delta = choice && choice.delta ? choice.delta : null
  if (delta) {
    if (typeof delta.content === 'string') result.content = delta.content
    if (typeof delta.reasoning_content === 'string') result.reasoning = delta.reasoning_content
    else if (typeof delta.reasoning === 'string') result.reasoning = delta.reasoning
  }
  return result
}

/** The human-readable message of an API's JSON error body, or ''. */
function messageOfErrorBody(json) {
  if (!json || typeof json !== 'object') return ''
  var error = json.error
  if (typeof error === 'string') return error
  if (error && typeof error.message === 'string') return error.message
  if (typeof json.message === 'string') return json.message
  if (typeof json.msg === 'string') return json.msg
  return ''
}

/** Explains an `onError` error in plain words, using the API's own message when it sent one. */
function errorText(err) {
  var code = err && typeof err.errCode === 'number' ? err.errCode : 0
  var data = err && err.data
  if (data && typeof data.body === 'string') {
    var message = ''
    try {
      message = messageOfErrorBody(JSON.parse(data.body))
    } catch (e) {
      message = data.body.trim().slice(0, 200)
    }
    var status = data.statusCode || code
    return '请求失败（' + status + '）：' + (message || describeStatus(status))
  }
  if (code >= 400 && code < 600) return '请求失败（' + code + '）：' + describeStatus(code)
  if (code === 1001) return '服务器返回的不是事件流（Content-Type 不是 text/event-stream）'
  if (code === 1004) return '等待超时：服务器长时间没有任何数据'
  var errMsg = (err && (err.errMsg || err.message)) || ''
  return '连接中断' + (errMsg ? '：' + errMsg : '')
}

function describeStatus(status) {
  if (status === 401) return '身份验证失败，请检查 API key'
  if (status === 429) return '请求太频繁或额度不足，请稍后再试'
  if (status >= 500) return '服务器出错了，请稍后再试'
  return '服务器拒绝了请求'
}

/**
 * The conversation in OpenAI chat format: the system prompt, then every user message and every
 * assistant answer before `end` that has text (failed answers are left out).
 */
function buildHistory(messages, end, systemPrompt) {
  var history = []
  if (systemPrompt) history.push({ role: 'system', content: systemPrompt })
  for (var i = 0; i < end && i < messages.length; i++) {
    var m = messages[i]
    if (m.role === 'user') history.push({ role: 'user', content: m.content })
    else if (m.role === 'assistant' && m.status !== 'error' && m.content) history.push({ role: 'assistant', content: m.content })
  }
  return history
}

/**
 * Collects path updates (`{ 'messages[3].content': text }`) and hands them to `apply` at most once
 * per `interval` ms: the first update after a quiet period goes at once, later ones wait for the
 * interval to pass and go together.
 */
function createBatcher(apply, interval) {
  var pending = null
  var timer = null
  var lastFlush = -Infinity

  function flush() {
    if (timer !== null) {
      clearTimeout(timer)
      timer = null
    }
    if (!pending) return
    var updates = pending
    pending = null
    lastFlush = Date.now()
    apply(updates)
  }

  function set(updates) {
    pending = pending || {}
    for (var key in updates) pending[key] = updates[key]
    if (timer !== null) return
    var wait = lastFlush + interval - Date.now()
    if (wait <= 0) flush()
    else timer = setTimeout(flush, wait)
  }

  /** Drops what is pending; nothing is applied after this. */
  function cancel() {
    if (timer !== null) clearTimeout(timer)
    timer = null
    pending = null
  }

  return { set: set, flush: flush, cancel: cancel }
}

function formatSeconds(ms) {
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'
}

module.exports = {
  parseStreamData: parseStreamData,
  messageOfErrorBody: messageOfErrorBody,
  errorText: errorText,
  buildHistory: buildHistory,
  createBatcher: createBatcher,
  formatSeconds: formatSeconds
}

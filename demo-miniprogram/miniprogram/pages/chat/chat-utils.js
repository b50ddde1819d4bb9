/**
 * Pure helpers of the chat page: no wx, no setData, so they are easy to read and to test.
 */
const { aiErrorMessage } = require('miniprogram-eventsource/ai')

/**
 * Explains an `onError` error in plain words. `codes` is the library's module (its exported
 * ERR_* constants), so no error code is a magic number here.
 */
function errorText(err, codes) {
  const code = err && typeof err.errCode === 'number' ? err.errCode : 0
  const errMsg = String((err && (err.errMsg || err.message)) || '')
  const data = (err && err.data) || {}
  if (code === 410 && /answer_expired/.test(data.body || '')) {
    return '这条回答在服务器上已过期，无法续传，请重试'
  }
  if (code === 204) return '服务器没有返回内容（204），请稍后重试'
  if (code >= 400 && code < 600) {
    const message = aiErrorMessage(data.body || '') || describeStatus(code)
    return '请求失败（' + code + '）：' + message
  }
  if (code === codes.ERR_CONTENT_TYPE) {
    const type = headerValue(data.header, 'content-type') || '无'
    return '服务器返回的不是事件流（Content-Type: ' + type + '），请检查接口地址'
  }
  if (code === codes.ERR_BUFFER_OVERFLOW) return '服务器发来的单个事件太大，超过了 maxBufferSize，已停止接收'
  if (code === codes.ERR_IDLE_TIMEOUT) return '等待超时：服务器长时间没有发来任何数据'
  if (code === codes.ERR_NO_STREAM) return '当前环境的请求不支持分块接收（没有 onChunkReceived），无法流式显示'
  if (code === codes.ERR_INVALID_OPTIONS) return '请求参数无效：' + errMsg
  if (/timeout/i.test(errMsg)) return '请求超时：连接超过了时间上限，请重试'
  if (/interrupted/i.test(errMsg)) return '连接被系统中断（小程序切到了后台），请重试'
  return '网络连接失败，请检查网络后重试' + (errMsg ? '（' + errMsg + '）' : '')
}

function describeStatus(status) {
  if (status === 401) return '身份验证失败，请检查服务器上的 API key'
  if (status === 429) return '请求太频繁或额度不足，请稍后再试'
  if (status >= 500) return '服务器出错了，请稍后再试'
  return '服务器拒绝了请求'
}

function headerValue(header, name) {
  if (!header) return ''
  for (const key in header) if (key.toLowerCase() === name) return String(header[key])
  return ''
}

/**
 * The conversation in OpenAI chat format: the system prompt, then every user message and every
 * assistant answer before `end` that has text (failed answers are left out). `texts` holds each
 * message's text by id (the page's data holds rendered blocks, not the text).
 */
function buildHistory(messages, end, systemPrompt, texts) {
  const history = []
  if (systemPrompt) history.push({ role: 'system', content: systemPrompt })
  for (let i = 0; i < end && i < messages.length; i++) {
    const m = messages[i]
    const text = texts[m.id] && texts[m.id].content
    if (m.role === 'user') history.push({ role: 'user', content: m.content })
    else if (m.role === 'assistant' && m.status !== 'error' && text) history.push({ role: 'assistant', content: text })
  }
  return history
}

function formatSeconds(ms) {
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'
}

module.exports = {
  errorText: errorText,
  buildHistory: buildHistory,
  formatSeconds: formatSeconds
}

/**
 * `miniprogram-eventsource/ai` — [extension] what a chat page needs from one event of the common
 * AI stream formats: the answer text, the reasoning text, the end, an error. Separate entry:
 * nothing here is in the WeChat core bundle.
 *
 * Formats, as each provider's streaming reference documents them:
 * - OpenAI Chat Completions (and the many compatible APIs: DeepSeek, Qwen compatible mode, Kimi,
 *   GLM…): `data: {"choices":[{"delta":{"content":"…"}}]}` … `data: [DONE]`. DeepSeek and Qwen add
 *   `delta.reasoning_content`; some gateways say `delta.reasoning`. DeepSeek's `: keep-alive`
 *   lines are SSE comments: the parser drops them, they never become events.
 * - OpenAI Responses: named events — `response.output_text.delta` (`delta`),
 *   `response.reasoning_summary_text.delta` / `response.reasoning_text.delta`, `response.completed`
 *   / `response.incomplete` (the end), `response.failed` and `error`.
 * - Anthropic Messages: `content_block_delta` with `text_delta` (`delta.text`) or `thinking_delta`
 *   (`delta.thinking`), `message_stop` (the end), `ping`, and `event: error`.
 * - DashScope (Alibaba Model Studio native API, `X-DashScope-SSE: enable`): `output.text`, or with
 *   `result_format: "message"` `output.choices[0].message.content` / `reasoning_content`
 *   (send `incremental_output: true` so each event carries only the new text); the end is a
 *   `finish_reason` other than `"null"`; errors carry `code` and `message`.
 * - Anything else: a `data:` that is not JSON is answer text as it is (a plain SSE server).
 */

/** What one server-sent event of an AI stream means for the chat page. */
export interface AIDelta {
  /** New answer text ('' when none). */
  text: string
  /** New reasoning ("thinking") text ('' when none). */
  reasoning: string
  /** The answer is complete ([DONE], `message_stop`, `response.completed`, a DashScope `finish_reason`). */
  done: boolean
  /** The stream reported an error: its message, in the provider's words. '' otherwise. */
  error: string
}

/** The part of an event this module reads: `onMessage`'s event fits. */
export interface AIEventLike {
  /** The SSE `event:` name (`'message'` when the event had none). */
  type?: string | null
  data?: any
}

const NONE = (): AIDelta => ({ text: '', reasoning: '', done: false, error: '' })

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/**
 * [extension] Reads one `onMessage` event of an AI stream.
 *
 * ```js
 * es.onMessage((ev) => {
 *   const d = readAIEvent(ev)
 *   answer += d.text; thinking += d.reasoning
 *   if (d.error) showError(d.error)
 *   if (d.done || d.error) es.close()
 * })
 * ```
 */
export function readAIEvent(event: AIEventLike): AIDelta {
  const result = NONE()
  const type = str(event.type)
  const data = str(event.data)
  if (data.trim() === '[DONE]') {
    result.done = true
    return result
  }
  let json: any
  try {
    json = JSON.parse(data)
  } catch (e) {
    json = undefined
  }
  if (!json || typeof json !== 'object') {
    // Not JSON: a plain-text stream. Anthropic's `ping` and the like carry JSON, so nothing is lost.
    result.text = data
    return result
  }
  // The event name when there is one, else the JSON's own `type` (Responses and Anthropic send both).
  const kind = type && type !== 'message' ? type : str(json.type)

  // Errors: `event: error` (Anthropic, Responses), `response.failed`, `{"error": …}` (OpenAI-compatible
  // APIs mid-stream), DashScope's `{"code", "message"}` without `output`.
  if (kind === 'error' || kind === 'response.failed' || json.error || (json.code && json.message && !json.output)) {
    result.error = aiErrorMessage(json) || kind || 'error'
    return result
  }

  // OpenAI Responses.
  if (kind === 'response.output_text.delta') result.text = str(json.delta)
  else if (kind === 'response.reasoning_summary_text.delta' || kind === 'response.reasoning_text.delta') result.reasoning = str(json.delta)
  else if (kind === 'response.completed' || kind === 'response.incomplete') result.done = true
  // Anthropic Messages.
  else if (kind === 'content_block_delta' && json.delta) {
    result.text = str(json.delta.text)
    result.reasoning = str(json.delta.thinking)
  } else if (kind === 'message_stop') result.done = true
  // OpenAI Chat Completions and compatible.
  else if (Array.isArray(json.choices)) {
    const delta = (json.choices[0] && json.choices[0].delta) || {}
    result.text = str(delta.content)
    result.reasoning = str(delta.reasoning_content) || str(delta.reasoning)
  }
  // DashScope native.
  else if (json.output && typeof json.output === 'object') {
    const output = json.output
    const choice = Array.isArray(output.choices) && output.choices[0]
    const message = (choice && choice.message) || {}
    result.text = str(output.text) || str(message.content)
    result.reasoning = str(message.reasoning_content)
    const finish = (choice && choice.finish_reason) || output.finish_reason
    result.done = typeof finish === 'string' && finish !== '' && finish !== 'null'
  }
  return result
}

/**
 * [extension] The human-readable message of an AI API's JSON error (an HTTP error body such as
 * `{"error":{"message":"Incorrect API key…"}}`, Anthropic's `{"type":"error","error":{…}}`,
 * DashScope's `{"code","message"}`), as an object or as the body's text. '' when there is none.
 */
export function aiErrorMessage(body: unknown): string {
  let json: any = body
  if (typeof body === 'string') {
    try {
      json = JSON.parse(body)
    } catch (e) {
      return ''
    }
  }
  if (!json || typeof json !== 'object') return ''
  const error = json.error
  if (typeof error === 'string') return error
  if (error && typeof error === 'object' && typeof error.message === 'string') return error.message
  // Responses' `response.failed`: `{"response":{"error":{"message"}}}`.
  if (json.response && json.response.error && typeof json.response.error.message === 'string') return json.response.error.message
  return str(json.message) || str(json.msg)
}

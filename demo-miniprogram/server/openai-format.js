'use strict'
/**
 * OpenAI Chat Completions wire format: streaming chunks, the final JSON, errors, SSE framing.
 */

/** One SSE event carrying a JSON payload (or the literal `[DONE]`). */
function sseData(payload) {
  return 'data: ' + (typeof payload === 'string' ? payload : JSON.stringify(payload)) + '\n\n'
}

/** An SSE comment; DeepSeek sends `: keep-alive` while a request waits. */
function sseComment(text) {
  return ': ' + text + '\n\n'
}

function createChunkFactory(id, model, created) {
  return function chunk(delta, finishReason) {
    return {
      id: id,
      object: 'chat.completion.chunk',
      created: created,
      model: model,
      choices: [{ index: 0, delta: delta, finish_reason: finishReason || null }]
    }
  }
}

function completion(id, model, created, answer, usage) {
  const message = { role: 'assistant', content: answer.content }
  if (answer.reasoning) message.reasoning_content = answer.reasoning
  return {
    id: id,
    object: 'chat.completion',
    created: created,
    model: model,
    choices: [{ index: 0, message: message, finish_reason: 'stop' }],
    usage: usage
  }
}

/** The error body OpenAI-compatible APIs send with a non-2xx status. */
function errorBody(message, type, code) {
  return { error: { message: message, type: type, param: null, code: code || null } }
}

module.exports = { sseData, sseComment, createChunkFactory, completion, errorBody }

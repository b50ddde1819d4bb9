/**
 * [extension] miniprogram-eventsource/ai: one event of each common AI stream format, with frames
 * shaped as the providers' streaming references show them.
 */
import { readAIEvent, aiErrorMessage } from '../src/ai'
import { message } from './helpers/streams'

const none = { text: '', reasoning: '', done: false, error: '' }

describe('readAIEvent', () => {
  test.each([
    ['OpenAI chat: content delta', message('{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null}]}'), { ...none, text: '你好' }],
    ['OpenAI chat: role-only first chunk', message('{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}'), none],
    ['OpenAI chat: finish_reason chunk is not the end ([DONE] is)', message('{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'), none],
    ['OpenAI chat: usage chunk with no choices', message('{"choices":[],"usage":{"total_tokens":9}}'), none],
    ['OpenAI chat: [DONE]', message('[DONE]'), { ...none, done: true }],
    ['DeepSeek: reasoning_content', message('{"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"先想想"}}]}'), { ...none, reasoning: '先想想' }],
    ['a gateway: delta.reasoning', message('{"choices":[{"delta":{"reasoning":"hmm"}}]}'), { ...none, reasoning: 'hmm' }],
    ['OpenAI-compatible error mid-stream', message('{"error":{"message":"context too long","type":"invalid_request_error"}}'), { ...none, error: 'context too long' }],
    ['Responses: output_text.delta', message('{"type":"response.output_text.delta","item_id":"m1","output_index":0,"content_index":0,"delta":"Hi"}', 'response.output_text.delta'), { ...none, text: 'Hi' }],
    ['Responses: reasoning summary delta', message('{"type":"response.reasoning_summary_text.delta","delta":"plan"}', 'response.reasoning_summary_text.delta'), { ...none, reasoning: 'plan' }],
    ['Responses: created is nothing', message('{"type":"response.created","response":{"id":"r1"}}', 'response.created'), none],
    ['Responses: completed', message('{"type":"response.completed","response":{"id":"r1","status":"completed"}}', 'response.completed'), { ...none, done: true }],
    ['Responses: failed', message('{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model failed"}}}', 'response.failed'), { ...none, error: 'The model failed' }],
    ['Responses: error event', message('{"type":"error","code":"rate_limit_exceeded","message":"Slow down"}', 'error'), { ...none, error: 'Slow down' }],
    ['Anthropic: text_delta', message('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}', 'content_block_delta'), { ...none, text: 'Hello' }],
    ['Anthropic: thinking_delta', message('{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see"}}', 'content_block_delta'), { ...none, reasoning: 'Let me see' }],
    ['Anthropic: ping', message('{"type": "ping"}', 'ping'), none],
    ['Anthropic: message_start', message('{"type":"message_start","message":{"id":"msg_1","content":[]}}', 'message_start'), none],
    ['Anthropic: message_stop', message('{"type":"message_stop"}', 'message_stop'), { ...none, done: true }],
    ['Anthropic: event: error', message('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 'error'), { ...none, error: 'Overloaded' }],
    ['DashScope: output.text', message('{"output":{"finish_reason":"null","text":"通义"},"usage":{},"request_id":"r"}', 'result'), { ...none, text: '通义' }],
    ['DashScope: message format with reasoning', message('{"output":{"choices":[{"message":{"content":"","reasoning_content":"思考","role":"assistant"},"finish_reason":"null"}]}}', 'result'), { ...none, reasoning: '思考' }],
    ['DashScope: finish_reason stop ends it', message('{"output":{"choices":[{"message":{"content":"。","role":"assistant"},"finish_reason":"stop"}]}}', 'result'), { ...none, text: '。', done: true }],
    ['DashScope: error', message('{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"r"}', 'error'), { ...none, error: 'Invalid API-key provided.' }],
    ['plain text data', message('just words 🙂'), { ...none, text: 'just words 🙂' }],
    ['a JSON number is text', message('42'), { ...none, text: '42' }]
  ])('%s', (_name, event, expected) => {
    expect(readAIEvent(event)).toEqual(expected)
  })
})

describe('aiErrorMessage', () => {
  test.each([
    ['OpenAI 401 body', '{"error":{"message":"Incorrect API key provided: sk-****","type":"invalid_request_error","code":"invalid_api_key"}}', 'Incorrect API key provided: sk-****'],
    ['Anthropic body', { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } }, 'Number of requests has exceeded your rate limit'],
    ['DashScope body', '{"code":"Throttling","message":"Requests rate limit exceeded","request_id":"x"}', 'Requests rate limit exceeded'],
    ['error as a string', '{"error":"bad things"}', 'bad things'],
    ['not JSON', '<html>502 Bad Gateway</html>', ''],
    ['empty', '', '']
  ])('%s', (_name, body, expected) => {
    expect(aiErrorMessage(body)).toBe(expected)
  })
})

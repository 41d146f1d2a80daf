// A scripted stand-in for the Anthropic Messages API on 127.0.0.1: answers POST /v1/messages
// with server-sent events (or JSON when the request does not stream), from a handler each
// scenario sets, and logs every request body so the tests can assert on what the model saw.
import { createServer } from 'node:http';

/** Starts the mock on an ephemeral loopback port. */
export async function startMockApi() {
  const state = {
    /** (body, request) => { content: [...blocks], stop_reason } | { error: { status, type?, message? } } | { hold: true } | undefined */
    handler: undefined,
    /** Every request: { path, body, parsed } */
    requests: [],
    /** Responses a handler chose never to answer (`{ hold: true }`: an API that hangs), ended at close. */
    held: [],
  };
  let counter = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        body = {};
      }
      state.requests.push({ method: request.method, path: request.url, body, raw });
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'POST' || path !== '/v1/messages') {
        // count_tokens and anything else: a harmless answer, recorded above.
        response.writeHead(path.endsWith('/count_tokens') ? 200 : 404, { 'content-type': 'application/json' });
        response.end(path.endsWith('/count_tokens') ? JSON.stringify({ input_tokens: 100 }) : JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'mock: no such endpoint' } }));
        return;
      }
      let reply;
      try {
        reply = state.handler?.(body, state) ?? { content: [{ type: 'text', text: 'OK.' }] };
      } catch (error) {
        reply = { content: [{ type: 'text', text: `mock handler error: ${error.message}` }] };
      }
      // A handler may answer later (a promise): a request held until others arrive.
      if (typeof reply.then === 'function') {
        state.held.push(response);
        reply.then(
          (later) => {
            state.held = state.held.filter((each) => each !== response);
            answer(later, body);
          },
          (error) => answer({ content: [{ type: 'text', text: `mock handler error: ${error.message}` }] }, body),
        );
        return;
      }
      answer(reply, body);
    });

    /** Writes `reply` for this request (hoisted: called from the handler above). */
    function answer(reply, body) {
      if (reply.hold) {
        state.held.push(response);
        return;
      }
      if (reply.error) {
        // An API error: the status and the Messages API's error body (a 400 is not retried).
        response.writeHead(reply.error.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ type: 'error', error: { type: reply.error.type ?? 'invalid_request_error', message: reply.error.message ?? 'mock: scripted error' } }));
        return;
      }
      const content = reply.content;
      const stopReason = reply.stop_reason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
      const message = {
        id: `msg_mock_${++counter}`,
        type: 'message',
        role: 'assistant',
        model: body.model ?? 'claude-mock',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      };
      if (!body.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ...message, content, stop_reason: stopReason, usage: { ...message.usage, output_tokens: 5 } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (event, data) => response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
      send('message_start', { message });
      content.forEach((block, index) => {
        if (block.type === 'text') {
          send('content_block_start', { index, content_block: { type: 'text', text: '' } });
          send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
        } else if (block.type === 'tool_use') {
          send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
          send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
        }
        send('content_block_stop', { index });
      });
      send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
      send('message_stop', {});
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    state,
    /** Sets the scenario's handler and forgets earlier requests. */
    reset(handler) {
      state.handler = handler;
      state.requests = [];
    },
    /** The /v1/messages requests of the current scenario. */
    messages() {
      return state.requests.filter((request) => request.path?.startsWith('/v1/messages') && !request.path.includes('count_tokens'));
    },
    close: () => {
      for (const response of state.held.splice(0)) response.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The system prompt of a request as one string. */
export function systemText(body) {
  if (typeof body.system === 'string') return body.system;
  if (Array.isArray(body.system)) return body.system.map((block) => block.text ?? '').join('\n');
  return '';
}

/** The tool_result blocks in a request's messages, by tool_use_id. */
export function toolResults(body) {
  const results = new Map();
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) if (block.type === 'tool_result') results.set(block.tool_use_id, block);
  }
  return results;
}

/**
 * The text of everything after the last assistant message: the new user turn, tool results
 * and the hook messages Claude Code adds (2.1.328 sends hook feedback as `system` messages).
 */
export function tailText(body) {
  const messages = body.messages ?? [];
  let start = 0;
  messages.forEach((message, index) => {
    if (message.role === 'assistant') start = index + 1;
  });
  return messages.slice(start).map((message) => contentText(message.content)).join('\n');
}

/** The text of a tool_result block (a string, or text blocks). */
export function resultText(block) {
  return contentText(block?.content);
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => (block.type === 'text' ? block.text : block.type === 'tool_result' ? contentText(block.content) : ''))
    .join('\n');
}

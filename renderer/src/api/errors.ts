/**
 * An API call that failed. `code` is the engine's ('invalid-request', 'failed',
 * 'unknown-channel') or the client's own ('network', 'unauthorized', 'bad-response');
 * `problems` name each thing wrong, e.g. `scope: ...` or `line 3: ...`, so a form can show
 * them at the field that caused them.
 */
export class ApiCallError extends Error {
  readonly code: string;
  readonly problems: readonly string[];

  constructor(code: string, message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = 'ApiCallError';
    this.code = code;
    this.problems = problems.length > 0 ? problems : [message];
  }

  /** Anything a transport or a handler threw, as an ApiCallError. */
  static from(error: unknown): ApiCallError {
    if (error instanceof ApiCallError) return error;
    if (isRecord(error) && isRecord(error['error'])) return ApiCallError.from(error['error']);
    if (isRecord(error) && typeof error['message'] === 'string') {
      const message = stripIpcPrefix(error['message']);
      const code = typeof error['code'] === 'string' ? error['code'] : 'failed';
      const problems = Array.isArray(error['problems'])
        ? error['problems'].filter((p): p is string => typeof p === 'string')
        : [message];
      return new ApiCallError(code, message, problems);
    }
    return new ApiCallError('failed', typeof error === 'string' ? error : 'the request failed');
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Electron prefixes errors that cross ipcRenderer.invoke; the user needs only the cause. */
function stripIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}

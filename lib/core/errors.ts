/**
 * The one error type of the API and its table of stable codes.
 * Handlers throw `ApiError`; `routes/mod.ts` renders it once as
 * `{error: {code, message}}` with the code's status.
 */

/** Every error code Tocsin answers with, and its HTTP status. */
export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  wrong_password: 403,
  origin_forbidden: 403,
  /** Posting in a conversation where the sender (or the whole group) is muted. */
  muted: 403,
  /** The message contains a word or pattern an admin blocks. */
  blocked_word: 403,
  not_found: 404,
  conflict: 409,
  setup_done: 409,
  payload_too_large: 413,
  /** The user's stored files would exceed TOCSIN_FILE_QUOTA_BYTES. */
  quota_exceeded: 413,
  /** A file type that is not on the allow list. */
  unsupported_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error with a stable code; its message is safe to show to the caller. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds, sent as Retry-After for 429 and 503. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, retryAfter?: number) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfter = retryAfter;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The 404 every resource uses, so that "absent" and "not yours" look the same. */
export function notFound(what = "resource"): ApiError {
  return new ApiError("not_found", `${what} not found`);
}

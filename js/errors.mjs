// Coded errors thrown by the JS stores. The wasm core reads `code` (and `currentVersion`,
// `reason`) from a rejection and maps it onto its StoreError.

/** An Error with a stable `code` and extra properties. */
export function codedError(code, message, extra = {}) {
  const e = new Error(message);
  e.code = code;
  Object.assign(e, extra);
  return e;
}

export const conflict = (currentVersion) =>
  codedError('version_conflict', `version conflict (current version ${currentVersion})`, { currentVersion });
export const notFound = () => codedError('session_not_found', 'no such session');
export const exists = () => codedError('session_exists', 'a session with this id already exists');
export const unavailable = (reason, message) =>
  codedError('store_unavailable', `session store unavailable: ${message}`, { reason });

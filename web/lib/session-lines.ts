/**
 * Which received lines the session's count includes (docs/PROTOCOL.md,
 * Session resume): the page counts as the server does, so that `/resume
 * <token> <count>` asks for exactly the lines it has not handled.
 */

/** Every line received after `+session` counts (plain, `+…`, answers) except `+session` and `+resumed`. */
export function countsLine(line: string): boolean {
  return !/^\+(?:session|resumed) /u.test(line);
}

/**
 * Sorts an API error's problems to the fields that caused them. The engine names a request
 * field first (`scope: ...`, `anchors.0.publicKey: ...`); problems that name none (`line 3:
 * ...`, or a digest quoted in the message) go to `fallback`.
 */
export function problemsByField(
  problems: readonly string[],
  fields: readonly string[],
  fallback: string,
): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  const sorted = [...fields].sort((a, b) => b.length - a.length);
  for (const problem of problems) {
    const match = /^([A-Za-z][\w]*(?:\.[\w]+)*): (.*)$/s.exec(problem);
    const path = match?.[1];
    const field =
      path !== undefined ? sorted.find((f) => path === f || path.startsWith(`${f}.`)) : undefined;
    const key = field ?? fallback;
    (byField[key] ??= []).push(field !== undefined && match?.[2] ? match[2] : problem);
  }
  return byField;
}

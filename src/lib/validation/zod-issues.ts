// zod's issues as the API states them: "Invalid <field>: <message>" plus every issue by field.
import type { ZodError } from 'zod';

export function describeZodError(error: ZodError): { message: string; issues: { field: string; message: string }[] } {
  const issues = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const first = issues[0];
  return { message: first ? `Invalid ${first.field}: ${first.message}` : 'Invalid request', issues };
}

// What the sign-in routes share in their contracts: the form they read and their redirect.
// The form is read leniently (readAuthForm): a missing or unreadable field sends the browser back
// to the sign-in page with an error code, never a 400, since a person, not a program, posted it.
import { z } from 'zod';
import type { ResponseContract } from '@/lib/http/contract';

export const authFormSchema = z.object({
  email: z.string().optional(),
  password: z.string().optional(),
  next: z.string().optional().meta({ description: 'Same-site path to go on to (default /)' }),
});

export const redirectResponse = (where: string): ResponseContract => ({
  description: `See Other: ${where}`,
  headers: { location: 'A same-site path' },
});

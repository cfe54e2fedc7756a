import { randomUUID } from 'node:crypto';
import type { DB } from '../../db/client';
import type { RequestPolicy } from '../../app/models/requests/policy';
import type { IntakeInput } from '../../app/models/requests/intake-rules.server';
import { createRequest } from '../../app/models/requests/requests.server';

export const rules: RequestPolicy = { timeZone: 'Europe/London', holidays: [], publicUrl: 'http://portal.test' };

let counter = 0;

/** A valid intake submission; every call a new idempotency key and, unless given, a new email. */
export function intakeInput(overrides: Partial<IntakeInput> = {}): IntakeInput {
  counter += 1;
  return {
    type: 'access',
    email: `subject${counter}.${randomUUID().slice(0, 8)}@example.test`,
    name: 'Ada Lovelace',
    accountIdentifier: '',
    details: '',
    requesterRole: 'self',
    confirm: 'yes',
    submissionId: randomUUID(),
    ...overrides,
  };
}

/** Files a request through the model and returns what the intake returned. */
export async function fileRequest(db: DB, overrides: Partial<IntakeInput> = {}, now?: Date) {
  const result = await createRequest(db, intakeInput(overrides), { rules, now });
  if (result.outcome !== 'created') throw new Error(`expected a new request, got ${result.outcome}`);
  return result;
}

/** A minimal real PDF, PNG and JPEG, as their magic bytes say. */
export const SAMPLE_FILES = {
  pdf: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  png: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
  jpeg: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(32)]),
};

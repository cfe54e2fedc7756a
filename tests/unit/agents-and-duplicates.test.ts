import { describe, expect, it } from 'vitest';
import type { RequestRow } from '../../db/schema';
import { actsForAnotherPerson, authoritySummary, erasureAuthorityProblem, mayReachSubjectData, subjectAddressOf } from '../../app/models/requests/authority';
import { duplicateMismatch } from '../../app/models/requests/bulk.server';

/** A request row with only what the rules read; the rest as a fresh self-filed request has it. */
function row(overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    id: '1',
    reference: 'DSR-2026-000001',
    type: 'access',
    state: 'open',
    email: 'Ann@Example.org',
    email_key: 'ann@example.org',
    requester_role: 'self',
    subject_email: null,
    subject_confirmed_at: null,
    subject_confirmed_via: null,
    authority_checked_at: null,
    authority_checked_by: null,
    authority_document_kind: null,
    authority_document: null,
    created_at: new Date('2026-03-01T10:00:00Z'),
    closed_at: null,
    period_from: null,
    period_to: null,
    ...overrides,
  } as RequestRow;
}
const agent = (overrides: Partial<RequestRow> = {}) => row({ requester_role: 'representative', subject_email: ' Sam@Example.org', ...overrides });

describe("an agent's authority (issue 24.1)", () => {
  it('tells a request about another person from one about the requester', () => {
    expect(actsForAnotherPerson(row())).toBe(false);
    expect(actsForAnotherPerson(agent())).toBe(true);
    // An "agent" naming their own address acts for nobody else.
    expect(actsForAnotherPerson(agent({ subject_email: 'ANN@example.org ' }))).toBe(false);
    expect(subjectAddressOf(agent())).toBe(' Sam@Example.org');
    expect(subjectAddressOf(row())).toBe('Ann@Example.org');
  });

  it("reaches the subject's data only once the subject confirmed or staff checked the authority", () => {
    expect(mayReachSubjectData(row())).toBe(true);
    expect(mayReachSubjectData(agent())).toBe(false);
    expect(erasureAuthorityProblem(agent())).toMatch(/Nothing was erased/);
    expect(mayReachSubjectData(agent({ subject_confirmed_at: new Date(), subject_confirmed_via: 'email' }))).toBe(true);
    const attested = agent({ authority_checked_at: new Date('2026-03-02T09:00:00Z'), authority_checked_by: 'u1', authority_document_kind: 'court_order', authority_document: 'Order of 1 March' });
    expect(mayReachSubjectData(attested)).toBe(true);
    expect(erasureAuthorityProblem(attested)).toBeNull();
    expect(authoritySummary(attested)).toMatchObject({ forAnotherPerson: true, established: true, subjectConfirmed: null, attestation: { kind: 'court_order', document: 'Order of 1 March' } });
    expect(authoritySummary(row())).toEqual({ forAnotherPerson: false });
  });
});

describe('what a duplicate is (issues 18.5, 24.9)', () => {
  const original = row({ reference: 'DSR-2026-000001', state: 'completed', closed_at: new Date('2026-03-20T10:00:00Z') });
  const dup = (overrides: Partial<RequestRow>) => row({ id: '2', reference: 'DSR-2026-000002', created_at: new Date('2026-03-10T10:00:00Z'), ...overrides });

  it('is the same type, from the same address, about the same person, filed while the original was in play', () => {
    expect(duplicateMismatch(dup({}), original)).toBeNull();
    expect(duplicateMismatch(dup({ type: 'portability' }), original)).toBe('it is a portability request and DSR-2026-000001 is an access request');
    expect(duplicateMismatch(dup({ email_key: 'bob@example.org' }), original)).toMatch(/another email address/);
    expect(duplicateMismatch(dup({ requester_role: 'representative', subject_email: 'kim@example.org' }), original)).toBe('it is about another person than DSR-2026-000001');
    expect(duplicateMismatch(dup({ created_at: new Date('2026-03-21T10:00:00Z') }), original)).toMatch(/filed after DSR-2026-000001 had closed/);
  });

  it('asks about an overlapping period when both name one', () => {
    const withPeriod = row({ ...original, period_from: '2025-01-01', period_to: '2025-06-30' });
    expect(duplicateMismatch(dup({ period_from: '2025-06-01', period_to: '2025-12-31' }), withPeriod)).toBeNull();
    expect(duplicateMismatch(dup({ period_from: '2025-07-01' }), withPeriod)).toBe('it asks about another period than DSR-2026-000001');
    expect(duplicateMismatch(dup({}), withPeriod)).toBeNull();
  });
});

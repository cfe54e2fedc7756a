import { describe, expect, it } from 'vitest';
import { VERIFICATION_LEVEL_POLICY } from '../../app/models/policy';
import { asksForIdCopy, levelSatisfies, nextStep, reachedLevel, requiredLevel } from '../../app/models/requests/verification-levels';

const self = { requester_role: 'self' as const, subject_email: null, email: 'a@example.org', email_key: 'a@example.org', subject_confirmed_via: null, authority_checked_at: null };
const agent = { ...self, requester_role: 'representative' as const, subject_email: 's@example.org' };

describe('verification levels (pure rules)', () => {
  it('orders the levels, with manual satisfying every one and only manual satisfying manual', () => {
    expect(levelSatisfies(null, 'email')).toBe(false);
    expect(levelSatisfies('email', 'account')).toBe(false);
    expect(levelSatisfies('account', 'account')).toBe(true);
    expect(levelSatisfies('account+code', 'account')).toBe(true);
    expect(levelSatisfies('account', 'account+code')).toBe(false);
    expect(levelSatisfies('manual', 'account+code')).toBe(true);
    expect(levelSatisfies('account+code', 'manual')).toBe(false);
  });

  it('takes the defaults from the policy table', () => {
    expect(requiredLevel({ type: 'access' }, true)).toBe('account');
    expect(requiredLevel({ type: 'portability' }, true)).toBe('account');
    expect(requiredLevel({ type: 'erasure' }, true)).toBe('account');
    expect(requiredLevel({ type: 'access' }, false)).toBe('email');
    for (const type of ['rectification', 'restriction', 'objection'] as const) expect(requiredLevel({ type }, true)).toBe('email');
    expect(requiredLevel({ type: 'access' }, true, { ...VERIFICATION_LEVEL_POLICY, access: { withAccount: 'manual', withoutAccount: 'email' } })).toBe('manual');
  });

  it('names the next step for the subject', () => {
    expect(nextStep('email', 'account')).toBe('sign_in');
    expect(nextStep('email', 'account+code')).toBe('sign_in');
    expect(nextStep('account', 'account+code')).toBe('code');
    expect(nextStep('account+code', 'manual')).toBe('staff');
    expect(nextStep('account', 'account')).toBeNull();
  });

  it('judges an agent’s request on the subject', () => {
    expect(reachedLevel({ ...self, type: 'access', state: 'open', verification_level: 'email' })).toBe('email');
    expect(reachedLevel({ ...agent, type: 'access', state: 'open', verification_level: 'email' })).toBe('email');
    expect(reachedLevel({ ...agent, type: 'access', state: 'open', verification_level: 'account' })).toBe('email');
    expect(reachedLevel({ ...agent, type: 'access', state: 'open', verification_level: 'email', subject_confirmed_via: 'account' })).toBe('account');
    expect(reachedLevel({ ...agent, type: 'access', state: 'open', verification_level: 'email', authority_checked_at: new Date() })).toBe('manual');
  });

  it('recognises a request for an identity document in en, de and fr', () => {
    for (const text of ['Send a copy of your passport', 'a scan of your ID card', 'Bitte Kopie des Personalausweises', 'votre pièce d’identité', "une carte d'identité", 'Driving licence please']) {
      expect(asksForIdCopy(text), text).toBe(true);
    }
    for (const text of ['Which order number do you mean?', 'Please confirm your postal address', 'Your customer id is 42']) expect(asksForIdCopy(text), text).toBe(false);
  });
});

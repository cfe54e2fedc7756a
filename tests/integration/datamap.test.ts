import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { declarationSchema, type DeclarationInput } from '../../app/models/datamap/declarations.server';
import { exportMapDocument, parseMapFile } from '../../app/models/datamap/fideslang-io';
import {
  addTerm,
  countMapFindings,
  currentActivities,
  exportMap,
  importMap,
  mapFindings,
  retireActivity,
  saveActivity,
} from '../../app/models/datamap/map.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createUser, type TestUser } from '../support/users';

/**
 * Issue 20: the data map. A fideslang file of three systems (one a subprocessor) comes in and
 * goes out unchanged; each DPO finding fires on its defect and is silent on a clean map;
 * declarations are versions, so the map as it stood earlier can be read back.
 */
const FIXTURE = fs.readFileSync(new URL('../fixtures/datamap/three-systems.yml', import.meta.url), 'utf8');
let portal: TestPortal;
let admin: TestUser;
const actor = () => ({ id: admin.id, ip: '127.0.0.1' });

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
  admin = await createUser(portal.db, { role: 'admin' });
});
afterAll(async () => {
  await portal?.stop();
});

const systemId = async (fidesKey: string) =>
  (await portal.db.selectFrom('connected_systems').select('id').where('fides_key', '=', fidesKey).executeTakeFirstOrThrow()).id;

const clean: DeclarationInput = {
  name: 'Clean activity',
  purpose: 'A purpose.',
  dataUse: 'essential.service',
  dataCategories: ['user.contact.email'],
  dataSubjects: ['customer'],
  legalBasis: 'b',
  retention: { kind: 'period', period: 1, unit: 'years', trigger: 'after the contract ends' },
  source: { fromSubject: true },
};

describe('import and export', () => {
  it('imports three systems, one of them a subprocessor, and exports them again unchanged', async () => {
    const summary = await importMap(portal.db, FIXTURE, actor());
    expect(summary).toMatchObject({ created: 3, activitiesSaved: 4, activitiesRetired: 0 });
    const newsletter = await portal.db.selectFrom('connected_systems').select(['subprocessor_id']).where('fides_key', '=', 'newsletter').executeTakeFirstOrThrow();
    const mailchimp = await portal.db.selectFrom('subprocessors').select('id').where('slug', '=', 'mailchimp').executeTakeFirstOrThrow();
    expect(String(newsletter.subprocessor_id)).toBe(String(mailchimp.id));

    const exported = exportMapDocument(await exportMap(portal.db));
    const original = parseYaml(FIXTURE) as { system: Array<{ fides_key: string }> };
    const ours = exported.system.filter((s) => s.fides_key !== 'privacy_portal');
    expect(ours).toEqual(original.system);
    // And the portal's own system is in the export too: the whole map goes out.
    expect(exported.system.map((s) => s.fides_key)).toContain('privacy_portal');

    // Importing the same file again changes nothing: no new versions.
    const again = await importMap(portal.db, FIXTURE, actor());
    expect(again).toMatchObject({ created: 0, updated: 3, activitiesSaved: 0, activitiesRetired: 0 });
  });

  it('a plain Fides file without our extras also comes back as it went in', () => {
    const plain = { system: [{ fides_key: 'x', name: 'X', privacy_declarations: [{ name: 'Y', data_use: 'analytics', data_categories: ['user.device.cookie_id'], data_subjects: ['visitor'] }] }] };
    expect(exportMapDocument(parseMapFile(JSON.stringify(plain)))).toEqual(plain);
  });

  it('refuses a bad file with a message that names the place, and changes nothing', async () => {
    const before = await portal.db.selectFrom('processing_activities').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(importMap(portal.db, 'system: 3', actor())).rejects.toThrow(/no "system:" list/);
    await expect(importMap(portal.db, 'system:\n  - fides_key: a\n    privacy_declarations:\n      - name: P\n        data_use: x\n        data_categories: [user.name]\n        data_subjects: [customer]\n        legal_basis_for_processing: Because', actor())).rejects.toThrow(
      /a, declaration 1: legal_basis_for_processing "Because"/,
    );
    await expect(importMap(portal.db, FIXTURE.replace('subprocessor: mailchimp', 'subprocessor: nobody'), actor())).rejects.toThrow(/"nobody" is not in the registry/);
    const after = await portal.db.selectFrom('processing_activities').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(String(after.n)).toBe(String(before.n));
  });
});

describe('validation for the DPO', () => {
  it('is silent on a clean map (the imported three systems and the portal itself)', async () => {
    expect(await mapFindings(portal.db)).toEqual([]);
    expect(await countMapFindings(portal.db)).toBe(0);
  });

  it('fires each rule on its seeded defect, once, on that activity', async () => {
    const support = await systemId('support_desk');
    const defects: Array<[string, DeclarationInput]> = [
      ['special_without_art9', { ...clean, name: 'Health data', dataCategories: ['user.health_and_medical.genetic'] }],
      ['consent_without_withdrawal', { ...clean, name: 'Consent', legalBasis: 'a' }],
      ['unknown_recipient', { ...clean, name: 'Recipient', recipients: [{ kind: 'system', key: 'nowhere' }] }],
      ['transfer_without_safeguard', { ...clean, name: 'Transfer', transfers: [{ country: 'US', safeguard: '' }] }],
      ['retention_forever', { ...clean, name: 'Forever', retention: { kind: 'forever' } }],
      ['unknown_term', { ...clean, name: 'Unknown term', dataCategories: ['user.shoe_size'] }],
    ];
    const ids = new Map<string, string>();
    for (const [rule, input] of defects) {
      const saved = await saveActivity(portal.db, { systemId: support, declaration: declarationSchema.parse(input) }, actor());
      ids.set(rule, saved.activityId);
    }
    const found = await mapFindings(portal.db);
    expect(found).toHaveLength(defects.length);
    for (const [rule] of defects) {
      const entry = found.find((f) => f.activity.activityId === ids.get(rule));
      expect(entry?.findings.map((f) => f.rule), rule).toEqual([rule]);
    }
    expect(await countMapFindings(portal.db)).toBe(defects.length);

    // An organisation's own key below a special category is special too; adding it to the
    // vocabulary clears the unknown-term finding.
    await addTerm(portal.db, { kind: 'data_category', key: 'user.health_and_medical.allergies', name: 'Allergies', description: '', parentKey: 'user.health_and_medical' }, actor());
    const special = await saveActivity(portal.db, { systemId: support, declaration: declarationSchema.parse({ ...clean, name: 'Allergies', dataCategories: ['user.health_and_medical.allergies'] }) }, actor());
    const specialFinding = (await mapFindings(portal.db)).find((f) => f.activity.activityId === special.activityId);
    expect(specialFinding?.findings.map((f) => f.rule)).toEqual(['special_without_art9']);

    // With an Art. 9(2) condition the finding goes: retire the defects and the map is clean again.
    await saveActivity(portal.db, { systemId: support, activityId: special.activityId, declaration: declarationSchema.parse({ ...clean, name: 'Allergies', dataCategories: ['user.health_and_medical.allergies'], art9Condition: 'a' }) }, actor());
    for (const id of ids.values()) await retireActivity(portal.db, { systemId: support, activityId: id }, actor());
    await retireActivity(portal.db, { systemId: support, activityId: special.activityId }, actor());
    expect(await countMapFindings(portal.db)).toBe(0);
  });
});

describe('versions', () => {
  it('keeps every version: the map as it stood earlier reads back, and the table refuses rewrites', async () => {
    const support = await systemId('support_desk');
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const [ticket] = (await currentActivities(portal.db, { systemId: support })).filter((a) => a.declaration.name === 'Answer support tickets');
    await saveActivity(portal.db, { systemId: support, activityId: ticket!.activityId, declaration: { ...ticket!.declaration, purpose: 'Answering tickets, second version.' } }, actor());
    const now = (await currentActivities(portal.db, { systemId: support })).find((a) => a.activityId === ticket!.activityId)!;
    const then = (await currentActivities(portal.db, { systemId: support, at: before })).find((a) => a.activityId === ticket!.activityId)!;
    expect(now.declaration.purpose).toBe('Answering tickets, second version.');
    expect(then.declaration.purpose).toBe(ticket!.declaration.purpose);
    expect(now.version).toBe(then.version + 1);

    await expect(portal.db.updateTable('processing_activities').set({ retired: true }).execute()).rejects.toThrow(/keeps every version/);
    await expect(portal.db.deleteFrom('processing_activities').execute()).rejects.toThrow(/keeps every version/);
  });
});

describe('system answers and erasure', () => {
  it('a request reduced to its proof record keeps each system’s answer, not staff’s note or its files', async () => {
    const { fileRequest, rules } = await import('../support/requests');
    const { confirmVerification } = await import('../../app/models/requests/verification.server');
    const { recordSystemAnswer } = await import('../../app/models/systems/answers.server');
    const { reduceToProofRecord } = await import('../../app/models/requests/proof.server');
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'erasure', name: 'Note Subject' });
    await confirmVerification(portal.db, verifyToken!, { rules });
    const staffActor = { id: admin.id, ip: null, email: admin.email };
    await recordSystemAnswer(portal.db, { requestId: request.id, systemId: await systemId('crm'), outcome: 'erased', note: 'Erased Note Subject, customer 4711.' }, staffActor, { exportKey: 'test-export-key-'.repeat(2) });
    await recordSystemAnswer(portal.db, { requestId: request.id, systemId: await systemId('support_desk'), outcome: 'refused', note: 'Note Subject has an open ticket.' }, staffActor, { exportKey: 'test-export-key-'.repeat(2) });
    await portal.db.transaction().execute((trx) => reduceToProofRecord(trx, request.id, { now: new Date(), note: 'erased' }));
    const tasks = await portal.db.selectFrom('system_tasks').select(['outcome', 'outcome_note', 'answered_at', 'answered_how']).where('request_id', '=', request.id).orderBy('outcome').execute();
    expect(tasks.map((t) => t.outcome)).toEqual(['erased', 'refused']);
    expect(tasks.every((t) => t.answered_at && t.answered_how === 'by_hand')).toBe(true);
    expect(JSON.stringify(tasks)).not.toContain('Note Subject');
  });
});

import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Art9Condition, LegalBasis } from '~/models/datamap/declarations';
import { declarationSchema, type Declaration } from '~/models/datamap/declarations.server';

/**
 * The map as a fideslang document (`system:` with `privacy_declarations`), in and out, so an
 * organisation using Fides can bring its map in and take it out again.
 *
 * fideslang's own keys carry what they can (data use, categories, subjects, legal bases, the
 * retention period in words, egress, security practices). What fideslang has no key for (the
 * purpose in words, the legitimate interest, transfers, sources, automated decisions, the
 * translations) travels in `meta.privacy_portal`, and only where it differs from what the
 * fideslang keys alone would give: a plain Fides file comes back exactly as it went in, and so
 * does one this portal wrote. Keys the map does not use are kept and given back.
 */

const LEGAL_BASIS_NAMES: Record<LegalBasis, string> = {
  a: 'Consent',
  b: 'Contract',
  c: 'Legal obligations',
  d: 'Vital interests',
  e: 'Public interest',
  f: 'Legitimate interests',
};
const ART9_NAMES: Record<Art9Condition, string> = {
  a: 'Explicit consent',
  b: 'Employment, social security and social protection',
  c: 'Vital interests',
  d: 'Not-for-profit bodies',
  e: 'Made public by the data subject',
  f: 'Legal claims or judicial acts',
  g: 'Reasons of substantial public interest (with a basis in law)',
  h: 'Health or social care (with a basis in law)',
  i: 'Public health (with a basis in law)',
  j: 'Archiving, research and/or statistics (with a basis in law)',
};
const byName = <K extends string>(names: Record<K, string>) =>
  new Map(Object.entries(names).map(([k, v]) => [(v as string).toLowerCase(), k as K]));
const LEGAL_BASIS_BY_NAME = byName(LEGAL_BASIS_NAMES);
const ART9_BY_NAME = byName(ART9_NAMES);
const NATIVE = ['name', 'data_use', 'data_categories', 'data_subjects', 'legal_basis_for_processing', 'special_category_legal_basis', 'retention_period', 'egress'];
const EXTRA_FIELDS = ['purpose', 'portalScope', 'role', 'controllerName', 'legitimateInterest', 'consentWithdrawal', 'retention', 'source', 'recipients', 'transfers', 'automated', 'translations'] as const;

export type MapSystem = {
  fidesKey: string;
  name: string;
  description: string;
  securityMeasures: string;
  /** The registry slug of the subprocessor this system is, if any. */
  subprocessor: string | null;
  activities: Declaration[];
  /** The rest of the fideslang system object as it came in. */
  raw: Record<string, unknown>;
};

export class MapFileError extends Error {
  override name = 'MapFileError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown, what: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new MapFileError(`${what} must be a list of keys.`);
  return v as string[];
};

/** What a declaration is when only fideslang's own keys are known. */
function fromNative(raw: Record<string, unknown>, where: string) {
  const basisName = raw.legal_basis_for_processing;
  const art9Name = raw.special_category_legal_basis;
  const legalBasis = typeof basisName === 'string' ? LEGAL_BASIS_BY_NAME.get(basisName.toLowerCase()) : undefined;
  const art9 = typeof art9Name === 'string' ? ART9_BY_NAME.get(art9Name.toLowerCase()) : undefined;
  if (basisName !== undefined && basisName !== null && !legalBasis) throw new MapFileError(`${where}: legal_basis_for_processing "${String(basisName)}" is not one of fideslang's.`);
  if (art9Name !== undefined && art9Name !== null && !art9) throw new MapFileError(`${where}: special_category_legal_basis "${String(art9Name)}" is not one of fideslang's.`);
  const retention = typeof raw.retention_period === 'string' && raw.retention_period.trim() ? raw.retention_period : null;
  const name = typeof raw.name === 'string' ? raw.name : '';
  return {
    name,
    purpose: name,
    role: 'controller' as const,
    controllerName: '',
    dataUse: typeof raw.data_use === 'string' ? raw.data_use : '',
    dataCategories: strings(raw.data_categories, `${where}: data_categories`),
    dataSubjects: strings(raw.data_subjects, `${where}: data_subjects`),
    legalBasis: legalBasis ?? null,
    art9Condition: art9 ?? null,
    legitimateInterest: '',
    consentWithdrawal: '',
    retention: retention
      ? { kind: 'rule' as const, period: null, unit: null, trigger: '', rule: retention }
      : { kind: 'unstated' as const, period: null, unit: null, trigger: '', rule: '' },
    source: { fromSubject: true, other: '' },
    recipients: strings(raw.egress, `${where}: egress`).map((key) => ({ kind: 'system' as const, key, name: '' })),
    transfers: [] as Array<{ country: string; safeguard: string }>,
    automated: { made: false, logic: '' },
    translations: {},
  };
}

/** fideslang's own keys for a declaration. */
function toNative(d: Declaration): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(d.fideslang ?? {}), name: d.name, data_categories: d.dataCategories, data_use: d.dataUse, data_subjects: d.dataSubjects };
  if (d.legalBasis) out.legal_basis_for_processing = LEGAL_BASIS_NAMES[d.legalBasis];
  if (d.art9Condition) out.special_category_legal_basis = ART9_NAMES[d.art9Condition];
  const retention = retentionInWords(d);
  if (retention) out.retention_period = retention;
  const egress = d.recipients.filter((r) => r.kind === 'system').map((r) => r.key);
  if (egress.length) out.egress = egress;
  return out;
}

function retentionInWords(d: Declaration): string | null {
  const r = d.retention;
  if (r.kind === 'rule') return r.rule;
  if (r.kind === 'period') return `${r.period} ${r.unit} ${r.trigger}`.trim();
  if (r.kind === 'forever') return 'Forever';
  return null;
}

/** Parses a fideslang YAML or JSON document into systems; a clear error names what is wrong. */
export function parseMapFile(textIn: string): MapSystem[] {
  let doc: unknown;
  try {
    doc = textIn.trimStart().startsWith('{') ? JSON.parse(textIn) : parseYaml(textIn, { maxAliasCount: 100 });
  } catch (error) {
    throw new MapFileError(`The file is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.system)) throw new MapFileError('The file has no "system:" list (a fideslang document lists its systems under "system").');
  const seen = new Set<string>();
  return doc.system.map((sys, i): MapSystem => {
    if (!isObject(sys)) throw new MapFileError(`System ${i + 1} is not an object.`);
    const fidesKey = sys.fides_key;
    if (typeof fidesKey !== 'string' || !/^[A-Za-z0-9_.<>-]+$/.test(fidesKey)) throw new MapFileError(`System ${i + 1} has no valid fides_key.`);
    if (seen.has(fidesKey)) throw new MapFileError(`The fides_key "${fidesKey}" is used by two systems.`);
    seen.add(fidesKey);
    const name = typeof sys.name === 'string' && sys.name.trim() ? sys.name : fidesKey;
    const meta = isObject(sys.meta) ? sys.meta : {};
    const ours = isObject(meta.privacy_portal) ? meta.privacy_portal : {};
    const extras = isObject(ours.declarations) ? ours.declarations : {};
    const declarations = sys.privacy_declarations ?? [];
    if (!Array.isArray(declarations)) throw new MapFileError(`${fidesKey}: privacy_declarations must be a list.`);
    const names = new Set<string>();
    const activities = declarations.map((raw, j) => {
      const where = `${fidesKey}, declaration ${j + 1}`;
      if (!isObject(raw)) throw new MapFileError(`${where} is not an object.`);
      const base = fromNative(raw, where);
      if (!base.name) throw new MapFileError(`${where} has no name.`);
      if (names.has(base.name)) throw new MapFileError(`${fidesKey}: two declarations are named "${base.name}"; names must differ within a system.`);
      names.add(base.name);
      const extra = isObject(extras[base.name]) ? (extras[base.name] as Record<string, unknown>) : {};
      const unknownRaw = Object.fromEntries(Object.entries(raw).filter(([k]) => !NATIVE.includes(k)));
      const candidate = { ...base, ...Object.fromEntries(EXTRA_FIELDS.filter((f) => f in extra).map((f) => [f, extra[f]])), ...(Object.keys(unknownRaw).length ? { fideslang: unknownRaw } : {}) };
      const parsed = declarationSchema.safeParse(candidate);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new MapFileError(`${where} ("${base.name}"): ${issue.path.join('.') || 'declaration'}: ${issue.message}`);
      }
      return parsed.data;
    });
    const { privacy_portal: _ours, ...otherMeta } = meta;
    const raw: Record<string, unknown> = { ...sys };
    delete raw.privacy_declarations;
    if (isObject(sys.meta)) raw.meta = otherMeta;
    return {
      fidesKey,
      name,
      description: typeof sys.description === 'string' ? sys.description : '',
      securityMeasures: typeof sys.data_security_practices === 'string' ? sys.data_security_practices : '',
      subprocessor: typeof ours.subprocessor === 'string' ? ours.subprocessor : null,
      activities,
      raw,
    };
  });
}

/** The fideslang system object for one system of the map. */
export function toFideslangSystem(system: MapSystem): Record<string, unknown> {
  const declarationExtras: Record<string, Record<string, unknown>> = {};
  const declarations = system.activities.map((d) => {
    const native = toNative(d);
    const derived = declarationSchema.parse({ ...fromNative(native, system.fidesKey), ...(d.fideslang ? { fideslang: d.fideslang } : {}) });
    const extra: Record<string, unknown> = {};
    for (const field of EXTRA_FIELDS) if (!isDeepStrictEqual(d[field], derived[field])) extra[field] = d[field];
    if (Object.keys(extra).length) declarationExtras[d.name] = extra;
    return native;
  });
  const ours: Record<string, unknown> = {};
  if (system.subprocessor) ours.subprocessor = system.subprocessor;
  if (Object.keys(declarationExtras).length) ours.declarations = declarationExtras;
  const out: Record<string, unknown> = { ...system.raw, fides_key: system.fidesKey, name: system.name };
  if (system.description || 'description' in system.raw) out.description = system.description;
  if (system.securityMeasures || 'data_security_practices' in system.raw) out.data_security_practices = system.securityMeasures;
  out.privacy_declarations = declarations;
  const meta = isObject(system.raw.meta) ? { ...system.raw.meta } : undefined;
  if (Object.keys(ours).length) out.meta = { ...(meta ?? {}), privacy_portal: ours };
  else if (meta) out.meta = meta;
  return out;
}

export function exportMapDocument(systems: MapSystem[]): { system: Array<Record<string, unknown>> } {
  return { system: systems.map(toFideslangSystem) };
}

export function mapToYaml(systems: MapSystem[]): string {
  return stringifyYaml(exportMapDocument(systems), { lineWidth: 0 });
}

export function mapToJson(systems: MapSystem[]): string {
  return `${JSON.stringify(exportMapDocument(systems), null, 2)}\n`;
}

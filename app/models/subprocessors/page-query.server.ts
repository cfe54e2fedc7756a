import { z } from 'zod';
import { REGISTRY_CATEGORIES, type RegistryCategory } from '~/models/subprocessors/categories';

/**
 * The registry page's query string: a past date (`at`), a search (`q`) and a category, all
 * from a plain GET form. Error messages are catalog keys.
 */
const CATEGORIES = REGISTRY_CATEGORIES;
export type CategoryFilter = RegistryCategory | '';

const atSchema = z.iso.date({ error: 'registry.dateError' });

export function readRegistryQuery(url: URL, today: string) {
  const rawAt = url.searchParams.get('at') || undefined;
  const parsed = rawAt === undefined ? undefined : atSchema.safeParse(rawAt);
  let atError: { key: string; date?: string } | undefined = parsed && !parsed.success ? { key: 'registry.dateError' } : undefined;
  if (parsed?.success && parsed.data > today) atError = { key: 'registry.futureError', date: today };
  const category = url.searchParams.get('category') ?? '';
  return {
    rawAt,
    at: parsed?.success && !atError ? parsed.data : today,
    atError,
    q: (url.searchParams.get('q') ?? '').trim().slice(0, 100),
    category: ((CATEGORIES as readonly string[]).includes(category) ? category : '') as CategoryFilter,
  };
}

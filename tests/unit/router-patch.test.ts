import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The CommonJS build, which the server loads and patches/@remix-run+router+*.patch changes.
const { matchRoutes } = createRequire(import.meta.url)('@remix-run/router') as typeof import('@remix-run/router');

type Route = import('@remix-run/router').AgnosticRouteObject;
const tree = (): Route[] => [
  { id: 'root', path: '', children: [{ id: 'home', index: true }, { id: 'status', path: 'status/s/:token' }, { id: 'login', path: 'login' }, { id: 'missing', path: '*' }] },
];
const childrenOf = (route: Route) => (route.index ? [] : (route.children ?? []));

describe('route matching, remembered per route tree shape (decision 032)', () => {
  it('answers a copy of the tree with that copy’s own route objects', () => {
    const first = tree();
    const second = tree();
    for (const routes of [first, second, first]) {
      const login = matchRoutes(routes, '/login')!;
      expect(login.map((m) => m.route.id)).toEqual(['root', 'login']);
      expect(login[1]!.route).toBe(childrenOf(routes[0]!)[2]);
      const home = matchRoutes(routes, '/')!;
      expect(home[1]!.route).toBe(childrenOf(routes[0]!)[0]);
    }
  });

  it('hands out fresh matches: changing one answer changes no later one', () => {
    const routes = tree();
    const a = matchRoutes(routes, '/login')!;
    (a[0]!.params as Record<string, string>).injected = 'x';
    a[1]!.pathname = '/changed';
    const b = matchRoutes(routes, '/login')!;
    expect(b[0]!.params).toEqual({});
    expect(b[1]!.pathname).toBe('/login');
  });

  it('matches parameters and splats per path', () => {
    const routes = tree();
    expect(matchRoutes(routes, '/status/s/first-token')![1]!.params).toEqual({ token: 'first-token' });
    expect(matchRoutes(routes, '/status/s/second-token')![1]!.params).toEqual({ token: 'second-token' });
    expect(matchRoutes(routes, '/a/b')![1]!.params).toEqual({ '*': 'a/b' });
  });

  it('keeps a differently shaped tree apart, even with the same ids', () => {
    const other: Route[] = [{ id: 'root', path: '', children: [{ id: 'login', path: 'sign-in' }] }];
    expect(matchRoutes(tree(), '/login')![1]!.route.id).toBe('login');
    expect(matchRoutes(other, '/login')).toBeNull();
    expect(matchRoutes(other, '/sign-in')![1]!.route.id).toBe('login');
  });

  it('still matches trees whose routes have no ids', () => {
    expect(matchRoutes([{ path: '/a' }, { path: '/b' }], '/b')![0]!.route.path).toBe('/b');
  });
});

/**
 * Every route file in app/routes, with who may use it and a URL to try. The suite reads the
 * folder and fails for a route file missing here (and for an entry whose file is gone): a new
 * route is covered from the day it lands. To add one, name its file and pick its access:
 *
 * - public:    anyone; must still never answer 5xx.
 * - signed-in: any account; signed out is sent to /login.
 * - owner:     a subject's own request; signed out goes to /login, another subject gets 404.
 * - staff:     signed out goes to /login, a subject gets 403.
 * - admin:     as staff, and a staff member gets 403 too.
 * - link:      a private link; a token that is not one gets 404, 409 or 410, whoever asks.
 * - dev-only:  404 in production for everyone.
 *
 * `path` is a URL that passes the guard for the role that may use it (used to send bad bodies
 * past the guard); `refusedPath` one that must be refused (links: a token that is not one).
 * `bodyIgnored`: the action reads no body (it acts on the URL alone), so a bad body may be
 * answered 2xx/3xx, never 5xx. `probeBody`: see below.

 */
export type Access = 'public' | 'signed-in' | 'owner' | 'staff' | 'admin' | 'link' | 'dev-only';

export type Fixtures = {
  /** A request owned by subject A. */
  requestId: string;
  /** A working status link token for an open request. */
  statusToken: string;
  /** A number that is no row's id. */
  missingId: string;
  /** 43 characters shaped like a token, that is no token. */
  fakeToken: string;
};

export type RouteEntry = {
  access: Access;
  path: (f: Fixtures) => string;
  refusedPath?: (f: Fixtures) => string;
  bodyIgnored?: boolean;
  /** The form the refusal probes POST (default `intent=probe`): one the action would act on. */
  probeBody?: string;
};

export const ROUTES: Record<string, RouteEntry> = {
  '$.tsx': { access: 'public', path: () => '/no-such-page' },
  '_index.tsx': { access: 'public', path: () => '/' },
  'account.tsx': { access: 'signed-in', path: () => '/account' },
  'account_.confirm.$token.tsx': { access: 'link', path: (f) => `/account/confirm/${f.fakeToken}`, bodyIgnored: true },
  'account_.requests.tsx': { access: 'signed-in', path: () => '/account/requests' },
  'account_.requests_.$id.tsx': { access: 'owner', path: (f) => `/account/requests/${f.requestId}` },
  'account_.requests_.$id_.attachments.$attachmentId.tsx': {
    access: 'owner',
    path: (f) => `/account/requests/${f.requestId}/attachments/${f.missingId}`,
  },
  'account_.requests_.$id_.package.ts': { access: 'owner', path: (f) => `/account/requests/${f.requestId}/package` },
  'account_.requests_.$id_.reply.tsx': { access: 'owner', path: (f) => `/account/requests/${f.requestId}/reply` },
  'dev.mailbox.tsx': { access: 'dev-only', path: () => '/dev/mailbox' },
  'forgot-password.tsx': { access: 'public', path: () => '/forgot-password' },
  'login.tsx': { access: 'public', path: () => '/login' },
  'logout.tsx': { access: 'public', path: () => '/logout', bodyIgnored: true },
  'requests.new.tsx': { access: 'public', path: () => '/requests/new' },
  'requests.sent.tsx': { access: 'public', path: () => '/requests/sent' },
  'reset-password.$token.tsx': { access: 'link', path: (f) => `/reset-password/${f.fakeToken}` },
  'signup.tsx': { access: 'public', path: () => '/signup' },
  'staff._index.tsx': { access: 'staff', path: () => '/staff' },
  'staff.objections.$id.tsx': { access: 'staff', path: (f) => `/staff/objections/${f.missingId}` },
  'staff.objections._index.tsx': { access: 'staff', path: () => '/staff/objections' },
  'staff.subprocessors.$id.edit.tsx': { access: 'staff', path: (f) => `/staff/subprocessors/${f.missingId}/edit` },
  'staff.subprocessors.$id.retire.tsx': { access: 'staff', path: (f) => `/staff/subprocessors/${f.missingId}/retire` },
  'staff.subprocessors._index.tsx': { access: 'staff', path: () => '/staff/subprocessors' },
  'staff.subprocessors.new.tsx': { access: 'staff', path: () => '/staff/subprocessors/new' },
  'staff.users.tsx': { access: 'admin', path: () => '/staff/users' },
  'staff.audit.tsx': { access: 'admin', path: () => '/staff/audit' },
  'staff.audit_.export.ts': { access: 'admin', path: () => '/staff/audit/export?from=2026-01-01&to=2026-01-02' },
  // `?index`: a POST without it would go to the parent route, not the queue's bulk action.
  'staff.requests._index.tsx': { access: 'staff', path: () => '/staff/requests?index', probeBody: 'bulkAction=close_unverified&select-1=on' },
  'staff.notifications.tsx': { access: 'staff', path: () => '/staff/notifications', probeBody: 'notify=off' },
  'staff.jobs.tsx': { access: 'admin', path: () => '/staff/jobs', probeBody: 'jobId=999999999' },
  'staff.requests.export[.]csv.ts': { access: 'staff', path: () => '/staff/requests/export.csv?state=all&q=probe' },
  'staff.requests.$id.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}`, probeBody: 'intent=note&note=probe' },
  'staff.requests.$id.attachments.$attachmentId.tsx': {
    access: 'staff',
    path: (f) => `/staff/requests/${f.requestId}/attachments/${f.missingId}`,
  },
  'staff.requests.$id_.erase.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/erase`, probeBody: 'version=x&answer=probe' },
  'staff.requests.$id_.package.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/package`, probeBody: 'intent=remove&fileId=x' },
  'staff.requests.$id.package-preview.ts': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/package-preview` },
  'staff.subprocessors.$id.art19.tsx': { access: 'staff', path: (f) => `/staff/subprocessors/${f.missingId}/art19` },
  'status._index.tsx': { access: 'public', path: () => '/status' },
  'status.s.$token.tsx': { access: 'link', path: (f) => `/status/s/${f.statusToken}`, refusedPath: (f) => `/status/s/${f.fakeToken}` },
  'status.s.$token_.attachments.$id.tsx': {
    access: 'link',
    path: (f) => `/status/s/${f.statusToken}/attachments/${f.missingId}`,
    refusedPath: (f) => `/status/s/${f.fakeToken}/attachments/${f.missingId}`,
  },
  'status.s.$token_.package.ts': {
    access: 'link',
    path: (f) => `/status/s/${f.statusToken}/package`,
    refusedPath: (f) => `/status/s/${f.fakeToken}/package`,
  },
  'status.s.$token_.reply.tsx': {
    access: 'link',
    path: (f) => `/status/s/${f.statusToken}/reply`,
    refusedPath: (f) => `/status/s/${f.fakeToken}/reply`,
  },
  'subprocessors._index.tsx': { access: 'public', path: () => '/subprocessors' },
  'subprocessors.changes.$changeId.tsx': { access: 'public', path: (f) => `/subprocessors/changes/${f.missingId}` },
  'subprocessors.feed[.atom].ts': { access: 'public', path: () => '/subprocessors/feed.atom' },
  'subprocessors.feed[.json].ts': { access: 'public', path: () => '/subprocessors/feed.json' },
  'subprocessors.feed[.rss].ts': { access: 'public', path: () => '/subprocessors/feed.rss' },
  'subprocessors.subscribe.tsx': { access: 'public', path: () => '/subprocessors/subscribe' },
  'subprocessors.subscribe_.confirm.tsx': { access: 'public', path: () => '/subprocessors/subscribe/confirm' },
  // The one-click unsubscribe (RFC 8058) carries its token in the URL, not the body.
  'subprocessors.unsubscribe.tsx': { access: 'public', path: (f) => `/subprocessors/unsubscribe?token=${f.fakeToken}`, bodyIgnored: true },
  'subprocessors[.json].ts': { access: 'public', path: () => '/subprocessors.json' },
  'subprocessors[.csv].ts': { access: 'public', path: () => '/subprocessors.csv' },
  'verify.$token.tsx': { access: 'link', path: (f) => `/verify/${f.fakeToken}`, probeBody: 'intent=confirm' },
};

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
 * - api-key:   the monitor API: without a valid `Authorization: Bearer` key, 401 for everyone
 *              (cookies count for nothing there).
 *
 * `path` is a URL that passes the guard for the role that may use it (used to send bad bodies
 * past the guard); `refusedPath` one that must be refused (links: a token that is not one).
 * `bodyIgnored`: the action reads no body (it acts on the URL alone), so a bad body may be
 * answered 2xx/3xx, never 5xx. `probeBody`: see below.

 */
export type Access = 'public' | 'signed-in' | 'owner' | 'staff' | 'admin' | 'link' | 'dev-only' | 'api-key';

export type Fixtures = {
  /** A request owned by subject A. */
  requestId: string;
  /** A working status link token for an open request. */
  statusToken: string;
  /** A number that is no row's id. */
  missingId: string;
  /** 43 characters shaped like a token, that is no token. */
  fakeToken: string;
  /** A breach in the register. */
  breachId: string;
  /** A connected system in the data map. */
  systemId: string;
  /** An item in the privacy mailbox. */
  inboxId: string;
};

export type RouteEntry = {
  access: Access;
  path: (f: Fixtures) => string;
  refusedPath?: (f: Fixtures) => string;
  bodyIgnored?: boolean;
  /** The form the refusal probes POST (default `intent=probe`): one the action would act on. */
  probeBody?: string;
};

/** A UUID that is no system task's id. */
const NO_TASK = '00000000-0000-4000-8000-000000000000';
/** A UUID that is no inbox attachment's id. */
const NO_ATTACHMENT = '00000000-0000-4000-8000-000000000001';

export const ROUTES: Record<string, RouteEntry> = {
  '$.tsx': { access: 'public', path: () => '/no-such-page' },
  '[.]well-known.audit-key.ts': { access: 'public', path: () => '/.well-known/audit-key' },
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
  // Production without SMTP_URL (as the security suite runs): the mail files, for administrators.
  'dev.mailbox.tsx': { access: 'admin', path: () => '/dev/mailbox' },
  'forgot-password.tsx': { access: 'public', path: () => '/forgot-password' },
  'login.tsx': { access: 'public', path: () => '/login' },
  'logout.tsx': { access: 'public', path: () => '/logout', bodyIgnored: true },
  'requests.new.tsx': { access: 'public', path: () => '/requests/new' },
  'requests.sent.tsx': { access: 'public', path: () => '/requests/sent' },
  'reset-password.$token.tsx': { access: 'link', path: (f) => `/reset-password/${f.fakeToken}` },
  'setup.$token.tsx': { access: 'link', path: (f) => `/setup/${f.fakeToken}` },
  'invitation.$token.tsx': { access: 'link', path: (f) => `/invitation/${f.fakeToken}` },
  'signup.tsx': { access: 'public', path: () => '/signup' },
  'staff._index.tsx': { access: 'staff', path: () => '/staff' },
  'staff.objections.$id.tsx': { access: 'staff', path: (f) => `/staff/objections/${f.missingId}` },
  'staff.objections._index.tsx': { access: 'staff', path: () => '/staff/objections' },
  'staff.inbox._index.tsx': { access: 'staff', path: () => '/staff/inbox' },
  'staff.inbox.$id.tsx': { access: 'staff', path: (f) => `/staff/inbox/${f.inboxId}`, probeBody: 'intent=dismiss&reason=' },
  'staff.inbox.$id.attachments.$attachmentId.tsx': { access: 'staff', path: (f) => `/staff/inbox/${f.inboxId}/attachments/${NO_ATTACHMENT}` },
  'staff.subprocessors.$id.edit.tsx': { access: 'staff', path: (f) => `/staff/subprocessors/${f.missingId}/edit` },
  'staff.subprocessors.$id.retire.tsx': { access: 'staff', path: (f) => `/staff/subprocessors/${f.missingId}/retire` },
  'staff.subprocessors._index.tsx': { access: 'staff', path: () => '/staff/subprocessors' },
  'staff.subprocessors.new.tsx': { access: 'staff', path: () => '/staff/subprocessors/new' },
  'staff.users.tsx': { access: 'admin', path: () => '/staff/users' },
  'staff.reports._index.tsx': { access: 'staff', path: () => '/staff/reports' },
  'staff.reports.print.tsx': { access: 'staff', path: () => '/staff/reports/print?period=2026-Q1' },
  'staff.reports.figures[.csv].ts': { access: 'staff', path: () => '/staff/reports/figures.csv?period=2026' },
  'staff.reports.requests[.csv].ts': { access: 'staff', path: () => '/staff/reports/requests.csv?period=2026-01' },
  'staff.reports.transparency.tsx': { access: 'admin', path: () => '/staff/reports/transparency', probeBody: 'intent=publish&year=2025' },
  'transparency._index.tsx': { access: 'public', path: () => '/transparency' },
  'transparency.$year.tsx': { access: 'public', path: () => '/transparency/2025' },
  'staff.audit.tsx': { access: 'admin', path: () => '/staff/audit' },
  'staff.audit_.export.ts': { access: 'admin', path: () => '/staff/audit/export?from=2026-01-01&to=2026-01-02' },
  // The breach register: administrators and DPO staff. 'admin' is what this suite can check (a plain
  // staff member is refused); tests/integration/breach-routes.test.ts lets a DPO in on every route.
  'staff.breaches._index.tsx': { access: 'admin', path: () => '/staff/breaches' },
  'staff.breaches.new.tsx': { access: 'admin', path: () => '/staff/breaches/new?incident=INC-1', probeBody: 'title=probe' },
  'staff.breaches.$id.tsx': { access: 'admin', path: (f) => `/staff/breaches/${f.breachId}` },
  'staff.breaches.$id_.edit.tsx': { access: 'admin', path: (f) => `/staff/breaches/${f.breachId}/edit`, probeBody: 'title=probe' },
  'staff.breaches.$id_.notify.tsx': { access: 'admin', path: (f) => `/staff/breaches/${f.breachId}/notify`, probeBody: 'intent=not_notified&reason=probe' },
  'staff.breaches.$id_.subjects.tsx': { access: 'admin', path: (f) => `/staff/breaches/${f.breachId}/subjects`, probeBody: 'intent=draft&lang=en' },
  'staff.breaches.officers.tsx': { access: 'admin', path: () => '/staff/breaches/officers', probeBody: 'intent=designate&email=a@example.org' },
  'staff.breaches[.csv].ts': { access: 'admin', path: () => '/staff/breaches.csv' },
  // The data map (issue 20): staff read it; administrators and the DPO change it.
  'staff.systems._index.tsx': { access: 'staff', path: () => '/staff/systems', probeBody: 'name=Probe' },
  'staff.systems.$id.tsx': { access: 'staff', path: (f) => `/staff/systems/${f.systemId}`, probeBody: 'intent=save&name=Probe' },
  'staff.systems.$id_.activity.tsx': { access: 'admin', path: (f) => `/staff/systems/${f.systemId}/activity`, probeBody: 'name=Probe&purpose=x' },
  'staff.data-map._index.tsx': { access: 'staff', path: () => '/staff/data-map', probeBody: 'intent=publish' },
  'staff.data-map.vocabulary.tsx': { access: 'staff', path: () => '/staff/data-map/vocabulary', probeBody: 'kind=data_category&parentKey=user&key=user.probe&name=Probe' },
  'staff.data-map.export[.yaml].ts': { access: 'staff', path: () => '/staff/data-map/export.yaml' },
  'staff.data-map.export[.json].ts': { access: 'staff', path: () => '/staff/data-map/export.json' },
  'staff.record-of-processing._index.tsx': { access: 'staff', path: () => '/staff/record-of-processing' },
  'staff.record-of-processing.print.tsx': { access: 'staff', path: () => '/staff/record-of-processing/print?lang=de' },
  'staff.record-of-processing[.csv].ts': { access: 'staff', path: () => '/staff/record-of-processing.csv' },
  'staff.record-of-processing[.json].ts': { access: 'staff', path: () => '/staff/record-of-processing.json?view=processor' },
  'staff.requests.$id_.systems.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/systems`, probeBody: `outcome=data&note=probe` },
  'privacy.processing.tsx': { access: 'public', path: () => '/privacy/processing' },
  'staff.breaches[.json].ts': { access: 'admin', path: () => '/staff/breaches.json' },
  // `?index`: a POST without it would go to the parent route, not the queue's bulk action.
  'staff.requests._index.tsx': { access: 'staff', path: () => '/staff/requests?index', probeBody: 'bulkAction=close_unverified&select-1=on' },
  'staff.notifications.tsx': { access: 'staff', path: () => '/staff/notifications', probeBody: 'notify=off' },
  'staff.jobs.tsx': { access: 'admin', path: () => '/staff/jobs', probeBody: 'jobId=999999999' },
  'staff.requests.export[.]csv.ts': { access: 'staff', path: () => '/staff/requests/export.csv?state=all&q=probe' },
  'staff.requests.new.tsx': {
    access: 'staff',
    path: () => '/staff/requests/new?channel=phone&name=Probe',
    probeBody: 'channel=phone&receivedAt=2026-03-02T10:00&name=Probe&email=probe%40example.org&type_access=yes&note=probe',
  },
  'staff.requests.$id_.letter.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/letter?event=1` },
  'staff.requests.$id.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}`, probeBody: 'intent=note&note=probe' },
  'staff.requests.$id.attachments.$attachmentId.tsx': {
    access: 'staff',
    path: (f) => `/staff/requests/${f.requestId}/attachments/${f.missingId}`,
  },
  'staff.requests.$id_.authority.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/authority`, probeBody: 'intent=resend' },
  'staff.requests.$id_.identity.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/identity`, probeBody: 'version=x&method=other&note=probe' },
  'staff.requests.$id_.art19.tsx': { access: 'staff', path: (f) => `/staff/requests/${f.requestId}/art19`, probeBody: 'intent=confirmed&noticeId=1' },
  'staff.art19.tsx': { access: 'staff', path: () => '/staff/art19' },
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
  // Service status (issue 23): the public page, its API and feeds, alerts, the staff console, the monitor API.
  'service-status._index.tsx': { access: 'public', path: () => '/service-status' },
  'service-status.history.tsx': { access: 'public', path: () => '/service-status/history?month=2026-01' },
  'service-status.incidents.$id.tsx': { access: 'public', path: (f) => `/service-status/incidents/${f.missingId}` },
  'service-status.subscribe.tsx': { access: 'public', path: () => '/service-status/subscribe' },
  'service-status.subscribe_.confirm.tsx': { access: 'public', path: () => '/service-status/subscribe/confirm' },
  'service-status.unsubscribe.tsx': { access: 'public', path: (f) => `/service-status/unsubscribe?token=${f.fakeToken}`, bodyIgnored: true },
  'service-status.feed[.rss].ts': { access: 'public', path: () => '/service-status/feed.rss' },
  'service-status.feed[.atom].ts': { access: 'public', path: () => '/service-status/feed.atom' },
  'service-status.feed[.json].ts': { access: 'public', path: () => '/service-status/feed.json' },
  'alerts.preferences.tsx': { access: 'link', path: (f) => `/alerts/preferences?token=1.${f.fakeToken}` },
  'api.v2.summary[.json].ts': { access: 'public', path: () => '/api/v2/summary.json' },
  'api.v2.status[.json].ts': { access: 'public', path: () => '/api/v2/status.json' },
  'api.v2.components[.json].ts': { access: 'public', path: () => '/api/v2/components.json' },
  'api.v2.incidents[.json].ts': { access: 'public', path: () => '/api/v2/incidents.json' },
  'api.v2.incidents.unresolved[.json].ts': { access: 'public', path: () => '/api/v2/incidents/unresolved.json' },
  'api.v2.scheduled-maintenances[.json].ts': { access: 'public', path: () => '/api/v2/scheduled-maintenances.json' },
  'api.v2.scheduled-maintenances.upcoming[.json].ts': { access: 'public', path: () => '/api/v2/scheduled-maintenances/upcoming.json' },
  'api.v2.scheduled-maintenances.active[.json].ts': { access: 'public', path: () => '/api/v2/scheduled-maintenances/active.json' },
  'api.v1.pages.$pageId.components.$componentId.ts': { access: 'api-key', path: (f) => `/api/v1/pages/any/components/${f.missingId}` },
  'api.v1.pages.$pageId.incidents.ts': { access: 'api-key', path: () => '/api/v1/pages/any/incidents' },
  'api.v1.pages.$pageId.incidents_.$incidentId.ts': { access: 'api-key', path: (f) => `/api/v1/pages/any/incidents/${f.missingId}` },
  'api.v1.uptime-kuma.$componentId.ts': { access: 'api-key', path: (f) => `/api/v1/uptime-kuma/${f.missingId}` },
  // Connected systems' callbacks (issue 19): a task id that is no task is refused 404; the signature and token checks are in tests/integration/systems-*.test.ts.
  'api.systems.tasks.$id.callback.ts': { access: 'link', path: () => `/api/systems/tasks/${NO_TASK}/callback` },
  'api.systems.opendsr.$id.ts': { access: 'link', path: () => `/api/systems/opendsr/${NO_TASK}` },
  // A task mailed to a system's owner: its link is the credential.
  'task.$token.tsx': { access: 'link', path: (f) => `/task/${f.fakeToken}` },
  'staff.service-status._index.tsx': { access: 'staff', path: () => '/staff/service-status', probeBody: 'componentId=1&status=operational' },
  'staff.service-status.components.new.tsx': { access: 'staff', path: () => '/staff/service-status/components/new', probeBody: 'name=Probe&kind=component' },
  'staff.service-status.components.$id.tsx': { access: 'staff', path: (f) => `/staff/service-status/components/${f.missingId}` },
  'staff.service-status.incidents.new.tsx': { access: 'staff', path: () => '/staff/service-status/incidents/new' },
  'staff.service-status.incidents.$id.tsx': { access: 'staff', path: (f) => `/staff/service-status/incidents/${f.missingId}` },
  'staff.service-status.maintenance.new.tsx': { access: 'staff', path: () => '/staff/service-status/maintenance/new' },
  'staff.service-status.api-keys.tsx': { access: 'admin', path: () => '/staff/service-status/api-keys', probeBody: 'intent=revoke&tokenId=1' },
};

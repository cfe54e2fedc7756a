/**
 * JSON Schema of Atlassian Statuspage's public API v2 documents, written from the fields and
 * enums Statuspage documents for `/api/v2/*.json` (page, status, components, incidents with
 * incident_updates, scheduled_maintenances). The portal's API is checked against it with ajv;
 * the portal's own code is not used to write it.
 */
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { anyOf: [dateTime, { type: 'null' }] };
const componentStatus = { enum: ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] };

const page = {
  type: 'object',
  required: ['id', 'name', 'url', 'updated_at'],
  properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string' }, url: { type: 'string', format: 'uri' }, time_zone: { type: 'string' }, updated_at: dateTime },
};

const component = {
  type: 'object',
  required: ['id', 'name', 'status', 'created_at', 'updated_at', 'position', 'description', 'showcase', 'start_date', 'group_id', 'page_id', 'group', 'only_show_if_degraded'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: componentStatus,
    created_at: dateTime,
    updated_at: dateTime,
    position: { type: 'integer' },
    description: { type: ['string', 'null'] },
    showcase: { type: 'boolean' },
    start_date: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
    group_id: { type: ['string', 'null'] },
    page_id: { type: 'string' },
    group: { type: 'boolean' },
    only_show_if_degraded: { type: 'boolean' },
    components: { type: 'array', items: { type: 'string' } },
  },
};

const incidentUpdate = (statuses: string[]) => ({
  type: 'object',
  required: ['id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at', 'affected_components', 'deliver_notifications', 'custom_tweet', 'tweet_id'],
  properties: {
    id: { type: 'string' },
    status: { enum: statuses },
    body: { type: 'string' },
    incident_id: { type: 'string' },
    created_at: dateTime,
    updated_at: dateTime,
    display_at: dateTime,
    affected_components: {
      anyOf: [
        { type: 'null' },
        {
          type: 'array',
          items: { type: 'object', required: ['code', 'name', 'old_status', 'new_status'], properties: { code: { type: 'string' }, name: { type: 'string' }, old_status: componentStatus, new_status: componentStatus } },
        },
      ],
    },
    deliver_notifications: { type: 'boolean' },
    custom_tweet: { type: ['string', 'null'] },
    tweet_id: { type: ['string', 'null'] },
  },
});

const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'];

const incidentCore = (statuses: string[], impacts: string[]) => ({
  type: 'object',
  required: ['id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact', 'shortlink', 'started_at', 'page_id', 'incident_updates', 'components'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { enum: statuses },
    created_at: dateTime,
    updated_at: dateTime,
    monitoring_at: nullableDateTime,
    resolved_at: nullableDateTime,
    impact: { enum: impacts },
    shortlink: { type: 'string', format: 'uri' },
    started_at: dateTime,
    page_id: { type: 'string' },
    incident_updates: { type: 'array', items: incidentUpdate(statuses) },
    components: { type: 'array', items: component },
  },
});

const incident = incidentCore(INCIDENT_STATUSES, ['none', 'minor', 'major', 'critical']);
const maintenance = {
  ...incidentCore(MAINTENANCE_STATUSES, ['none', 'minor', 'major', 'critical', 'maintenance']),
  required: [...incidentCore(MAINTENANCE_STATUSES, []).required, 'scheduled_for', 'scheduled_until'],
  properties: { ...incidentCore(MAINTENANCE_STATUSES, ['none', 'minor', 'major', 'critical', 'maintenance']).properties, scheduled_for: dateTime, scheduled_until: dateTime },
};

const status = {
  type: 'object',
  required: ['indicator', 'description'],
  properties: { indicator: { enum: ['none', 'minor', 'major', 'critical', 'maintenance'] }, description: { type: 'string', minLength: 1 } },
};

const doc = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', required: ['page', ...required], properties: { page, ...properties } });

export const STATUSPAGE_SCHEMAS = {
  '/api/v2/summary.json': doc(['components', 'incidents', 'scheduled_maintenances', 'status'], {
    components: { type: 'array', items: component },
    incidents: { type: 'array', items: incident },
    scheduled_maintenances: { type: 'array', items: maintenance },
    status,
  }),
  '/api/v2/status.json': doc(['status'], { status }),
  '/api/v2/components.json': doc(['components'], { components: { type: 'array', items: component } }),
  '/api/v2/incidents.json': doc(['incidents'], { incidents: { type: 'array', maxItems: 50, items: incident } }),
  '/api/v2/incidents/unresolved.json': doc(['incidents'], { incidents: { type: 'array', items: { ...incident, properties: { ...incident.properties, status: { enum: ['investigating', 'identified', 'monitoring'] } } } } }),
  '/api/v2/scheduled-maintenances.json': doc(['scheduled_maintenances'], { scheduled_maintenances: { type: 'array', maxItems: 50, items: maintenance } }),
  '/api/v2/scheduled-maintenances/upcoming.json': doc(['scheduled_maintenances'], {
    scheduled_maintenances: { type: 'array', items: { ...maintenance, properties: { ...maintenance.properties, status: { enum: ['scheduled'] } } } },
  }),
  '/api/v2/scheduled-maintenances/active.json': doc(['scheduled_maintenances'], {
    scheduled_maintenances: { type: 'array', items: { ...maintenance, properties: { ...maintenance.properties, status: { enum: ['in_progress', 'verifying'] } } } },
  }),
} as const;

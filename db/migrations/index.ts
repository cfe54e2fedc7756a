import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001_jobs';
import * as m0002 from './0002_mail_rate_limits';
import * as m0003 from './0003_accounts';
import * as m0004 from './0004_subprocessors';
import * as m0005 from './0005_requests';
import * as m0006 from './0006_account_email_confirmation';
import * as m0010 from './0010_request_owner';
import * as m0011 from './0011_password_reset';
import * as m0020 from './0020_staff_console';
import * as m0021 from './0021_subject_flags';
import * as m0030 from './0030_subprocessor_art19_contact';
import * as m0040 from './0040_audit_chain';
import * as m0041 from './0041_request_proof_hash';
import * as m0060 from './0060_languages_scope_agents';
import * as m0070 from './0070_access_packages';
import * as m0072 from './0072_reminders';
import * as m0080 from './0080_objection_language';
import * as m0090 from './0090_admin_setup_and_invitations';
import * as m0095 from './0095_withheld_and_package_format';
import * as m0100 from './0100_agent_authority';
import * as m0101 from './0101_art19_by_hand';
import * as m0102 from './0102_erasure_ledger';
import * as m0110 from './0110_request_search';
import * as m0111 from './0111_staff_notifications';
import * as m0140 from './0140_reports';
import * as m0141 from './0141_transparency_reports';
import * as m0150 from './0150_service_status';
import * as m0160 from './0160_breach_register';
import * as m0170 from './0170_connected_systems';
import * as m0205 from './0205_system_delivery';
import * as m0210 from './0210_requests_from_every_channel';
import * as m0215 from './0215_verification_levels';
import * as m0212 from './0212_privacy_inbox';
import * as m0218 from './0218_package_chunks';
import * as m0200 from './0200_data_map';

/**
 * The one ordered registry of migrations. Imported statically (not read from disk) so the
 * same list runs from the bundled server, the CLI and the tests. Append only; never rename.
 */
export const migrations: Record<string, Migration> = {
  '0001_jobs': m0001,
  '0002_mail_rate_limits': m0002,
  '0003_accounts': m0003,
  '0004_subprocessors': m0004,
  '0005_requests': m0005,
  '0006_account_email_confirmation': m0006,
  '0010_request_owner': m0010,
  '0011_password_reset': m0011,
  '0020_staff_console': m0020,
  '0021_subject_flags': m0021,
  '0030_subprocessor_art19_contact': m0030,
  '0040_audit_chain': m0040,
  '0041_request_proof_hash': m0041,
  '0060_languages_scope_agents': m0060,
  '0070_access_packages': m0070,
  '0072_reminders': m0072,
  '0080_objection_language': m0080,
  '0090_admin_setup_and_invitations': m0090,
  '0095_withheld_and_package_format': m0095,
  '0100_agent_authority': m0100,
  '0101_art19_by_hand': m0101,
  '0102_erasure_ledger': m0102,
  '0110_request_search': m0110,
  '0111_staff_notifications': m0111,
  '0140_reports': m0140,
  '0141_transparency_reports': m0141,
  '0150_service_status': m0150,
  '0160_breach_register': m0160,
  '0170_connected_systems': m0170,
  '0200_data_map': m0200,
  '0205_system_delivery': m0205,
  '0210_requests_from_every_channel': m0210,
  '0212_privacy_inbox': m0212,
  '0215_verification_levels': m0215,
  '0218_package_chunks': m0218,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

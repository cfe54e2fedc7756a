import { Link } from '@remix-run/react';

/** The staff home's operations block: what needs attention now. */
export function OperationsSummary(props: {
  overdueRequests: number;
  failedJobs: number;
  failedMail: number;
  lastBackupAt: string | null;
  now: string;
  /** Administrators follow the count to what failed and why (/staff/jobs). */
  showFailedJobs?: boolean;
}) {
  const ageHours = props.lastBackupAt ? Math.floor((Date.parse(props.now) - Date.parse(props.lastBackupAt)) / 3_600_000) : null;
  return (
    <section aria-labelledby="operations-heading">
      <h2 id="operations-heading">Operations</h2>
      <ul>
        <li>Overdue requests: {props.overdueRequests}</li>
        <li>
          {props.showFailedJobs ? <Link to="/staff/jobs">{`Failed background jobs: ${props.failedJobs}`}</Link> : `Failed background jobs: ${props.failedJobs}`}
        </li>
        <li>Mail that could not be delivered: {props.failedMail}</li>
        <li>
          Last backup:{' '}
          {props.lastBackupAt === null
            ? 'never (run npm run backup, or set BACKUP_SCHEDULE)'
            : `${props.lastBackupAt.slice(0, 16).replace('T', ' ')} UTC (${ageHours === 0 ? 'less than an hour' : `${ageHours} hours`} ago)`}
        </li>
      </ul>
    </section>
  );
}

import type { SubprocessorDetails } from '../../db/schema';
import { countryName, TRANSFER_MECHANISMS, type TransferMechanism } from '~/models/subprocessors/rules';
import { formatDate } from '~/utils/dates';

type Entry = SubprocessorDetails & { slug: string; since: string };

export function mechanismLabel(mechanism: string) {
  return TRANSFER_MECHANISMS[mechanism as TransferMechanism] ?? mechanism;
}

/** The list of subprocessors; on a phone each row becomes a card (see app.css `.responsive-table`). */
export function SubprocessorTable({ entries, caption }: { entries: Entry[]; caption: string }) {
  if (entries.length === 0) return <p>No subprocessors were engaged on this date.</p>;
  return (
    <div className="table-scroll">
      <table className="responsive-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Legal entity</th>
            <th scope="col">Purpose</th>
            <th scope="col">Data categories</th>
            <th scope="col">Processing locations</th>
            <th scope="col">Transfer mechanism</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.slug} id={`sp-${e.slug}`}>
              <th scope="row" data-label="Name">
                <a href={e.website} rel="noopener noreferrer">
                  {e.name}
                </a>
                <span className="print-only"> ({e.website})</span>
              </th>
              <td data-label="Legal entity">{e.legalEntity}</td>
              <td data-label="Purpose">{e.purpose}</td>
              <td data-label="Data categories">{e.dataCategories.join(', ')}</td>
              <td data-label="Processing locations">{e.locations.map(countryName).join(', ')}</td>
              <td data-label="Transfer mechanism">{mechanismLabel(e.transferMechanism)}</td>
              <td data-label="Since">
                <time dateTime={e.since}>{formatDate(e.since)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

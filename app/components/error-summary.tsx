/**
 * Every error of a form at the top, each a link to its field, focused when it appears so a
 * screen reader announces it (the GOV.UK pattern). Server-rendered: works without JavaScript.
 */
export function ErrorSummary({ title, items }: { title: string; items: Array<{ href: string; text: string }> }) {
  if (items.length === 0) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1}>
      <h2 id="error-summary-title">{title}</h2>
      <ul>
        {items.map((item) => (
          <li key={item.href}>
            <a href={item.href}>{item.text}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

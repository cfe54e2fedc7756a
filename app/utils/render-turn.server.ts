/**
 * One render per turn of the event loop (issue 24 item 10). A render is synchronous and the
 * steps before it (loaders on the embedded database) resolve in microtasks, so twenty admitted
 * requests used to render back to back in one turn: seconds in which no connection was accepted
 * and no request read, and at 100 connections some first requests waited over 10 s. Each render
 * now waits for the previous one and then a setImmediate, so accepts and reads run between any
 * two renders; the order stays first come, first served.
 */
let lastTurn: Promise<void> = Promise.resolve();
export function renderTurn(): Promise<void> {
  const turn = lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  lastTurn = turn;
  return turn;
}

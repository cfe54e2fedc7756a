/**
 * The load client for the intake row of `npm run bench`: autocannon (programmatic, in its own
 * process like every other row) posting the public request form, each submission with its own
 * key, email and client address (X-Forwarded-For from loopback is trusted), as many people
 * filing at once would. Prints autocannon's JSON result.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

const [url, connections, seconds] = process.argv.slice(2);
let n = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: 'POST',
      setupRequest: (request) => {
        n += 1;
        const id = randomUUID();
        return {
          ...request,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          },
          body: new URLSearchParams({
            type: 'access',
            email: `bench-${id}@example.org`,
            name: 'Bench Subject',
            requesterRole: 'self',
            confirm: 'yes',
            website: '',
            submissionId: id,
          }).toString(),
        };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
